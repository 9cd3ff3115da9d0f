#!/usr/bin/env python3
"""Storage-layout compatibility check for time-locked upgrades (docs/upgrades.md).

New code reads the storage the old code wrote. This compares two storage
layouts (from ink! metadata `.json` files, or from a snapshot this script
wrote) and fails if the new one would misread the old data:

- every stored cell of the old layout (root-struct field or Mapping/Lazy
  root) exists in the new one under the same name, key and position, with
  the same type, where enums may only gain variants at the end and a
  `String` may become a `Vec<u8>` (the same encoding);
- the new layout may add cells only as new roots (Mapping/Lazy with their own
  key), never as a plain field of an existing cell.

  layout-check.py OLD NEW             # OLD, NEW: metadata .json or snapshot
  layout-check.py --snapshot META OUT # write the canonical layout of META

Exit 0 and "storage layout: NAME compatible (N cells)" or exit 1 with the
differences.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metadata_shapes import type_shape  # noqa: E402


def load(path):
    with open(path) as f:
        d = json.load(f)
    if "cells" in d:  # a snapshot
        return d["name"], d["cells"]
    types = {t["id"]: t["type"] for t in d["types"]}
    name = d.get("contract", {}).get("name", path)
    return name, cells(d["storage"], types)


def cells(storage, types):
    """Flattens a layout into cells: name path -> (key, kind, shape)."""
    out = {}

    def walk(layout, name, cell_key):
        if "root" in layout:
            r = layout["root"]
            walk(r["layout"], name, r["root_key"])
            if name:
                out.setdefault(name, {"key": r["root_key"], "kind": "root"})
        elif "leaf" in layout:
            out[name] = {"key": cell_key, "kind": "leaf", "shape": type_shape(layout["leaf"]["ty"], types)}
        elif "struct" in layout:
            for i, f in enumerate(layout["struct"]["fields"]):
                walk(f["layout"], f"{name}.{i}:{f['name']}" if name else f"{i}:{f['name']}", cell_key)
        elif "enum" in layout:
            for idx, v in sorted(layout["enum"]["variants"].items(), key=lambda kv: int(kv[0])):
                for i, f in enumerate(v["fields"]):
                    walk(f["layout"], f"{name}/{idx}:{v['name']}.{i}:{f['name']}", cell_key)
        elif "hash" in layout or "array" in layout:
            out[name] = {"key": cell_key, "kind": "other", "shape": layout}
        else:
            out[name] = {"key": cell_key, "kind": "other", "shape": layout}

    walk(storage, "", "0x00000000")
    return out


# `String` and `Vec<u8>` have one SCALE encoding (compact length, then the
# bytes): a text field may become a byte field and old values stay readable.
STR = {"primitive": "str"}
BYTES = {"sequence": {"primitive": "u8"}}


def shape_compatible(old, new, where, problems):
    """Enums may gain variants at the end; a `String` may become a `Vec<u8>`;
    everything else must be equal."""
    if old == STR and new == BYTES:
        return
    if isinstance(old, dict) and isinstance(new, dict) and "variant" in old and "variant" in new:
        if old["variant"] != new["variant"] or old["params"] != new["params"]:
            problems.append(f"{where}: enum {old['variant']} became {new['variant']}")
            return
        nv = {v[0]: v for v in new["variants"]}
        for v in old["variants"]:
            if v[0] not in nv:
                problems.append(f"{where}: enum {old['variant']} lost variant {v[1]} (index {v[0]})")
            elif nv[v[0]][1] != v[1] or nv[v[0]][2] != v[2]:
                problems.append(f"{where}: enum {old['variant']} variant {v[0]} changed ({v[1]} -> {nv[v[0]][1]})")
        return
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        for k in old:
            shape_compatible(old[k], new[k], where, problems)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for a, b in zip(old, new):
            shape_compatible(a, b, where, problems)
        return
    if old != new:
        problems.append(f"{where}: stored type changed")


def in_new_variant(cell, old):
    """Whether `cell` is a field of an enum variant that no old cell is under
    (a variant added by the new code): no stored value can hold it yet, so
    it is not a new field inside old data. (Variants must still be added at
    the end: an insertion moves the old variants' cells, reported above.)"""
    parts = cell.split("/")
    for i in range(1, len(parts)):
        prefix = "/".join(parts[:i]) + "/" + parts[i].split(".")[0]
        if not any(o == prefix or o.startswith(prefix + ".") or o.startswith(prefix + "/") for o in old):
            return True
    return False


def compare(old_path, new_path):
    name, old = load(old_path)
    _, new = load(new_path)
    problems = []
    for cell, o in old.items():
        n = new.get(cell)
        if n is None:
            problems.append(f"{cell}: removed, renamed or moved")
            continue
        if n["key"] != o["key"]:
            problems.append(f"{cell}: storage key {o['key']} -> {n['key']}")
        if o.get("shape") is not None:
            shape_compatible(o["shape"], n.get("shape"), cell, problems)
    old_keys = {o["key"] for o in old.values()}
    for cell, n in new.items():
        if cell not in old and n["key"] in old_keys and not in_new_variant(cell, old):
            problems.append(f"{cell}: new field inside an existing cell ({n['key']}); add a Mapping or Lazy instead")
    if problems:
        print(f"storage layout: {name} INCOMPATIBLE with {old_path}:")
        for p in problems:
            print(f"  {p}")
        return False
    added = len([c for c in new if c not in old])
    print(f"storage layout: {name} compatible ({len(old)} cells kept, {added} added)")
    return True


def main(argv):
    if len(argv) == 4 and argv[1] == "--snapshot":
        name, cs = load(argv[2])
        with open(argv[3], "w") as f:
            json.dump({"name": name, "cells": cs}, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"storage layout of {name}: {len(cs)} cells written to {argv[3]}")
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if compare(argv[1], argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

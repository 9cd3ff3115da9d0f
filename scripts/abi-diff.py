#!/usr/bin/env python3
"""Compare the ABI of two builds of one contract (ink! metadata `.json`).

  abi-diff.py BEFORE.json AFTER.json
  abi-diff.py --annex CONTRACT.json ANNEX.json

With --annex, AFTER is the annex build of BEFORE's source (a package
`smrms_NAME_annex`; contracts/shared/annex.rs): its crate name in type and
event paths is read as the contract's, and everything else must be
identical, since the contract hands these calls to the annex.

Compares the `spec` by label: constructors and messages (selector, payable,
mutates, default, args by label and resolved type shape, return type
shape), events (module path, signature topic, args by label, indexed flag
and type shape), the language error and the environment types; then every
named type of the `types` registry by path and shape. Type ids and docs are
ignored: a type is compared by what it is (names, fields, variants, nested
shapes), so registry ids may shift freely.

Prints `abi: NAME identical` and exits 0, or prints the differences and
exits 1.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metadata_shapes import type_shape  # noqa: E402


def load(path, annex=False):
    with open(path) as f:
        text = f.read()
    if annex:  # the annex's crate paths as the contract's
        text = re.sub(r"\b(smrms_\w+?)_annex\b", r"\1", text)
    d = json.loads(text)
    return d.get("contract", {}).get("name", path), d["spec"], {t["id"]: t["type"] for t in d["types"]}


def shape(tid, types):
    """A type as a comparable structure: names and shapes, not ids or docs."""
    return type_shape(tid, types, detailed=True)


def tref(ref, types):
    """A `{type, displayName}` reference as its shape and display name."""
    if ref is None:
        return None
    return {"shape": shape(ref["type"], types), "displayName": ref.get("displayName")}


def callable_view(c, types):
    view = {k: c.get(k) for k in ("selector", "payable", "mutates", "default")}
    view["args"] = [[a["label"], tref(a["type"], types)] for a in c.get("args", [])]
    view["returnType"] = tref(c.get("returnType"), types)
    return view


def event_view(e, types):
    view = {k: e.get(k) for k in ("module_path", "signature_topic")}
    view["args"] = [[a["label"], a.get("indexed"), tref(a["type"], types)] for a in e.get("args", [])]
    return view


def by_label(items, view, types):
    out = {}
    for it in items:
        out[it["label"]] = view(it, types)
    return out


def named_types(types):
    out = {}
    for tid, t in types.items():
        if t.get("path"):
            out.setdefault("::".join(t["path"]), []).append(json.dumps(shape(tid, types), sort_keys=True))
    return {k: sorted(v) for k, v in out.items()}


def first_difference(b, a, where=""):
    """Where two shapes first differ, and the two values there."""
    if type(b) is not type(a):
        return where, b, a
    if isinstance(b, dict):
        for k in sorted(set(b) | set(a)):
            if b.get(k) != a.get(k):
                return first_difference(b.get(k), a.get(k), f"{where}.{k}")
    if isinstance(b, list) and len(b) == len(a):
        for i, (x, y) in enumerate(zip(b, a)):
            if x != y:
                return first_difference(x, y, f"{where}[{i}]")
    return where, b, a


def short(v, n=200):
    text = json.dumps(v)
    return text if len(text) <= n else text[:n] + " ..."


def compare(kind, before, after, diffs):
    for label in sorted(set(before) | set(after)):
        if label not in after:
            diffs.append(f"{kind} {label}: removed")
        elif label not in before:
            diffs.append(f"{kind} {label}: added")
        elif before[label] != after[label]:
            b, a = before[label], after[label]
            keys = sorted(set(b) | set(a)) if isinstance(b, dict) else ["value"]
            for k in keys:
                bv, av = (b.get(k), a.get(k)) if isinstance(b, dict) else (b, a)
                if bv != av:
                    where, x, y = first_difference(bv, av)
                    diffs.append(f"{kind} {label}: {k}{where} differs\n    before: {short(x)}\n    after:  {short(y)}")


def main():
    args = sys.argv[1:]
    annex = args[:1] == ["--annex"]
    args = args[1:] if annex else args
    if len(args) != 2:
        sys.exit(__doc__)
    name, sb, tb = load(args[0])
    _, sa, ta = load(args[1], annex)
    diffs = []
    compare("constructor", by_label(sb["constructors"], callable_view, tb),
            by_label(sa["constructors"], callable_view, ta), diffs)
    compare("message", by_label(sb["messages"], callable_view, tb), by_label(sa["messages"], callable_view, ta), diffs)
    compare("event", by_label(sb.get("events", []), event_view, tb), by_label(sa.get("events", []), event_view, ta),
            diffs)
    compare("spec", {"lang_error": tref(sb.get("lang_error"), tb)}, {"lang_error": tref(sa.get("lang_error"), ta)},
            diffs)
    env_b = {k: tref(v, tb) if isinstance(v, dict) and "type" in v else v for k, v in sb.get("environment", {}).items()}
    env_a = {k: tref(v, ta) if isinstance(v, dict) and "type" in v else v for k, v in sa.get("environment", {}).items()}
    compare("environment", env_b, env_a, diffs)
    compare("type", named_types(tb), named_types(ta), diffs)
    if diffs:
        print(f"abi: {name} differs")
        for d in diffs:
            print("  " + d)
        sys.exit(1)
    counts = f"{len(sa['constructors'])} constructors, {len(sa['messages'])} messages, {len(sa.get('events', []))} events"
    print(f"abi: {name} identical ({counts}, {len(named_types(ta))} named types)")


if __name__ == "__main__":
    main()

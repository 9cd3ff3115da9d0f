"""Types of ink! metadata (`.json` of a `.contract` build) as comparable
structures: names and shapes, not the registry's type ids, which shift when
any type is added. Shared by scripts/layout-check.py (storage) and
scripts/abi-diff.py (messages, constructors, events)."""


def type_shape(tid, types, seen=(), detailed=False):
    """The shape of type `tid` in `types` ({id: type}). `detailed` also keeps
    generic parameter names and each field's `typeName` (abi-diff); without
    it the result is the form the committed storage-layout snapshots use."""
    if tid in seen:
        return {"recursive": ("::" if detailed else ".").join(types[tid].get("path", []))}
    t = types[tid]
    seen = seen + (tid,)
    path = "::".join(t.get("path", []))

    def sub(x):
        return type_shape(x, types, seen, detailed)

    if detailed:
        params = [[p.get("name"), sub(p["type"]) if p.get("type") is not None else None] for p in t.get("params", [])]
    else:
        params = [sub(p["type"]) for p in t.get("params", []) if p.get("type") is not None]

    def fields(fs):
        if detailed:
            return [[f.get("name"), f.get("typeName"), sub(f["type"])] for f in fs]
        return [[f.get("name"), sub(f["type"])] for f in fs]

    d = t["def"]
    if "composite" in d:
        return {"composite": path, "params": params, "fields": fields(d["composite"].get("fields", []))}
    if "variant" in d:
        vs = sorted(d["variant"].get("variants", []), key=lambda v: v["index"])
        return {"variant": path, "params": params, "variants": [[v["index"], v["name"], fields(v.get("fields", []))] for v in vs]}
    if "sequence" in d:
        return {"sequence": sub(d["sequence"]["type"])}
    if "array" in d:
        return {"array": [d["array"]["len"], sub(d["array"]["type"])]}
    if "tuple" in d:
        return {"tuple": [sub(x) for x in d["tuple"]]}
    if "primitive" in d:
        return {"primitive": d["primitive"]}
    if "compact" in d:
        return {"compact": sub(d["compact"]["type"])}
    if detailed and "bitsequence" in d:
        return {"bitsequence": [sub(v) for v in d["bitsequence"].values()]}
    return {"other": d}

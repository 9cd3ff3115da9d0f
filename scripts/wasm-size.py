#!/usr/bin/env python3
"""What an optimized contract's Wasm is made of (a small twiggy).

  wasm-size.py FILE.wasm [--top N]

FILE must keep its name section: build with
`cargo contract build --release --keep-debug-symbols` (the code is the same
as the release build's; the names are a custom section, not counted below).
Prints the size of each section, then the code grouped by crate (the first
crate named in each function's demangled path, `<T as Trait>` counted under
T's crate), then the N largest functions.
"""
import re
import sys
from collections import defaultdict

SECTION = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
           7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count"}


def leb(b, i):
    out, shift = 0, 0
    while True:
        x = b[i]
        i += 1
        out |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return out, i


def name_of(b, i):
    n, i = leb(b, i)
    return b[i:i + n].decode("utf-8", "replace"), i + n


def demangle(sym):
    """Rust legacy mangling `_ZN<len><part>...E` -> `a::b::c` (hash dropped)."""
    if not sym.startswith("_ZN"):
        return sym
    i, parts = 3, []
    while i < len(sym) and sym[i] != "E":
        m = re.match(r"\d+", sym[i:])
        if not m:
            return sym
        n = int(m.group())
        i += len(m.group())
        parts.append(sym[i:i + n])
        i += n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts)
    for code, ch in [("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","), ("$BP$", "*"),
                     ("$u7b$", "{"), ("$u7d$", "}"), ("$u5b$", "["), ("$u5d$", "]"), ("$u27$", "'"), ("..", "::")]:
        text = text.replace(code, ch)
    return text


def crate_of(name):
    m = re.search(r"[A-Za-z_][A-Za-z0-9_]*", name.lstrip("<&* "))
    return m.group() if m else name


def main():
    args = sys.argv[1:]
    top = 25
    if "--top" in args:
        k = args.index("--top")
        top = int(args[k + 1])
        del args[k:k + 2]
    b = open(args[0], "rb").read()
    assert b[:4] == b"\0asm", "not a wasm file"
    i, sections, bodies, names, imported = 8, defaultdict(int), [], {}, 0
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        end = j + size
        if sid == 0:
            cname, k = name_of(b, j)
            if cname == "name":
                while k < end:
                    sub, k = b[k], k + 1
                    ssize, k = leb(b, k)
                    if sub == 1:
                        count, m = leb(b, k)
                        for _ in range(count):
                            idx, m = leb(b, m)
                            fname, m = name_of(b, m)
                            names[idx] = demangle(fname)
                    k += ssize
            else:
                sections[f"custom ({cname})"] += end - i
            if cname == "name":
                sections["(names: not counted)"] += 0
        else:
            sections[SECTION.get(sid, str(sid))] += end - i
            if sid == 2:
                count, k = leb(b, j)
                for _ in range(count):
                    _, k = name_of(b, k)
                    _, k = name_of(b, k)
                    kind = b[k]
                    k += 1
                    if kind == 0:
                        imported += 1
                        _, k = leb(b, k)
                    elif kind == 1:
                        k += 1
                        flags, k = leb(b, k + 0)
                        _, k = leb(b, k)
                        if flags & 1:
                            _, k = leb(b, k)
                    elif kind == 2:
                        flags, k = leb(b, k)
                        _, k = leb(b, k)
                        if flags & 1:
                            _, k = leb(b, k)
                    else:
                        k += 2
            if sid == 10:
                count, k = leb(b, j)
                for n in range(count):
                    bsize, m = leb(b, k)
                    bodies.append((imported + n, m + bsize - k))
                    k = m + bsize
        i = end
    total = sum(v for k, v in sections.items() if not k.startswith("custom (name"))
    print(f"{args[0]}: {total} bytes without the name section")
    for k, v in sorted(sections.items(), key=lambda x: -x[1]):
        if v:
            print(f"  {k:<12} {v:>7}")
    if not names:
        print("no name section: build with --keep-debug-symbols to see functions")
        return
    by_crate = defaultdict(lambda: [0, 0])
    for idx, size in bodies:
        c = crate_of(names.get(idx, "?"))
        by_crate[c][0] += size
        by_crate[c][1] += 1
    print("code by crate (bytes, functions):")
    for c, (size, n) in sorted(by_crate.items(), key=lambda x: -x[1][0]):
        print(f"  {c:<28} {size:>7} {n:>5}")
    print(f"largest {top} functions:")
    for idx, size in sorted(bodies, key=lambda x: -x[1])[:top]:
        print(f"  {size:>6}  {names.get(idx, '?')[:150]}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every relative link and image in the repository's Markdown files resolves.

    python3 scripts/check-links.py        # exit 1 and list the broken ones

Checks `[text](path)` and `![alt](path)` whose target is not a URL or a
pure #anchor, relative to the file that contains it (anchors after `#` are
ignored). Skips node_modules, target and .git.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {"node_modules", "target", ".git", "dist"}
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```", re.S)

broken, checked, files = [], 0, 0
for dirpath, dirnames, filenames in os.walk(ROOT):
    dirnames[:] = [d for d in dirnames if d not in SKIP]
    for name in filenames:
        if not name.endswith(".md"):
            continue
        files += 1
        path = os.path.join(dirpath, name)
        text = CODE.sub("", open(path, encoding="utf-8").read())
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            checked += 1
            rel = target.split("#", 1)[0]
            if not os.path.exists(os.path.normpath(os.path.join(dirpath, rel))):
                broken.append(f"{os.path.relpath(path, ROOT)}: {target}")
print(f"links: {checked} relative links in {files} Markdown files, broken: {len(broken)}")
for b in broken:
    print("  broken:", b)
sys.exit(1 if broken else 0)

#!/usr/bin/env python3
"""Keeps a CI build cache warm across fresh clones (called by .ci/run).

cargo (and cargo-contract) decide that a workspace crate must be rebuilt when
one of its source files is newer than the last build, by modification time.
A fresh clone gives every file the time of the clone, so every crate of the
workspace and every contract bundle (debug and release) was rebuilt on every
CI run, about five minutes of a warm run.

This restores, for each file git tracks whose content (SHA-256) is the same
as at the previous run in this same folder, the modification time it had
then; a file whose content differs keeps its new time and is rebuilt. It
then records the files' hashes and times for the next run. Cargo thus sees
an unchanged file as unchanged: a content check, as cargo's own
`-Zchecksum-freshness` does on nightly.

    python3 scripts/ci-mtimes.py TARGET_DIR

The record lives in TARGET_DIR/.ci-mtimes/, one file per clone folder (cargo's
fingerprints are per folder too). Only CI runs should build in that folder.
"""
import hashlib
import json
import os
import subprocess
import sys


def main() -> int:
    target = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    store = os.path.join(target, ".ci-mtimes")
    os.makedirs(store, exist_ok=True)
    record = os.path.join(store, hashlib.sha256(root.encode()).hexdigest()[:16] + ".json")
    try:
        with open(record) as f:
            before = json.load(f)
    except (OSError, ValueError):
        before = {}
    files = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True).stdout
    now, restored = {}, 0
    for rel in files.decode().split("\0"):
        path = os.path.join(root, rel)
        if not rel or not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        old = before.get(rel)
        if old and old[0] == digest:
            os.utime(path, ns=(old[1], old[1]))
            restored += 1
        now[rel] = [digest, os.stat(path).st_mtime_ns]
    with open(record + ".tmp", "w") as f:
        json.dump(now, f)
    os.replace(record + ".tmp", record)
    print(f"ci-mtimes: {restored} of {len(now)} files unchanged since the last run here keep their times")
    return 0


if __name__ == "__main__":
    sys.exit(main())

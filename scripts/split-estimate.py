#!/usr/bin/env python3
"""What splitting permissions and records would save, measured (docs/benchmark.md).

  . scripts/env.sh && SMRMS_BENCH_TARGET=... python3 scripts/split-estimate.py

The plan in docs/benchmark.md moves the care circle's messages out of
permissions and the key store out of records. This builds that estimate
without writing the new contracts: in a copy of the committed tree (`git
archive HEAD`) it compiles those messages out of the two contracts (a `lean`
cargo feature and `#[cfg(not(feature = "lean"))]` on each moved message; the
storage and the logic `authorize` needs stay, as they would in the split, where
the other contracts push what it reads). Then it deploys the suite twice on a
throw-away node, as built ($SMRMS_INK) and with the two lean contracts, and
dry-runs the hot path. Prints the sizes and the ratios to the ERC-20 transfer
(the benchmark's baseline, from $SMRMS_BENCH_TARGET). Nothing is committed;
the copy and its build live under $SMRMS_SPLIT_TARGET (default
$CARGO_TARGET_DIR/split-estimate).
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("SMRMS_BENCH_TARGET", os.path.join(os.environ["SMRMS_ROOT"], "target", "bench"))  # as bench.sh
import bench  # noqa: E402  (its Chain helper, node and arguments)

# What the plan moves (docs/benchmark.md, "The split, as it would go").
MOVED = {
    "permissions": ["appoint_guardian", "appoint_guardian_for", "remove_guardian", "guardianship", "guardians_of",
                    "wards_of", "declare_incapacity", "lift_incapacity", "incapacity", "grant_for", "revoke_for",
                    "open_emergency", "close_emergency", "emergencies_of", "emergency_count", "set_emergency_max",
                    "emergency_max"],
    "records": ["share_key", "share_keys", "revoke_keys", "key_of", "key_holders", "shred_keys",
                "designate_custodian", "custodian", "set_card", "prune_card_key", "card"],
}


def lean_copy(work):
    """The committed tree with the moved messages compiled out under `lean`."""
    src = os.path.join(work, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    archive = subprocess.run(["git", "archive", "HEAD", "contracts", "Cargo.toml", "Cargo.lock", "bench/erc20", "e2e",
                              "client"], cwd=os.environ["SMRMS_ROOT"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    for contract, names in MOVED.items():
        path = os.path.join(src, "contracts", contract, "lib.rs")
        text = open(path).read()
        for name in names:
            m = re.search(r"\n(\s*)#\[ink\(message[^\]]*\)\]\n\s*pub fn " + name + r"\(", text)
            if not m:
                sys.exit(f"{contract}: no message {name} (the plan's list is out of date)")
            text = text[:m.start()] + f"\n{m.group(1)}#[cfg(not(feature = \"lean\"))]" + text[m.start():]
        open(path, "w").write(text)
        manifest = os.path.join(src, "contracts", contract, "Cargo.toml")
        body = open(manifest).read().replace("bench = []", "bench = []\nlean = []")
        open(manifest, "w").write(body)
    return src


def build_lean(src, target):
    out = {}
    for contract in MOVED:
        name = f"smrms_{contract}"
        # (the helpers only the moved messages used are dead code in this build: its warnings are not shown)
        p = subprocess.run(["cargo", "contract", "build", "--release", "--quiet", "--features", "lean",
                            "--manifest-path", os.path.join(src, "contracts", contract, "Cargo.toml")],
                           env={**os.environ, "CARGO_TARGET_DIR": target}, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"lean build of {contract} failed:\n{p.stdout}{p.stderr}")
        out[contract] = os.path.join(target, "ink", name, f"{name}.contract")
    return out


def measure(bundles):
    bench.bundle = lambda name, ink=None: bundles[name]
    b = bench
    with b.dev_node() as c:
        c.instantiate("erc20", "1000000000")
        b.deploy_suite(c)
        c.submit("records", "add_record", (b.ADDR[b.BOB], "Diagnosis", b.b("Type 2 diabetes"), b.BODY, "None"), b.CHARLIE)
        base = c.dry("erc20", "transfer", (b.ADDR[b.BOB], "1"))
        rows = {
            "records.add_record (480-byte body)":
                c.dry("records", "add_record", (b.ADDR[b.BOB], "Diagnosis", b.b("Follow-up"), b.BODY, "None"), b.CHARLIE),
            "records.read_record (audited)": c.dry("records", "read_record", (b.ADDR[b.BOB], "0"), b.CHARLIE),
            "permissions.grant": c.dry("permissions", "grant", (b.ADDR[b.DAVE], b.RW, "None"), b.BOB),
        }
    return {k: (v["ref_time"] / base["ref_time"], v["proof_size"] / base["proof_size"]) for k, v in rows.items()}


def main():
    ink = bench.PROD_INK
    full = {n: os.path.join(ink, f"smrms_{n}", f"smrms_{n}.contract")
            for n in ("registry", "permissions", "records", "appointments")}
    full["erc20"] = os.path.join(bench.BENCH_INK, "bench_erc20", "bench_erc20.contract")
    for p in full.values():
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run scripts/build.sh and scripts/bench.sh first")
    work = os.environ.get("SMRMS_SPLIT_TARGET") or os.path.join(os.environ["CARGO_TARGET_DIR"], "split-estimate")
    lean = dict(full, **build_lean(lean_copy(work), os.path.join(work, "target")))
    before, after = measure(full), measure(lean)
    print("| contract | optimized Wasm bytes, as built → without the moved messages |")
    print("|---|---:|")
    for contract in MOVED:
        size = [os.path.getsize(b[contract].replace(".contract", ".wasm")) for b in (full, lean)]
        print(f"| {contract} | {size[0]:,} → {size[1]:,} |")
    print()
    print("| message | ref_time × erc20 | proof_size × erc20 |")
    print("|---|---:|---:|")
    for k in before:
        print(f"| {k} | {before[k][0]:.2f} → {after[k][0]:.2f} | {before[k][1]:.2f} → {after[k][1]:.2f} |")


if __name__ == "__main__":
    main()

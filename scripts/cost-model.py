#!/usr/bin/env python3
"""What a contract call's cost is made of, measured on the node (docs/benchmark.md).

  . scripts/env.sh && SMRMS_BENCH_TARGET=... python3 scripts/cost-model.py

Needs the release bundles ($SMRMS_INK, scripts/build.sh) and the ERC-20
baseline built by scripts/bench.sh ($SMRMS_BENCH_TARGET/ink/bench_erc20).
Starts its own node, deploys the ERC-20 and the registry, and dry-runs calls
that differ by one thing each:

- the ERC-20's `total_supply` and the registry's `RegistryApi::head` both read
  only their contract's root: the difference is the price of code (per byte of
  optimized Wasm, which the node loads, and proves, on every call);
- `balance_of` is `total_supply` plus one storage read;
- `transfer` is `balance_of` plus one read, two writes and the root's write
  back (every `&mut self` message of ink! 5 writes its root), plus an event.
Prints the unit costs (ref_time in ps, proof_size in bytes).

Then it deploys the suite and dry-runs `records.add_record` with a sealed
record of a 465-byte payload (title + body, as the benchmark's) in the two
forms its body has had on chain: the text envelope (`smrms-enc1:` base64 `.`
hex commitment) and the bytes the clients store now (`FF 01` ‖ nonce ‖
ciphertext ‖ commitment, docs/encryption.md). Same length of plaintext,
random ciphertext: only the stored length differs.
"""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("SMRMS_BENCH_TARGET", os.path.join(os.environ["SMRMS_ROOT"], "target", "bench"))  # as bench.sh
import bench  # noqa: E402  (its Chain helper and addresses)


def wasm_size(path):
    return os.path.getsize(path)


def main():
    ink = bench.PROD_INK
    erc = os.path.join(bench.BENCH_INK, "bench_erc20")
    bundles = {"erc20": os.path.join(erc, "bench_erc20.contract"),
               "registry": os.path.join(ink, "smrms_registry", "smrms_registry.contract")}
    for n in ("permissions", "records", "appointments"):
        bundles[n] = os.path.join(ink, f"smrms_{n}", f"smrms_{n}.contract")
    for n in ("registry", "permissions", "records", "appointments"):
        bundles[f"{n}_annex"] = os.path.join(ink, f"smrms_{n}_annex", f"smrms_{n}_annex.contract")
    for p in bundles.values():
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run scripts/build.sh and scripts/bench.sh first")
    bench.bundle = lambda name, ink=None: bundles[name]
    with bench.dev_node() as c:
        c.instantiate("erc20", "1000000")
        c.instantiate("registry", "604800000", c.upload_annex("registry"))
        bob = bench.ADDR[bench.BOB]
        supply = c.dry("erc20", "total_supply")
        balance = c.dry("erc20", "balance_of", (bob,))
        transfer = c.dry("erc20", "transfer", (bob, "5"))
        head = c.dry("registry", "RegistryApi::head")
        sealed = sealed_record_forms(c)
    code = wasm_size(os.path.join(ink, "smrms_registry", "smrms_registry.wasm")) - wasm_size(
        os.path.join(erc, "bench_erc20.wasm"))
    unit = {}
    for k in ("ref_time", "proof_size"):
        per_code = (head[k] - supply[k]) / code
        read = balance[k] - supply[k]
        write = (transfer[k] - balance[k] - read) / 3
        base = supply[k] - per_code * wasm_size(os.path.join(erc, "bench_erc20.wasm")) - read
        unit[k] = (base, per_code, read, write)
    print("| unit | ref_time (ps) | proof_size (bytes) |")
    print("|---|---:|---:|")
    names = ["the rest of a call that only reads its root (≈ 0: code and storage accesses are all)", "a byte of optimized Wasm", "a storage read",
             "a storage write (with the transfer's event spread over its three writes)"]
    for i, name in enumerate(names):
        fmt = "{:,.2f}" if i == 1 else "{:,.0f}"
        print(f"| {name} | {fmt.format(unit['ref_time'][i])} | {fmt.format(unit['proof_size'][i])} |")
    print()
    print(f"from: erc20.total_supply {supply['ref_time']:,} / {supply['proof_size']:,}; balance_of "
          f"{balance['ref_time']:,} / {balance['proof_size']:,}; transfer {transfer['ref_time']:,} / "
          f"{transfer['proof_size']:,}; registry RegistryApi::head {head['ref_time']:,} / {head['proof_size']:,} "
          f"({code:,} bytes more code than the ERC-20)")
    print()
    print("| records.add_record, a sealed 465-byte payload | body bytes stored | ref_time | proof_size | storage deposit |")
    print("|---|---:|---:|---:|---:|")
    for label, n, m in sealed:
        print(f"| {label} | {n:,} | {m['ref_time']:,} | {m['proof_size']:,} | {m['deposit']:,} |")


def sealed_record_forms(c):
    """add_record dry runs with the text and the byte form of one sealed record."""
    b = bench
    b.deploy_suite(c)  # beside the registry deployed above
    payload = 465  # title + body of the benchmark's record
    sealed = os.urandom(24 + 16 + 8 + payload + 16)  # nonce ‖ AEAD(salt ‖ title length ‖ title ‖ body) with its tag
    commitment = os.urandom(32)
    text = ("smrms-enc1:" + base64.b64encode(sealed).decode().rstrip("=") + "." + commitment.hex()).encode()
    binary = b"\xff\x01" + sealed + commitment
    out = []
    for label, body in (("before: the text envelope", text), ("now: the bytes", binary)):
        m = c.dry("records", "add_record", (b.ADDR[b.BOB], "Diagnosis", b.b("sealed"), "0x" + body.hex(), "None"), b.CHARLIE)
        out.append((label, len(body), m))
    return out


if __name__ == "__main__":
    main()

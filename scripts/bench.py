#!/usr/bin/env python3
"""SMRMS cost and scale benchmark (run through scripts/bench.sh).

Starts a local substrate-contracts-node, deploys the suite built with the
`bench` feature (adds `bench_fill` messages that grow storage quickly) and a
minimal ERC-20, then for every state-changing message and the main reads
reports the node's dry-run ref_time and proof_size, the storage deposit
charged, a ratio to ERC-20 `transfer`, the submit-to-inclusion time of a few
submitted calls, code sizes, the scale ratios at 10 / 1 000 / 10 000
records, grants and appointments, and how many calls fit in one block.
Writes the markdown table to bench/RESULTS.md and prints it.
"""
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.environ["SMRMS_ROOT"]
BENCH_INK = os.path.join(os.environ["SMRMS_BENCH_TARGET"], "ink")
PROD_INK = os.environ.get("SMRMS_INK") or os.path.join(os.environ["CARGO_TARGET_DIR"], "ink")
OUT = os.path.join(ROOT, "bench", "RESULTS.md")
# substrate-contracts-node 0.42: 2 s of ref_time per block, 75 % for normal extrinsics.
BLOCK_REF_TIME = 2 * 10**12 * 75 // 100
# A production parachain: about 1.5 s of ref_time for normal extrinsics and a
# 5 MiB proof (the relay chain's PoV limit), 75 % of it for normal extrinsics.
PROD_REF_TIME = 15 * 10**11
PROD_PROOF = 5 * 1024 * 1024 * 75 // 100


def per_block_prod(m):
    by_ref = PROD_REF_TIME // max(1, m["ref_time"])
    by_pov = PROD_PROOF // max(1, m["proof_size"])
    return (by_ref, "ref_time") if by_ref <= by_pov else (by_pov, "proof")
SCALES = [10, 1000, 10000]
# A grant with re-wrapping of the patient's history, at N sealed items.
GRANT_SCALES = [1, 100, 1000]
KEY_BATCH = 32
# Per call, bench_fill stays under the node's default storage deposit limit
# (about 1 024 new items) and a fraction of the block's ref_time.
FILL_BATCH = {"records": 500, "grants": 100, "appointments": 200}

ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE = "//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"
ADDR = {
    BOB: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
    CHARLIE: "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y",
    DAVE: "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy",
    EVE: "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw",
}
H = "0x" + "22" * 32


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bundle(name, ink=BENCH_INK):
    base = "bench_erc20" if name == "erc20" else f"smrms_{name}"
    return os.path.join(ink, base, f"{base}.contract")


class Chain:
    def __init__(self, url):
        self.url = url
        self.addr = {}

    def run(self, args):
        p = subprocess.run(["cargo", "contract"] + args + ["--url", self.url], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def instantiate(self, name, *args, suri=ALICE):
        cmd = ["instantiate", bundle(name), "--constructor", "new", "--suri", suri, "-x", "-y", "--output-json"]
        if args:
            cmd += ["--args", *args]
        rc, out = self.run(cmd)
        if rc != 0:
            sys.exit(f"instantiate {name} failed:\n{out}")
        self.addr[name] = json.loads(out[out.index("{"):])["contract"]

    def upload_annex(self, name, suri=ALICE):
        """Uploads the annex build of contract `name` (unless the chain has it) and returns its
        code hash, for the contract's constructor."""
        path = bundle(f"{name}_annex")
        rc, out = self.run(["upload", path, "--suri", suri, "-x"])
        if rc != 0 and "already" not in out.lower():
            sys.exit(f"upload {name}_annex failed:\n{out}")
        with open(path) as f:
            return json.load(f)["source"]["hash"]

    def dry(self, contract, message, args=(), suri=ALICE, value=0):
        cmd = ["call", bundle(contract), "--contract", self.addr[contract], "--message", message,
               "--suri", suri, "--output-json", "--value", str(value)]
        if args:
            cmd += ["--args", *args]
        rc, out = self.run(cmd)
        try:
            d = json.loads(out[out.index("{"):])
        except ValueError:
            sys.exit(f"dry run {contract}.{message} failed:\n{out}")
        if d.get("reverted") or "gas_consumed" not in d:
            sys.exit(f"dry run {contract}.{message} reverted:\n{out}")
        text = json.dumps(d["data"])
        if '"Err"' in text:
            sys.exit(f"dry run {contract}.{message} returned an error: {text}")
        dep = d.get("storage_deposit", {})
        return {
            "ref_time": d["gas_consumed"]["ref_time"],
            "proof_size": d["gas_consumed"]["proof_size"],
            "deposit": dep.get("Charge", 0) - dep.get("Refund", 0) if isinstance(dep, dict) else 0,
        }

    def submit(self, contract, message, args=(), suri=ALICE, value=0):
        cmd = ["call", bundle(contract), "--contract", self.addr[contract], "--message", message,
               "--suri", suri, "-x", "-y", "--value", str(value)]
        if args:
            cmd += ["--args", *args]
        t0 = time.monotonic()
        rc, out = self.run(cmd)
        dt = time.monotonic() - t0
        if rc != 0 or "ExtrinsicSuccess" not in out:
            sys.exit(f"submit {contract}.{message} failed:\n{out}")
        return dt


@contextlib.contextmanager
def dev_node():
    """A throw-away `substrate-contracts-node --dev` for the block: yields a Chain on it."""
    port, p2p = free_port(), free_port()
    node = subprocess.Popen(["substrate-contracts-node", "--dev", "--tmp", "--rpc-port", str(port), "--port", str(p2p),
                             "--no-prometheus", "--no-telemetry"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(1)
        yield Chain(f"ws://127.0.0.1:{port}")
    finally:
        node.terminate()
        node.wait()


def main():
    with dev_node() as c:
        run(c)


def b(text):
    """A `Vec<u8>` argument (the contracts' opaque fields): the bytes of `text`, in hex."""
    return "0x" + text.encode().hex()


def profile(name):
    return ("{ name: %s, date_of_birth: %s, gender: %s, home_address: %s, phone: %s, blood_group: %s, allergies: %s, "
            "height_cm: 165, weight_kg: 60, emergency_contact_name: %s, emergency_contact_phone: %s, national_id_hash: %s }") % (
        b(name), b("1980-02-14"), b("F"), b("12 MG Road, Bengaluru"), b("+91 80 1234 5678"), b("B+"), b("penicillin"),
        b("Ravi"), b("+91 80 8765 4321"), H)


def doctor(name):
    return ("{ name: \"%s\", phone: \"+91 80 2222 3333\", gender: \"M\", qualification: \"MBBS, MD\", "
            "specialization: \"Endocrinology\", licence_hash: %s, kind: Doctor }") % (name, H)


RW = "{ demographics: true, records_read: true, records_write: true, appointments: true }"
BODY_TEXT = ("HbA1c 7.1 %; fasting glucose 142 mg/dl; start metformin 500 mg twice a day. " * 6)[:480]
BODY = b(BODY_TEXT)


def deploy_suite(c):
    """Deploys the four contracts (the registry unless `c` has one), each with its annex uploaded
    first, wires them, and sets up the
    cast every measurement starts from: Bob a patient, Dr. Charlie verified with Bob's
    read-and-write grant, Dr. Dave registered and unverified."""
    delay = "604800000"  # the production upgrade delay (7 days)
    if "registry" not in c.addr:
        c.instantiate("registry", delay, c.upload_annex("registry"))
    c.instantiate("permissions", c.addr["registry"], delay, c.upload_annex("permissions"))
    c.instantiate("records", c.addr["registry"], c.addr["permissions"], delay, c.upload_annex("records"))
    c.instantiate("appointments", c.addr["registry"], c.addr["permissions"], delay, c.upload_annex("appointments"))
    c.submit("registry", "set_siblings", (c.addr["permissions"], c.addr["records"], c.addr["appointments"]))
    c.submit("registry", "register_patient", (profile("Bob"),), BOB)
    c.submit("registry", "register_provider", (doctor("Dr. Charlie"),), CHARLIE)
    c.submit("registry", "register_provider", (doctor("Dr. Dave"),), DAVE)
    c.submit("registry", "verify_provider", (ADDR[CHARLIE],))
    c.submit("permissions", "grant", (ADDR[CHARLIE], RW, "None"), BOB)


def run(c):
    print(f"node at {c.url}; deploying the bench build of the suite and the ERC-20 baseline", flush=True)
    c.instantiate("erc20", "1000000000")
    deploy_suite(c)
    c.submit("records", "add_record", (ADDR[BOB], "Diagnosis", b("Type 2 diabetes"), BODY, "None"), CHARLIE)
    c.submit("appointments", "set_appointment", (ADDR[BOB], str(int(time.time() * 1000) + 86_400_000), "30", b("review"), "0"), CHARLIE)

    # one denied read by an unregistered account first, so that the row below
    # measures a repeated (folded) spam attempt
    c.submit("records", "read_record", (ADDR[BOB], "0"), FERDIE)
    later = str(int(time.time() * 1000) + 7 * 86_400_000)
    # (label, contract, message, args, signer, value)
    msgs = [
        ("erc20.transfer (baseline)", "erc20", "transfer", (ADDR[BOB], "1"), ALICE, 0),
        ("registry.register_patient", "registry", "register_patient", (profile("Eve"),), EVE, 0),
        ("registry.edit_patient", "registry", "edit_patient", (profile("Bob B."),), BOB, 0),
        ("registry.register_provider", "registry", "register_provider", (doctor("Dr. Ferdie"),), FERDIE, 0),
        ("registry.verify_provider", "registry", "verify_provider", (ADDR[DAVE],), ALICE, 0),
        ("registry.read_patient_profile (audited)", "registry", "read_patient_profile", (ADDR[BOB],), CHARLIE, 0),
        ("registry.patient_profile (query)", "registry", "patient_profile", (ADDR[BOB],), CHARLIE, 0),
        ("permissions.grant", "permissions", "grant", (ADDR[DAVE], RW, "None"), BOB, 0),
        ("permissions.revoke", "permissions", "revoke", (ADDR[CHARLIE],), BOB, 0),
        ("permissions.open_emergency", "permissions", "open_emergency", (ADDR[BOB], "Unresponsive", "[]", "3600000"), CHARLIE, 0),
        ("permissions.has_access (query)", "permissions", "PermissionsApi::has_access", (ADDR[BOB], ADDR[CHARLIE], "RecordsRead"), CHARLIE, 0),
        ("permissions.access_log page (query)", "permissions", "access_log", (ADDR[BOB], "0", "10"), BOB, 0),
        ("records.add_record (480-byte body)", "records", "add_record", (ADDR[BOB], "Diagnosis", b("Follow-up"), BODY, "None"), CHARLIE, 0),
        ("records.read_record (audited)", "records", "read_record", (ADDR[BOB], "0"), CHARLIE, 0),
        ("records.read_record by an unregistered account (spam, folded)", "records", "read_record", (ADDR[BOB], "0"), FERDIE, 0),
        ("records.record (query)", "records", "record", (ADDR[BOB], "0"), CHARLIE, 0),
        ("records.search 10 by kind (query)", "records", "search", (ADDR[BOB], "{ kind: Some(Diagnosis), author: None, from: None, until: None }", "0", "10"), CHARLIE, 0),
        ("records.add_medication", "records", "add_medication", (ADDR[BOB], 'NewMedication { name: %s, dose: %s, frequency: %s, start: 0, end: None, prescribed_by: None, notes: [] }' % (b("Metformin"), b("500 mg"), b("twice a day"))), CHARLIE, 0),
        ("appointments.set_appointment", "appointments", "set_appointment", (ADDR[BOB], later, "30", b("review"), "0"), CHARLIE, 0),
        ("appointments.request_appointment", "appointments", "request_appointment", (ADDR[CHARLIE], later, "30", b("chest pain")), BOB, 0),
        ("appointments.patient_appointments (query)", "appointments", "patient_appointments", (ADDR[BOB], "0", "10"), BOB, 0),
    ]
    base = c.dry("erc20", "transfer", (ADDR[BOB], "1"), ALICE)  # Bob holds no token yet: a new item
    rows = []
    for label, contract, message, args, suri, value in msgs:
        m = c.dry(contract, message, args, suri, value)
        rows.append((label, m))
        print(f"  {label}: ref_time {m['ref_time']:,} proof_size {m['proof_size']:,} deposit {m['deposit']:,}", flush=True)

    inclusion = []
    for label, contract, message, args, suri in [
        ("erc20.transfer", "erc20", "transfer", (ADDR[BOB], "1"), ALICE),
        ("registry.register_patient", "registry", "register_patient", (profile("Eve"),), EVE),
        ("permissions.grant", "permissions", "grant", (ADDR[DAVE], RW, "None"), BOB),
        ("records.add_record", "records", "add_record", (ADDR[BOB], "Diagnosis", b("Follow-up"), BODY, "None"), CHARLIE),
    ]:
        inclusion.append((label, c.submit(contract, message, args, suri)))

    # Granting a doctor a patient's history: the grant, then the patient's N
    # sealed items' keys wrapped for the doctor, 32 per share_keys transaction
    # (each batch dry-run against the same state: batches touch disjoint items).
    eve_records = 0
    while eve_records < max(GRANT_SCALES):
        k = min(FILL_BATCH["records"], max(GRANT_SCALES) - eve_records)
        c.submit("records", "bench_fill", (ADDR[EVE], str(k)), CHARLIE)
        eve_records += k
    read_only = "{ demographics: false, records_read: true, records_write: false, appointments: false }"
    grant_m = c.dry("permissions", "grant", (ADDR[CHARLIE], read_only, "None"), EVE)
    c.submit("permissions", "grant", (ADDR[CHARLIE], read_only, "None"), EVE)
    wrapped = "0x" + "ab" * 80  # an HPKE-wrapped 32-byte data key is 80 bytes
    sharing = []
    for n in GRANT_SCALES:
        total = dict(grant_m)
        txs = 1
        for first in range(0, n, KEY_BATCH):
            items = ", ".join(f"(Record({i}), {wrapped})" for i in range(first, min(n, first + KEY_BATCH)))
            m = c.dry("records", "share_keys", (ADDR[EVE], ADDR[CHARLIE], f"[{items}]"), EVE)
            txs += 1
            for k in total:
                total[k] += m[k]
        sharing.append((n, txs, total))
        print(f"  grant with re-wrapping at N = {n}: {txs} transactions", flush=True)

    # Deposit per record. pallet-contracts charges a deposit per new storage
    # item plus one per byte of stored value: two bodies of different length
    # give the price of a byte, the ERC-20 transfer to a new holder (one new
    # item holding a 16-byte balance) the price of an item; what a record
    # stores beyond its payload is the rest.
    title = "Follow-up"
    short_text = BODY_TEXT
    long_text = ("HbA1c 7.1 %; fasting glucose 142 mg/dl; start metformin 500 mg twice a day. " * 30)[:len(short_text) + 1000]
    d_short = c.dry("records", "add_record", (ADDR[BOB], "Diagnosis", b(title), BODY, "None"), CHARLIE)["deposit"]
    d_long = c.dry("records", "add_record", (ADDR[BOB], "Diagnosis", b(title), b(long_text), "None"), CHARLIE)["deposit"]
    per_byte = (d_long - d_short) // (len(long_text) - len(short_text))
    per_item = base["deposit"] - 16 * per_byte
    payload = len(title) + len(short_text)
    new_items = d_short // per_item if per_item > 0 else 0
    stored = (d_short - new_items * per_item) // per_byte if per_byte else 0
    overhead = stored - payload

    # Scale: records, grants (to one grantee) + access log, appointments.
    scale = {}
    have = {"records": 1, "grants": 0, "appointments": 1}
    for n in SCALES:
        for what, contract, args_of in [
            ("records", "records", lambda k: (ADDR[BOB], str(k))),
            ("grants", "permissions", lambda k: (ADDR[BOB], ADDR[CHARLIE], str(k))),
            ("appointments", "appointments", lambda k: (ADDR[BOB], str(k))),
        ]:
            while have[what] < n:
                k = min(FILL_BATCH[what], n - have[what])
                c.submit(contract, "bench_fill", args_of(k), CHARLIE)
                have[what] += k
        last = str(n - 1)
        probes = [
            ("records.add_record", "records", "add_record", (ADDR[BOB], "Diagnosis", b("Follow-up"), BODY, "None"), CHARLIE),
            ("records.read_record (last)", "records", "read_record", (ADDR[BOB], last), CHARLIE),
            ("records.record (last)", "records", "record", (ADDR[BOB], last), CHARLIE),
            ("records.records page at end", "records", "records", (ADDR[BOB], str(max(0, n - 10)), "10"), CHARLIE),
            ("records.search 10 at end", "records", "search", (ADDR[BOB], "{ kind: None, author: None, from: None, until: None }", str(max(0, n - 10)), "10"), CHARLIE),
            ("permissions.grant (new pair)", "permissions", "grant", (ADDR[DAVE], RW, "None"), BOB),
            ("permissions.revoke (grantee with N patients)", "permissions", "revoke", (ADDR[CHARLIE],), BOB),
            ("permissions.has_access", "permissions", "PermissionsApi::has_access", (ADDR[BOB], ADDR[CHARLIE], "RecordsRead"), CHARLIE),
            ("permissions.patients_of page at end", "permissions", "patients_of", (ADDR[CHARLIE], str(max(0, n - 10)), "10"), CHARLIE),
            ("permissions.access_log page at end", "permissions", "access_log", (ADDR[BOB], str(max(0, n - 10)), "10"), BOB),
            ("appointments.set_appointment", "appointments", "set_appointment", (ADDR[BOB], later, "30", b("review"), "0"), CHARLIE),
            ("appointments.patient_appointments page at end", "appointments", "patient_appointments", (ADDR[BOB], str(max(0, n - 10)), "10"), BOB),
        ]
        for label, contract, message, args, suri in probes:
            scale.setdefault(label, {})[n] = c.dry(contract, message, args, suri)
        print(f"  measured at N = {n}", flush=True)

    sizes, annex_sizes = [], {}
    for name in ["registry", "permissions", "records", "appointments"]:
        wasm = os.path.join(PROD_INK, f"smrms_{name}", f"smrms_{name}.wasm")
        sizes.append((name, os.path.getsize(wasm) if os.path.exists(wasm) else None))
        annex = os.path.join(PROD_INK, f"smrms_{name}_annex", f"smrms_{name}_annex.wasm")
        annex_sizes[name] = os.path.getsize(annex) if os.path.exists(annex) else None
    erc_wasm = os.path.join(BENCH_INK, "bench_erc20", "bench_erc20.wasm")

    before = previous_results()
    lines = []
    w = lines.append
    w("# SMRMS cost benchmark")
    w("")
    w(f"Made by `bash scripts/bench.sh` on {time.strftime('%Y-%m-%d')} against substrate-contracts-node 0.42.0 (`--dev`), "
      "release builds (the SMRMS contracts with the `bench` feature, which only adds `bench_fill`). "
      "ref_time and proof_size are the node's dry-run `gas_consumed`; deposit is the storage deposit charged "
      "(negative = refunded); ratios are to ERC-20 `transfer` measured in the same run.")
    w("")
    w("## Cost per message")
    w("")
    w("| message | ref_time | × erc20 | proof_size | × erc20 | storage deposit | × erc20 | calls per block (dev node) | calls per block (production chain) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, m in rows:
        prod, limit = per_block_prod(m)
        w(f"| {label} | {m['ref_time']:,} | {m['ref_time'] / base['ref_time']:.2f} | {m['proof_size']:,} | "
          f"{m['proof_size'] / base['proof_size']:.2f} | {m['deposit']:,} | "
          f"{(m['deposit'] / base['deposit']) if base['deposit'] else float('nan'):.2f} | {BLOCK_REF_TIME // max(1, m['ref_time']):,} | "
          f"{prod:,} ({limit}) |")
    w("")
    w(f"Calls per block (dev node): {BLOCK_REF_TIME:,} ps of ref_time (75 % of 2 s) divided by the message's ref_time; "
      "the extrinsic's base weight and the proof-size limit are ignored (the node sets no proof-size limit per block). "
      f"Production chain: the smaller of {PROD_REF_TIME:,} ps of ref_time (1.5 s) ÷ ref_time and {PROD_PROOF:,} bytes "
      "(75 % of a 5 MiB proof) ÷ proof_size, with the binding limit named.")
    w("")
    w("## Submit-to-inclusion time")
    w("")
    w("| call | seconds |")
    w("|---|---:|")
    for label, dt in inclusion:
        w(f"| {label} | {dt:.2f} |")
    w("")
    w("Wall time of one `cargo contract call … -x -y` (its own dry run, signing, submission and waiting for the "
      "block; the dev node seals a block per transaction), so it measures the tool as much as the chain.")
    w("")
    w("## Code size (optimized Wasm of the release bundles)")
    w("")
    w("| contract | bytes | its annex (bytes) |")
    w("|---|---:|---:|")
    for name, size in sizes:
        annex = annex_sizes.get(name)
        w(f"| {name} | {size if size is not None else 'not built'} | {annex if annex is not None else 'not built'} |")
    if os.path.exists(erc_wasm):
        w(f"| erc20 (baseline) | {os.path.getsize(erc_wasm)} | |")
    w("")
    w("A contract's annex (docs/contracts.md) is the second build of its source that runs its less frequent "
      "messages by delegate call: uploaded, never instantiated; a message that runs there loads both codes.")
    w("")
    w("## Granting a doctor a patient's history")
    w("")
    w("The patient grants a doctor `records_read`, then wraps the data keys of her N sealed items for him with "
      f"`records.share_keys`, {KEY_BATCH} keys (80 bytes each) per transaction. Totals over all transactions.")
    w("")
    w("| N sealed items | transactions | ref_time | proof_size | storage deposit |")
    w("|---:|---:|---:|---:|---:|")
    for n, txs, t in sharing:
        w(f"| {n:,} | {txs} | {t['ref_time']:,} | {t['proof_size']:,} | {t['deposit']:,} |")
    w("")
    w("## Deposit per record")
    w("")
    w(f"The node charges {per_item:,} per new storage item and {per_byte:,} per stored byte (a byte from two "
      f"`add_record` bodies 1 000 bytes apart; an item from the ERC-20 transfer, which stores one 16-byte balance). "
      f"`records.add_record` by a doctor with consent, with a {payload}-byte payload (title + body), is charged "
      f"{d_short:,}: {new_items} new items (the record and its access-log entry) and {stored:,} bytes, that is "
      f"**{overhead:,} bytes beyond the payload** (author, times, block, content hash, kind, links, length "
      f"prefixes, and the log entry).")
    w("")
    w("## Scale: cost at N records, grants and appointments")
    w("")
    w("N records for one patient, N patients granting one doctor plus N entries in the patient's access log, "
      "N appointments for one patient (filled with `bench_fill`). Ratio = cost at N = 10 000 / cost at N = 10; "
      "above 1.05 is a finding.")
    w("")
    w("| message | " + " | ".join(f"ref_time N={n:,}" for n in SCALES) + " | ratio | "
      + " | ".join(f"proof_size N={n:,}" for n in SCALES) + " | ratio | finding |")
    w("|---|" + "---:|" * (2 * len(SCALES) + 2) + "---|")
    findings = 0
    for label, by_n in scale.items():
        r_ref = by_n[SCALES[-1]]["ref_time"] / by_n[SCALES[0]]["ref_time"]
        r_pov = by_n[SCALES[-1]]["proof_size"] / by_n[SCALES[0]]["proof_size"]
        bad = r_ref > 1.05 or r_pov > 1.05
        findings += bad
        w(f"| {label} | " + " | ".join(f"{by_n[n]['ref_time']:,}" for n in SCALES) + f" | {r_ref:.3f} | "
          + " | ".join(f"{by_n[n]['proof_size']:,}" for n in SCALES) + f" | {r_pov:.3f} | {'**yes**' if bad else 'no'} |")
    w("")
    w(f"Findings above 1.05: {findings}.")
    add = dict(rows)["records.add_record (480-byte body)"]
    summary = [
        f"add_record vs erc20 transfer: ref_time {add['ref_time'] / base['ref_time']:.2f} x, "
        f"proof_size {add['proof_size'] / base['proof_size']:.2f} x",
    ]
    built = [(n, b) for n, b in sizes if b is not None]
    if built:
        name, size = max(built, key=lambda x: x[1])
        summary.append(f"largest optimized contract: {name} {size} bytes")
    if before:
        w("")
        w(f"## Before → after")
        w("")
        w(f"Before: the bench/RESULTS.md this run replaced ({before['source']}); after: this run. "
          "Ratios are to the ERC-20 transfer of the same run.")
        w("")
        w("| message | ref_time × erc20 | proof_size × erc20 | storage deposit | calls per block (production chain) |")
        w("|---|---:|---:|---:|---:|")
        for label, m in rows:
            old = before["rows"].get(label)
            if old is None:
                continue
            prod, limit = per_block_prod(m)
            w(f"| {label} | {old[0]} → {m['ref_time'] / base['ref_time']:.2f} | {old[1]} → "
              f"{m['proof_size'] / base['proof_size']:.2f} | {old[2]} → {m['deposit']:,} | {old[3]} → {prod:,} ({limit}) |")
        w("")
        w("| contract | optimized Wasm bytes |")
        w("|---|---:|")
        for name, size in sizes:
            w(f"| {name} | {before['sizes'].get(name, '?')} → {size if size is not None else 'not built'} |")
    w("")
    w("## Summary")
    w("")
    for line in summary:
        w(f"- {line}")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("\n" + text)
    print(f"written to {OUT}")
    for line in summary:
        print(line)


def previous_results():
    """The figures of the RESULTS.md this run replaces: per message the
    ratios, the deposit and the production-chain calls per block; per contract
    its size. None when there is no earlier file."""
    if not os.path.exists(OUT):
        return None
    rows, sizes, section = {}, {}, None
    with open(OUT) as f:
        for line in f:
            if line.startswith("## "):
                section = line[3:].strip()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("| ") or cells[0] in ("message", "contract", "---"):
                continue
            if section == "Cost per message" and len(cells) == 9:
                rows[cells[0]] = (cells[2], cells[4], cells[5], cells[8])
            elif section and section.startswith("Code size") and len(cells) in (2, 3):
                sizes[cells[0]] = cells[1]
    try:
        rev = subprocess.run(["git", "log", "-1", "--format=%h of %cs", "--", OUT], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = ""
    return {"rows": rows, "sizes": sizes, "source": f"committed at {rev}" if rev else "uncommitted"}


if __name__ == "__main__":
    main()

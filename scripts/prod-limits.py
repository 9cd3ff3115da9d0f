#!/usr/bin/env python3
"""Production-limit check: do the SMRMS release bundles fit the chains that could run them?

    python3 scripts/prod-limits.py [--target DIR]

DIR is the cargo target directory of the release build (default
$CARGO_TARGET_DIR, else ./target). For each contract it reads the optimized
Wasm, DIR/ink/smrms_<name>/smrms_<name>.wasm, or else the hex `source.wasm`
of smrms_<name>.contract (where scripts/build.sh puts them), and checks, for
every chain in CHAINS below:

  - the code size against the chain's `MaxCodeLen`;
  - the suite's deepest cross-contract call chain (CALL_CHAINS) against the
    chain's call depth (`CallStack` size + 1 frames);
  - the largest value the suite stores, computed from the bounds in
    contracts/shared/lib.rs, against the chain's `payload_len` (the largest
    storage value or event payload pallet-contracts accepts);

plus two checks that hold on every chain: the largest stored value and the
largest message input against ink! 5's 16 KiB static buffer.

Lines starting `production limits: note` are not counted: chains that refuse
new Wasm code, host functions a chain marks unstable, a call table that may
be stale, and pallet-revive (which does not run Wasm). Exit status 1 if any
check is over its limit, 2 if a bundle is missing. docs/production.md explains
the numbers and where each comes from.
"""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTRACTS = ["registry", "permissions", "records", "appointments",
             "registry_annex", "permissions_annex", "records_annex", "appointments_annex"]
KIB = 1024

# ---------------------------------------------------------------------------
# Chain limits. Sources read on 2026-11-26; "@abc1234" is the commit read.
#   max_code   pallet_contracts::Config::MaxCodeLen (bytes of Wasm)
#   call_stack pallet_contracts::Config::CallStack array size; the allowed
#              depth is call_stack + 1 frames ("The allowed depth is
#              `CallStack::size() + 1`", polkadot-sdk
#              substrate/frame/contracts/src/lib.rs, Config::CallStack)
#   payload    Schedule.limits.payload_len: "The maximum size of a storage
#              value and event payload in bytes"; Limits::default() sets
#              16 * 1024 (polkadot-sdk substrate/frame/contracts/src/schedule.rs
#              @0eff69f); every runtime below keeps the default.
#   unstable   host functions our bundles import that the chain's
#              pallet-contracts marks #[unstable]; unstable_ok is its
#              UnsafeUnstableInterface (false: such code is refused at upload)
#   closed     why new code cannot be deployed there, or None
# ---------------------------------------------------------------------------
CHAINS = [
    {
        "name": "contracts-node 0.42",
        # paritytech/substrate-contracts-node v0.42.0 @f209bef runtime/src/contracts_config.rs:
        #   type MaxCodeLen = ConstU32<{ 256 * 1024 }>;
        "max_code": 256 * KIB,
        #   type CallStack = [pallet_contracts::Frame<Self>; 23];
        "call_stack": 23,
        #   Schedule { limits: Limits { runtime_memory, validator_runtime_memory, ..Default::default() } }
        "payload": 16 * KIB,
        #   type UnsafeUnstableInterface = ConstBool<true>; pallet-contracts 38.0.0
        #   (Cargo.toml), where call_v2 is stable (polkadot-sdk pull 3384, Feb 2024)
        "unstable": set(),
        "unstable_ok": True,
        "closed": None,
    },
    {
        "name": "Aleph Zero",
        # aleph-zero-foundation/aleph-node @5e99098 (Apr 2025) bin/runtime/src/lib.rs:
        #   type MaxCodeLen = ConstU32<{ 256 * 1024 }>;
        "max_code": 256 * KIB,
        #   type CallStack = [pallet_contracts::Frame<Self>; 16];
        "call_stack": 16,
        #   pub Schedule: pallet_contracts::Schedule<Runtime> = Default::default();
        "payload": 16 * KIB,
        #   type UnsafeUnstableInterface = ConstBool<false>; it builds against
        #   Cardinal-Cryptography/polkadot-sdk branch aleph-v1.6.0; the stored copy of
        #   that fork's substrate/frame/contracts/src/wasm/runtime.rs (@2da4441, branch
        #   not confirmed) marks `#[version(2)] fn call` and `fn instantiate` #[unstable]
        "unstable": {"seal2.call", "seal2.instantiate"},
        "unstable_ok": False,
        "closed": None,
    },
    {
        "name": "Pendulum",
        # pendulum-chain/pendulum @5904510 (Oct 2025) runtime/pendulum/src/lib.rs:
        #   type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
        "max_code": 123 * KIB,
        #   type CallStack = [pallet_contracts::Frame<Self>; 5];
        "call_stack": 5,
        #   pub Schedule: pallet_contracts::Schedule<Runtime> = Default::default();
        "payload": 16 * KIB,
        #   polkadot-sdk release-polkadot-v1.6.0 (before call_v2 was stabilized),
        #   but type UnsafeUnstableInterface = ConstBool<true>
        "unstable": {"seal2.call", "seal2.instantiate"},
        "unstable_ok": True,
        "closed": None,
    },
    {
        "name": "Amplitude",
        # pendulum-chain/pendulum @5904510 runtime/amplitude/src/lib.rs: same
        # MaxCodeLen (123 * 1024), CallStack (5), default Schedule and
        # UnsafeUnstableInterface (true) as Pendulum
        "max_code": 123 * KIB,
        "call_stack": 5,
        "payload": 16 * KIB,
        "unstable": {"seal2.call", "seal2.instantiate"},
        "unstable_ok": True,
        "closed": None,
    },
    {
        "name": "Astar/Shiden",
        # AstarNetwork/Astar @b664ce8 (Aug 2026) runtime/astar/src/lib.rs and
        # runtime/shiden/src/lib.rs:
        #   type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
        "max_code": 123 * KIB,
        #   type CallStack = [pallet_contracts::Frame<Self>; 5];
        "call_stack": 5,
        #   pub Schedule: pallet_contracts::Schedule<Runtime> = Default::default();
        "payload": 16 * KIB,
        "unstable": set(),
        "unstable_ok": False,
        #   type UploadOrigin = EnsureNever<..>; type InstantiateOrigin = EnsureNever<..>;
        #   commit adb11c2 "froze WASM contracts upload" (3 Jun 2026), in runtime-2207
        "closed": "new Wasm code and instantiation refused since runtime-2207 (June 2026; "
        "UploadOrigin and InstantiateOrigin = EnsureNever); existing contracts only",
    },
    {
        "name": "Bittensor",
        # opentensor/subtensor @14bc6f9 (Jun 2026) runtime/src/lib.rs:
        #   type MaxCodeLen = ConstU32<{ 128 * 1024 }>;
        "max_code": 128 * KIB,
        #   type CallStack = [pallet_contracts::Frame<Self>; 5];
        "call_stack": 5,
        #   Schedule = contracts_schedule(): Limits { runtime_memory, validator_runtime_memory,
        #   ..Default::default() }
        "payload": 16 * KIB,
        #   pallet-contracts 41.0.0 (Cargo.lock; call_v2 stable); UnsafeUnstableInterface = false;
        #   UploadOrigin = InstantiateOrigin = EnsureSigned<AccountId>
        "unstable": set(),
        "unstable_ok": False,
        "closed": None,
    },
    {
        "name": "consortium (proposed)",
        # Our own chain (docs/production.md): the conservative values the
        # production parachains above run: MaxCodeLen 123 KiB, CallStack 5,
        # default Schedule; pallet-contracts pinned to the release the
        # contracts node 0.42 uses (38.0.0, call_v2 stable).
        "max_code": 123 * KIB,
        "call_stack": 5,
        "payload": 16 * KIB,
        "unstable": set(),
        "unstable_ok": False,
        "closed": None,
    },
]

# ink! 5.1.1 on-chain buffer for inputs, outputs and storage values:
# ink_env-5.1.1 src/lib.rs `pub const BUFFER_SIZE: usize = 16384;`
INK_BUFFER = 16384

# pallet-revive (ink! 6, Solidity): polkadot-sdk substrate/frame/revive/src/limits.rs
# @05e06cd: `pub const PAYLOAD_BYTES: u32 = 416;` "Maximum size of events
# (including topics) and storage values." `pub const CALL_STACK_DEPTH: u32 = 25;`
REVIVE_PAYLOAD = 416
REVIVE_CALL_STACK = 25

# ---------------------------------------------------------------------------
# Our cross-contract call chains (contracts/*/lib.rs: `contract_ref!` fields
# `registry` / `permissions`, and `build_call` in registry's
# `sibling_points_to`). Depth = contract frames, the called contract included.
# No callee message calls out again: RegistryApi (head, standing, siblings),
# PermissionsApi (has_access, decide, authorize, sync_standing, sync_head,
# accept_siblings) and records/appointments `siblings` only read or write
# their own storage; stale_call_table() below re-checks that in the sources.
# A message that runs in its contract's annex (contracts/shared/annex.rs) adds
# a frame: the delegate call into the annex ("+annex" below); the enactment of
# a new annex asks it by one more delegate call.
# ---------------------------------------------------------------------------
CALL_CHAINS = [
    ("records.add_record / read_record", ["records", "permissions.authorize"]),
    ("records.add_medication / stop_medication", ["records", "+annex", "permissions.authorize"]),
    ("appointments.set_appointment", ["appointments", "permissions.authorize"]),
    ("appointments.update_appointment", ["appointments", "+annex", "permissions.authorize"]),
    ("appointments.request_appointment / complete", ["appointments", "registry.standing"]),
    ("appointments.accept / cancel / …", ["appointments", "+annex", "registry.standing"]),
    ("appointments.request_appointment_for (guardian booking)",
     ["appointments", "+annex", "permissions.authorize", "+annex"]),
    ("registry.read_patient_profile", ["registry", "permissions.authorize"]),
    ("registry.register_patient", ["registry", "permissions.sync_standing"]),
    ("registry.register_provider / verify_provider / …", ["registry", "+annex", "permissions.sync_standing"]),
    ("registry.accept_head", ["registry", "+annex", "permissions.sync_head", "+annex"]),
    ("registry.set_siblings", ["registry", "+annex", "records.siblings", "+annex"]),
    ("registry.set_siblings", ["registry", "+annex", "permissions.accept_siblings", "+annex"]),
    ("records.share_key / set_card / … (key store)", ["records", "+annex", "permissions.decide", "+annex"]),
    ("any contract's enact_annex", ["contract", "+annex", "+new annex"]),
]

# Callee code that must not call another contract for CALL_CHAINS to hold:
# (file, start of the block).
LEAF_BLOCKS = [
    ("contracts/registry/lib.rs", "impl RegistryApi for Registry {"),
    ("contracts/permissions/lib.rs", "impl PermissionsApi for Permissions {"),
    ("contracts/records/lib.rs", "pub fn siblings(&self)"),
    ("contracts/appointments/lib.rs", "pub fn siblings(&self)"),
]
OUTGOING = re.compile(r"self\.registry\.|self\.permissions\.|self\.permissions\(\)|build_call|contract_ref!")


def compact_len(n):
    """Bytes of SCALE's compact length prefix for n."""
    return 1 if n < 1 << 6 else 2 if n < 1 << 14 else 4 if n < 1 << 30 else 5


def bounded_str(n):
    """Largest SCALE encoding of a String of at most n bytes."""
    return compact_len(n) + n


def shared_constants():
    """The `pub const NAME: type = EXPR;` integers of contracts/shared/lib.rs."""
    text = open(os.path.join(ROOT, "contracts", "shared", "lib.rs"), encoding="utf-8").read()
    consts = {}
    for name, expr in re.findall(r"pub const ([A-Z_]+): [A-Za-z0-9]+ = ([^;]+);", text):
        expr = expr.replace("_", "") if re.fullmatch(r"[0-9_]+", expr.strip()) else expr
        if not re.fullmatch(r"[A-Z0-9_ +*()\-]+", expr.strip()):
            continue
        try:
            consts[name] = int(eval(expr, {"__builtins__": {}}, dict(consts)))  # noqa: S307 (digits, names, + - * only)
        except (NameError, SyntaxError):
            pass
    return consts


def largest_values(c):
    """(what, bytes) of the largest stored values and message input, from the
    field bounds (contracts/shared/lib.rs) and the struct layouts in
    contracts/*/lib.rs. Account 32, Timestamp u64 8, Balance u128 16,
    Option<u32> 5, Option<u64> 9, fieldless enum 1, [u8; 32] 32."""
    name, short, text = bounded_str(c["MAX_NAME_LEN"]), bounded_str(c["MAX_SHORT_LEN"]), bounded_str(c["MAX_TEXT_LEN"])
    title, body = bounded_str(c["MAX_TITLE_LEN"]), bounded_str(c["MAX_BODY_LEN"])
    # records::Record: kind, title, body, author, created_at, block u32,
    # content_hash, supersedes, superseded_by, emergency
    record = 1 + title + body + 32 + 8 + 4 + 32 + 5 + 5 + 1
    # registry::Patient: PatientProfile (name, date_of_birth, gender,
    # home_address, phone, blood_group, allergies, height_cm u16, weight_kg u16,
    # emergency_contact_name, emergency_contact_phone, national_id_hash),
    # registered_at, updated_at, identity_verified
    patient = name + short + short + text + short + short + text + 2 + 2 + name + short + 32 + 8 + 8 + 1
    # appointments::Appointment: doctor, patient, start, duration_min u32,
    # reason, diagnosis, prescription, status, fee, paid, created_at, proposed_start
    appointment = 32 + 32 + 8 + 4 + 3 * text + 1 + 16 + 16 + 8 + 9
    # records key_holders: Vec<AccountId> of at most MAX_KEY_HOLDERS
    holders = compact_len(c["MAX_KEY_HOLDERS"]) + 32 * c["MAX_KEY_HOLDERS"]
    # records.add_record input: selector, patient, kind, title, body, supersedes
    add_record_input = 4 + 32 + 1 + title + body + 5
    values = [("records Record", record), ("registry Patient", patient),
              ("appointments Appointment", appointment), ("records key holders", holders)]
    return values, ("records.add_record input", add_record_input)


def wasm_of(ink_dir, name):
    """(bytes of the optimized Wasm, its path) or (None, where we looked)."""
    base = f"smrms_{name}"
    wasm = os.path.join(ink_dir, base, f"{base}.wasm")
    if os.path.exists(wasm):
        return open(wasm, "rb").read(), wasm
    bundle = os.path.join(ink_dir, base, f"{base}.contract")
    if os.path.exists(bundle):
        hexed = json.load(open(bundle, encoding="utf-8"))["source"]["wasm"]
        return bytes.fromhex(hexed[2:] if hexed.startswith("0x") else hexed), bundle
    return None, wasm


def leb128(b, i):
    result = shift = 0
    while True:
        byte = b[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def imports(code):
    """The `module.name` function imports of a Wasm module (host functions)."""
    out, i = set(), 8
    while i < len(code):
        section, i = code[i], i + 1
        size, i = leb128(code, i)
        end = i + size
        if section == 2:
            count, j = leb128(code, i)
            for _ in range(count):
                n, j = leb128(code, j)
                module, j = code[j:j + n].decode(), j + n
                n, j = leb128(code, j)
                field, j = code[j:j + n].decode(), j + n
                kind, j = code[j], j + 1
                if kind == 0:  # function: type index
                    _, j = leb128(code, j)
                    out.add(f"{module}.{field}")
                elif kind == 1:  # table: reftype, limits
                    j += 1
                    flags, j = code[j], j + 1
                    _, j = leb128(code, j)
                    if flags & 1:
                        _, j = leb128(code, j)
                elif kind == 2:  # memory: limits
                    flags, j = code[j], j + 1
                    _, j = leb128(code, j)
                    if flags & 1:
                        _, j = leb128(code, j)
                else:  # global: valtype, mutability
                    j += 2
        i = end
    return out


def stale_call_table():
    """Leaf blocks of LEAF_BLOCKS that now call another contract."""
    found = []
    for path, start in LEAF_BLOCKS:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        at = text.find(start)
        if at < 0:
            found.append(f"{path}: `{start}` not found")
            continue
        depth, i = 0, text.index("{", at)
        for i in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
        block = "\n".join(line for line in text[at:i].splitlines() if not line.strip().startswith("//"))
        if OUTGOING.search(block):
            found.append(f"{path}: `{start}` calls another contract")
    return found


def num(n):
    return f"{n:,}".replace(",", " ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default=os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"),
                    help="cargo target directory of the release build (default $CARGO_TARGET_DIR or ./target)")
    args = ap.parse_args()
    given = "--target" in sys.argv[1:]
    ink_dir = os.environ.get("SMRMS_INK") if not given and os.environ.get("SMRMS_INK") else \
        os.path.join(os.path.abspath(os.path.expanduser(args.target)), "ink")

    code, used = {}, set()
    for name in CONTRACTS:
        wasm, where = wasm_of(ink_dir, name)
        if wasm is None:
            print(f"production limits: missing {where} (build with scripts/build.sh)", file=sys.stderr)
            return 2
        code[name] = len(wasm)
        used |= imports(wasm)

    values, msg_input = largest_values(shared_constants())
    largest = max(values, key=lambda v: v[1])
    depth = max(len(path) for _, path in CALL_CHAINS)
    deepest = [f"{entry} → {' → '.join(path[1:])}" for entry, path in CALL_CHAINS if len(path) == depth]

    checks = over = 0

    def check(label, value, limit, what, chain, unit="bytes"):
        nonlocal checks, over
        checks += 1
        ok = value <= limit
        over += not ok
        print(f"production limits: {label} {num(value)} {unit} vs {what} {num(limit)} ({chain}): {'ok' if ok else 'OVER'}")

    print(f"production limits: bundles in {ink_dir}; deepest call chain {depth} frames: {deepest[0]}")
    for chain in CHAINS:
        for name in CONTRACTS:
            check(f"smrms_{name}", code[name], chain["max_code"], "max code length", chain["name"])
        check("deepest call chain", depth, chain["call_stack"] + 1, "call depth", chain["name"], "frames")
        check(f"largest stored value ({largest[0]})", largest[1], chain["payload"], "max storage value", chain["name"])
        if chain["closed"]:
            print(f"production limits: note {chain['name']}: {chain['closed']}")
        refused = sorted(used & chain["unstable"])
        if refused and not chain["unstable_ok"]:
            print(f"production limits: note {chain['name']}: imports {', '.join(refused)}, unstable there and "
                  f"UnsafeUnstableInterface = false: upload likely refused (unverified; dry-run an upload first)")
    for what, size in [largest, msg_input]:
        check(what, size, INK_BUFFER, "ink! 5 static buffer", "all chains")
    too_big = [f"{w} {num(s)}" for w, s in values if s > REVIVE_PAYLOAD]
    print(f"production limits: note pallet-revive (ink! 6) stores at most {REVIVE_PAYLOAD} bytes per value "
          f"(call stack {REVIVE_CALL_STACK}); too big there: {', '.join(too_big) or 'none'}; "
          f"it runs PolkaVM, not these Wasm bundles")
    for stale in stale_call_table():
        print(f"production limits: note call table may be stale: {stale} (update CALL_CHAINS)")
    print(f"production limits: {checks} checks, {over} over")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

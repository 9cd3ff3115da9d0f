#!/usr/bin/env bash
# SMRMS encrypted run (issue #10, first part): the paper's record journey with
# client-side encryption, on a throw-away local node, then a dump of all four
# contracts' storage that must contain none of the patient's plaintext.
#
# The encryption runs in the client (`smrms-seal`, crate client/); the chain
# calls are `cargo contract call`. Cast: //Alice head, //Dave patient, //Eve
# doctor (granted, later revoked), //Charlie doctor (granted after Eve's
# revocation), //Ferdie stranger. Fails on the first unexpected answer.
#   scripts/encrypted-demo.sh
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/node.sh"
WORK="$(mktemp -d)"
NODE_PID=""
cleanup() { stop_dev_node; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

step "build the client (smrms-seal)"
cargo build -q -p smrms-client --bin smrms-seal
SEAL="$CARGO_TARGET_DIR/debug/smrms-seal"
start_dev_node "$WORK"
bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$WORK/addresses.json" --fresh >/dev/null
addr() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/addresses.json" "$1"; }
declare -A ADDR=([registry]=$(addr registry) [permissions]=$(addr permissions) [records]=$(addr records) [appointments]=$(addr appointments))
INK="$CARGO_TARGET_DIR/ink"
DAVE=5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy
EVE=5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
FERDIE=5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL
hex_of() { # SS58 -> 0x + 32-byte account id
  python3 - "$1" <<'PY'
import sys
A = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = 0
for c in sys.argv[1]:
    n = n * 58 + A.index(c)
b = n.to_bytes(35, "big")
print("0x" + b[1:33].hex())
PY
}
N=0
# call SURI CONTRACT MESSAGE EXPECT [ARGS...]: dry run, check, submit unless a query or a refusal
call() {
  local suri="$1" contract="$2" message="$3" expect="$4"; shift 4
  N=$((N + 1))
  local out
  out="$(cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "${ADDR[$contract]}" \
         --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" 2>&1 || true)"
  RESULT="$(grep -m1 'Result' <<<"$out" | sed 's/^ *//')"
  printf '[%02d] %-9s %s.%s → %s\n' "$N" "$suri" "$contract" "$message" "$(cut -c1-110 <<<"$RESULT")"
  grep -qF -- "$expect" <<<"$RESULT" || { echo "UNEXPECTED: wanted $expect" >&2; echo "$out" >&2; exit 1; }
  if [ "${QUERY:-0}" = 0 ] && ! grep -q 'Reverted true' <<<"$out"; then
    cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "${ADDR[$contract]}" \
      --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" -x -y >"$WORK/tx.log" 2>&1 \
      || { cat "$WORK/tx.log" >&2; exit 1; }
  fi
}
query() { QUERY=1 call "$@"; }
bytes_of_result() { # the Vec<u8> in "Result Ok(Ok(Some([1, 2, ...])))" as 0x hex
  python3 -c 'import re,sys; m=re.search(r"Some\(\[([0-9, ]*)\]\)", sys.argv[1]); print("0x"+bytes(int(x) for x in m.group(1).split(",")).hex()) if m else sys.exit(1)' "$1"
}
envelope_of_result() { grep -oE 'smrms-enc1:[A-Za-z0-9+/]+\.[0-9a-f]{64}' <<<"$1" | head -1; }
share() { # SURI KEY PATIENT_SS58 OBJECT(profile|record:N) READER_SS58: wrap for the reader's published key, store it
  local suri="$1" key="$2" patient="$3" obj="$4" reader="$5" pub wrapped arg
  QUERY=1 call "$suri" registry encryption_key 'Ok(Ok(Some(' "$reader" >/dev/null
  pub=0x$(python3 -c 'import re,sys; print(bytes(int(x) for x in re.search(r"Some\(\[([0-9, ]*)\]\)", sys.argv[1]).group(1).split(",")).hex())' "$RESULT")
  wrapped=$("$SEAL" wrap "$key" "$pub" "$(hex_of "$patient")" "$obj" "$(hex_of "$reader")")
  case "$obj" in profile) arg=Profile;; record:*) arg="Record(${obj#record:})";; esac
  call "$suri" records share_key 'Ok(Ok())' "$patient" "$arg" "$reader" "$wrapped"
}
read_record() { # SURI READER_SS58 ID: the reader's client fetches envelope + wrapped key and decrypts
  local suri="$1" reader="$2" id="$3" env wrapped
  QUERY=1 call //Dave records record 'Ok(Ok(Record' "$DAVE" "$id" >/dev/null
  env="$(envelope_of_result "$RESULT")"
  QUERY=1 call "$suri" records key_of 'Ok(Ok(' "$DAVE" "Record($id)" "$reader" >/dev/null
  if ! wrapped="$(bytes_of_result "$RESULT")"; then
    echo "     $suri: no wrapped key for record $id: ciphertext only (${env:0:40}…)"; return 3
  fi
  "$SEAL" open-record "$suri" "$wrapped" "$(hex_of "$DAVE")" "record:$id" "$(hex_of "$reader")" "$env" | sed "s|^|     $suri reads: |"
}

# The patient's plaintext: every value below must stay off the chain.
P_NAME="Dave Mehta"; P_DOB="1975-09-30"; P_GENDER="M"; P_ADDR="7 Lalbagh Road, Bengaluru 560027"
P_PHONE="+91 80 5550 1234"; P_BLOOD="AB-"; P_ALLERGY="sulfonamides, latex"
P_EC_NAME="Kavya Mehta"; P_EC_PHONE="+91 80 5550 9876"
R0_TITLE="HIV-1 viral load"; R0_BODY="Detected, 12000 copies/ml; start ART (TDF/3TC/DTG) today"
R1_TITLE="Psychiatry consult"; R1_BODY="Major depressive episode; sertraline 50 mg daily"
PLAINTEXT=("$P_NAME" "$P_DOB" "$P_ADDR" "$P_PHONE" "$P_ALLERGY" "$P_EC_NAME" "$P_EC_PHONE" "$R0_TITLE" "$R0_BODY" "$R1_TITLE" "$R1_BODY" "sertraline" "12000 copies")

step "keys: each account's encryption key pair; registrations"
H=0x$(printf '11%.0s' $(seq 32))
KP=$("$SEAL" new-key)   # the profile's data key (Dave's client keeps it)
f() { "$SEAL" seal-field "$KP" "$1" "$2" "$3"; }
PROFILE="{ name: \"$(f 0 128 "$P_NAME")\", date_of_birth: \"$(f 1 64 "$P_DOB")\", gender: \"$(f 2 64 "$P_GENDER")\", home_address: \"$(f 3 512 "$P_ADDR")\", phone: \"$(f 4 64 "$P_PHONE")\", blood_group: \"$(f 5 64 "$P_BLOOD")\", allergies: \"$(f 6 512 "$P_ALLERGY")\", height_cm: 0, weight_kg: 0, emergency_contact_name: \"$(f 7 128 "$P_EC_NAME")\", emergency_contact_phone: \"$(f 8 64 "$P_EC_PHONE")\", national_id_hash: $H }"
doctor() { echo "{ name: \"$1\", phone: \"+91 80 2222 3333\", gender: \"F\", qualification: \"MBBS, MD\", specialization: \"Internal medicine\", licence_hash: $H, kind: Doctor }"; }
call //Dave    registry register_patient  'Ok(Ok())' "$PROFILE"
call //Eve     registry register_provider 'Ok(Ok())' "$(doctor "Dr. Eve Rao")"
call //Charlie registry register_provider 'Ok(Ok())' "$(doctor "Dr. Charlie Iyer")"
call //Alice   registry verify_provider   'Ok(Ok())' "$EVE"
call //Alice   registry verify_provider   'Ok(Ok())' "$CHARLIE"
for who in //Dave //Eve //Charlie; do
  call "$who" registry publish_encryption_key 'Ok(Ok())' "$("$SEAL" pubkey "$who")"
done
call //Ferdie  registry publish_encryption_key 'Err(UnknownAccount)' "$("$SEAL" pubkey //Ferdie)"
share //Dave "$KP" "$DAVE" profile "$DAVE"

step "grant Eve; Eve writes a sealed record and wraps its key for Dave and herself"
ALL="{ demographics: true, records_read: true, records_write: true, appointments: true }"
call //Dave permissions grant 'Ok(Ok())' "$EVE" "$ALL" None
share //Dave "$KP" "$DAVE" profile "$EVE"
K0=$("$SEAL" new-key)
call //Eve records add_record 'Ok(Ok(Accepted(0)))' "$DAVE" Diagnosis '"sealed"' "\"$("$SEAL" seal-record "$K0" "$R0_TITLE" "$R0_BODY")\"" None
share //Eve "$K0" "$DAVE" record:0 "$DAVE"
share //Eve "$K0" "$DAVE" record:0 "$EVE"

step "read record 0: the patient and the granted doctor read it, the stranger gets ciphertext only"
read_record //Dave "$DAVE" 0
read_record //Eve "$EVE" 0
if read_record //Ferdie "$FERDIE" 0; then echo "the stranger decrypted a record" >&2; exit 1; fi
query //Eve registry patient_profile 'Ok(Ok(Patient' "$DAVE" >/dev/null
SEALED_NAME=$(grep -oE 'name: e1:[A-Za-z0-9+/]+' <<<"$RESULT" | head -1 | cut -d' ' -f2)
QUERY=1 call //Eve records key_of 'Ok(Ok(Some' "$DAVE" Profile "$EVE" >/dev/null
echo "     //Eve reads the profile name: $("$SEAL" open-field //Eve "$(bytes_of_result "$RESULT")" "$(hex_of "$DAVE")" "$(hex_of "$EVE")" 0 "$SEALED_NAME")"

step "revoke Eve; Charlie writes record 1: Eve gets no key for it"
call //Dave permissions revoke 'Ok(Ok())' "$EVE"
call //Dave permissions grant 'Ok(Ok())' "$CHARLIE" "{ demographics: false, records_read: true, records_write: true, appointments: false }" None
K1=$("$SEAL" new-key)
call //Charlie records add_record 'Ok(Ok(Accepted(1)))' "$DAVE" Note '"sealed"' "\"$("$SEAL" seal-record "$K1" "$R1_TITLE" "$R1_BODY")\"" None
share //Charlie "$K1" "$DAVE" record:1 "$DAVE"
share //Charlie "$K1" "$DAVE" record:1 "$CHARLIE"
QUERY=1 call //Charlie records share_key 'Err(RecipientNotAllowed)' "$DAVE" "Record(1)" "$EVE" "0x$(printf 'ab%.0s' $(seq 80))"
read_record //Dave "$DAVE" 1
read_record //Charlie "$CHARLIE" 1
if read_record //Eve "$EVE" 1; then echo "the revoked doctor decrypted a record written after the revocation" >&2; exit 1; fi
echo "     (Eve still opens record 0, whose key she received before the revocation:)"
read_record //Eve "$EVE" 0

step "erasure: Dave shreds record 0's keys; nobody can open it any more"
call //Dave records shred_keys 'Ok(Ok(2))' "$DAVE" "Record(0)"
if read_record //Dave "$DAVE" 0; then echo "record 0 still opens after shredding" >&2; exit 1; fi

step "storage dump of the four contracts: search for the patient's plaintext"
: > "$WORK/storage.hex"
for c in registry permissions records appointments; do
  cargo contract storage --contract "${ADDR[$c]}" --raw --url "$URL" > "$WORK/$c.txt"
  cat "$WORK/$c.txt" >> "$WORK/storage.hex"
  echo "  $c: $(grep -c '0x' "$WORK/$c.txt") raw storage lines"
done
python3 - "$WORK/storage.hex" "Dr. Eve Rao" "${PLAINTEXT[@]}" <<'PY'
import re, sys
raw = open(sys.argv[1]).read()
blob = b"".join(bytes.fromhex(h) for h in re.findall(r"(?:0x)?((?:[0-9a-f]{2})+)", raw))
control, fields = sys.argv[2], sys.argv[3:]
assert control.encode() in blob, "the dump check is broken: the doctor's public name is not found"
envelopes = blob.count(b"smrms-enc1:")
assert envelopes >= 2, f"the dump check is broken: {envelopes} sealed record bodies in the dump, 2 stored"
assert b"e1:" in blob, "the dump check is broken: no sealed profile field in the dump"
found = [f for f in fields if f.encode() in blob]
print(f"  control: the doctor's public name, {envelopes} sealed record bodies and the sealed profile are in the dump ({len(blob)} bytes searched)")
print(f"plaintext fields searched: {len(fields)}, found: {len(found)}")
if found:
    print("  FOUND on chain:", found); sys.exit(1)
PY
step "encrypted run finished: $N calls; no plaintext of the patient on chain"

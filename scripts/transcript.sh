#!/usr/bin/env bash
# SMRMS developers' transcript: starts a throw-away local substrate-contracts-node (temporary
# state, free ports), deploys and wires the suite, and walks the paper's
# scenario with `cargo contract call` as the head (//Alice), a patient
# (//Bob) and a doctor (//Charlie). Every step prints what it did and what the
# chain answered; the script fails if an answer is not the expected one. The
# node is stopped at the end, also on failure.
# The profile's texts, record titles and bodies, medication and appointment
# texts are opaque bytes (`Vec<u8>`) in the contracts: this plain scenario
# passes each text as its UTF-8 bytes, `hex TEXT` → `0x…` (what the
# clients' `to_chain` stores for plaintext), and the answers' byte lists of
# those fields are shown decoded as text.
#
#   scripts/transcript.sh            # uses built release bundles or builds them
#   SMRMS_TRANSCRIPT=docs/cargo-contract-calls.md scripts/transcript.sh
#                              # also writes every command line and what it
#                              # printed as Markdown (the README's developer guide)
set -euo pipefail
. "$(dirname "$0")/env.sh"
# On a fresh machine the demo is the first command: make the machine ready
# first (idempotent; seconds when everything is there).
[ "${SMRMS_SKIP_SETUP:-}" = 1 ] || bash "$SMRMS_ROOT/scripts/setup.sh" | grep -E '^(ok|install|build)' || true
. "$(dirname "$0")/node.sh"
WORK="$(mktemp -d)"
NODE_PID=""
cleanup() {
  stop_dev_node
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start_dev_node "$WORK"

bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$WORK/addresses.json" --fresh | sed 's/^/  /'
addr() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/addresses.json" "$1"; }
REG=$(addr registry); PERM=$(addr permissions); REC=$(addr records); APPT=$(addr appointments)
INK="$SMRMS_INK"

BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
N=0
TRANSCRIPT="${SMRMS_TRANSCRIPT:-}"
if [ -n "$TRANSCRIPT" ]; then
  mkdir -p "$(dirname "$TRANSCRIPT")"
  cat > "$TRANSCRIPT" <<'MD'
# The paper's functions with `cargo contract call`

Written by `SMRMS_TRANSCRIPT=docs/cargo-contract-calls.md bash scripts/transcript.sh`: every
command below was run, in this order, against the demo's fresh
`substrate-contracts-node --dev`, and the block under it is what it printed. To run them
yourself against a node of your own, deploy first and set the variables:

```bash
bash scripts/deploy.sh --url ws://127.0.0.1:9944 --suri //Alice --out deploy/addresses.json
export URL=ws://127.0.0.1:9944 INK=$SMRMS_INK   # . scripts/env.sh sets SMRMS_INK (the release bundles)
for c in registry permissions records appointments; do
  export ${c^^}=$(python3 -c "import json; print(json.load(open('deploy/addresses.json'))['$c'])")
done
BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty      # //Bob, the patient
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y  # //Charlie, the doctor
# a text as the bytes an opaque field takes (UTF-8, 0x-hex; `[]` for the empty text)
hex() { local h; h=$(printf %s "$1" | od -An -v -tx1 | tr -d ' \n'); printf '%s' "${h:+0x$h}"; [ -n "$h" ] || printf '[]'; }
```

The patient's profile texts, record titles and bodies and appointment texts are opaque
bytes (`Vec<u8>`) in the contracts: the clients store sealed bytes there, this plain
walk-through the UTF-8 bytes of the text, written `$(hex 'text')`. The answers show such
fields as byte lists (`title: [84, 121, …]`); the line "as text" under an answer gives them
decoded.

Each call is first run without `-x` (a dry run: nothing changes, it prints what the
contract would return and the gas it would use); the same command with `-x -y` submits it.
`Ok(Ok(..))` is success, `Ok(Err(Name))` a named refusal from `smrms_shared::Error`,
`Ok(Ok(Denied(Reason)))` a logged denial (the attempt is stored in the access log and
`AccessDenied` tells the head). Times are Unix milliseconds: the appointment's start below
is the run's; give a future one, e.g. `$(( $(date +%s%3N) + 60000 ))`.
MD
fi
# a text as the bytes an opaque field takes: its UTF-8 bytes as 0x-hex (the
# transcoder reads a bare `0x` as a number: `[]` for the empty text)
hex() { local h; h=$(printf %s "$1" | od -An -v -tx1 | tr -d ' \n'); printf '%s' "${h:+0x$h}"; [ -n "$h" ] || printf '[]'; }
# The answer with each opaque field's byte list (`title: [84, 121, …]`)
# written as the text it holds (`title: "Type 2 diabetes"`), when UTF-8.
as_text() {
  python3 -c '
import json, re, sys
OPAQUE = "name|date_of_birth|gender|home_address|phone|blood_group|allergies|emergency_contact_name|emergency_contact_phone|title|body|dose|frequency|notes|reason|diagnosis|prescription"
def text(m):
    try:
        return m.group(1) + ": " + json.dumps(bytes(int(b) for b in m.group(2).split(",") if b.strip()).decode(), ensure_ascii=False)
    except (UnicodeDecodeError, ValueError):
        return m.group(0)
print(re.sub(r"\b(" + OPAQUE + r"): \[([0-9, ]*)\]", text, sys.stdin.read().rstrip("\n")))'
}
# The args as a reader types them: each 0x-hex argument (or struct field)
# that is printable UTF-8 written `$(hex 'text')`.
symbolic() {
  python3 -c '
import re, sys
def sym(m):
    try:
        t = bytes.fromhex(m.group(1)).decode()
    except ValueError:
        return m.group(0)
    return "$(hex " + chr(39) + t + chr(39) + ")" if t.isprintable() and chr(39) not in t else m.group(0)
print(re.sub(r"\b0x((?:[0-9a-f]{2})+)\b", sym, sys.argv[1]))' "$1"
}
# act WHO SURI CONTRACT MESSAGE EXPECT [ARGS...]: dry-run to show the chain's
# answer, check it (or its opaque fields as text) contains EXPECT, then
# submit the transaction (-x) unless the message is a query.
act() {
  local who="$1" suri="$2" contract="$3" message="$4" expect="$5"; shift 5
  local name addr
  case "$contract" in registry) addr=$REG;; permissions) addr=$PERM;; records) addr=$REC;; appointments) addr=$APPT;; esac
  N=$((N + 1))
  local shown="" a
  for a in "$@"; do shown+=" $(symbolic "$a")"; done
  printf '\n\033[1m[%02d] %s: %s.%s\033[0m%s\n' "$N" "$who" "$contract" "$message" "$shown"
  local out
  out="$(cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "$addr" \
         --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" 2>&1 || true)"
  local result; result="$(grep -m1 'Result' <<<"$out" | sed 's/^ *//')"
  [ -n "$result" ] || result="$(grep -m1 -E 'ERROR|Error' <<<"$out")"
  echo "     chain answered: $result"
  local decoded; decoded="$(as_text <<<"$result")"
  [ "$decoded" = "$result" ] || echo "     as text:        $decoded"
  if ! grep -qF -- "$expect" <<<"$result$decoded"; then
    echo "     UNEXPECTED: wanted $expect" >&2; echo "$out" >&2; exit 1
  fi
  local submit=0
  [ "${QUERY:-0}" = 0 ] && ! grep -q 'Reverted true' <<<"$out" && submit=1
  if [ -n "$TRANSCRIPT" ]; then
    local args=""
    for a in "$@"; do
      a="$(symbolic "$a")"; a="${a//$BOB/\$BOB}"; a="${a//$CHARLIE/\$CHARLIE}"
      case "$a" in *[\ \"\{\$]*) args+=" \"${a//\"/\\\"}\"";; *) args+=" $a";; esac
    done
    {
      printf '\n## %02d. %s: `%s.%s`\n\n```bash\n' "$N" "$who" "$contract" "$message"
      printf 'cargo contract call $INK/smrms_%s/smrms_%s.contract --contract $%s \\\n  --message %s' \
        "$contract" "$contract" "${contract^^}" "$message"
      [ -n "$args" ] && printf ' \\\n  --args%s' "$args"
      printf ' \\\n  --suri %s --url $URL\n```\n\n```text\n' "$suri"
      grep -v '^ *$' <<<"$out" | sed -e "s/$BOB/<Bob>/g; s/$CHARLIE/<Charlie>/g" -e 's/\x1b\[[0-9;]*m//g'
      printf '```\n'
      if [ "$decoded" != "$result" ]; then
        printf '\nAs text (the opaque fields decoded):\n\n```text\n%s\n```\n' \
          "$(sed -e "s/$BOB/<Bob>/g; s/$CHARLIE/<Charlie>/g" <<<"$decoded")"
      fi
      [ "$submit" = 1 ] && printf '\nSubmitted with `-x -y`: the transaction was included (events below).\n'
    } >> "$TRANSCRIPT"
  fi
  if [ "$submit" = 1 ]; then
    cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "$addr" \
      --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" -x -y >"$WORK/tx.log" 2>&1 \
      || { cat "$WORK/tx.log" >&2; exit 1; }
    echo "     submitted: $(grep -c 'ContractEmitted' "$WORK/tx.log") contract event(s), $(grep -o 'ExtrinsicSuccess' "$WORK/tx.log" | head -1)"
    if [ -n "$TRANSCRIPT" ]; then
      { printf '\n```text\n'; grep -E '^ *(Event|ContractEmitted|Contracts|System) ' "$WORK/tx.log" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^ */  /' | head -20; printf '```\n'; } >> "$TRANSCRIPT"
    fi
  fi
}
query() { QUERY=1 act "$@"; }

H=0x$(printf '11%.0s' $(seq 32))
# the profile's texts are opaque bytes: here plaintext as its UTF-8 bytes
profile() { echo "{ name: $(hex 'Bob Kumar'), date_of_birth: $(hex 1980-02-14), gender: $(hex M), home_address: $(hex "$1"), phone: $(hex '+91 80 1234 5678'), blood_group: $(hex B+), allergies: $(hex penicillin), height_cm: 172, weight_kg: 70, emergency_contact_name: $(hex 'Asha Kumar'), emergency_contact_phone: $(hex '+91 80 8765 4321'), national_id_hash: $H }"; }
PROFILE="$(profile Bengaluru)"
DOCTOR="{ name: \"Dr. Charlie Rao\", phone: \"+91 80 2222 3333\", gender: \"M\", qualification: \"MBBS, MD\", specialization: \"Endocrinology\", licence_hash: $H, kind: Doctor }"
RW="{ demographics: false, records_read: true, records_write: true, appointments: false }"
ALL="{ demographics: true, records_read: true, records_write: true, appointments: true }"
RECORD=(Diagnosis "$(hex 'Type 2 diabetes')" "$(hex 'HbA1c 7.1 %; start metformin 500 mg twice a day')" None)

step "the paper's scenario"
act   "patient Bob"    //Bob     registry    register_patient  'Ok(Ok())' "$PROFILE"
act   "patient Bob"    //Bob     registry    register_patient  'Err(AlreadyRegistered)' "$PROFILE"
act   "doctor Charlie" //Charlie registry    register_provider 'Ok(Ok())' "$DOCTOR"
act   "doctor Charlie" //Charlie records     add_record        'Err(NotVerifiedDoctor)' "$BOB" "${RECORD[@]}"
act   "Bob (not head)" //Bob     registry    verify_provider   'Err(NotHead)' "$CHARLIE"
act   "head Alice"     //Alice   registry    verify_provider   'Ok(Ok())' "$CHARLIE"
act   "doctor Charlie" //Charlie records     add_record        'Ok(Ok(Denied(NoConsent)))' "$BOB" "${RECORD[@]}"
query "patient Bob"    //Bob     records     record_count      'Ok(Ok(0))' "$BOB"
act   "patient Bob"    //Bob     permissions grant             'Ok(Ok())' "$CHARLIE" "$RW" None
query "patient Bob"    //Bob     permissions grant_counts      'active_now: 1' "$BOB"
act   "doctor Charlie" //Charlie records     add_record        'Ok(Ok(Accepted(0)))' "$BOB" "${RECORD[@]}"
query "doctor Charlie" //Charlie records     record            'title: "Type 2 diabetes"' "$BOB" 0
query "anyone"         //Dave    records     verify_record     'Ok(Ok(true))' "$BOB" 0 "${RECORD[@]:0:3}"
act   "patient Bob"    //Bob     permissions revoke            'Ok(Ok())' "$CHARLIE"
act   "doctor Charlie" //Charlie records     add_record        'Ok(Ok(Denied(NoConsent)))' "$BOB" "${RECORD[@]}"
query "doctor Charlie" //Charlie records     record            'Err(NotAllowed)' "$BOB" 0
query "patient Bob"    //Bob     permissions access_log_len    'Ok(Ok(3))' "$BOB"
query "patient Bob"    //Bob     permissions access_log        'outcome: Denied(NoConsent)' "$BOB" 0 10
EDITED="$(profile Mysuru)"
act   "patient Bob"    //Bob     registry    edit_patient      'Ok(Ok())' "$EDITED"
act   "doctor Charlie" //Charlie registry    read_patient_profile 'Ok(Ok(Denied(NoConsent)))' "$BOB"
act   "patient Bob"    //Bob     permissions grant             'Ok(Ok())' "$CHARLIE" "$ALL" None
act   "doctor Charlie" //Charlie registry    read_patient_profile 'home_address: "Mysuru"' "$BOB"
START=$(( $(date +%s%3N) + 4000 ))
act   "doctor Charlie" //Charlie appointments set_appointment  'Ok(Ok(Created(0)))' "$BOB" "$START" 30 "$(hex 'Diabetes review')" 0
query "patient Bob"    //Bob     appointments patient_appointments 'status: Booked' "$BOB" 0 10
act   "patient Bob"    //Bob     appointments complete         'Err(TooEarly)' 0
while [ "$(date +%s%3N)" -le $((START + 1000)) ]; do sleep 0.5; done
# the doctor writes the visit's outcome (a transaction, so a new block carries the time past the start)
act   "doctor Charlie" //Charlie appointments update_appointment 'Ok(Ok())' 0 "$START" 30 "$(hex 'Diabetes review')" "$(hex 'stable, HbA1c 6.8 %')" "$(hex 'metformin 500 mg twice a day')"
act   "patient Bob"    //Bob     appointments complete         'Ok(Ok())' 0
query "patient Bob"    //Bob     appointments appointment      'status: Completed' 0
act   "patient Bob"    //Bob     permissions revoke            'Ok(Ok())' "$CHARLIE"
query "patient Bob"    //Bob     permissions grant_counts      'active_now: 0' "$BOB"
step "transcript finished: $N steps, every answer as expected; stopping the node"

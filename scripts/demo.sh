#!/usr/bin/env bash
# SMRMS main job: starts a throw-away local substrate-contracts-node (temporary
# state, free ports), deploys and wires the suite, and walks the paper's
# scenario with `cargo contract call` as the head (//Alice), a patient
# (//Bob) and a doctor (//Charlie). Every step prints what it did and what the
# chain answered; the script fails if an answer is not the expected one. The
# node is stopped at the end, also on failure.
#
#   scripts/demo.sh            # uses built release bundles or builds them
set -euo pipefail
. "$(dirname "$0")/env.sh"
WORK="$(mktemp -d)"
NODE_PID=""
cleanup() {
  [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RPC=$(free_port); P2P=$(free_port)
step "start substrate-contracts-node --dev --tmp on 127.0.0.1:$RPC"
substrate-contracts-node --dev --tmp --rpc-port "$RPC" --port "$P2P" --no-prometheus --no-telemetry \
  >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 120); do
  if curl -s -m 1 -H 'Content-Type: application/json' \
       -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$RPC" | grep -q '"result"'; then
    break
  fi
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/node.log"; echo "node died" >&2; exit 1; }
  sleep 0.5
done
echo "  node up: $(substrate-contracts-node --version)"
URL="ws://127.0.0.1:$RPC"

bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$WORK/addresses.json" --fresh | sed 's/^/  /'
addr() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/addresses.json" "$1"; }
REG=$(addr registry); PERM=$(addr permissions); REC=$(addr records)
INK="$CARGO_TARGET_DIR/ink"

BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
N=0
# act WHO SURI CONTRACT MESSAGE EXPECT [ARGS...]: dry-run to show the chain's
# answer, check it contains EXPECT, then submit the transaction (-x) unless
# the message is a query.
act() {
  local who="$1" suri="$2" contract="$3" message="$4" expect="$5"; shift 5
  local name addr
  case "$contract" in registry) addr=$REG;; permissions) addr=$PERM;; records) addr=$REC;; esac
  N=$((N + 1))
  printf '\n\033[1m[%02d] %s: %s.%s\033[0m %s\n' "$N" "$who" "$contract" "$message" "$*"
  local out
  out="$(cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "$addr" \
         --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" 2>&1 || true)"
  local result; result="$(grep -m1 'Result' <<<"$out" | sed 's/^ *//')"
  [ -n "$result" ] || result="$(grep -m1 -E 'ERROR|Error' <<<"$out")"
  echo "     chain answered: $result"
  if ! grep -qF -- "$expect" <<<"$result"; then
    echo "     UNEXPECTED: wanted $expect" >&2; echo "$out" >&2; exit 1
  fi
  if [ "${QUERY:-0}" = 0 ] && ! grep -q 'Reverted true' <<<"$out"; then
    cargo contract call "$INK/smrms_$contract/smrms_$contract.contract" --contract "$addr" \
      --message "$message" ${1:+--args "$@"} --suri "$suri" --url "$URL" -x -y >"$WORK/tx.log" 2>&1 \
      || { cat "$WORK/tx.log" >&2; exit 1; }
    echo "     submitted: $(grep -c 'ContractEmitted' "$WORK/tx.log") contract event(s), $(grep -o 'ExtrinsicSuccess' "$WORK/tx.log" | head -1)"
  fi
}
query() { QUERY=1 act "$@"; }

H=0x$(printf '11%.0s' $(seq 32))
PROFILE="{ name: \"Bob Kumar\", date_of_birth: \"1980-02-14\", gender: \"M\", home_address: \"Bengaluru\", phone: \"+91 80 1234 5678\", blood_group: \"B+\", allergies: \"penicillin\", height_cm: 172, weight_kg: 70, emergency_contact_name: \"Asha Kumar\", emergency_contact_phone: \"+91 80 8765 4321\", national_id_hash: $H }"
DOCTOR="{ name: \"Dr. Charlie Rao\", phone: \"+91 80 2222 3333\", gender: \"M\", qualification: \"MBBS, MD\", specialization: \"Endocrinology\", licence_hash: $H, kind: Doctor }"
RW="{ demographics: false, records_read: true, records_write: true, appointments: false }"
RECORD=(Diagnosis '"Type 2 diabetes"' '"HbA1c 7.1 %; start metformin 500 mg twice a day"' None)

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
query "doctor Charlie" //Charlie records     record            'title: Type 2 diabetes' "$BOB" 0
query "anyone"         //Dave    records     verify_record     'Ok(Ok(true))' "$BOB" 0 "${RECORD[@]:0:3}"
act   "patient Bob"    //Bob     permissions revoke            'Ok(Ok())' "$CHARLIE"
act   "doctor Charlie" //Charlie records     add_record        'Ok(Ok(Denied(NoConsent)))' "$BOB" "${RECORD[@]}"
query "doctor Charlie" //Charlie records     record            'Err(NotAllowed)' "$BOB" 0
query "patient Bob"    //Bob     permissions access_log_len    'Ok(Ok(3))' "$BOB"
query "patient Bob"    //Bob     permissions access_log        'outcome: Denied(NoConsent)' "$BOB" 0 10
step "demo finished: $N steps, every answer as expected; stopping the node"

#!/usr/bin/env bash
# SMRMS demo (the main job): the paper's scenario through the `smrms` client, with
# client-side encryption, every step a `smrms` command (subxt +
# contract-transcode; no cargo contract, no shelling out for chain calls),
# the patient's FHIR R4 export checked by a FHIR validator, then a dump of all
# four contracts' storage that must contain none of the patient's plaintext.
#
#   scripts/demo.sh [--url WS_URL --addresses FILE] [--bundles DIR]
#
# With --url and --addresses (from `scripts/deploy.sh --out FILE`) it runs
# against that suite; //Alice must be its head (the deployer). Without them
# it starts a throw-away dev node (scripts/node.sh) and deploys a fresh suite.
# The cast are fresh accounts derived for this run (//Dave//RUN, …) funded by
# //Alice, so a re-run on the same node starts clean:
#   //Alice head · Dave patient · Eve doctor (granted, later revoked) ·
#   Charlie doctor (granted after Eve's revocation) · Ferdie a registered
#   stranger (a patient himself, never granted) · Kavya, Dave's sister, his
#   guardian · Hana and Ivan, emergency-room doctors with no grant ·
#   //EmergencyService//RUN the emergency custodian, whose key service
#   (`smrms emergency-service`) runs in the background (log in the run's
#   temp dir; stopped and restarted once mid-stream; on a local node its
#   connection goes through scripts/tcp-proxy.py, which is stopped and
#   restarted to drop the connection; killed at exit)
# It prints `emergency card: read by the emergency doctor: yes|no, refused
# after close: yes|no, plaintext found: N`, each value from what happened.
# SMRMS_BIN=path/to/smrms skips the build. Exits non-zero on the first
# unexpected outcome.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/env.sh"
# On a fresh machine the demo is the first command: make the machine ready
# first (idempotent; seconds when everything is there).
[ "${SMRMS_SKIP_SETUP:-}" = 1 ] || bash "$SMRMS_ROOT/scripts/setup.sh" | grep -E '^(ok|install|build)' || true
URL=""; ADDR=""; BUNDLES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="$2"; shift 2;;
    --addresses) ADDR="$2"; shift 2;;
    --bundles) BUNDLES="$2"; shift 2;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
WORK="$(mktemp -d)"
NODE_PID=""; SERVICE_PID=""
stop_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=""
  fi
}
PROXY_PID=""
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=""
  fi
}
cleanup() { stop_service; stop_proxy; [ -n "$NODE_PID" ] && stop_dev_node; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

if [ -z "${SMRMS_BIN:-}" ]; then
  step "build the client (smrms; a first build takes minutes)"
  t=$(date +%s)
  cargo build -q -p smrms-client --features chain --bin smrms
  echo "  smrms built in $(( $(date +%s) - t )) s"
  SMRMS_BIN="$CARGO_TARGET_DIR/debug/smrms"
fi
if [ -z "$URL" ] || [ -z "$ADDR" ]; then
  . "$SMRMS_ROOT/scripts/node.sh"
  start_dev_node "$WORK"
  ADDR="$WORK/addresses.json"
  # deploy (and build the contracts if needed): one line per contract
  bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$ADDR" --fresh \
    | grep -E '^  (smrms_|registry|permissions|records|appointments) ' || true
  [ -s "$ADDR" ] || { echo "deploy failed" >&2; exit 1; }
fi
export SMRMS_URL="$URL" SMRMS_ADDRESSES="$ADDR"
[ -n "$BUNDLES" ] && export SMRMS_BUNDLES="$BUNDLES"

RUN="run$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
HEAD=//Alice; DAVE="//Dave//$RUN"; EVE="//Eve//$RUN"; CHARLIE="//Charlie//$RUN"; FERDIE="//Ferdie//$RUN"
KAVYA="//Kavya//$RUN"; HANA="//Hana//$RUN"; IVAN="//Ivan//$RUN"; SERVICE="//EmergencyService//$RUN"
N=0
# as SURI [expected exit code] -- smrms args...: run, print, check the exit code
as() {
  local suri="$1" want=0 code=0; shift
  if [ "$1" != "--" ]; then want="$1"; shift; fi
  shift
  N=$((N + 1))
  printf '\n[%02d] %s$ smrms %s\n' "$N" "${suri%%//run*}" "$*"
  "$SMRMS_BIN" --suri "$suri" "$@" >"$WORK/out" 2>"$WORK/err" || code=$?
  sed 's/^/     /' "$WORK/out"
  if [ "$code" != "$want" ]; then
    sed 's/^/     ! /' "$WORK/err"
    echo "UNEXPECTED: exit $code, wanted $want" >&2
    exit 1
  fi
}
expect_out() { grep -qF -- "$1" "$WORK/out" || { echo "UNEXPECTED: output lacks: $1" >&2; exit 1; }; }
# a refusal's message goes to stderr
expect_err() { grep -qF -- "$1" "$WORK/err" || { echo "UNEXPECTED: error output lacks: $1" >&2; exit 1; }; }
acct() { "$SMRMS_BIN" --suri "$1" whoami | awk '/^account/ {print $2}'; }
A_DAVE=$(acct "$DAVE"); A_EVE=$(acct "$EVE"); A_CHARLIE=$(acct "$CHARLIE"); A_FERDIE=$(acct "$FERDIE")
A_KAVYA=$(acct "$KAVYA"); A_HANA=$(acct "$HANA"); A_IVAN=$(acct "$IVAN"); A_SERVICE=$(acct "$SERVICE")

# The patient's plaintext: none of it may reach the chain.
P_NAME="Dave Mehta"; P_DOB="1975-09-30"; P_GENDER="Male"; P_ADDR="7 Lalbagh Road, Bengaluru 560027"
P_PHONE="+91 80 5550 1234"; P_PHONE2="+91 80 5550 4321"; P_BLOOD="AB-"; P_ALLERGY="sulfonamides, latex"
P_EC_NAME="Kavya Mehta"; P_EC_PHONE="+91 80 5550 9876"
R0_TITLE="HIV-1 viral load"; R0_BODY="Detected, 12000 copies/ml; start ART (TDF/3TC/DTG) today"
R1_TITLE="Psychiatry consult"; R1_BODY="Major depressive episode; sertraline 50 mg daily"
M_NAME="Dolutegravir"; M_DOSE="50 mg"; M_FREQ="once daily"; M_NOTES="with TDF/3TC, do not stop"
A_REQUEST="Sleep still poor on the new dose"; A_BOOK="Dizzy spells since the dose change"
E_NOTE="Found unresponsive at home, suspected opioid overdose"
A_REASON="Low mood, insomnia since March"; A_DIAG="Depressive episode, improving"; A_RX="Sertraline 100 mg once daily"
# his emergency card
C_ALLERGY="penicillin (anaphylaxis 2019), latex"; C_MEDS="Dolutegravir 50 mg daily; sertraline 100 mg"
C_COND="HIV on ART since 2021; major depressive episode"; C_CONTACT="Kavya Mehta (sister) +91 80 5550 9876"
printf '%s\n' "$C_ALLERGY" "$C_MEDS" "$C_COND" "$C_CONTACT" "anaphylaxis" "on ART since" > "$WORK/card-plaintext.txt"
printf '%s\n' "$P_NAME" "$P_DOB" "$P_ADDR" "$P_PHONE" "$P_PHONE2" "$P_BLOOD" "$P_ALLERGY" "$P_EC_NAME" "$P_EC_PHONE" \
  "$R0_TITLE" "$R0_BODY" "$R1_TITLE" "$R1_BODY" "sertraline" "12000 copies" "Lalbagh" "5550 1234" \
  "$A_REASON" "$A_DIAG" "$A_RX" "insomnia" "$M_NAME" "$M_NOTES" "$A_REQUEST" "Second opinion" "$A_BOOK" \
  "$E_NOTE" "opioid overdose" > "$WORK/plaintext.txt"
cat "$WORK/card-plaintext.txt" >> "$WORK/plaintext.txt"

step "cast (run $RUN): fund fresh accounts from the head"
for a in "$A_DAVE" "$A_EVE" "$A_CHARLIE" "$A_FERDIE"; do as "$HEAD" -- fund "$a"; done
as "$DAVE" -- whoami

step "registration: the patient's profile is sealed on her machine; providers are public; the head verifies"
as "$DAVE" -- register-patient --name "$P_NAME" --dob "$P_DOB" --gender "$P_GENDER" --address "$P_ADDR" \
  --phone "$P_PHONE" --blood-group "$P_BLOOD" --allergies "$P_ALLERGY" --emergency-name "$P_EC_NAME" --emergency-phone "$P_EC_PHONE"
as "$EVE" -- register-provider --name "Dr. Eve Rao" --qualification "MBBS, MD" --specialization "Internal medicine" --gender F
as "$CHARLIE" -- register-provider --name "Dr. Charlie Iyer" --qualification "MBBS, MD" --specialization "Psychiatry" --gender M
as "$FERDIE" -- register-patient --name "Ferdie Shah" --dob "1990-01-01"
as "$HEAD" -- verify-provider "$A_EVE"
as "$HEAD" -- verify-provider "$A_CHARLIE"
as "$DAVE" -- profile
expect_out "$P_ALLERGY"

step "grant Eve; Eve writes a sealed record, its key wrapped for Dave and herself"
as "$DAVE" -- grant "$A_EVE" --scopes all
expect_out "1 existing data key(s) re-wrapped"
as "$EVE" -- add-record --patient "$A_DAVE" --kind Diagnosis --title "$R0_TITLE" --body "$R0_BODY"
expect_out "record 0 added"

step "read record 0: the patient and the granted doctor read it; the stranger gets ciphertext only"
as "$DAVE" -- read --id 0
expect_out "$R0_BODY"
as "$EVE" -- read --patient "$A_DAVE" --id 0
expect_out "$R0_BODY"
as "$FERDIE" 3 -- read --patient "$A_DAVE" --id 0
expect_out "CIPHERTEXT ONLY"
as "$EVE" -- profile --patient "$A_DAVE"
expect_out "$P_ADDR"
as "$FERDIE" 3 -- profile --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"

step "medications: Dave adds his own, sealed; Eve reads it, the stranger sees it sealed"
as "$DAVE" -- add-medication --name "$M_NAME" --dose "$M_DOSE" --frequency "$M_FREQ" --notes "$M_NOTES" --days 180
expect_out "medication 0 added (sealed); key wrapped for 2 account(s)"
as "$EVE" -- medications --patient "$A_DAVE"
expect_out "$M_NAME $M_DOSE $M_FREQ"
as "$FERDIE" 3 -- medications --patient "$A_DAVE"
expect_out "SEALED"

step "revoke Eve; grant Charlie (record 0's key is re-wrapped for him); Charlie writes record 1; a new profile version is not wrapped for Eve"
as "$DAVE" -- revoke "$A_EVE"
expect_out "wrapped key(s) removed"
# her keys are gone from current state: record 0 is ciphertext to her now
as "$EVE" 3 -- read --patient "$A_DAVE" --id 0
as "$DAVE" -- grant "$A_CHARLIE" --scopes records-read,records-write,appointments
expect_out "2 existing data key(s) re-wrapped"
as "$CHARLIE" -- read --patient "$A_DAVE" --id 0
expect_out "$R0_BODY"
as "$CHARLIE" -- medications --patient "$A_DAVE"
expect_out "$M_NOTES"
as "$CHARLIE" -- add-record --patient "$A_DAVE" --kind Note --title "$R1_TITLE" --body "$R1_BODY"
expect_out "record 1 added"
as "$CHARLIE" -- add-medication --patient "$A_DAVE" --name "Sertraline" --dose "100 mg" --frequency "once daily" --prescribed-by "$A_CHARLIE"
expect_out "medication 1 added"
as "$DAVE" -- key-holders --record 1
if grep -qF "$A_EVE" "$WORK/out"; then echo "UNEXPECTED: record 1's key was wrapped for the revoked doctor" >&2; exit 1; fi

as "$DAVE" -- edit-profile --phone "$P_PHONE2"
expect_out "0 grantee(s)"
as "$DAVE" -- profile
expect_out "$P_PHONE2"
as "$EVE" 3 -- profile --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"
as "$CHARLIE" -- patients
expect_out "$A_DAVE"

step "after the revocation: the patient and Charlie read record 1; revoked Eve and the stranger cannot decrypt it"
as "$DAVE" -- read --id 1
expect_out "$R1_BODY"
as "$CHARLIE" -- read --patient "$A_DAVE" --id 1
expect_out "$R1_BODY"
as "$EVE" 3 -- read --patient "$A_DAVE" --id 1
expect_out "CIPHERTEXT ONLY"
as "$FERDIE" 3 -- read --patient "$A_DAVE" --id 1
expect_out "CIPHERTEXT ONLY"
as "$EVE" 3 -- read --patient "$A_DAVE" --id 1 --audited
expect_out "CIPHERTEXT ONLY"
as "$EVE" 3 -- medications --patient "$A_DAVE"
expect_out "#1 SEALED"
as "$DAVE" -- stop-medication 1
as "$DAVE" -- medications
expect_out "stopped at"

step "proof without revealing: the patient shows a verifier record 1 and its salt"
as "$DAVE" -- prove --id 1
expect_out "verify_record(envelope) on chain: true"

step "appointments: every text sealed for the patient and the doctor; the access log"
as "$CHARLIE" -- set-appointment --patient "$A_DAVE" --in-seconds 3 --reason "$A_REASON"
APPT=$(awk '/appointment .* booked/ {print $2}' "$WORK/out")
as "$CHARLIE" -- update-appointment "$APPT" --diagnosis "$A_DIAG" --prescription "$A_RX"
as "$DAVE" -- appointments
expect_out "$A_RX"
as "$CHARLIE" -- appointments --doctor
expect_out "$A_DIAG"
as "$HEAD" -- appointments --of "$A_DAVE"
expect_out "(sealed,"
if grep -qF "$A_REASON" "$WORK/out"; then echo "UNEXPECTED: the head opened an appointment text" >&2; exit 1; fi
as "$DAVE" -- request-appointment --doctor "$A_CHARLIE" --in-seconds 86400 --reason "$A_REQUEST"
REQ=$(awk '/appointment .* requested/ {print $2}' "$WORK/out"); REQ1="$REQ"
as "$CHARLIE" -- accept "$REQ"
as "$CHARLIE" -- appointments --doctor
expect_out "$A_REQUEST"
as "$DAVE" -- cancel "$REQ"
# a fee: paid with the request, held by the contract, refunded on decline, withdrawn
as "$CHARLIE" -- set-fee 5000
as "$DAVE" 1 -- request-appointment --doctor "$A_CHARLIE" --in-seconds 86400 --reason "Second opinion" --max-fee 4999
sed 's/^/     /' "$WORK/err"
expect_err "more than your --max-fee"
as "$DAVE" -- request-appointment --doctor "$A_CHARLIE" --in-seconds 86400 --reason "Second opinion" --max-fee 5000
expect_out "fee 5000 paid"
REQ=$(awk '/appointment .* requested/ {print $2}' "$WORK/out"); REQ2="$REQ"
as "$CHARLIE" -- decline "$REQ"
as "$DAVE" -- withdraw
expect_out "withdrew 5000"
sleep 4
# the instant-seal dev node makes blocks only for transactions, and a dry run
# sees the last block's timestamp: one small transfer makes a block after the start
as "$HEAD" -- fund "$A_DAVE" --amount 1
as "$DAVE" -- complete "$APPT"
as "$DAVE" -- appointments
expect_out "Completed"
expect_out "Cancelled"
expect_out "Declined"
as "$DAVE" -- access-log
expect_out "Denied"

step "break-glass: Charlie opens emergency access with a reason code; his note is sealed for Dave and himself"
as "$CHARLIE" -- open-emergency --patient "$A_DAVE" --reason Overdose --note "$E_NOTE" --minutes 30
expect_out "emergency access #0 opened"
as "$DAVE" -- emergencies
expect_out "reason Overdose"
expect_out "$E_NOTE"
as "$FERDIE" -- emergencies --patient "$A_DAVE"
expect_out "(sealed,"
if grep -qF "$E_NOTE" "$WORK/out"; then echo "UNEXPECTED: the stranger opened the emergency note" >&2; exit 1; fi

step "code changes: the patient checks each contract's upgrade time lock (7 days; nothing pending)"
as "$DAVE" -- upgrades
expect_out "records: upgrade delay 7 d 0 h"
expect_out "upgrades: 0 pending of 4"

step "erasure on request: the patient shreds record 0's keys; nobody can open it any more"
as "$DAVE" -- shred --record 0
# Dave and Charlie (Eve's key went at her revocation)
expect_out "2 wrapped key(s) destroyed"
as "$DAVE" 3 -- read --id 0
as "$CHARLIE" 3 -- read --patient "$A_DAVE" --id 0

step "FHIR R4 export: the patient exports her bundle, a FHIR validator checks it, every item of the run is in it once"
# the validator: the official FHIR R4 JSON schema (ajv) and FHIR.js, from the npm registry (tools/fhir-validate)
FHIR_TOOL="$SMRMS_ROOT/tools/fhir-validate"
(cd "$FHIR_TOOL" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
if node "$FHIR_TOOL/validate.mjs" "$FHIR_TOOL/test/fixtures/invalid-bundle.json" >/dev/null 2>"$WORK/invalid.err"; then
  echo "UNEXPECTED: the validator accepted the invalid fixture" >&2; exit 1
fi
echo "     validator self-check: the invalid fixture is rejected ($(grep -c '^schema:\|^fhir.js:' "$WORK/invalid.err") errors)"
# its tests: the sample export passes, every broken variant of it is rejected
(cd "$FHIR_TOOL" && node --test test/ >"$WORK/fhir-tests.log" 2>&1) || { cat "$WORK/fhir-tests.log"; exit 1; }
echo "     validator tests: $(awk '/^# pass/ {p=$3} /^# fail/ {f=$3} END {print p " passed, " f " failed"}' "$WORK/fhir-tests.log")"
ms() { date +%s%3N; }
T_EXPORT=$(ms)
as "$DAVE" -- export --fhir "$WORK/dave.fhir.json"
T_EXPORT=$(( $(ms) - T_EXPORT ))
expect_out "FHIR R4 Bundle (collection)"
T_VALID=$(ms)
node "$FHIR_TOOL/validate.mjs" "$WORK/dave.fhir.json" | sed 's/^/     /'
T_VALID=$(( $(ms) - T_VALID ))
# what the run created, from the chain: records and the access log
as "$DAVE" 3 -- read
N_RECORDS=$(awk '/^records read:/ {sub(",", "", $3); print $3}' "$WORK/out")
as "$DAVE" -- access-log
N_LOG=$(wc -l < "$WORK/out")
# grants: Eve (revoked) and Charlie; medications 0 and 1; appointments booked, accepted-then-cancelled, declined
python3 "$SMRMS_ROOT/scripts/fhir-roundtrip.py" "$WORK/dave.fhir.json" --patient "$A_DAVE" \
  --records "$N_RECORDS" --grants 2 --medications 2 --appointments "$APPT,$REQ1,$REQ2" --audit-events "$N_LOG" \
  --opened-record "1:$R1_TITLE:$R1_BODY" --sealed-record 0
# a stranger's export of the same patient: valid, everything marked sealed, none of her plaintext
as "$FERDIE" -- export --fhir "$WORK/ferdie.fhir.json" --patient "$A_DAVE"
node "$FHIR_TOOL/validate.mjs" "$WORK/ferdie.fhir.json" | sed 's/^/     /'
python3 "$SMRMS_ROOT/scripts/fhir-roundtrip.py" "$WORK/ferdie.fhir.json" --patient "$A_DAVE" \
  --records "$N_RECORDS" --grants 2 --medications 2 --appointments "" --audit-events "$N_LOG" \
  --sealed-record 0 --sealed-record 1 --absent-file "$WORK/plaintext.txt"
echo "     fhir timing: export ${T_EXPORT} ms (smrms, chain reads and event scan included), validation ${T_VALID} ms"

# On a local node the service reaches it through scripts/tcp-proxy.py, so that
# the demo can cut the service's connection as a node that goes away would.
SERVICE_URL="$URL"
start_proxy() {
  python3 "$SMRMS_ROOT/scripts/tcp-proxy.py" "$PROXY_PORT" "$NODE_PORT" >>"$WORK/proxy.log" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 1 40); do grep -q "^tcp-proxy:" "$WORK/proxy.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "UNEXPECTED: the proxy did not start" >&2; exit 1
}
if [[ "$URL" =~ ^ws://127\.0\.0\.1:([0-9]+)$ ]]; then
  NODE_PORT="${BASH_REMATCH[1]}"
  PROXY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  start_proxy
  SERVICE_URL="ws://127.0.0.1:$PROXY_PORT"
fi
# The emergency key service in the background: its log is the run's service.log.
start_service() {
  "$SMRMS_BIN" --suri "$SERVICE" --url "$SERVICE_URL" emergency-service --state "$WORK/service.state" \
    >>"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
}
# wait_log REGEX SECONDS: until the service's log has a matching line (prints it)
wait_log() {
  local i
  for i in $(seq 1 $(( $2 * 4 ))); do
    if grep -qE -- "$1" "$WORK/service.log"; then
      grep -E -- "$1" "$WORK/service.log" | tail -1 | sed 's/^/     service | /'
      return 0
    fi
    kill -0 "$SERVICE_PID" 2>/dev/null || { sed 's/^/     service | /' "$WORK/service.log"; echo "UNEXPECTED: the emergency service stopped" >&2; exit 1; }
    sleep 0.25
  done
  sed 's/^/     service | /' "$WORK/service.log"
  echo "UNEXPECTED: no line matching '$1' in the service's log within $2 s" >&2; exit 1
}

step "emergency card: the head designates the emergency key service as custodian; the service starts"
as "$HEAD" -- fund "$A_SERVICE"
as "$SERVICE" -- whoami
K_SERVICE=$(awk '/^encryption key/ {print $3}' "$WORK/out")
as "$HEAD" -- custodian designate "$A_SERVICE" --key "$K_SERVICE"
as "$DAVE" -- custodian show
expect_out "$A_SERVICE"
: > "$WORK/service.log"
start_service
echo "     (smrms emergency-service --state FILE started in the background, pid $SERVICE_PID)"
wait_log "designated custodian: this service" 30

step "the patient sets his emergency card: sealed on his machine, its key wrapped for him and the custodian only"
as "$DAVE" -- card set --allergies "$C_ALLERGY" --blood-group "$P_BLOOD" --medications "$C_MEDS" --conditions "$C_COND" \
  --emergency-contact "$C_CONTACT"
expect_out "emergency card v1 set (sealed)"
as "$DAVE" -- card show
expect_out "$C_ALLERGY"
as "$DAVE" -- key-holders --card
expect_out "$A_SERVICE"
[ "$(wc -l < "$WORK/out")" = 2 ] || { echo "UNEXPECTED: the card key is wrapped for more than the patient and the custodian" >&2; exit 1; }
as "$HEAD" 3 -- card show --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"

step "break-glass with the card: Dr. Hana (verified, no grant) opens emergency access; the service releases the card key to her"
for a in "$A_HANA" "$A_IVAN"; do as "$HEAD" -- fund "$a"; done
as "$HANA" -- register-provider --name "Dr. Hana Kapoor" --qualification "MBBS, MD" --specialization "Emergency medicine" --gender F
as "$IVAN" -- register-provider --name "Dr. Ivan Pereira" --qualification "MBBS" --specialization "Emergency medicine" --gender M
as "$HEAD" -- verify-provider "$A_HANA"
as "$HEAD" -- verify-provider "$A_IVAN"
as "$HANA" 3 -- card show --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"
as "$HANA" -- open-emergency --patient "$A_DAVE" --reason Unresponsive --minutes 30
T_OPEN=$(date +%s%3N)
wait_log "by doctor $A_HANA: released the card key" 30
echo "     (released $(( $(date +%s%3N) - T_OPEN )) ms after the emergency access was opened)"
as "$HANA" -- card show --patient "$A_DAVE"
CARD_READ=no; grep -qF -- "$C_ALLERGY" "$WORK/out" && grep -qF -- "$C_COND" "$WORK/out" && CARD_READ=yes
# the card only: every record and the profile stay ciphertext to her (the contract lets her in; no key opens them)
as "$HANA" 3 -- read --patient "$A_DAVE" --audited
expect_out "decrypted: 0"
as "$HANA" 3 -- profile --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"
if grep -qF -- "$P_ADDR" "$WORK/out"; then echo "UNEXPECTED: the emergency doctor opened the profile" >&2; exit 1; fi
as "$DAVE" -- access-log
expect_out "ReadCard → GrantedEmergency"

step "the patient closes Hana's emergency; the service is stopped and restarted mid-stream: Dr. Ivan's emergency, closed before the service sees it, is refused by the service and by the contract"
as "$DAVE" -- close-emergency --doctor "$A_HANA"
expect_out "card key released to $A_HANA was removed"
as "$HANA" 3 -- card show --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"
stop_service
echo "     (service stopped; state file: $(cat "$WORK/service.state"))"
as "$IVAN" -- open-emergency --patient "$A_DAVE" --reason Trauma --minutes 30
as "$DAVE" -- close-emergency --doctor "$A_IVAN"
start_service
echo "     (service restarted, pid $SERVICE_PID)"
wait_log "resuming after block" 30
wait_log "by doctor $A_IVAN: refused" 30
as "$IVAN" 3 -- card show --patient "$A_DAVE"
expect_out "CIPHERTEXT ONLY"
# the contract refuses the custodian too, should it try by hand
as "$SERVICE" 1 -- card release --patient "$A_DAVE" --doctor "$A_IVAN"
sed 's/^/     /' "$WORK/err"
expect_err "RecipientNotAllowed"
REFUSED=no
if grep -qE "by doctor $A_IVAN: refused: the emergency access was closed" "$WORK/service.log" \
   && ! grep -qE "by doctor $A_IVAN: released" "$WORK/service.log" && grep -qF "RecipientNotAllowed" "$WORK/err"; then
  REFUSED=yes
fi

# A node that drops the connection: the proxy between the service and the
# node goes away (every connection cut, new ones refused) and comes back.
DROP="not run (the demo's node is not local)"
if [ -n "$PROXY_PID" ]; then
  step "the node drops the service's connection: Dr. Ivan opens a new emergency while the service cannot reach the chain; it reconnects, catches up and releases the card key to him, and to nobody else"
  stop_proxy
  echo "     (connection between the service and the node cut: proxy stopped)"
  wait_log "lost the node|cannot reach the node" 60
  as "$IVAN" -- open-emergency --patient "$A_DAVE" --reason Trauma --minutes 30
  as "$IVAN" 3 -- card show --patient "$A_DAVE"
  expect_out "CIPHERTEXT ONLY"
  start_proxy
  echo "     (proxy back: the node is reachable again)"
  T_BACK=$(date +%s%3N)
  wait_log "by doctor $A_IVAN: released the card key" 60
  echo "     (released $(( $(date +%s%3N) - T_BACK )) ms after the connection came back)"
  as "$IVAN" -- card show --patient "$A_DAVE"
  expect_out "$C_ALLERGY"
  # the card only, and only to him: the key holders are the patient, the custodian and Ivan
  as "$DAVE" -- key-holders --card
  [ "$(wc -l < "$WORK/out")" = 3 ] && grep -qF "$A_IVAN" "$WORK/out" \
    || { echo "UNEXPECTED: the card key holders after the reconnect" >&2; exit 1; }
  as "$IVAN" 3 -- read --patient "$A_DAVE" --audited
  expect_out "decrypted: 0"
  as "$DAVE" -- close-emergency --doctor "$A_IVAN"
  expect_out "card key released to $A_IVAN was removed"
  DROP="reconnected: yes, released to the open emergency only: yes"
fi
echo "emergency service after a dropped connection: $DROP"
echo "     service log:"
sed 's/^/     service | /' "$WORK/service.log"

step "care circle: Dave appoints his sister Kavya as guardian (consent and read); she grants and revokes for him, reads as his guardian"
as "$HEAD" -- fund "$A_KAVYA"
as "$KAVYA" -- register-patient --name "Kavya Mehta" --dob "1979-04-02"
as "$DAVE" -- guardian add "$A_KAVYA" --consent --read --until +30d
expect_out "existing data key(s) wrapped for her"
as "$DAVE" -- guardian list
expect_out "guardian $A_KAVYA consent+read"
as "$KAVYA" -- guardian list
expect_out "ward $A_DAVE consent+read"
as "$KAVYA" -- grant "$A_EVE" --scopes records-read --for "$A_DAVE"
as "$DAVE" -- grants
expect_out "$A_EVE"
as "$KAVYA" -- revoke "$A_EVE" --for "$A_DAVE"
as "$KAVYA" -- read --for "$A_DAVE" --id 1 --audited
expect_out "$R1_BODY"
as "$KAVYA" -- card show --for "$A_DAVE"
expect_out "$C_ALLERGY"
as "$DAVE" -- access-log
expect_out "(by guardian $A_KAVYA for patient $A_DAVE)"
echo "     guardian's acts in Dave's access log:"
grep -F "(by guardian" "$WORK/out" | sed 's/^/       /'
# re-appointed without the read power: the keys that power gave her go
as "$DAVE" -- guardian add "$A_KAVYA" --consent --until +30d
expect_out "without the read power now: 5 wrapped key(s) of hers removed"
as "$KAVYA" 3 -- card show --for "$A_DAVE"
as "$DAVE" -- guardian remove "$A_KAVYA"
expect_out "removed guardian $A_KAVYA"
as "$KAVYA" 1 -- grant "$A_EVE" --scopes records-read --for "$A_DAVE"
sed 's/^/     /' "$WORK/err"
expect_err "NotGuardian"
as "$KAVYA" 3 -- card show --for "$A_DAVE"
# a patient who cannot act for himself: the head declares him and appoints his guardian
as "$HEAD" -- incapacity declare "$A_FERDIE" --reason Cognitive
as "$HEAD" -- guardian appoint-for "$A_KAVYA" --patient "$A_FERDIE" --consent
as "$KAVYA" -- guardian list
expect_out "ward $A_FERDIE consent appointed by $(acct "$HEAD")"
as "$KAVYA" -- grant "$A_CHARLIE" --scopes records-read --for "$A_FERDIE"
as "$FERDIE" -- access-log
expect_out "(by guardian $A_KAVYA for patient $A_FERDIE)"

step "care circle, the booking power: a guardian without it is refused; Dave appoints Kavya to book for him (no data key comes with it); she books him a visit with Charlie, paying the fee; Dave sees it; she cancels it and the refund is hers"
# Kavya is Ferdie's guardian with the consent power only
as "$KAVYA" 1 -- request-appointment --for "$A_FERDIE" --doctor "$A_CHARLIE" --in-seconds 86400 --reason "$A_BOOK" --max-fee 5000
sed 's/^/     /' "$WORK/err"
expect_err "NotGuardian"
as "$HEAD" -- incapacity lift "$A_FERDIE"
as "$DAVE" -- guardian add "$A_KAVYA" --book --until +30d
expect_out "(book, until"
expect_out "0 existing data key(s) wrapped for her"
as "$KAVYA" -- guardian list
expect_out "ward $A_DAVE book"
# Charlie's fee (5000) is paid by Kavya; the reason is sealed for Dave and Charlie, not for her
as "$KAVYA" -- request-appointment --for "$A_DAVE" --doctor "$A_CHARLIE" --in-seconds 86400 --reason "$A_BOOK" --max-fee 5000
expect_out "fee 5000 paid by you"
BOOK=$(awk '/appointment .* requested/ {print $2}' "$WORK/out")
as "$DAVE" -- appointments
expect_out "#$BOOK Requested doctor $A_CHARLIE patient $A_DAVE"
expect_out "$A_BOOK"
# she sees his appointments and acts on his side of them; the refund is credited to her
as "$KAVYA" -- appointments --of "$A_DAVE"
expect_out "#$BOOK Requested doctor $A_CHARLIE patient $A_DAVE"
as "$KAVYA" -- cancel "$BOOK"
as "$KAVYA" -- withdraw
expect_out "withdrew 5000"
as "$DAVE" -- access-log
expect_out "BookAppointment → GrantedGuardian (by guardian $A_KAVYA for patient $A_DAVE)"
expect_out "ManageAppointment($BOOK) → GrantedGuardian (by guardian $A_KAVYA for patient $A_DAVE)"
echo "     the booking guardian's acts in Dave's access log:"
grep -F "Appointment" "$WORK/out" | grep -F "(by guardian" | sed 's/^/       /'
# the booking power carries no key: none of Dave's keys is wrapped for her
as "$DAVE" -- key-holders --card
if grep -qF "$A_KAVYA" "$WORK/out"; then echo "UNEXPECTED: a key was wrapped for the booking guardian" >&2; exit 1; fi

step "the patient's FHIR export again: the guardian's acts and the card release are AuditEvents; the validator accepts it"
as "$DAVE" -- export --fhir "$WORK/dave-care.fhir.json"
node "$FHIR_TOOL/validate.mjs" "$WORK/dave-care.fhir.json" | sed 's/^/     /'
python3 - "$WORK/dave-care.fhir.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
audit = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "AuditEvent"]
codes = [c["code"] for r in audit for c in r.get("subtype", [])]
n = {k: codes.count(k) for k in ("ReadCard", "GrantAccess", "RevokeAccess", "BookAppointment", "ManageAppointment")}
guardian = sum("guardian" in r.get("outcomeDesc", "") for r in audit)
print(f"     AuditEvents: {len(audit)}; ReadCard {n['ReadCard']}, GrantAccess {n['GrantAccess']}, RevokeAccess {n['RevokeAccess']}, BookAppointment {n['BookAppointment']}, ManageAppointment {n['ManageAppointment']}; by a guardian {guardian}")
if not all(n.values()) or not guardian:
    sys.exit("UNEXPECTED: the care circle's entries are missing from the export")
PY

step "storage dump of the four contracts: search for the patient's plaintext (his emergency card's fields included)"
N=$((N + 1))
printf '\n[%02d] %s$ smrms dump --plaintext-file plaintext.txt ...\n' "$N" "$HEAD"
code=0
# controls: public values the dump must find (the providers' public details, and the title
# `sealed` every sealed record stores); the sealed texts themselves are stored as raw bytes
# behind a tag (smrms_client::onchain), so their text prefixes (e2:, n2:, …) are not controls
"$SMRMS_BIN" --suri "$HEAD" dump --plaintext-file "$WORK/plaintext.txt" --control "Dr. Eve Rao" \
  --control "Emergency medicine" --control "sealed" >"$WORK/out" 2>"$WORK/err" || code=$?
sed 's/^/     /' "$WORK/out"
CARD_FOUND=0
while IFS= read -r f; do
  grep -qF -- "FOUND \"$f\"" "$WORK/out" && CARD_FOUND=$((CARD_FOUND + 1))
done < "$WORK/card-plaintext.txt"
echo "emergency card: read by the emergency doctor: $CARD_READ, refused after close: $REFUSED, plaintext found: $CARD_FOUND"
[ "$code" = 0 ] || { sed 's/^/     ! /' "$WORK/err"; echo "UNEXPECTED: dump exit $code" >&2; exit 1; }
expect_out "found: 0"
[ "$CARD_READ" = yes ] && [ "$REFUSED" = yes ] && [ "$CARD_FOUND" = 0 ] || { echo "UNEXPECTED: the emergency card journey" >&2; exit 1; }
stop_service
step "demo finished: $N client commands; no plaintext of the patient on chain; FHIR export valid and complete"

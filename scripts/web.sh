#!/usr/bin/env bash
# Builds the SMRMS web app and serves it on 127.0.0.1 for a person with a
# wallet extension (Polkadot{.js} or Talisman) in their browser.
#
#   scripts/web.sh [--addresses FILE] [--deploy] [--dev-node] [--url WS_URL] [--port N]
#
#   --addresses FILE  the suite to use: JSON from scripts/deploy.sh --out FILE
#                     (default deploy/addresses.json); its bundle paths are copied
#                     beside the app as contracts/*.contract and its addresses
#                     and URL become suite.json
#   --deploy          first deploy a fresh suite with scripts/deploy.sh to the node
#                     at --url (default ws://127.0.0.1:9944), writing FILE
#   --dev-node        start a throw-away substrate-contracts-node --dev --tmp on a
#                     free port, deploy to it, and stop it when you stop this script
#   --url WS_URL      the node (with --deploy); the page lets you change it too
#   --port N          serve on this port (default: a free one)
# Stop with Ctrl-C. On a dev chain the dev accounts (//Alice …) have funds:
# import one into your extension to try the app (//Alice is the deployer, the head).
set -euo pipefail
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/smrms-target}
. "$(dirname "$0")/env.sh"
. "$SMRMS_ROOT/scripts/node.sh"
cd "$SMRMS_ROOT"
ADDR="$SMRMS_ROOT/deploy/addresses.json"; DEPLOY=0; DEVNODE=0; URL_ARG=ws://127.0.0.1:9944; PORT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --addresses) ADDR="$2"; shift 2;;
    --deploy) DEPLOY=1; shift;;
    --dev-node) DEVNODE=1; DEPLOY=1; shift;;
    --url) URL_ARG="$2"; shift 2;;
    --port) PORT="$2"; shift 2;;
    -h|--help) sed -n '2,21p' "$0"; exit 0;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
WORK="$(mktemp -d)"; NODE_PID=""; SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  stop_dev_node
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step "build the web app (web/)"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
(cd web && npm run build --silent) | tail -4

if [ "$DEVNODE" = 1 ]; then
  start_dev_node "$WORK"; URL_ARG="$URL"
  ADDR="$WORK/addresses.json"
fi
if [ "$DEPLOY" = 1 ]; then
  bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL_ARG" --out "$ADDR" $( [ "$DEVNODE" = 1 ] && echo --fresh ) | sed 's/^/  /'
fi
[ -f "$ADDR" ] || { echo "web.sh: no suite at $ADDR: deploy one (scripts/deploy.sh, or --deploy / --dev-node here)" >&2; exit 1; }

SITE="$WORK/site"
cp -r web/dist "$SITE"
mkdir -p "$SITE/contracts"
python3 - "$ADDR" "$SITE" <<'PY'
import json, shutil, sys, os
a = json.load(open(sys.argv[1]))
site = sys.argv[2]
json.dump({k: a[k] for k in ("url", "registry", "permissions", "records", "appointments")}, open(os.path.join(site, "suite.json"), "w"), indent=2)
for c in ("registry", "permissions", "records", "appointments"):
    shutil.copy(a["bundles"][c], os.path.join(site, "contracts", f"smrms_{c}.contract"))
PY
[ -n "$PORT" ] || PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$SITE" "$PORT" >"$WORK/http.log" 2>&1 &
SERVER_PID=$!
sleep 0.5
kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/http.log" >&2; exit 1; }
step "SMRMS web app: http://127.0.0.1:$PORT/   (node $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$ADDR"); Ctrl-C to stop)"
wait "$SERVER_PID"

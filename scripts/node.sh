# shellcheck shell=bash
# A throw-away local node for the demo and the checks. Source after env.sh:
#   . scripts/node.sh
#   start_dev_node "$WORK"    # sets NODE_PID and URL (ws://127.0.0.1:<port>)
#   stop_dev_node             # in the caller's EXIT trap
# The node runs `--dev --tmp` (state deleted on exit) on free ports, so several
# can run side by side (each e2e test starts its own too).

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_dev_node() {
  local work="$1" rpc p2p
  rpc=$(free_port); p2p=$(free_port)
  step "start substrate-contracts-node --dev --tmp on 127.0.0.1:$rpc"
  substrate-contracts-node --dev --tmp --rpc-port "$rpc" --port "$p2p" --no-prometheus --no-telemetry \
    >"$work/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 120); do
    if curl -s -m 1 -H 'Content-Type: application/json' \
         -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$rpc" | grep -q '"result"'; then
      break
    fi
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$work/node.log"; echo "node died" >&2; return 1; }
    sleep 0.5
  done
  echo "  node up: $(substrate-contracts-node --version)"
  URL="ws://127.0.0.1:$rpc"
}

stop_dev_node() {
  if [ -n "${NODE_PID:-}" ]; then
    kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  fi
}

#!/usr/bin/env bash
# Starts a local JetStream server for a scale-out session on one machine: a free loopback port, a
# temporary store, nats-server (apt: nats-server, 2.9+) in the background. Prints the URL on
# stdout's first line (nats://127.0.0.1:PORT), then the pid and the store; stop it with
# `kill <pid>` (the store stays until you remove it, so a restarted server keeps the stream).
#   scripts/nats.sh            -> a free port, a fresh store under $TMPDIR
#   NATS_PORT=4222 NATS_STORE=/var/lib/trader-nats scripts/nats.sh
set -euo pipefail
server=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
[ -x "$server" ] || { echo "scripts/nats.sh: nats-server not found (apt-get install nats-server)" >&2; exit 2; }
port=${NATS_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
store=${NATS_STORE:-$(mktemp -d "${TMPDIR:-/tmp}/trader-nats.XXXXXX")}
log="$store/nats-server.log"
"$server" -js -a 127.0.0.1 -p "$port" -sd "$store" -l "$log" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if grep -q "Server is ready" "$log" 2>/dev/null; then
    echo "nats://127.0.0.1:$port"
    echo "pid $pid store $store log $log"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "scripts/nats.sh: nats-server exited; see $log" >&2; exit 1; }
  sleep 0.1
done
echo "scripts/nats.sh: nats-server not ready after 10s; see $log" >&2
kill "$pid"
exit 1

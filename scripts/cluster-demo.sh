#!/usr/bin/env bash
# `make cluster-demo`: the scale-out session on one machine, on the replay feed.
# A JetStream server (scripts/nats.sh), `trader ingest` holding the one feed connection, four
# `trader run --feed nats --shard i/4` shards, then one verdict over the four traces.
# Halfway through, `trader halt --nats-url` halts every shard (the runbook's kill-switch drill, cluster-wide).
# Files in $OUT (default logs/cluster/), the verdict in $REPORT.json and .html (default
# reports/cluster_validation). RUN_S (default 30) is how long the session runs, in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_S=${RUN_S:-30}
SYMBOLS=${SYMBOLS:-SPY,QQQ,TSLA,BTC-USD,ETH-USD}
CONFIG=${CONFIG:-config/smoke.yaml}
out=${OUT:-logs/cluster}
report=${REPORT:-reports/cluster_validation}
mkdir -p "$out" "$(dirname "$report")"
server=$(scripts/nats.sh)
url=$(sed -n 1p <<<"$server")
nats_pid=$(sed -n 2p <<<"$server" | awk '{print $2}')
trap 'kill "$nats_pid" 2>/dev/null || true' EXIT
echo "cluster-demo: JetStream at $url (nats-server pid $nats_pid)"

node bin/trader.js ingest --config "$CONFIG" --symbols "$SYMBOLS" --nats-url "$url" --quiet \
  --log-file "$out/ingest.log" --trace-file "$out/ingest.jsonl" &
ingest_pid=$!
shard_pids=()
for i in 1 2 3 4; do
  # Each shard: its own log, trace and pid file; one kill-switch file for the machine (trader halt
  # --kill-switch-file logs/cluster/HALT halts the four), and the cluster's key (trader halt --nats-url).
  node bin/trader.js run --feed nats --shard "$i/4" --nats-url "$url" --config "$CONFIG" --symbols "$SYMBOLS" --quiet \
    --log-file "$out/shard-$i.log" --trace-file "$out/shard-$i.jsonl" --pid-file "$out/shard-$i.pid" \
    --kill-switch-file "$out/HALT" &
  shard_pids+=($!)
done
sleep $((RUN_S / 2))
# The kill-switch drill, for every shard at once: the cluster's halt key.
node bin/trader.js halt --nats-url "$url" --reason "cluster-demo kill-switch drill"
sleep $((RUN_S - RUN_S / 2))
# The shards stop first, then ingest: a shard whose feed went quiet before its own stop would
# rightly count the silence as staleness, a fault of the demo and not of the runners.
kill -TERM "${shard_pids[@]}"
wait "${shard_pids[@]}" || true
kill -TERM "$ingest_pid"
wait "$ingest_pid" || true
echo "cluster-demo: shards stopped; the merged verdict over $out/shard-*.jsonl"
# One verdict over the shards' traces: each symbol in exactly one shard, every shard complete and chained.
node bin/trader.js validate --trace "$out/shard-*.jsonl"
waive=()
# The smoke row reads reports/smoke.json (make smoke); without one the demo says so and waives it.
if [ ! -f reports/smoke.json ]; then echo "cluster-demo: no reports/smoke.json (run make smoke): the smoke row is waived"; waive=(--waive smoke); fi
node bin/trader.js report --log "$out/shard-*.log" --trace "$out/shard-*.jsonl" --output "$report.json" --html "$report.html" "${waive[@]}"

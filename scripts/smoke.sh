#!/usr/bin/env bash
# make smoke: the real CLI on config/smoke.yaml for SPY and QQQ. Passes when both symbols show
# HEARTBEAT_OK and DECISION_LOGGED, the trace is valid JSONL starting with its run record, and no
# ERROR line was logged. Writes reports/smoke.json either way; exit 0 on pass, 1 on fail.
set -uo pipefail
cd "$(dirname "$0")/.."
DURATION=${SMOKE_DURATION:-6s}
LOG=logs/smoke.log
TRACE=logs/smoke_trace.jsonl
OUT=reports/smoke.json
mkdir -p logs reports
rm -f "$LOG" "$TRACE"
start_ns=$(date +%s%N)
node bin/trader.js run --config config/smoke.yaml --symbols SPY,QQQ --duration "$DURATION" \
  --log-file "$LOG" --trace-file "$TRACE" --pid-file logs/smoke.pid --kill-switch-file logs/SMOKE_KILL_SWITCH --quiet
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

failures=()
[ "$rc" -eq 0 ] || failures+=("runner exited $rc")
for sym in SPY QQQ; do
  grep -q "HEARTBEAT_OK: $sym " "$LOG" 2>/dev/null || failures+=("no HEARTBEAT_OK for $sym")
  grep -q "DECISION_LOGGED: symbol=$sym " "$LOG" 2>/dev/null || failures+=("no DECISION_LOGGED for $sym")
done
if ! jq -e -s 'length > 0 and .[0].type == "run" and all(.[]; has("type") and has("ts"))' "$TRACE" >/dev/null 2>&1; then
  failures+=("trace $TRACE is not valid JSONL starting with a run record")
fi
errors=$(grep -c "ERROR\|EXCEPTION" "$LOG" 2>/dev/null)
[ "${errors:-0}" -eq 0 ] || failures+=("$errors ERROR/EXCEPTION lines in $LOG")
decisions=$(grep -c '"type":"decision"' "$TRACE" 2>/dev/null || echo 0)
avg=$(grep "latency=" "$TRACE" 2>/dev/null | jq '.latency_ms' | awk '{s+=$1; n++} END {if (n) printf "%.3f", s/n; else print "null"}')

status=PASS
[ ${#failures[@]} -eq 0 ] || status=FAIL
printf '%s\n' "${failures[@]}" | jq -R . | jq -s \
  --arg status "$status" --argjson decisions "${decisions:-0}" --argjson errors "${errors:-0}" \
  --arg avg "$avg" --argjson elapsed_ms "$elapsed_ms" --arg duration "$DURATION" \
  '{status: $status, passed: ($status == "PASS"), symbols: ["SPY","QQQ"], duration: $duration,
    elapsed_s: ($elapsed_ms / 1000), decisions: $decisions, error_lines: $errors,
    latency_avg_ms: ($avg | tonumber? // null), failures: map(select(. != "")),
    finished_at: (now | todate)}' > "$OUT"
echo "smoke: $status in $((elapsed_ms / 1000))s ($decisions decisions, avg latency ${avg}ms) -> $OUT"
[ "$status" = PASS ]

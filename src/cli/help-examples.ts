/**
 * The `Examples:` block under each command's --help. An operator at 09:25 reaches for --help, not
 * the README: each block shows the runbook's own invocation first, then the variants people ask
 * for. Every `$ trader …` line is run with --help by tests/e2e/help.test.ts, so an example
 * with a flag or value the command does not take fails the suite rather than the operator.
 */

/** One example: what it is for, then the command line as typed (one line, no continuation). */
type Example = readonly [purpose: string, command: string];

const EXAMPLES: Readonly<Record<string, readonly Example[]>> = {
  trader: [
    ['the market-open drill, end to end (docs/runbook.md has every step)', 'trader run --config config/staging_multi.yaml --symbols SPY,QQQ --duration 30min'],
    ['T+5, from another terminal: are the decisions deterministic?', 'trader validate --trace logs/validation_trace.jsonl --symbols SPY,QQQ --window 5min'],
    ['T+15: the kill switch, from any directory', 'trader halt --reason "T+15 kill-switch drill"'],
    ['after the run: the Go/No-Go verdict (exit 0 GO, 1 NO-GO, 2 bad input)', 'trader report --log logs/market_open_validation.log --trace logs/validation_trace.jsonl'],
    ['help on one command', 'trader help run'],
  ],
  run: [
    ["the runbook's T+0 launch (staging config, paper orders, embedded replay feed)", 'trader run --config config/staging_multi.yaml --symbols SPY,QQQ --duration 30min --log-file logs/market_open_validation.log --trace-file logs/validation_trace.jsonl'],
    ['a two-minute check on the defaults, log lines not echoed', 'trader run --duration 2min --quiet'],
    ['record every raw frame, to re-run it later with `trader replay`', 'trader run --symbols SPY --duration 10min --record logs/capture.jsonl'],
    ['against a `trader feed-server --port 8765` started elsewhere', 'trader run --feed native --feed-url ws://127.0.0.1:8765 --symbols SPY,QQQ'],
    ['the live canary (Alpaca, Polygon fallback): keys from APCA_API_KEY_ID, APCA_API_SECRET_KEY and POLYGON_API_KEY in the environment', 'trader run --config config/live_canary.yaml --duration 30min'],
    ['Alpaca emulated by `trader feed-server --protocol alpaca` (the key variables must be set; the emulator takes any values)', 'TRADER_ALPACA_URL=ws://127.0.0.1:8765/v2/iex trader run --feed alpaca --symbols SPY'],
    ['a second runner beside the first: one runner per set of files, so files of its own', 'trader run --symbols TSLA --log-file logs/desk2.log --trace-file logs/desk2_trace.jsonl --pid-file logs/desk2.pid --kill-switch-file HALT_desk2'],
    ['pino NDJSON log lines instead of text', 'trader run --log-format json --duration 5min'],
    ['T+10: add the symbols now in the config file (edit `symbols:` first)', 'kill -USR1 $(cat logs/runner.pid)'],
    ['stop gracefully (writes RUN_SUMMARY and RUN_STOPPED, exit 0)', 'kill -TERM $(cat logs/runner.pid)'],
    ['a shard: only the symbols whose partition is 2 of 3 (files get .shard-2-of-3)', 'trader run --shard 2/3 --symbols SPY,QQQ,TSLA --duration 30min'],
    ['live figures for Prometheus and `trader status` (/metrics, /healthz on 127.0.0.1)', 'trader run --duration 30min --metrics-port 9464'],
    ['a shard of the NATS stream `trader ingest` fills', 'trader run --feed nats --nats-url nats://127.0.0.1:4222 --shard 1/4 --duration 30min'],
  ],
  validate: [
    ["the runbook's T+5 check (works during the run: an unsealed trace is a note, not a failure)", 'trader validate --trace logs/validation_trace.jsonl --symbols SPY,QQQ --window 5min'],
    ['the whole trace, every symbol of the run', 'trader validate --trace logs/validation_trace.jsonl'],
    ['for a script: one JSON object (exit 0 pass, 1 inconsistencies, 2 bad input)', 'trader validate --trace logs/validation_trace.jsonl --json'],
    ['the shards of one run, together (a directory, a glob or several paths)', 'trader validate --trace logs/'],
  ],
  report: [
    ["the runbook's post-run report (exit 0 GO, 1 NO-GO, 2 bad input)", 'trader report --log logs/market_open_validation.log --trace logs/validation_trace.jsonl --output reports/market_open_validation.json'],
    ['also an HTML page with the charts', 'trader report --log logs/market_open_validation.log --trace logs/validation_trace.jsonl --html reports/market_open_validation.html'],
    ['`make smoke` was not run for this drill: waive that row (only a NOT_EXERCISED row can be waived)', 'trader report --log logs/market_open_validation.log --trace logs/validation_trace.jsonl --waive smoke'],
    ['a smoke result kept elsewhere', 'trader report --log logs/market_open_validation.log --trace logs/validation_trace.jsonl --smoke /tmp/smoke.json'],
    ['one verdict over the shards of one run (each shard\'s log found beside its trace)', "trader report --trace 'logs/*.shard-*-of-3.jsonl'"],
  ],
  replay: [
    ['re-run a capture recorded with `trader run --record logs/capture.jsonl`', 'trader replay --capture logs/capture.jsonl --trace-file logs/replay_trace.jsonl'],
    ['one symbol alone: its decisions must equal the live run (cross-symbol independence)', 'trader replay --capture logs/capture.jsonl --trace-file logs/replay_spy.jsonl --symbols SPY'],
    ['with a human log too, then check the replayed trace', 'trader replay --capture logs/capture.jsonl --trace-file logs/replay_trace.jsonl --log-file logs/replay.log'],
    ['', 'trader validate --trace logs/replay_trace.jsonl'],
  ],
  halt: [
    ['halt the one running runner, from any directory (prints the absolute file it wrote)', 'trader halt --reason "T+15 kill-switch drill"'],
    ['several runners are running: name one, or all', 'trader halt --pid 4242 --reason "QQQ feed suspect"'],
    ['', 'trader halt --all --reason "desk-wide halt"'],
    ['no runner running: create the kill-switch file a config names (a runner started on it begins HALTED)', 'trader halt --config config/staging_multi.yaml'],
    ['a kill-switch file by path', 'trader halt --kill-switch-file /srv/trader/FLAG_TRADING_HALTED'],
    ['every shard on every host, through NATS KV', 'trader halt --nats-url nats://127.0.0.1:4222 --reason "desk halt"'],
  ],
  resume: [
    ['remove the running runner\'s kill-switch file (trading resumes only if kill_switch.allow_resume is true; else restart the runner)', 'trader resume'],
    ['several runners are running', 'trader resume --pid 4242'],
    ['', 'trader resume --all'],
  ],
  status: [
    ['every running runner: pid, start, files, kill switch (exit 0, also when none is running)', 'trader status'],
    ['for a script', 'trader status --json'],
    ['their pids', "trader status --json | jq '.runners[].pid'"],
  ],
  ingest: [
    ['hold the one venue connection and publish every event to JetStream (replay feed)', 'trader ingest --config config/smoke.yaml --nats-url nats://127.0.0.1:4222 --duration 30min'],
    ['the live venue of the config, a credentials file for the NATS server', 'trader ingest --config config/live_canary.yaml --nats-url tls://nats.internal:4222 --nats-creds /etc/trader/nats.creds'],
  ],
  'feed-server': [
    ['the shipped fixtures on port 8765; then `trader run --feed native --feed-url ws://127.0.0.1:8765`', 'trader feed-server --port 8765'],
    ['a disconnect drill: drop every connection every 30 s', 'trader feed-server --port 8765 --drop-every 30s'],
    ['a staleness drill: TSLA goes silent, and a half-open stall after 1 min', 'trader feed-server --port 8765 --silent TSLA --stall-after 1min --stall-for 8s'],
    ['dirty data: malformed frames, gaps, duplicates, poison prints, repeatable by seed', 'trader feed-server --port 8765 --malformed-rate 0.01 --gap-rate 0.001 --duplicate-rate 0.001 --poison-every 5s --fault-seed 42'],
    ['a seeded synthetic stream at 200 events/s per symbol', 'trader feed-server --port 8765 --synthetic --rate 200 --seed 7'],
    ['emulate Alpaca; then `TRADER_ALPACA_URL=ws://127.0.0.1:8765/v2/iex trader run --feed alpaca`', 'trader feed-server --port 8765 --protocol alpaca'],
    ['faults from a file (snake_case keys, flags win)', 'trader feed-server --port 8765 --scenario drill.yaml'],
  ],
};

/** The help text after the options of `command` ('trader' for the program itself); '' when it has none. */
export function examplesHelp(command: string): string {
  const examples = EXAMPLES[command];
  if (!examples) return '';
  const lines = examples.flatMap(([purpose, line]) => [...(purpose ? [`  # ${purpose}`] : []), `  $ ${line}`]);
  return `\nExamples:\n${lines.join('\n')}`;
}

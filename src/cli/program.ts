/**
 * The command table. Each action maps parsed flags to a typed options object and lazy-loads its
 * command, so `trader validate` never pays for the runner's imports.
 */
import { Command, Option } from 'commander';
import { VENUES } from '../config/schema.js';
import { SERVER_PROTOCOLS, type ServerProtocol } from '../feeds/server/encoders.js';
import { CRITERIA, type CriterionId } from '../report/schema.js';
import { TRADER_VERSION } from '../version.js';
import { usageError } from '../errors.js';
import { examplesHelp } from './help-examples.js';
import { parseShard, type ShardSpec } from '../cluster/partition.js';
import { shardFileName } from '../cluster/files.js';
import { DEFAULT_NATS_URL, DEFAULT_STREAM, natsEndpoint } from '../cluster/defaults.js';
import { durationArg, integerArg, pidArg, portArg, positiveNumberArg, rateArg, symbolsArg, criteriaArg } from './parsers.js';

/** What a command that holds a feed for a session (run, ingest) reads: its config, symbols and duration, and the log and trace it writes. */
function sessionOptions(cmd: Command, files: { logFile: string; traceFile: string }): Command {
  return cmd
    .option('--config <yaml>', 'config file', 'config/staging_multi.yaml')
    .option('--symbols <list>', 'comma-separated symbols; overrides the config', symbolsArg)
    .option('--duration <time>', 'stop after this long (ms, s, m/min, h); default: until SIGTERM/SIGINT', durationArg)
    .option('--log-file <file>', 'human log', files.logFile)
    .option('--trace-file <file>', 'JSONL trace', files.traceFile);
}

/** The NATS connection's files (credentials, TLS), the same on every command that reaches the cluster. */
function natsConnection(cmd: Command): Command {
  return cmd
    .option('--nats-creds <file>', 'NATS credentials file (JWT + seed)')
    .option('--nats-tls-ca <file>', 'CA file for a tls:// NATS server')
    .option('--nats-tls-cert <file>', 'client certificate for a NATS server that requires one')
    .option('--nats-tls-key <file>', 'the client certificate\'s key');
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('trader')
    .description('Run a multi-symbol realtime trading runner at the market open and prove, from its files, whether it is safe to go live.')
    .version(TRADER_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`trader: ${text.replace(/^error: /, '')}`) });

  natsConnection(sessionOptions(program
    .command('run')
    .description('run the realtime runner (paper orders) and write the log and the JSONL trace'), { logFile: 'logs/market_open_validation.log', traceFile: 'logs/validation_trace.jsonl' })
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--feed <venue>', 'market-data feed; default: the config\'s feeds.primary.venue; nats: the stream `trader ingest` fills').choices([...VENUES, 'nats']))
    .option('--feed-url <url>', 'the primary feed\'s ws:// endpoint')
    .option('--kill-switch-file <file>', 'kill-switch file; default: the config\'s kill_switch.file (FLAG_TRADING_HALTED)')
    .option('--pid-file <file>', 'where to write the PID', 'logs/runner.pid')
    .option('--record <file>', 'capture every raw feed frame for `trader replay`')
    .option('--quiet', 'no log lines echoed to stdout and no live status view: a plain status line every 10 s')
    .option('--metrics-port <n>', 'serve Prometheus /metrics and /healthz on this port (0 = any free port; the URL is printed)', portArg)
    .option('--metrics-host <host>', 'interface for --metrics-port (default 127.0.0.1)')
    .option('--shard <i/N>', 'run shard i of N (1-based): only the symbols whose partition (FNV-1a mod N) is i-1; default file names get .shard-i-of-N', parseShard)
    .option('--nats-url <url>', 'with --feed nats: the NATS server', DEFAULT_NATS_URL)
    .option('--stream <name>', 'with --feed nats: the JetStream stream', DEFAULT_STREAM))
    .action(async (opts: RunFlags, cmd: Command) => {
      const { run } = await import('./commands/run.js');
      // Shards started with one command line must not share files: a name the operator did not give becomes the shard's own.
      if (opts.shard) for (const k of ['logFile', 'traceFile', 'pidFile'] as const) if (cmd.getOptionValueSource(k) === 'default') opts[k] = shardFileName(opts[k], opts.shard);
      setExitCode(await run(opts));
    });

  natsConnection(sessionOptions(program
    .command('ingest')
    .description('hold the one venue connection and publish every normalized event to a JetStream stream (md.<venue>.<symbol>) for `trader run --feed nats` shards'), { logFile: 'logs/ingest.log', traceFile: 'logs/ingest_trace.jsonl' })
    .addOption(new Option('--feed <venue>', 'market-data feed; default: the config\'s feeds.primary.venue').choices([...VENUES]))
    .option('--feed-url <url>', 'the primary feed\'s ws:// endpoint')
    .option('--nats-url <url>', 'the NATS server', DEFAULT_NATS_URL)
    .option('--stream <name>', 'the JetStream stream (created if missing: md.>, file storage, 24 h)', DEFAULT_STREAM))
    .option('--quiet', 'do not echo log lines to stdout')
    .action(async (opts: IngestFlags) => {
      const { ingest } = await import('./commands/ingest.js');
      setExitCode(await ingest(opts));
    });

  program
    .command('validate')
    .alias('validate-determinism')
    .description('re-execute every recorded decision and check determinism and cross-symbol independence')
    .requiredOption('--trace <files...>', 'the JSONL trace of a run; or a sharded run\'s traces: several paths, a glob or a directory (one verdict)')
    .option('--symbols <list>', 'symbols to check (default: the run\'s symbols)', symbolsArg)
    .option('--window <time>', 'only the trailing window ending at the last record (e.g. 5min)', durationArg)
    .option('--json', 'print one JSON object instead of the lines')
    .action(async (opts: { trace: string[]; symbols?: string[]; window?: number; json?: boolean }) => {
      const { validateAny } = await import('./commands/validate-shards.js');
      setExitCode(await validateAny({ traces: opts.trace, json: opts.json === true, ...(opts.symbols ? { symbols: opts.symbols } : {}), ...(opts.window !== undefined ? { windowMs: opts.window } : {}) }));
    });

  program
    .command('report')
    .alias('generate-report')
    .description('the post-run Go/No-Go report from the log and the trace')
    .option('--log <files...>', 'the human log of the run (required for one trace); for shards: their logs (paths, a glob, a directory), default: the .log beside each trace whose RUN_STARTED names its run')
    .requiredOption('--trace <files...>', 'the JSONL trace of the run; or a sharded run\'s traces: several paths, a glob or a directory (one verdict)')
    .option('--output <file>', 'the JSON report', 'reports/market_open_validation.json')
    .option('--html <file>', 'also write an HTML page with charts')
    .option('--smoke <file>', 'the smoke result to include', 'reports/smoke.json')
    .option('--waive <list>', `criteria not exercised that may pass anyway: ${CRITERIA.join(',')}`, criteriaArg, [])
    .option('--reexecute', 'accepted for old scripts; every report re-executes every decision, as validate does')
    .action(async (opts: { log?: string[]; trace: string[]; output: string; html?: string; smoke: string; waive: CriterionId[]; reexecute?: boolean }) => {
      const { reportAny } = await import('./commands/report-shards.js');
      setExitCode(await reportAny({ logs: opts.log ?? [], traces: opts.trace, output: opts.output, smoke: opts.smoke, waive: opts.waive, ...(opts.html ? { html: opts.html } : {}) }));
    });

  natsConnection(program
    .command('halt')
    .description('create the kill-switch file of the running runner (with who and why inside): it stops accepting orders')
    .option('--pid <n>', 'the runner to halt when several are running', pidArg)
    .option('--all', 'halt every running runner')
    .option('--kill-switch-file <file>', 'this kill-switch file (overrides the registered runners and the config)')
    .option('--config <yaml>', 'with no runner running: the config naming the kill-switch file', 'config/staging_multi.yaml')
    .option('--reason <text>', 'why, recorded in the file and the runner\'s log')
    .option('--nats-url <url>', 'halt every shard of the cluster: set the halt key in NATS KV (TRADER_CONTROL/halt)'))
    .action(async (opts: KillSwitchFlags & { reason?: string }) => {
      if (opts.natsUrl !== undefined) {
        const { haltCluster } = await import('./commands/halt-cluster.js');
        setExitCode(await haltCluster(natsEndpoint({ ...opts, natsUrl: opts.natsUrl }), opts.reason));
        return;
      }
      const { halt } = await import('./commands/halt.js');
      setExitCode(halt(opts));
    });

  natsConnection(program
    .command('resume')
    .description('remove the running runner\'s kill-switch file (it resumes only if kill_switch.allow_resume is true)')
    .option('--pid <n>', 'the runner to resume when several are running', pidArg)
    .option('--all', 'remove every running runner\'s kill-switch file')
    .option('--kill-switch-file <file>', 'this kill-switch file (overrides the registered runners and the config)')
    .option('--config <yaml>', 'with no runner running: the config naming the kill-switch file', 'config/staging_multi.yaml')
    .option('--nats-url <url>', 'clear the cluster\'s halt key in NATS KV (TRADER_CONTROL/halt)'))
    .action(async (opts: KillSwitchFlags) => {
      if (opts.natsUrl !== undefined) {
        const { resumeCluster } = await import('./commands/halt-cluster.js');
        setExitCode(await resumeCluster(natsEndpoint({ ...opts, natsUrl: opts.natsUrl })));
        return;
      }
      const { resume } = await import('./commands/halt.js');
      setExitCode(resume(opts));
    });

  program
    .command('status')
    .description('the running runners: pid, files, kill switch, trading state, feed, RSS, and per symbol data age, lag, decisions (from --metrics-port, else the trace)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { status } = await import('./commands/status.js');
      setExitCode(await status({ json: opts.json === true }));
    });

  program
    .command('replay')
    .description('re-run a --record capture through the same decision path on a virtual clock and write a trace')
    .requiredOption('--capture <file>', 'a capture written by `trader run --record`')
    .requiredOption('--trace-file <file>', 'the trace to write')
    .option('--log-file <file>', 'also write the human log here')
    .option('--symbols <list>', 'replay only these symbols (each keeps its decisions unchanged)', symbolsArg)
    .action(async (opts: { capture: string; traceFile: string; logFile?: string; symbols?: string[] }) => {
      const { replay } = await import('./commands/replay.js');
      setExitCode(await replay(opts));
    });

  program
    .command('feed-server')
    .description('serve market data over WebSocket for drills: fixtures replay or a seeded synthetic stream')
    .option('--port <n>', 'port (0 = any free port)', portArg, 8765)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--speed <x>', 'replay speed multiplier', positiveNumberArg, 1)
    .option('--no-loop', 'stop sending when the fixtures run out instead of starting over')
    .option('--fixtures <dir>', 'fixture directory', 'fixtures/data')
    .option('--symbols <list>', 'symbols to serve (default: all fixtures)', symbolsArg)
    .option('--synthetic', 'generate a seeded synthetic stream instead of replaying fixtures')
    .option('--rate <n>', 'synthetic events per second per symbol', positiveNumberArg, 50)
    .option('--seed <n>', 'synthetic generator seed', integerArg, 1)
    .addOption(new Option('--protocol <name>', 'wire protocol: native, or a venue emulated faithfully').choices([...SERVER_PROTOCOLS]).default('native'))
    .option('--auth-fail', 'alpaca/polygon: refuse every auth (alpaca error 402, polygon auth_failed) and close')
    .option('--connection-limit <n>', 'alpaca/polygon: authenticated connections allowed at once; past it alpaca refuses the new one (406), polygon closes the oldest (max_connections)', integerArg)
    .option('--ping-every <time>', 'binance: the server ping interval (3min on the venue); a ping unanswered by the next one closes the connection', durationArg)
    .option('--max-connection-age <time>', 'binance: cut every connection at this age (24h on the venue)', durationArg)
    .option('--slow-client-at <time>', 'tell every subscribed client it is too slow (alpaca: error 407) and close it, this long after the session starts', durationArg)
    .option('--scenario <yaml>', 'faults from a YAML file (keys as below, snake_case); flags override it')
    .option('--drop-every <time>', 'close every connection abruptly this often', durationArg)
    .option('--stall-after <time>', 'stall (no data, no pongs, socket kept open) after this long', durationArg)
    .option('--stall-for <time>', 'how long a stall lasts', durationArg)
    .option('--malformed-rate <p>', 'per event, chance of an extra malformed frame (0-1)', rateArg)
    .option('--gap-rate <p>', 'per event, chance it is withheld (a sequence gap)', rateArg)
    .option('--duplicate-rate <p>', 'per event, chance it is sent twice', rateArg)
    .option('--out-of-order-rate <p>', 'per event, chance it is sent after the next one', rateArg)
    .option('--silent <list>', 'symbols that send no data (staleness drill)', symbolsArg)
    .option('--oversize-every <time>', 'send a 2 MiB garbage frame this often', durationArg)
    .option('--poison-every <time>', 'per symbol this often: a year-2100 timestamp, a seq of 2^53 and a $0.01 x 1,000,000 print', durationArg)
    .option('--rotate-every <time>', 'announce a connection rotation this often (make-before-break drill)', durationArg)
    .option('--delay-connections <time>', 'hold each new connection this long before accepting it', durationArg)
    .option('--fault-seed <n>', 'seed of the fault plan', integerArg)
    .action(async (opts: FeedServerFlags) => {
      const { feedServer } = await import('./commands/feed-server.js');
      if ((opts.stallAfter === undefined) !== (opts.stallFor === undefined)) throw usageError('--stall-after and --stall-for go together');
      setExitCode(
        await feedServer({
          port: opts.port,
          host: opts.host,
          speed: opts.speed,
          loop: opts.loop,
          fixtures: opts.fixtures,
          protocol: opts.protocol,
          ...(opts.authFail || opts.connectionLimit !== undefined || opts.pingEvery !== undefined || opts.maxConnectionAge !== undefined
            ? { drills: { authFail: opts.authFail === true, connectionLimit: opts.connectionLimit, pingEveryMs: opts.pingEvery, maxConnectionMs: opts.maxConnectionAge } }
            : {}),
          ...(opts.symbols ? { symbols: opts.symbols } : {}),
          ...(opts.synthetic ? { synthetic: { rate: opts.rate, seed: opts.seed } } : {}),
          ...(opts.scenario ? { scenario: opts.scenario } : {}),
          faults: {
            ...(opts.dropEvery !== undefined ? { drop_every_ms: opts.dropEvery } : {}),
            ...(opts.stallAfter !== undefined && opts.stallFor !== undefined ? { stall: { after_ms: opts.stallAfter, for_ms: opts.stallFor } } : {}),
            ...(opts.malformedRate !== undefined ? { malformed_rate: opts.malformedRate } : {}),
            ...(opts.gapRate !== undefined ? { gap_rate: opts.gapRate } : {}),
            ...(opts.duplicateRate !== undefined ? { duplicate_rate: opts.duplicateRate } : {}),
            ...(opts.outOfOrderRate !== undefined ? { out_of_order_rate: opts.outOfOrderRate } : {}),
            ...(opts.silent ? { silent_symbols: opts.silent } : {}),
            ...(opts.rotateEvery !== undefined ? { rotate_every_ms: opts.rotateEvery } : {}),
            ...(opts.oversizeEvery !== undefined ? { oversize_every_ms: opts.oversizeEvery } : {}),
            ...(opts.poisonEvery !== undefined ? { poison_every_ms: opts.poisonEvery } : {}),
            ...(opts.delayConnections !== undefined ? { delay_connections_ms: opts.delayConnections } : {}),
            ...(opts.faultSeed !== undefined ? { seed: opts.faultSeed } : {}),
            ...(opts.slowClientAt !== undefined ? { slow_client_at_ms: opts.slowClientAt } : {}),
          },
        }),
      );
    });

  // Every --help ends with examples; tests/e2e/help.test.ts runs each of them with --help.
  program.addHelpText('after', examplesHelp('trader'));
  for (const command of program.commands) command.addHelpText('after', examplesHelp(command.name()));
  return program;
}

export interface RunFlags {
  config: string;
  symbols?: string[];
  duration?: number;
  logFile: string;
  traceFile: string;
  logFormat: 'text' | 'json';
  feed?: (typeof VENUES)[number] | 'nats';
  feedUrl?: string;
  killSwitchFile?: string;
  pidFile: string;
  record?: string;
  quiet?: boolean;
  metricsPort?: number;
  metricsHost?: string;
  shard?: ShardSpec;
  natsUrl: string;
  stream: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

export interface IngestFlags {
  config: string;
  symbols?: string[];
  duration?: number;
  logFile: string;
  traceFile: string;
  feed?: (typeof VENUES)[number];
  feedUrl?: string;
  natsUrl: string;
  stream: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  quiet?: boolean;
}

interface KillSwitchFlags {
  config: string;
  killSwitchFile?: string;
  pid?: number;
  all?: boolean;
  natsUrl?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

interface FeedServerFlags {
  port: number;
  host: string;
  speed: number;
  loop: boolean;
  fixtures: string;
  symbols?: string[];
  synthetic?: boolean;
  rate: number;
  seed: number;
  protocol: ServerProtocol;
  authFail?: boolean;
  connectionLimit?: number;
  pingEvery?: number;
  maxConnectionAge?: number;
  slowClientAt?: number;
  scenario?: string;
  dropEvery?: number;
  stallAfter?: number;
  stallFor?: number;
  malformedRate?: number;
  gapRate?: number;
  duplicateRate?: number;
  outOfOrderRate?: number;
  silent?: string[];
  rotateEvery?: number;
  oversizeEvery?: number;
  poisonEvery?: number;
  delayConnections?: number;
  faultSeed?: number;
}

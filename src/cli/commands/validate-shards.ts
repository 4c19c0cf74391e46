/**
 * `trader validate` over several traces (several --trace paths, a glob or a directory): the shards
 * of one run, checked each as validate checks one trace, and judged together with ONE verdict:
 *   - one line per symbol over all shards (its shard named), then cross-symbol independence;
 *   - `Shards complete`: every shard 1..N present, each once;
 *   - `Symbol partition`: each symbol in exactly one shard, the one the partition gives it;
 *   - `Trace chains`: every shard's chain verified (the first failing shard named).
 * Exit 0 when all pass, 1 on any failure, 2 on bad input (shards of different N, config, strategy
 * or feed; a trace that is not a shard's). One trace given as a file keeps validate's own output.
 */
import { loadShardSet, judgeComplete, judgePartition, isSet, shardName, type ShardMember } from '../../cluster/trace-set.js';
import { ownerOf } from '../../cluster/shard.js';
import { traceKey } from '../../trace/chain.js';
import { checkTrace, type TraceCheck } from '../../offline/validate-pass.js';
import { lastRecordMs } from '../../validate/window.js';
import { validate, type ValidateOptions } from './validate.js';

type AnyValidateOptions = Omit<ValidateOptions, 'trace'> & { traces: string[] };

export async function validateAny(opts: AnyValidateOptions): Promise<number> {
  const { traces, ...rest } = opts;
  if (!isSet(traces)) return validate({ ...rest, trace: traces[0] as string });
  return validateShards(opts);
}

async function validateShards(opts: AnyValidateOptions): Promise<number> {
  const { members, skipped } = loadShardSet(opts.traces);
  for (const path of skipped) process.stderr.write(`trader: note: ${path} is not a shard's trace (no --shard): left out\n`);
  const count = (members[0] as ShardMember).shard.count;
  const key = traceKey(process.env);
  const checks: Array<{ m: ShardMember; check: TraceCheck }> = [];
  // One shard after the other: each scan already uses the worker threads it is given.
  for (const m of members) {
    const fromMs = opts.windowMs === undefined ? undefined : lastRecordMs(m.path) - opts.windowMs;
    const owned = opts.symbols?.filter((s) => ownerOf(s, count) === m.shard.index);
    checks.push({ m, check: await checkTrace(m.path, key, { ...(owned ? { symbols: owned } : {}), ...(fromMs !== undefined ? { fromMs } : {}) }) });
  }
  const complete = judgeComplete(members);
  const ran = (m: ShardMember): string[] => {
    const result = checks.find((c) => c.m === m)?.check.result;
    return [...m.run.symbols, ...(result?.symbols.filter((s) => s.decisions > 0).map((s) => s.symbol) ?? [])];
  };
  const partition = judgePartition(members, ran);
  const symbols = checks.flatMap(({ m, check }) => check.result.symbols.map((s) => ({ ...s, shard: shardName(m) })));
  // A requested symbol whose owner is not among the shards has no decisions anywhere.
  const present = new Set(members.map((m) => m.shard.index));
  for (const s of opts.symbols ?? []) if (!present.has(ownerOf(s, count))) symbols.push({ symbol: s, decisions: 0, inconsistencies: 0, shard: `shard ${ownerOf(s, count)}/${count} (missing)` });
  const independence = checks.every((c) => c.check.result.independence.pass);
  const brokenChain = checks.find((c) => !c.check.chain.pass);
  const chainText = brokenChain ? `${shardName(brokenChain.m)} (${brokenChain.m.path}): ${brokenChain.check.chain.text}` : `${checks.length} of ${checks.length} shards' chains verified (${checks.reduce((n, c) => n + (c.check.scan.chain?.records ?? 0), 0)} records)`;
  const symbolsPass = symbols.every((s) => s.decisions > 0 && s.inconsistencies === 0);
  const pass = checks.every((c) => c.check.result.pass) && symbolsPass && independence && complete.pass && partition.pass && !brokenChain;

  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  for (const { m, check } of checks) if (check.scan.cutLastLine) process.stderr.write(`trader: warning: ${m.path}: the last line is cut (the run was killed mid-write); validated every complete record\n`);
  if (opts.json) {
    out(JSON.stringify({
      traces: checks.map(({ m, check }) => ({ trace: m.path, shard: { index: m.shard.index, count }, run_id: m.run.run_id, ...check.result, chain: { ...check.chain, records: check.scan.chain?.records ?? null, head: check.scan.chain?.head ?? null, sealed: (check.scan.chain?.stop?.seal ?? null) !== null }, cut_last_line: check.scan.cutLastLine, pass: check.result.pass && check.chain.pass })),
      window_ms: opts.windowMs ?? null,
      symbols,
      independence: { pass: independence },
      shards: { count, complete, partition },
      chain: { pass: !brokenChain, text: chainText },
      pass,
    }));
    return pass ? 0 : 1;
  }
  out(`Shards: ${members.length} trace(s) of ${count} shards (partition fnv1a32)`);
  for (const s of symbols) out(`${s.decisions > 0 && s.inconsistencies === 0 ? '✅' : '❌'} ${s.symbol}: ${s.decisions} decisions, ${s.inconsistencies} inconsistencies (${s.shard})`);
  out(`${independence ? '✅' : '❌'} Cross-symbol independence: ${independence ? 'PASS' : 'FAIL'}`);
  out(`${complete.pass ? '✅' : '❌'} Shards complete: ${complete.observed}`);
  out(`${partition.pass ? '✅' : '❌'} Symbol partition: ${partition.observed}`);
  out(`${brokenChain ? '❌' : '✅'} Trace chains: ${chainText}`);
  for (const { m, check } of checks) {
    if (check.chain.pass && !check.scan.chain?.stop?.seal) out(`⚠️  ${shardName(m)} not sealed: no RUN_STOPPED yet in ${m.path} (a run still going, or one that was killed)`);
    for (const p of check.result.problems) out(`   ${shardName(m)} line ${p.line} (${p.symbol}): ${p.what}`);
  }
  return pass ? 0 : 1;
}

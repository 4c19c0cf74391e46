/**
 * Contract: the Polygon adapter parses the messages Polygon publishes (kept verbatim in
 * tests/fixtures/venues/polygon-docs.json, each naming its source), treats auth_failed and
 * max_connections as fatal, and uses `q` only for duplicates and reordering, never for gaps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FrameSink, ParseIssue } from '../../../src/feeds/adapter.js';
import type { MarketEvent } from '../../../src/feeds/events.js';
import { polygonAdapter } from '../../../src/feeds/polygon.js';

const doc = JSON.parse(readFileSync(new URL('../../fixtures/venues/polygon-docs.json', import.meta.url), 'utf8')) as { frames: Array<{ id: string; frame?: string; bare?: string }> };
const frame = (id: string): string => {
  const f = doc.frames.find((x) => x.id === id);
  return f?.frame ?? `[${f?.bare ?? ''}]`;
};

function parser() {
  const out = { events: [] as MarketEvent[], issues: [] as ParseIssue[], fatal: [] as string[], authenticated: 0 };
  const sink: FrameSink = { event: (e) => out.events.push(e), issue: (i) => out.issues.push(i), fatal: (c) => out.fatal.push(c), authenticated: () => (out.authenticated += 1) };
  const adapter = polygonAdapter('key');
  return { out, parse: (text: string) => adapter.parse(text, sink) };
}

describe('Polygon contract (documentation examples)', () => {
  it('parses the spec trade (P-3) and quote (P-4): ms time, quote sizes from round lots to shares, seq 0', () => {
    const p = parser();
    p.parse(frame('P-3'));
    p.parse(frame('P-4'));
    expect(p.out.issues).toEqual([]);
    expect(p.out.events).toEqual([
      { kind: 'trade', symbol: 'MSFT', seq: 0, exchTs: 1536036818784, price: 114.125, size: 100 },
      { kind: 'quote', symbol: 'MSFT', seq: 0, exchTs: 1536036818784, bid: 114.125, bidSize: 10_000, ask: 114.128, askSize: 16_000 },
    ]);
  });

  it('parses the client frames P-7/P-8 (a trade without c) and counts no gap for the jumps in q', () => {
    const p = parser();
    p.parse(frame('P-7'));
    p.parse(frame('P-8'));
    expect(p.out.events.map((e) => (e.kind === 'trade' ? e.size : 0))).toEqual([300, 1, 100]);
    expect(p.out.issues).toEqual([]);
  });

  it('drops a repeated or older q per symbol and kind as a duplicate; a quote q far lower is a new session', () => {
    const p = parser();
    p.parse(frame('P-7'));
    p.parse(frame('P-7'));
    p.parse(frame('P-4'));
    p.parse('[{"ev":"Q","sym":"MSFT","bx":4,"bp":114,"bs":1,"ax":7,"ap":115,"as":1,"t":1536036818785,"q":50385479}]');
    p.parse('[{"ev":"Q","sym":"MSFT","bx":4,"bp":114,"bs":1,"ax":7,"ap":115,"as":1,"t":1536036818786,"q":12}]');
    expect(p.out.events.map((e) => e.kind)).toEqual(['trade', 'quote', 'quote']);
    expect(p.out.issues.map((i) => i.detail)).toEqual(['T AAPL q=4009402 after q=4009402: duplicate or out of order', 'Q MSFT q=50385479 after q=50385480: duplicate or out of order']);
  });

  it('reads the status frames: auth_success authenticates, auth_failed and max_connections are fatal, acks pass', () => {
    const p = parser();
    for (const id of ['P-1', 'P-2', 'P-6', 'P-5']) p.parse(frame(id));
    p.parse('[{"ev":"status","status":"max_connections","message":"Maximum number of websocket connections exceeded."}]');
    expect(p.out.authenticated).toBe(1);
    expect(p.out.fatal).toEqual(['polygon auth_failed: authentication failed', 'polygon max_connections: Maximum number of websocket connections exceeded.']);
    expect(p.out.issues).toEqual([]);
  });

  it('subscribes trades and quotes of each symbol as comma-separated topics after an auth frame carrying the key', () => {
    const a = polygonAdapter('POLYKEY');
    expect(a.authenticates).toBe(true);
    expect(a.openMessages()).toEqual(['{"action":"auth","params":"POLYKEY"}']);
    expect(a.subscribeMessages(['SPY', 'QQQ'])).toEqual(['{"action":"subscribe","params":"T.SPY,Q.SPY,T.QQQ,Q.QQQ"}']);
  });
});

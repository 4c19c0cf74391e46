import { describe, expect, it } from 'vitest';
import type { FrameSink, ParseIssue } from '../../../src/feeds/adapter.js';
import type { MarketEvent } from '../../../src/feeds/events.js';
import { nativeAdapter } from '../../../src/feeds/native.js';

function parse(frame: string): { events: MarketEvent[]; issues: ParseIssue[]; subscribed: string[] } {
  const events: MarketEvent[] = [];
  const issues: ParseIssue[] = [];
  const subscribed: string[] = [];
  const sink: FrameSink = { event: (e) => events.push(e), issue: (i) => issues.push(i), subscribed: (s) => subscribed.push(...s) };
  nativeAdapter.parse(frame, sink);
  return { events, issues, subscribed };
}

describe('native frame normalization', () => {
  it('turns trades and quotes into typed events', () => {
    expect(parse('{"type":"trade","sym":"SPY","seq":12,"ts":1756128600123,"p":641.2,"s":100}').events).toEqual([
      { kind: 'trade', symbol: 'SPY', seq: 12, exchTs: 1756128600123, price: 641.2, size: 100 },
    ]);
    expect(parse('{"type":"quote","sym":"QQQ","seq":3,"ts":1756128600124,"bp":570.1,"bs":300,"ap":570.11,"as":200}').events).toEqual([
      { kind: 'quote', symbol: 'QQQ', seq: 3, exchTs: 1756128600124, bid: 570.1, bidSize: 300, ask: 570.11, askSize: 200 },
    ]);
  });

  it('accepts a batch of messages in one frame', () => {
    const { events } = parse('[{"type":"trade","sym":"SPY","seq":1,"ts":1,"p":1,"s":1},{"type":"trade","sym":"SPY","seq":2,"ts":2,"p":1,"s":1}]');
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it.each([
    ['not json{', 'bad_json'],
    ['42', 'bad_shape'],
    ['{"type":"trade","sym":"SPY","seq":1,"ts":1,"p":"641","s":100}', 'bad_shape'],
    ['{"type":"trade","sym":"SPY","seq":1,"ts":1,"p":-5,"s":100}', 'bad_value'],
    ['{"type":"trade","sym":"SPY","seq":1,"ts":1,"p":1e12,"s":100}', 'bad_value'],
    ['{"type":"quote","sym":"SPY","seq":1,"ts":1,"bp":10,"bs":1,"ap":9,"as":1}', 'bad_value'],
    ['{"type":"trade","seq":1,"ts":1,"p":1,"s":1}', 'bad_shape'],
    ['{"type":"bogus"}', 'bad_shape'],
    ['{"type":"error","message":"unknown symbol XYZ"}', 'unknown_symbol'],
    ['{"type":"error","message":"cannot serve XYZ: broken file"}', 'venue_error'],
  ])('reports %s as %s and yields no event', (frame, kind) => {
    const { events, issues } = parse(frame);
    expect(events).toEqual([]);
    expect(issues.map((i) => i.kind)).toEqual([kind]);
  });

  it('names every symbol of an "unknown symbols" answer, so the runner can halt each', () => {
    expect(parse('{"type":"error","message":"unknown symbols AAPL,BRK.B"}').issues).toEqual([{ kind: 'unknown_symbol', detail: 'unknown symbols AAPL,BRK.B', symbols: ['AAPL', 'BRK.B'] }]);
  });

  it('reads control messages without issues', () => {
    const { events, issues, subscribed } = parse('{"type":"subscribed","symbols":["SPY","QQQ"]}');
    expect([events, issues, subscribed]).toEqual([[], [], ['SPY', 'QQQ']]);
    expect(parse('{"type":"hello","protocol":1,"server":"x","symbols":[]}').issues).toEqual([]);
    expect(parse('{"type":"pong","id":1}').issues).toEqual([]);
  });
});

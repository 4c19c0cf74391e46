// The benchmarks' market-data sender, always in its own process (fork it; it talks over IPC): a
// `ws` server on 127.0.0.1:0 speaking the native protocol (src/feeds/protocol.ts). It reports
// { port } and, on { cmd: 'send', … }, sends to every connected client either as fast as the
// receiver drains (rate 0: the socket's buffer is kept under 4 MiB, so the sender never outruns
// the reader by more) or at `rate` frames/s, then reports { done, frames, events, ms }.
// Frames: one event each (`batch: 1`, the way Binance and Polygon send) or arrays of `batch` events
// (Alpaca's). Every event is valid for the runner's data-quality rules: per-symbol sequence
// numbers, exchange time = now, prices within a cent of 100, so any drop is the receiver's.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const seq = new Map();
let stopSending = false;
const frozen = new Set();

wss.on('listening', () => process.send({ port: wss.address().port }));
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    // The runner subscribes; the sender acknowledges like the feed server does.
    try {
      const msg = JSON.parse(String(data));
      if (msg.op === 'subscribe') ws.send(JSON.stringify({ type: 'subscribed', symbols: msg.symbols }));
    } catch {
      // not ours to judge
    }
  });
  process.send({ connected: wss.clients.size });
});

function eventText(symbols, i, now) {
  const sym = symbols[i % symbols.length];
  const n = (seq.get(sym) ?? 0) + 1;
  seq.set(sym, n);
  // Trades and quotes interleaved, as a venue sends them.
  if (i % 4 === 3) return `{"type":"quote","sym":"${sym}","seq":${n},"ts":${now},"bp":99.99,"bs":300,"ap":100.01,"as":200}`;
  return `{"type":"trade","sym":"${sym}","seq":${n},"ts":${now},"p":${(100 + (i % 7) * 0.01).toFixed(2)},"s":${100 + (i % 13)}}`;
}

function frame(symbols, batch, i) {
  const now = Date.now();
  if (batch === 1) return eventText(symbols, i, now);
  const parts = [];
  for (let k = 0; k < batch; k += 1) parts.push(eventText(symbols, i * batch + k, now));
  return `[${parts.join(',')}]`;
}

// WebSocket frames are written straight to the TCP socket, many per write (server frames are
// unmasked: a 2–10 byte header, then the text), so the sender costs far less per frame than any
// receiver and the figure is the receiver's. The bytes on the wire are exactly what ws.send writes.
const CHUNK = 256 << 10;
function appendFrame(buf, at, text) {
  const len = Buffer.byteLength(text);
  buf[at] = 0x81;
  if (len < 126) {
    buf[at + 1] = len;
    at += 2;
  } else if (len < 65536) {
    buf[at + 1] = 126;
    buf.writeUInt16BE(len, at + 2);
    at += 4;
  } else {
    buf[at + 1] = 127;
    buf.writeBigUInt64BE(BigInt(len), at + 2);
    at += 10;
  }
  return at + buf.write(text, at, 'utf8');
}

function send({ frames, rate, symbols, batch }) {
  stopSending = false;
  const sockets = [...wss.clients].map((c) => c._socket);
  const t0 = performance.now();
  let i = 0;
  let waiting = 0;
  const finish = () => process.send({ done: true, frames: i, events: i * batch, ms: performance.now() - t0 });
  /** Frames [i, upTo) in chunks; false when a socket's buffer is full (resume on its drain). */
  const write = (upTo, resume) => {
    while (i < upTo && !stopSending) {
      const buf = Buffer.allocUnsafe(CHUNK + 65536);
      let at = 0;
      while (i < upTo && at < CHUNK) at = appendFrame(buf, at, frame(symbols, batch, i++));
      const chunk = buf.subarray(0, at);
      let full = false;
      for (const s of sockets) if (!s.write(chunk)) full = true;
      if (full) {
        // Backpressure: wait until every socket has drained.
        waiting = sockets.length;
        for (const s of sockets) s.once('drain', () => (--waiting === 0 ? resume() : undefined));
        return false;
      }
    }
    return true;
  };
  const flat = () => {
    if (write(frames, flat)) finish();
  };
  const paced = () => {
    // `rate` frames/s on a ~1 ms tick: each tick writes what is due, so a burst is at most a tick's worth.
    const due = Math.min(frames, Math.floor(((performance.now() - t0) / 1000) * rate));
    if (!write(due, paced)) return;
    if (i < frames && !stopSending) setTimeout(paced, 1);
    else finish();
  };
  if (rate > 0) paced();
  else flat();
}

process.on('message', (m) => {
  if (m.cmd === 'send') send(m);
  else if (m.cmd === 'stop') stopSending = true;
  else if (m.cmd === 'drop') {
    // Cut every connection without a close frame: the runner sees an abnormal closure.
    for (const c of wss.clients) c.terminate();
  } else if (m.cmd === 'freeze') {
    // Half-open: the connection stays up but nothing more is read or sent (no pong either),
    // the way a dead peer behind a NAT looks. The connections frozen last time are cut first
    // (the runner has long given them up), so only the live one is frozen.
    stopSending = true;
    for (const c of frozen) c.terminate();
    frozen.clear();
    for (const c of wss.clients) {
      c._socket.pause();
      frozen.add(c);
    }
  } else if (m.cmd === 'exit') {
    wss.close();
    process.exit(0);
  }
});
// The parent went away: so does the sender.
process.on('disconnect', () => process.exit(0));

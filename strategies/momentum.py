#!/usr/bin/env python3
"""vwap_momentum in Python, as an external trader strategy (protocol trader-strategy/1).

Python 3 standard library only. It gives the same decisions as trader's built-in vwap_momentum
on the same inputs: it is both an example of the protocol and a parity check of it.

Protocol (JSON lines, see strategies/README.md):
  1. at start, one hello line on stdout: {"protocol": "trader-strategy/1", "name", "version",
     "lookback", "params"};
  2. then, for each request line {"id", "inputs", "params"} on stdin, exactly one answer line
     {"id", "action", "confidence", "reason"?} on stdout, flushed;
  3. exit when stdin closes. Anything for humans goes to stderr.
Determinism: no clock, no randomness, no state carried from one request to the next.
"""
import json
import math
import sys

HELLO = {
    "protocol": "trader-strategy/1",
    "name": "momentum_py",
    "version": "1.0.0",
    # The bar lookback_bars back and the bar that just closed.
    "lookback": {"param": "lookback_bars", "plus": 1},
    "params": {
        "lookback_bars": {"type": "integer", "min": 1, "max": 100, "default": 3},
        "momentum_bps": {"type": "number", "min": 0, "default": 2},
        "vwap_band_bps": {"type": "number", "min": 0, "default": 1},
    },
}


def js_round2(x):
    """JavaScript's Math.round(x * 100) / 100: halves round up, not to even as round() does."""
    return math.floor(x * 100 + 0.5) / 100


def signal_confidence(momentum, deviation):
    weaker = min(momentum, deviation)
    return js_round2(min(0.99, 0.5 + 0.5 * (1 - math.exp(-(weaker - 1)))))


def decide(inputs, params):
    bars = inputs["bars"]
    lookback = int(params["lookback_bars"])
    vwap = inputs["session_vwap"]
    if len(bars) < lookback + 1 or not vwap > 0 or not bars[-1 - lookback]["close"] > 0:
        return {"action": "HOLD", "confidence": 0}
    first = bars[-1 - lookback]["close"]
    last = bars[-1]["close"]
    momentum_bps = (last - first) / first * 1e4
    deviation_bps = (last - vwap) / vwap * 1e4
    momentum = momentum_bps / max(params["momentum_bps"], 1e-9)
    deviation = deviation_bps / max(params["vwap_band_bps"], 1e-9)
    if momentum >= 1 and deviation >= 1:
        return {"action": "BUY", "confidence": signal_confidence(momentum, deviation)}
    if momentum <= -1 and deviation <= -1:
        return {"action": "SELL", "confidence": signal_confidence(-momentum, -deviation)}
    strongest = min(1, max(abs(momentum), abs(deviation)))
    return {"action": "HOLD", "confidence": js_round2(1 - strongest / 2)}


def main():
    out = sys.stdout
    out.write(json.dumps(HELLO) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        answer = decide(request["inputs"], request["params"])
        answer["id"] = request["id"]
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()

"""Throughput of the cycle and regime indicator families (and the channels appended to
volatility.py): bulk bars/s per indicator on 100k synthetic bars, and streaming µs per bar.

Run: .venv/bin/python benchmarks/bench_cycle_regime.py   (numba compiles on the first call;
the figures below are measured after a warm-up call)
"""

from __future__ import annotations

import time

import numpy as np

from neural_trading_system.indicators import StreamingSuite, cycle, regime, volatility


def market(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    spread = np.abs(rng.normal(0, 0.006, n)) * close
    return {"open": close, "high": close + spread, "low": close - spread, "close": close,
            "volume": rng.lognormal(3, 0.5, n)}


def main() -> None:
    specs = cycle.SUITE + regime.SUITE + volatility.SUITE[2:]
    t0 = time.perf_counter()
    small = market(600)
    for s in specs:
        s.run(small)
    print(f"first calls (numba compile or cache load): {time.perf_counter() - t0:.2f} s")
    big = market(100_000)
    total = 0.0
    for s in specs:
        t = time.perf_counter()
        s.run(big)
        dt = time.perf_counter() - t
        total += dt
        print(f"  {s.name:24s} {len(big['close']) / dt / 1e6:8.2f} M bars/s")
    print(f"bulk, {len(specs)} indicators on 100k bars: {total:.3f} s")
    stream = StreamingSuite(specs)
    s600 = market(2_000, seed=1)
    t = time.perf_counter()
    for i in range(len(s600["close"])):
        stream.update(*(s600[k][i] for k in ("open", "high", "low", "close", "volume")))
    dt = time.perf_counter() - t
    print(f"streaming, {len(specs)} indicators: {dt / len(s600['close']) * 1e6:.0f} µs per bar")


if __name__ == "__main__":
    main()

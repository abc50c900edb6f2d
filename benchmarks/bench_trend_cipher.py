"""Throughput of the trend, cipher and misc families (default-suite parameters): bulk (bars/s per indicator) and streaming (µs/bar).

Run: ``.venv/bin/python benchmarks/bench_trend_cipher.py [n_bars]``. Compilation happens in a
warm-up call first (numba cache); bulk figures are the best of 3 calls.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from neural_trading_system.indicators import StreamingSuite, cipher, misc, trend


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    spread = np.abs(rng.normal(0, 0.005, n)) * close
    a = {"open": close, "high": close + spread, "low": close - spread, "close": close,
         "volume": rng.lognormal(3, 0.5, n)}
    specs = trend.SUITE + cipher.SUITE + misc.SUITE
    small = {k: v[:1000] for k, v in a.items()}
    for s in specs:  # compile / load the numba cache
        s.run(small)
    print(f"bulk, {n:,} bars")
    total = 0.0
    for s in specs:
        dt = float("inf")
        for _ in range(3):  # best of 3: the first call also pays for fresh pages
            t = time.perf_counter()
            s.run(a)
            dt = min(dt, time.perf_counter() - t)
        total += dt
        print(f"  {s.name:20s} {dt * 1e3:8.1f} ms  {n / dt / 1e6:7.1f} M bars/s")
    print(f"  all {len(specs)} indicators: {total:.2f} s ({n / total / 1e6:.2f} M bars/s for the set)")
    m = 3000
    st = StreamingSuite(specs)
    t = time.perf_counter()
    for i in range(m):
        st.update(a["open"][i], a["high"][i], a["low"][i], a["close"][i], a["volume"][i])
    dt = time.perf_counter() - t
    print(f"streaming, {len(specs)} indicators, {m} bars: {dt / m * 1e6:.0f} µs/bar "
          f"({dt / m / len(specs) * 1e6:.1f} µs per indicator-bar)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

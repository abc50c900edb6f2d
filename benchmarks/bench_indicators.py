"""Per-indicator throughput of the default suite: bulk (bars/s per indicator) and streaming (µs/bar).

Run: ``.venv/bin/python benchmarks/bench_indicators.py [--bars N] [--families trend,cipher,...]``.
Compilation happens in a warm-up call first (numba cache); bulk figures are the best of 3 calls.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neural_trading_system.indicators import StreamingSuite, default_suite


def market(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    spread = np.abs(rng.normal(0, 0.005, n)) * close
    return {"open": close, "high": close + spread, "low": close - spread, "close": close,
            "volume": rng.lognormal(3, 0.5, n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--families", default="", help="comma-separated families (default: all)")
    ap.add_argument("--stream-bars", type=int, default=3000)
    args = ap.parse_args()
    fams = {f for f in args.families.split(",") if f}
    specs = [s for s in default_suite() if not fams or s.family in fams]
    n = args.bars
    a = market(n)
    small = {k: v[:1000] for k, v in a.items()}
    t0 = time.perf_counter()
    for s in specs:  # compile / load the numba cache
        s.run(small)
    print(f"first calls (numba compile or cache load): {time.perf_counter() - t0:.2f} s")
    print(f"bulk, {n:,} bars")
    total = 0.0
    for s in specs:
        dt = float("inf")
        for _ in range(3):  # best of 3: the first call also pays for fresh pages
            t = time.perf_counter()
            s.run(a)
            dt = min(dt, time.perf_counter() - t)
        total += dt
        print(f"  {s.family:10s} {s.name:24s} {dt * 1e3:8.1f} ms  {n / dt / 1e6:7.1f} M bars/s")
    print(f"  all {len(specs)} indicators: {total:.2f} s ({n / total / 1e6:.2f} M bars/s for the set)")
    m = args.stream_bars
    st = StreamingSuite(specs)
    t = time.perf_counter()
    for i in range(m):
        st.update(a["open"][i], a["high"][i], a["low"][i], a["close"][i], a["volume"][i])
    dt = time.perf_counter() - t
    print(f"streaming, {len(specs)} indicators, {m} bars: {dt / m * 1e6:.0f} µs/bar "
          f"({dt / m / len(specs) * 1e6:.1f} µs per indicator-bar)")


if __name__ == "__main__":
    main()

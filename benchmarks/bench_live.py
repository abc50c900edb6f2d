"""Live latency: streamed indicators per bar, and new-bar-to-decision for a trained run.

Run: ``.venv/bin/python benchmarks/bench_live.py [RUN_DIR] [--data FILE] [--bars N]``

1. **Streaming indicators**: the full default suite (:func:`default_suite`) through
   :class:`StreamingSuite`, one bar at a time after a warm-up of 600 bars; µs per bar (mean, p50,
   p99), wall clock and this thread's CPU time (CPU time is steadier on a shared machine).
2. **New bar → decision** (with ``RUN_DIR``): the run's :class:`StreamingPredictor` warmed on the
   first bars of ``--data`` (default: the run's own captured market), then ``--bars`` bars timed
   from the bar's arrival to the policy's decision (indicators → features ``transform_last`` →
   one model step → :class:`Policy`), with the share of each stage. Make a default-preset run
   with ``nts train --data ../shared/data/BTCUSDT-4h.csv --set training.num_epochs=1 --set
   training.max_steps_per_epoch=50``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def _pct(a: list[float]) -> str:
    x = np.asarray(a)
    return f"mean {x.mean():8.0f}  p50 {np.percentile(x, 50):8.0f}  p99 {np.percentile(x, 99):8.0f}"


def bench_indicators(n_warm: int = 600, n: int = 2000) -> None:
    from neural_trading_system.indicators import StreamingSuite, default_suite

    rng = np.random.default_rng(0)
    m = n_warm + n
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, m)))
    spread = np.abs(rng.normal(0, 0.005, m)) * close
    o, h, lo, v = np.r_[100.0, close[:-1]], close + spread, close - spread, rng.lognormal(3, 0.5, m)
    specs = default_suite()
    st = StreamingSuite(specs)
    for i in range(n_warm):  # compiles / loads the numba cache too
        st.update_array(o[i], h[i], lo[i], close[i], v[i])
    wall, cpu = [], []
    for i in range(n_warm, m):
        t, c = time.perf_counter(), time.thread_time()
        st.update_array(o[i], h[i], lo[i], close[i], v[i])
        cpu.append((time.thread_time() - c) * 1e6)
        wall.append((time.perf_counter() - t) * 1e6)
    print(f"streaming indicators: {len(specs)} indicators, {len(st.columns)} lines, {n} bars "
          f"(one compaction every {st._store.capacity - st._store.keep} bars)")
    print(f"  wall µs/bar  {_pct(wall)}")
    print(f"  CPU  µs/bar  {_pct(cpu)}   ({np.mean(cpu) / len(specs):.1f} µs per indicator-bar)")


def bench_decision(run_dir: str, data: str | None, n: int) -> None:
    import polars as pl
    import torch

    from neural_trading_system.backtest.policy import Policy, payoff_ratio
    from neural_trading_system.backtest.predictions import fit_regime_filter
    from neural_trading_system.live.broker import one_bar_decisions
    from neural_trading_system.live.feeds import ReplayFeed, bars_from_frame
    from neural_trading_system.live.predictor import StreamingPredictor
    from neural_trading_system.pipeline import load_run_bundle

    torch.set_num_threads(1)
    rb = load_run_bundle(run_dir)
    cfg = rb.config
    bars = ReplayFeed(data).bars if data else bars_from_frame(rb.bundle.captured.frame)
    bars = bars[-(n + 1500):]  # 1,500 bars warm every indicator, feature and window up; timing needs no more
    rf = fit_regime_filter(rb, cache_dir=Path(rb.run_dir) / "backtest")
    policy = Policy(cfg.backtest, payoff_ratio(cfg.labels), rf.allowed(cfg.backtest.min_regime_win_rate))
    p = StreamingPredictor(rb, rf)
    n = min(n, len(bars) - 800)
    warm = len(bars) - n
    for b in bars[:warm]:
        p.update(b)
    stages = {"indicators": [], "features": [], "model": [], "vol_regime": []}

    def timed(name, fn):
        def wrap(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                stages[name].append((time.perf_counter() - t) * 1e6)
        return wrap

    p.suite.update_array = timed("indicators", p.suite.update_array)
    p._feature_row = timed("features", p._feature_row)
    p._score = timed("model", p._score)
    p._vol_regime = timed("vol_regime", p._vol_regime)
    total, cpu = [], []
    for b in bars[warm:]:
        t, c = time.perf_counter(), time.thread_time()
        d = p.update(b)
        one_bar_decisions(policy, d, policy.allowed is not None)
        cpu.append((time.thread_time() - c) * 1e6)
        total.append((time.perf_counter() - t) * 1e6)
        assert d.is_warm
    print(f"new bar -> decision: run {run_dir} (preset {cfg.preset}, suite {cfg.capture.suite}, "
          f"{len(p.columns)} captured lines, {len(p.extractor.feature_names_)} features, seq_len {cfg.model.seq_len}, "
          f"d_model {cfg.model.d_model}), {n} bars after {warm} warm-up bars, torch threads 1")
    print(f"  wall µs      {_pct(total)}")
    print(f"  CPU  µs      {_pct(cpu)}")
    for k, v in stages.items():
        print(f"  {k:11s}  {_pct(v)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", nargs="?")
    ap.add_argument("--data")
    ap.add_argument("--bars", type=int, default=1000)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    bench_indicators()
    if a.run_dir:
        bench_decision(a.run_dir, a.data, a.bars)


if __name__ == "__main__":
    main()

"""Backtest throughput and the metrics table on BTC 4h and on the synthetic market.

Trains (or reuses, under runs/) one run per market: preset ``default`` with
``training.num_epochs=3`` and ``training.max_steps_per_epoch=150`` (a few minutes on 2 cores), then
reports: bars/s of the batch backtest with the model in the loop (one batched model pass +
Backtrader loop) on the test period, bars/s of the streaming mode (StreamingPredictor per bar) and its
per-bar latency p50/p99, and the metrics of the neural strategy beside buy & hold, SMA(20/50)
crossover and LightGBM.

    .venv/bin/python benchmarks/bench_backtest.py [--markets btc,synthetic] [--stream-bars 500]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BTC = ROOT.parent / "shared" / "data" / "BTCUSDT-4h.csv"
OVERRIDES = {"training.num_epochs": 3, "training.max_steps_per_epoch": 150, "training.progress_bar": False}


def train_or_reuse(name: str, extra: dict) -> Path:
    from neural_trading_system import api
    from neural_trading_system.config import load_config

    rd = ROOT / "runs" / name
    if (rd / "model.safetensors").is_file() and (rd / "manifest.json").is_file():
        try:
            from neural_trading_system.training import load_run

            load_run(rd)
            return rd
        except Exception as exc:  # stale run (code changed): retrain
            print(f"[{name}] retraining ({exc.__class__.__name__})")
    cfg = load_config("default", overrides={**OVERRIDES, **extra, "runs_dir": str(ROOT / "runs"), "data.data_dir": str(ROOT / "runs" / "data_cache"), "run_name": name})
    t = time.perf_counter()
    api.train(cfg, progress=False)
    print(f"[{name}] trained in {time.perf_counter() - t:.0f} s")
    return rd


def bench(name: str, rd: Path, stream_bars: int) -> None:
    from neural_trading_system.backtest import run_backtest
    from neural_trading_system.backtest.policy import Decisions
    from neural_trading_system.backtest.predictions import fit_regime_filter
    from neural_trading_system.backtest.strategy import run_cerebro
    from neural_trading_system.live import StreamingPredictor
    from neural_trading_system.pipeline import load_run_bundle
    from neural_trading_system.training import predict_bars

    res = run_backtest(rd)
    n = len(res.timestamps)
    print(f"\n=== {name}: {rd}  ({res.window.note}; {n} bars) ===")
    # batch mode, model in the loop: one batched pass over the period + the Backtrader loop
    rb = load_run_bundle(rd)
    bars = np.arange(res.window.start, res.window.end + 1)
    d = res.strategies["neural"].decisions
    t = time.perf_counter()
    predict_bars(rb.model, rb.bundle.X, bars, rb.config.model.seq_len)
    t_pred = time.perf_counter() - t
    t = time.perf_counter()
    run_cerebro(res.ohlcv, Decisions(d.entry.copy(), d.exit.copy(), d.size.copy(), d.stop_distance.copy(), d.close),
                res.config)
    t_bt = time.perf_counter() - t
    print(f"batch backtest: predictions {n / t_pred:,.0f} bars/s, Backtrader loop {n / t_bt:,.0f} bars/s, "
          f"together {n / (t_pred + t_bt):,.0f} bars/s (target >= 5,000)")
    # streaming: the predictor per bar (warm-up from the first bar), as live
    rf = fit_regime_filter(rb, cache_dir=rd / "backtest")
    p = StreamingPredictor(rb, rf)
    frame = rb.bundle.captured.frame
    stop = min(frame.height, res.window.start + stream_bars)
    t = time.perf_counter()
    p.warm_up(frame.slice(0, res.window.start), score=False)
    t_warm = time.perf_counter() - t
    t = time.perf_counter()
    out = p.warm_up(frame.slice(res.window.start, stop - res.window.start))
    el = time.perf_counter() - t
    lat = np.array([o.latency_ms for o in out if o.is_warm])
    print(f"streaming warm-up without scoring: {res.window.start / t_warm:,.0f} bars/s over {res.window.start} bars")
    print(f"streaming predictor: {len(out) / el:,.0f} bars/s over {len(out)} scored test bars; per bar latency "
          f"p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms (live target p99 <= 10 ms)")
    print(f"{'metric':<20}" + "".join(f"{k:>14}" for k in res.strategies))
    for key in next(iter(res.metrics.values())):
        row = [res.metrics[k][key] for k in res.strategies]
        print(f"{key:<20}" + "".join(f"{'n/a' if v is None else (f'{v:.4f}' if isinstance(v, float) else v):>14}"
                                     for v in row))
    print(f"stage times (s): {({k: round(v, 2) for k, v in res.timings.items()})}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--markets", default="btc,synthetic")
    ap.add_argument("--stream-bars", type=int, default=500)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import torch

    print(f"torch threads {torch.get_num_threads()}")
    for m in args.markets.split(","):
        if m == "btc":
            if not BTC.is_file():
                print(f"skip btc: {BTC} missing")
                continue
            rd = train_or_reuse("bench_btc", {"data.source": "file", "data.path": str(BTC)})
        else:
            rd = train_or_reuse("bench_synthetic", {"data.synthetic_bars": 20_000})
        bench(m, rd, args.stream_bars)


if __name__ == "__main__":
    main()

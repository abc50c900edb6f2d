"""Issue 9's end check: `nts live RUN --replay FILE` trades exactly what `nts backtest RUN FILE` trades.

Replays FILE bar by bar through the live engine (streaming predictor → policy → paper broker, a
fresh state directory) and backtests the same run on the same file, then compares the closed
trades: entry and exit bars and reasons must be equal; prices, units, PnL and commission are
printed as their largest relative difference; and the new-bar-to-decision latency of the replay.

    .venv/bin/python benchmarks/replay_vs_backtest.py runs/bench_btc ../shared/data/BTCUSDT-4h.csv
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("data")
    a = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from neural_trading_system.backtest import run_backtest
    from neural_trading_system.config import DataConfig
    from neural_trading_system.live.broker import closed_trades, read_trade_log
    from neural_trading_system.live.engine import LiveEngine, default_trade_from
    from neural_trading_system.live.feeds import ReplayFeed
    from neural_trading_system.pipeline import load_run_bundle

    rb = load_run_bundle(a.run_dir)
    with tempfile.TemporaryDirectory() as tmp:
        feed = ReplayFeed(a.data)
        t = time.perf_counter()
        s = LiveEngine(rb, feed, Path(tmp) / "state", trade_from=default_trade_from(rb, feed)).run()
        live_s = time.perf_counter() - t
        live = closed_trades(read_trade_log(Path(tmp) / "state" / "trades.jsonl"))
        res = run_backtest(a.run_dir, data_cfg=DataConfig(source="file", path=a.data, data_dir=str(Path(tmp) / "cache")),
                           dashboard=False, baselines=False)
    bt = res.trades["neural"]
    lat = np.asarray(s.latency_ms)
    print(f"live replay: {s.bars} bars ({s.traded_bars} traded, {s.gaps} gaps) in {live_s:.1f} s; "
          f"latency of traded bars p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms")
    print(f"backtest window: {res.window.note}; trades: live {len(live)}, backtest {len(bt)}")
    same = sum((x["entry_bar"], x["exit_bar"], x["reason"]) == (y["entry_bar"], y["exit_bar"], y["reason"])
               for x, y in zip(live, bt))
    worst = {k: max((abs(x[k] - y[k]) / max(abs(y[k]), 1e-12) for x, y in zip(live, bt)), default=0.0)
             for k in ("entry_price", "exit_price", "units", "pnl", "commission")}
    print(f"same entry bar, exit bar and reason: {same} of {len(bt)}; largest relative differences: "
          + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    print(f"final equity: live {s.equity:,.2f}, backtest {res.strategies['neural'].sim.equity[-1]:,.2f}")
    ok = same == len(bt) == len(live)
    print("RESULT:", "SAME TRADES" if ok else "DIFFERENT TRADES")


if __name__ == "__main__":
    main()

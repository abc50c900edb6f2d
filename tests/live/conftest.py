"""One tiny trained run per session and its market written as a CSV replay file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

#: thresholds that let a one-epoch model (probabilities near 0.5) trade often
TRADE_OVERRIDES = {"backtest.entry_threshold": 0.5, "backtest.exit_threshold": 0.5, "backtest.sl_threshold": 0.9,
                   "backtest.min_regime_win_rate": 0.0}


@pytest.fixture(scope="session")
def live_run(tmp_path_factory) -> Path:
    from neural_trading_system import api
    from neural_trading_system.config import load_config

    tmp = tmp_path_factory.mktemp("live_runs")
    cfg = load_config("debug", overrides={
        "data.synthetic_bars": 1500, "capture.suite": "minimal", "training.num_epochs": 1,
        "training.max_steps_per_epoch": 5, "training.progress_bar": False, "runs_dir": str(tmp), "run_name": "r",
        "data.data_dir": str(tmp / "cache"), **TRADE_OVERRIDES})
    return api.train(cfg, progress=False).run_dir


@pytest.fixture(scope="session")
def live_bundle(live_run):
    from neural_trading_system.pipeline import load_run_bundle

    return load_run_bundle(live_run)


@pytest.fixture(scope="session")
def replay_csv(live_bundle, tmp_path_factory) -> Path:
    """The run's own market (OHLCV, epoch-ms timestamps) as a CSV file."""
    f = live_bundle.bundle.captured.frame.select(["timestamp", "open", "high", "low", "close", "volume"])
    path = tmp_path_factory.mktemp("replay") / "market.csv"
    f.with_columns(pl.col("timestamp").dt.epoch("ms")).write_csv(path)
    return path

"""One tiny trained run per session (synthetic market, minimal suite, one short epoch)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    from neural_trading_system import api
    from neural_trading_system.config import load_config

    tmp = tmp_path_factory.mktemp("bt_runs")
    cfg = load_config("debug", overrides={
        "data.synthetic_bars": 3000, "capture.suite": "minimal", "training.num_epochs": 1,
        "training.max_steps_per_epoch": 5, "training.progress_bar": False, "runs_dir": str(tmp), "run_name": "r",
        "data.data_dir": str(tmp / "cache"),
        # the one-epoch model's entry probabilities sit near 0.5: thresholds that let it trade
        "backtest.entry_threshold": 0.5, "backtest.exit_threshold": 0.5, "backtest.sl_threshold": 0.9})
    return api.train(cfg, progress=False).run_dir


@pytest.fixture(scope="session")
def tiny_bundle(tiny_run):
    from neural_trading_system.pipeline import load_run_bundle

    return load_run_bundle(tiny_run)


@pytest.fixture(scope="session")
def tiny_result(tiny_run):
    from neural_trading_system.backtest import run_backtest

    return run_backtest(tiny_run)

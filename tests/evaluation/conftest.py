"""A tiny configuration: minimal indicator suite, short windows, a 1-layer model trained for a few steps."""

from __future__ import annotations

import pytest

from neural_trading_system.config import load_config

TINY = {"capture.suite": "minimal", "features.lookback_windows": [5, 20], "features.diff_lags": [1],
        "model.seq_len": 16, "training.num_epochs": 1, "training.max_steps_per_epoch": 2, "training.batch_size": 32,
        "training.progress_bar": False, "splits.embargo": 5, "backtest.lgbm_rounds": 40}


@pytest.fixture
def tiny_cfg(tmp_path):
    return load_config("debug").with_overrides({**TINY, "data.synthetic_bars": 1600, "runs_dir": str(tmp_path / "runs"),
                                                "data.data_dir": str(tmp_path / "cache")})

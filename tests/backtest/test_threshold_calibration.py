"""Entry/exit thresholds come from validation-split quantiles, and a flat signal never trades."""

from __future__ import annotations

import numpy as np

from neural_trading_system.backtest.policy import Policy, calibrate_thresholds, payoff_ratio
from neural_trading_system.config import load_config


def test_thresholds_are_validation_quantiles():
    cfg = load_config().backtest.model_copy(update={"entry_quantile": 0.75, "exit_quantile": 0.5})
    val = {"entry_prob": np.arange(1, 101) / 100.0, "exit_prob": np.linspace(0.2, 0.4, 101)}
    cal = calibrate_thresholds(cfg, val)
    assert np.isclose(cal.entry_threshold, np.quantile(val["entry_prob"], 0.75))
    assert cal.entry_threshold > np.quantile(val["entry_prob"], 0.75)  # strictly above
    assert np.isclose(cal.exit_threshold, 0.3)


def test_quantile_none_keeps_the_absolute_threshold():
    cfg = load_config().backtest.model_copy(update={"entry_quantile": None, "exit_quantile": None})
    cal = calibrate_thresholds(cfg, {"entry_prob": np.full(10, 0.9)})
    assert cal.entry_threshold == cfg.entry_threshold and cal.exit_threshold == cfg.exit_threshold


def test_constant_signal_never_clears_its_own_threshold():
    full = load_config()
    cal = calibrate_thresholds(full.backtest, {"entry_prob": np.zeros(50), "exit_prob": np.zeros(50)})
    n = 30
    preds = {"entry_prob": np.zeros(n), "exit_prob": np.zeros(n), "sl_prob": np.zeros(n),
             "expected_return": np.full(n, 0.01), "volatility": np.full(n, 0.01)}
    d = Policy(cal, payoff_ratio(full.labels)).decisions(preds, np.full(n, 100.0), np.full(n, 1.0),
                                                        np.ones(n), None)
    assert not d.entry.any()

"""score_test_period: every strategy traded by the backtest engine on the same test bars."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from neural_trading_system.config import load_config
from neural_trading_system.evaluation.trading import STRATEGIES, score_test_period


def _bars(n: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    close = 100 * np.exp(np.cumsum(rng.normal(0.001, 0.01, n)))
    open_ = np.concatenate([[100.0], close[:-1]]) * 1.001  # every open gaps 0.1 % above the previous close
    open_[101] *= 1.02  # a 2 % gap at the first fill bar: the first all-in order is refused
    return pl.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.002,
                         "low": np.minimum(open_, close) * 0.998, "close": close,
                         "ctx_vol_regime": np.ones(n)})


def test_same_test_bars_for_every_strategy():
    cfg = load_config("debug")
    bars = _bars()
    test = np.arange(100, 250)
    event = (np.arange(300) % 3 == 0).astype(np.float64)
    s = test.size
    sure = {"entry_prob": np.full(s, 0.9), "exit_prob": np.zeros(s), "sl_prob": np.zeros(s),
            "expected_return": np.full(s, 0.01), "volatility": np.full(s, 0.01)}
    never = {**sure, "entry_prob": event[test] * 0.3}  # perfect ranking, never above the entry threshold
    recs = {r["model"]: r for r in score_test_period(cfg, bars, test, event, {"neural": never, "lightgbm": sure}, 0, 0)}
    assert list(recs) == list(STRATEGIES)
    assert recs["neural"]["auc"] == 1.0 and recs["neural"]["n_trades"] == 0 and recs["neural"]["return"] == 0.0
    assert recs["lightgbm"]["n_trades"] >= 1 and recs["lightgbm"]["exposure"] > 0.5
    bh = recs["buy_hold"]  # the gap-up refuses the first all-in order; buy & hold must still get in
    assert bh["n_trades"] == 1 and bh["exposure"] > 0.9
    c, o = bars["close"].to_numpy(), bars["open"].to_numpy()
    gross = c[250] / (o[102] * (1 + cfg.backtest.slippage))  # refused at 101's open, filled at 102's
    assert bh["return"] == pytest.approx(gross - 1, abs=0.01)
    assert recs["buy_hold"]["auc"] is None and recs["classic_rule"]["log_loss"] is None


def test_non_consecutive_test_bars_refused():
    with pytest.raises(ValueError, match="consecutive"):
        score_test_period(load_config("debug"), _bars(), np.array([100, 102]), np.zeros(300), {}, 0, 0)

"""Baselines traded beside the neural strategy, under the same execution semantics and costs.

* **Buy & hold**: enter at the first decision bar with ``max_position``, held to the end.
* **SMA crossover** (classic rule): long while SMA(``sma_fast``) > SMA(``sma_slow``) of the close,
  flat otherwise (entry when fast > slow, exit when fast <= slow), ``max_position``, no stop.
* **LightGBM** (the FreqAI-style baseline): gradient-boosted trees on the same features (the
  last-bar rows of the run's feature matrix ``X``), labels and splits as the network: a classifier
  of ``target_entry > 0.5`` (its probability is the entry probability), a classifier of
  ``target_exit`` (the exit probability), a regressor of ``target_return`` (the expected return);
  fitted on the training split, early-stopped on the validation split, deterministic. It has no
  stop-loss or volatility head: ``sl_prob`` is 0 and the volatility forecast is the trailing
  realized volatility ``ctx_vol`` (std of the last ``vol_window`` log returns). It is traded by
  the neural :class:`~.policy.Policy` with the volatility regime ``ctx_vol_regime`` as its regime.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import BacktestConfig
from .policy import Decisions

__all__ = ["buy_hold_decisions", "sma_cross_decisions", "LightGBMBaseline", "fit_lightgbm"]

log = logging.getLogger(__name__)


def buy_hold_decisions(close: np.ndarray, cfg: BacktestConfig) -> Decisions:
    """Enter at bar 0's close (fills at bar 1's open), never exit before the end."""
    n = len(close)
    entry = np.zeros(n, dtype=bool)
    entry[0] = True
    return Decisions(entry, np.zeros(n, dtype=bool), np.full(n, cfg.max_position), np.full(n, np.inf),
                     np.asarray(close, dtype=np.float64))


def _sma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        c = np.cumsum(np.concatenate([[0.0], x]))
        out[n - 1:] = (c[n:] - c[:-n]) / n
    return out


def sma_cross_decisions(close_history: np.ndarray, start: int, cfg: BacktestConfig) -> Decisions:
    """SMA crossover over ``close_history[start:]``; the averages warm up on the bars before ``start``."""
    close_history = np.asarray(close_history, dtype=np.float64)
    fast, slow = _sma(close_history, cfg.sma_fast)[start:], _sma(close_history, cfg.sma_slow)[start:]
    close = close_history[start:]
    with np.errstate(invalid="ignore"):
        entry = fast > slow
        exit_ = fast <= slow
    return Decisions(entry, exit_, np.full(len(close), cfg.max_position), np.full(len(close), np.inf), close)


@dataclass
class LightGBMBaseline:
    """Fitted boosters and what they were fitted on."""

    entry: Any
    exit: Any
    ret: Any
    best_iterations: dict[str, int]

    def predict(self, X: np.ndarray, ctx_vol: np.ndarray) -> dict[str, np.ndarray]:
        """Policy inputs for feature rows ``X`` ``(S, F)`` and their trailing volatility ``(S,)``."""
        X = np.asarray(X, dtype=np.float32)
        return {"entry_prob": self.entry.predict(X, num_iteration=self.best_iterations["entry"]),
                "exit_prob": self.exit.predict(X, num_iteration=self.best_iterations["exit"]),
                "sl_prob": np.zeros(len(X)),
                "expected_return": self.ret.predict(X, num_iteration=self.best_iterations["return"]),
                "volatility": np.asarray(ctx_vol, dtype=np.float64)}


def fit_lightgbm(X: np.ndarray, labels: Any, train: np.ndarray, val: np.ndarray, seed: int,
                 rounds: int = 400) -> LightGBMBaseline:
    """Fit the three boosters on rows ``train`` of ``X`` ``(N, F)``, early-stopping on rows ``val``.

    ``labels``: the run's label frame (``target_entry``, ``target_exit``, ``target_return``).
    Deterministic (``deterministic=True``, one thread, fixed seed): the same run gives the same trees.
    """
    import lightgbm as lgb

    base = {"learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 40, "feature_fraction": 0.5,
            "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "seed": seed, "deterministic": True,
            "force_row_wise": True, "num_threads": 1, "verbose": -1}
    Xtr, Xva = X[train], X[val]
    targets = {
        "entry": ((labels["target_entry"].to_numpy() > 0.5).astype(np.float64), "binary"),
        "exit": (labels["target_exit"].to_numpy().astype(np.float64), "binary"),
        "return": (labels["target_return"].to_numpy().astype(np.float64), "regression"),
    }
    boosters, best = {}, {}
    for name, (y, objective) in targets.items():
        ytr, yva = y[train], y[val]
        ok_tr, ok_va = np.isfinite(ytr), np.isfinite(yva)
        dtr = lgb.Dataset(Xtr[ok_tr], ytr[ok_tr], free_raw_data=True)
        dva = lgb.Dataset(Xva[ok_va], yva[ok_va], reference=dtr)
        params = {**base, "objective": objective}
        b = lgb.train(params, dtr, num_boost_round=rounds, valid_sets=[dva],
                      callbacks=[lgb.early_stopping(30, verbose=False)])
        boosters[name], best[name] = b, int(b.best_iteration or rounds)
    log.info("LightGBM baseline: best iterations %s", best)
    return LightGBMBaseline(boosters["entry"], boosters["exit"], boosters["return"], best)

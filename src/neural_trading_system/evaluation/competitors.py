"""The models the neural network is measured against, and the one trading policy all scored models share.

- LightGBM on the same features (the last-bar row ``X[t]`` of each window), the same binary event
  (``target_entry > 0.5``) and the same splits; early-stopped on the fold's validation split; the seed
  drives its row and column bagging.
- The classic rule: long while the 20-bar simple moving average of the close is above the 50-bar one
  (a textbook trend-following crossover; causal, no fitting).
- Buy & hold: long on every test bar.

Policy of a probability model (neural or LightGBM): long when ``p > threshold`` where the threshold is
the ``1 - base_rate`` quantile of the model's own predictions on the fold's *validation* split
(``base_rate`` = the event's frequency there). The model is thus long about as often as the event
happens, whatever the scale of its probabilities (the neural entry head is trained on the soft label,
LightGBM on the hard event), and nothing of the test period is used to set it.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

__all__ = ["fit_lightgbm", "classic_rule_signal", "validation_threshold", "LGBM_PARAMS", "RULE_FAST", "RULE_SLOW"]

log = logging.getLogger(__name__)

RULE_FAST, RULE_SLOW = 20, 50
LGBM_PARAMS = dict(n_estimators=400, learning_rate=0.03, num_leaves=15, min_child_samples=50, subsample=0.8,
                   subsample_freq=1, colsample_bytree=0.5, reg_lambda=1.0, verbose=-1)
"""LightGBM settings: small trees, bagging (seeded), early stopping after 30 rounds without a better
validation log-loss."""


def fit_lightgbm(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 x_predict: list[np.ndarray], seed: int, threads: int = 1) -> list[np.ndarray]:
    """Fit a LightGBM classifier of the binary event, return ``P(event)`` for each array in ``x_predict``.

    x_*: ``(S, F)`` float32 last-bar feature rows; y_*: ``(S,)`` 0/1. Returns ``(S_i,)`` float64 each.
    """
    import lightgbm as lgb

    tr, va = np.isfinite(y_train), np.isfinite(y_val)
    x_train, y_train, x_val, y_val = x_train[tr], y_train[tr], x_val[va], y_val[va]
    clf = lgb.LGBMClassifier(**LGBM_PARAMS, random_state=int(seed), n_jobs=max(1, int(threads)),
                             deterministic=True, force_row_wise=True)
    with warnings.catch_warnings():  # lightgbm 4.6 deprecates eval_set in favour of eval_X/eval_y
        warnings.filterwarnings("ignore", message=".*eval_set.*")
        clf.fit(x_train, y_train.astype(np.int32), eval_set=[(x_val, y_val.astype(np.int32))], eval_metric="binary_logloss",
                callbacks=[lgb.early_stopping(30, verbose=False)])
    log.debug("lightgbm: %d trees (best iteration %s)", clf.n_estimators, clf.best_iteration_)
    return [clf.predict_proba(x)[:, 1].astype(np.float64) for x in x_predict]


def classic_rule_signal(close: np.ndarray, fast: int = RULE_FAST, slow: int = RULE_SLOW) -> np.ndarray:
    """``(N,)`` float64 0/1: 1 where SMA(fast) > SMA(slow) of the close at bar t (bars <= t); 0 in warm-up."""
    c = np.asarray(close, dtype=np.float64)
    csum = np.concatenate([[0.0], np.cumsum(c)])
    out = np.zeros(c.size)
    if c.size < slow:
        return out
    t = np.arange(slow - 1, c.size)
    fast_ma = (csum[t + 1] - csum[t + 1 - fast]) / fast
    slow_ma = (csum[t + 1] - csum[t + 1 - slow]) / slow
    out[t] = (fast_ma > slow_ma).astype(np.float64)
    return out


def validation_threshold(p_val: np.ndarray, y_val: np.ndarray) -> float:
    """The ``1 - base_rate`` quantile of validation predictions (see the module docstring)."""
    p = np.asarray(p_val, dtype=np.float64)
    y = np.asarray(y_val, dtype=np.float64)
    ok = np.isfinite(p) & np.isfinite(y)
    if not ok.any():
        return float("inf")
    rate = float(np.mean(y[ok] > 0.5))
    return float(np.quantile(p[ok], 1.0 - rate)) if rate > 0 else float("inf")

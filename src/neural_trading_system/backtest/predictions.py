"""What the policy reads, in bulk: batch model predictions, ATR(14), the volatility regime, the regime filter.

The batch predictions stream the model over the period (:func:`~..training.predict_bars`); the
live predictor streams the same function one bar at a time; a parity test holds them equal (1e-5).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config
from ..live.predictor import ATR_PERIOD, stack_decisions
from .policy import RegimeFilter

__all__ = ["atr_bulk", "vol_regime_bulk", "fit_regime_filter", "decision_arrays",
           "REGIME_FILTER_FILE"]

log = logging.getLogger(__name__)

REGIME_FILTER_FILE = "regime_filter.json"


def atr_bulk(open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Wilder's ATR(14) of every bar, ``(N,)`` float64 price units (NaN in warm-up); the streaming
    predictor's incremental ATR equals it."""
    from ..indicators.volatility import atr

    n = len(close)
    return atr(period=ATR_PERIOD).run({"open": open_, "high": high, "low": low, "close": close,
                                       "volume": np.zeros(n)})["atr"]


def vol_regime_bulk(close: np.ndarray, cfg: Config) -> np.ndarray:
    """``ctx_vol_regime`` of every bar (0 low, 1 normal, 2 high; NaN in warm-up), ``(N,)`` float64."""
    from ..labels import volatility_context

    return volatility_context(np.asarray(close, dtype=np.float64), cfg.labels).regime


def decision_arrays(decisions: list[Any]) -> dict[str, np.ndarray]:
    """Streamed :class:`~..live.Decision` list → the policy's input arrays."""
    return stack_decisions(decisions)


def fit_regime_filter(rb: Any, cache_dir: Path | None = None, batch_size: int = 1024) -> RegimeFilter:
    """KMeans of the VAE latent (``regime_mu``) over the TRAINING windows, and each cluster's win rate.

    ``k = backtest.regime_clusters``, seeded by the run's seed; the win rate of a cluster is the
    fraction of its training windows with ``target_return > 0``. Cached as JSON in ``cache_dir``
    keyed by the weights' sha256, k and the seed.
    """
    from sklearn.cluster import KMeans

    from ..artifacts import read_json, sha256_file
    from ..training import predict_bars

    cfg = rb.config
    k = cfg.backtest.regime_clusters
    key = {"weights_sha256": sha256_file(rb.run_dir / "model.safetensors"), "k": k, "seed": cfg.seed}
    path = cache_dir / REGIME_FILTER_FILE if cache_dir is not None else None
    if path is not None and path.is_file():
        d = read_json(path, "regime filter")
        if all(d.get(kk) == vv for kk, vv in key.items()):
            return RegimeFilter.from_dict(d, str(path))
    b = rb.bundle
    train = np.asarray(b.split.train, dtype=np.int64)
    mu = predict_bars(rb.model, b.X, train, cfg.model.seq_len, batch_size)["regime_mu"].astype(np.float64)
    km = KMeans(n_clusters=k, random_state=cfg.seed, n_init=10).fit(mu)
    target_return = b.labels["target_return"].to_numpy()[train]
    rf = RegimeFilter.fit(km.labels_, target_return, k, centers=km.cluster_centers_, source="vae_kmeans")
    log.info("regime filter: %d clusters on %d training windows, win rates %s", k, len(train),
             np.round(rf.win_rates, 3).tolist())
    if path is not None:
        rf.save(path, key)
    return rf


def validation_predictions(rb: Any, batch_size: int = 1024) -> dict[str, np.ndarray]:
    """The model's predictions on the run's validation windows (threshold calibration)."""
    from ..training import predict_bars

    val = np.asarray(rb.bundle.split.val, dtype=np.int64)
    return predict_bars(rb.model, rb.bundle.X, val, rb.config.model.seq_len, batch_size)


def neural_policy(rb: Any, bcfg: Any, rf: RegimeFilter) -> tuple[Any, Any]:
    """``(calibrated backtest config, Policy)`` of the neural strategy: one definition for the
    backtest, its streaming mode and the live paper broker."""
    from .policy import Policy, calibrate_thresholds, payoff_ratio

    cal = calibrate_thresholds(bcfg, validation_predictions(rb))
    log.info("neural thresholds (validation quantiles): entry %.4f, exit %.4f", cal.entry_threshold,
             cal.exit_threshold)
    return cal, Policy(cal, payoff_ratio(rb.config.labels), rf.allowed(cal.min_regime_win_rate))

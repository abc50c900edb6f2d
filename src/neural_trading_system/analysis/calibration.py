"""Calibration and the decision boundary of the entry head.

The event scored is ``target_entry > 0.5``: the risk-adjusted forward return ``z`` exceeded
``labels.entry_threshold`` (``target_entry`` is ``sigmoid((z - threshold) / temperature)``, so
0.5 is exactly ``z = threshold``). Against it: ECE over 10 equal-width probability bins
(``sum_b n_b / N * |mean p_b - event rate_b|``), the Brier score ``mean (p - y)^2`` and the ROC AUC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Reliability", "reliability", "expected_calibration_error", "brier_score", "roc_auc",
           "binned_mean", "rank_correlation"]


@dataclass
class Reliability:
    """Reliability bins: ``edges`` ``(n_bins + 1,)``; per bin ``count``, ``mean_prob``, ``event_rate``
    (NaN for empty bins); ``ece``, ``brier``, ``auc`` (None with one class), ``base_rate``, ``n``."""

    edges: np.ndarray
    count: np.ndarray
    mean_prob: np.ndarray
    event_rate: np.ndarray
    ece: float
    brier: float
    auc: float | None
    base_rate: float
    n: int


def _clean(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if p.shape != y.shape:
        raise ValueError(f"probabilities {p.shape} and outcomes {y.shape} differ in shape")
    ok = np.isfinite(p) & np.isfinite(y)
    return p[ok], y[ok]


def _bin_of(p: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bin of each probability; p = 1.0 falls in the last bin."""
    return np.minimum((p * n_bins).astype(np.int64), n_bins - 1)


def expected_calibration_error(p: np.ndarray, y: np.ndarray, n_bins: int = 10) -> float:
    """ECE of probabilities ``p`` against binary outcomes ``y`` over ``n_bins`` equal-width bins
    (one definition for the report and ``nts evaluate``: :func:`..evaluation.scores.expected_calibration_error`)."""
    from ..evaluation.scores import expected_calibration_error as ece

    p, y = _clean(p, y)
    return ece(y, p, n_bins)


def brier_score(p: np.ndarray, y: np.ndarray) -> float:
    p, y = _clean(p, y)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


def roc_auc(p: np.ndarray, y: np.ndarray) -> float | None:
    """ROC AUC (:func:`..evaluation.scores.roc_auc`), or None when only one class occurs."""
    from ..evaluation.scores import roc_auc as auc

    p, y = _clean(p, y)
    value = auc(y, p)
    return None if not np.isfinite(value) else value


def reliability(p: np.ndarray, y: np.ndarray, n_bins: int = 10) -> Reliability:
    """Reliability diagram data and the scores of ``p`` against binary ``y`` (NaN pairs dropped)."""
    p, y = _clean(p, y)
    b = _bin_of(p, n_bins)
    cnt = np.bincount(b, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(b, weights=p, minlength=n_bins) / cnt
        rate = np.bincount(b, weights=y, minlength=n_bins) / cnt
    return Reliability(np.linspace(0.0, 1.0, n_bins + 1), cnt, mean_p, rate,
                       expected_calibration_error(p, y, n_bins), brier_score(p, y), roc_auc(p, y),
                       float(y.mean()) if y.size else float("nan"), int(p.size))


def binned_mean(x: np.ndarray, v: np.ndarray, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Mean of ``v`` in quantile bins of ``x`` (equal counts): ``center`` (mean x), ``mean``, ``sem``, ``count``."""
    x, v = _clean(x, v)
    if x.size == 0:
        z = np.zeros(0)
        return {"center": z, "mean": z, "sem": z, "count": z.astype(np.int64)}
    order = np.argsort(x, kind="stable")
    parts = [p for p in np.array_split(order, min(n_bins, x.size)) if p.size]
    center = np.array([x[p].mean() for p in parts])
    mean = np.array([v[p].mean() for p in parts])
    sem = np.array([v[p].std(ddof=1) / np.sqrt(p.size) if p.size > 1 else 0.0 for p in parts])
    return {"center": center, "mean": mean, "sem": sem, "count": np.array([p.size for p in parts])}


def rank_correlation(x: np.ndarray, v: np.ndarray) -> float:
    """Spearman rank correlation (the information coefficient), NaN pairs dropped."""
    x, v = _clean(x, v)
    if x.size < 3:
        return float("nan")
    rx, rv = np.argsort(np.argsort(x)).astype(np.float64), np.argsort(np.argsort(v)).astype(np.float64)
    c = np.corrcoef(rx, rv)[0, 1]
    return float(c) if np.isfinite(c) else float("nan")

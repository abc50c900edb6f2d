"""Probability scores of a binary event: ROC AUC, log-loss, expected calibration error (numpy only).

All take ``y`` ``(N,)`` (0/1, or bool) and ``p`` ``(N,)`` predicted probabilities of the event; rows
where either is non-finite are dropped first. They are written out plainly so a test can check them
against values worked out by hand.
"""

from __future__ import annotations

import numpy as np

__all__ = ["roc_auc", "log_loss", "expected_calibration_error", "probability_scores", "EPS"]

EPS = 1e-7
"""Probabilities are clipped to ``[EPS, 1-EPS]`` in the log-loss (a confident miss costs ~16 nats, not inf)."""


def _clean(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"scores: y has {y.size} rows but p has {p.size}; pass one probability per label")
    ok = np.isfinite(y) & np.isfinite(p)
    return (y[ok] > 0.5).astype(np.float64), p[ok]


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative), ties count 1/2.

    Mann-Whitney form with average ranks for ties. NaN when only one class is present.
    """
    y, p = _clean(y, p)
    n_pos = float(y.sum())
    n_neg = float(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    ranks = np.empty(p.size, dtype=np.float64)
    # average rank (1-based) of each run of equal scores
    _, first, counts = np.unique(ps, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0  # (U,) 1-based average rank of each tie group
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy in nats, ``-mean(y log p + (1-y) log(1-p))``, p clipped to [EPS, 1-EPS]."""
    y, p = _clean(y, p)
    if y.size == 0:
        return float("nan")
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """ECE with ``n_bins`` equal-width bins on [0, 1]: ``sum_b (n_b / N) * |mean(y)_b - mean(p)_b|``.

    Bin b holds ``b/n_bins <= p < (b+1)/n_bins`` (p = 1 goes to the last bin); empty bins add nothing.
    """
    y, p = _clean(y, p)
    if y.size == 0:
        return float("nan")
    b = np.minimum((np.clip(p, 0.0, 1.0) * n_bins).astype(np.int64), n_bins - 1)  # (N,) bin of each row
    sum_y = np.bincount(b, weights=y, minlength=n_bins)
    sum_p = np.bincount(b, weights=p, minlength=n_bins)
    return float(np.abs(sum_y - sum_p).sum() / y.size)  # n_b/N * |sum_y/n_b - sum_p/n_b|


def probability_scores(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> dict[str, float]:
    """``{'auc', 'log_loss', 'ece', 'n', 'base_rate'}`` of the event ``y`` under probabilities ``p``."""
    yc, _ = _clean(y, p)
    return {"auc": roc_auc(y, p), "log_loss": log_loss(y, p), "ece": expected_calibration_error(y, p, n_bins),
            "n": int(yc.size), "base_rate": float(yc.mean()) if yc.size else float("nan")}

"""Truncation and parity checks: what the pipeline says at bar t must not change when bars after t are cut.

Each check takes the full-history artefacts (captured lines, fitted extractor, feature matrix,
labels, trained model) and recomputes them from ``bars[:t+1]`` for a few end bars ``t``, or along the
streaming path, and returns a :class:`CheckResult` with the measured largest difference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import polars as pl

__all__ = ["CheckResult", "TruncationProbe", "capture_truncation", "feature_truncation", "label_truncation",
           "prediction_truncation", "streaming_capture_parity", "transform_last_parity", "max_diff"]

log = logging.getLogger(__name__)

OHLCV = ["timestamp", "open", "high", "low", "close", "volume"]


@dataclass(frozen=True)
class CheckResult:
    """One row of the pass/fail table. ``passed`` None = not applicable (not counted as a failure)."""

    group: str
    name: str
    passed: bool | None
    figure: str
    detail: str = ""


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b| / max(1, |b|)`` over entries; a NaN on one side only counts as inf; both NaN as 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    na, nb = ~np.isfinite(a), ~np.isfinite(b)
    if np.any(na != nb):
        return float("inf")
    ok = ~na
    if not ok.any():
        return 0.0
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))))


@dataclass
class TruncationProbe:
    """Full-history artefacts plus the captures of ``bars[:t+1]`` for each probed ``t``."""

    frame: pl.DataFrame  # OHLCV
    captured: Any  # Captured of the full history
    capture_fn: Callable[[pl.DataFrame], Any]
    ends: list[int]
    truncated: dict[int, Any]  # t -> Captured of bars[:t+1]

    @classmethod
    def build(cls, frame: pl.DataFrame, captured: Any, capture_fn: Callable[[pl.DataFrame], Any],
              ends: list[int]) -> "TruncationProbe":
        return cls(frame, captured, capture_fn, ends, {t: capture_fn(frame.slice(0, t + 1)) for t in ends})


def _worst(diffs: dict[int, float]) -> tuple[int, float]:
    t = max(diffs, key=lambda k: diffs[k])
    return t, diffs[t]


def _fmt(d: float) -> str:
    return "inf (NaN on one side)" if not np.isfinite(d) else f"{d:.2e}"


def capture_truncation(p: TruncationProbe, tol: float = 1e-9) -> CheckResult:
    """Indicator lines at bar t from bars[:t+1] equal the full-history ones (every column)."""
    cols = [c for c in p.captured.frame.columns if c not in OHLCV]
    full = p.captured.frame.select(cols).to_numpy()
    diffs, worst_col = {}, {}
    for t, cap in p.truncated.items():
        row = cap.frame.select(cols).row(t)
        per_col = [max_diff(np.array([a]), np.array([b])) for a, b in zip(row, full[t])]
        diffs[t] = max(per_col)
        worst_col[t] = cols[int(np.argmax(per_col))]
    t, d = _worst(diffs)
    return CheckResult("truncation", "capture: lines at t from bars[:t+1] == full history", d <= tol,
                       f"max rel diff {_fmt(d)} over {len(cols)} lines at t={p.ends}",
                       "" if d <= tol else f"worst: column '{worst_col[t]}' at bar {t}")


def feature_truncation(p: TruncationProbe, extractor: Any, X_full: np.ndarray, tol: float = 1e-6) -> CheckResult:
    """``extractor.transform`` of the truncated capture, row t, equals the full matrix's row t."""
    diffs, worst_feat = {}, {}
    for t, cap in p.truncated.items():
        row = extractor.transform(cap)[t]
        per = np.array([max_diff(np.array([a]), np.array([b])) for a, b in zip(row, X_full[t])])
        diffs[t] = float(per.max())
        worst_feat[t] = extractor.feature_names_[int(np.argmax(per))]
    t, d = _worst(diffs)
    return CheckResult("truncation", "features: transform(bars[:t+1])[t] == transform(full)[t]", d <= tol,
                       f"max rel diff {_fmt(d)} over {X_full.shape[1]} features",
                       "" if d <= tol else f"worst: feature '{worst_feat[t]}' at bar {t}")


def label_truncation(frame: pl.DataFrame, labels_full: pl.DataFrame, make: Callable[[pl.DataFrame], pl.DataFrame],
                     ends: list[int], horizon: int) -> CheckResult:
    """Context columns at rows <= t and targets at rows <= t-horizon unchanged by cutting at t;
    targets of rows t-horizon+1 … t are NaN in the cut version (their horizon runs past the data)."""
    ctx = [c for c in labels_full.columns if c.startswith("ctx_")]
    tgt = [c for c in labels_full.columns if c.startswith("target_")]
    worst, where, not_nan = 0.0, "", 0
    for t in ends:
        cut = make(frame.slice(0, t + 1))
        d_ctx = max_diff(cut.select(ctx).to_numpy(), labels_full.select(ctx).slice(0, t + 1).to_numpy())
        keep = max(t + 1 - horizon, 0)
        d_tgt = max_diff(cut.select(tgt).slice(0, keep).to_numpy(), labels_full.select(tgt).slice(0, keep).to_numpy())
        tail = cut.select(tgt).slice(keep).to_numpy()
        not_nan += int(np.isfinite(tail).sum())
        for d, what in ((d_ctx, "ctx"), (d_tgt, "target")):
            if d > worst:
                worst, where = d, f"{what} columns, cut at {t}"
    ok = worst <= 1e-9 and not_nan == 0
    return CheckResult("truncation", "labels: ctx_ unchanged; target_ change only within the horizon", ok,
                       f"max rel diff {_fmt(worst)}; {not_nan} finite targets inside the cut horizon",
                       "" if ok else where or "targets present where the horizon runs past the data")


def prediction_truncation(p: TruncationProbe, extractor: Any, X_full: np.ndarray, model: Any, seq_len: int,
                          tol: float = 1e-5) -> CheckResult:
    """Model outputs for the window ending at t: data cut at t (recaptured, re-transformed) vs full."""
    from ..training import predict_windows

    def window(X: np.ndarray, t: int) -> np.ndarray:
        w = X[t - seq_len + 1: t + 1]
        return np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)[None].astype(np.float32)  # (1, T, F)

    diffs, worst_key = {}, {}
    for t, cap in p.truncated.items():
        a = predict_windows(model, window(extractor.transform(cap), t), batch_size=1)
        b = predict_windows(model, window(X_full, t), batch_size=1)
        per = {k: max_diff(a[k], b[k]) for k in a}
        worst_key[t] = max(per, key=lambda k: per[k])
        diffs[t] = per[worst_key[t]]
    t, d = _worst(diffs)
    return CheckResult("truncation", "predictions: window ending at t, data cut at t == full data", d <= tol,
                       f"max rel diff {_fmt(d)} over every output head",
                       "" if d <= tol else f"worst: '{worst_key[t]}' at bar {t}")


def streaming_capture_parity(frame: pl.DataFrame, captured: Any, specs: list[Any], n_bars: int,
                             tol: float = 1e-7) -> CheckResult:
    """``StreamingSuite.update`` bar by bar over the first ``n_bars`` bars vs the bulk capture."""
    from ..indicators import StreamingSuite

    n = min(n_bars, frame.height)
    suite = StreamingSuite(specs)
    ohlcv = frame.select(OHLCV[1:]).slice(0, n).to_numpy()
    rows = np.stack([suite.update_array(*map(float, r)) for r in ohlcv])  # (n, C), a loop by nature (streaming)
    bulk = captured.frame.select(suite.columns).slice(0, n).to_numpy()
    d = max_diff(rows, bulk)
    detail = ""
    if d > tol:
        per = [max_diff(rows[:, j], bulk[:, j]) for j in range(bulk.shape[1])]
        detail = f"worst: column '{suite.columns[int(np.argmax(per))]}'"
    return CheckResult("parity", "streaming: StreamingSuite vs bulk capture", d <= tol,
                       f"max rel diff {_fmt(d)} over {len(suite.columns)} lines × {n} bars", detail)


def transform_last_parity(captured: Any, extractor: Any, X_full: np.ndarray, ends: list[int],
                          tol: float = 1e-6) -> CheckResult:
    """``extractor.transform_last`` on a buffer of ``required_history_`` rows ending at t vs ``transform`` row t."""
    need = int(extractor.required_history_)
    diffs = {}
    for t in ends:
        if t + 1 < need:
            continue
        tail = type(captured)(captured.frame.slice(t + 1 - need, need), captured.meta)
        diffs[t] = max_diff(extractor.transform_last(tail), X_full[t])
    if not diffs:
        return CheckResult("parity", "features: transform_last vs transform", None, "no bar with enough history")
    t, d = _worst(diffs)
    return CheckResult("parity", "features: transform_last vs transform", d <= tol,
                       f"max rel diff {_fmt(d)} at {len(diffs)} bars (buffer {need} rows)",
                       "" if d <= tol else f"worst at bar {t}")

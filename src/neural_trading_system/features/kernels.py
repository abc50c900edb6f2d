"""The feature arithmetic: normalized levels, differences, rolling summaries, market features.

Every value at bar t reads levels of bars t-w+1 … t only, and every rolling summary is
computed afresh from its window (no running sums), so the value of bar t is the same
arithmetic whether the history starts at bar 0 or ``w`` bars back: the full-history
``transform`` and the one-row ``transform_last`` agree to the last bit of the kernel.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numba
import numpy as np

from .schema import LOGVOL, RET1, STATS, FeatureRef

__all__ = ["Plan", "make_plan", "build_levels", "fill_levels", "level_reach", "reach_tiers", "build_last_levels",
           "compute_features", "window_stats"]


@numba.njit(cache=True, nogil=True)
def window_stats(x, w, start, idx, out):  # pragma: no cover - compiled
    """Rolling summaries over the last ``w`` values, for bars ``start … N-1``.

    x: (C, N) float64 levels; idx: (C, 6) int64 output row per stat in :data:`STATS` order
    (-1: not wanted); out: (F, N - start) float64, written at ``out[idx[c, s], t - start]``.
    A window holding a non-finite value gives NaN for every stat.
    """
    n_cols, n = x.shape
    ibar = (w - 1) / 2.0
    sxx = 0.0
    for i in range(w):
        sxx += (i - ibar) * (i - ibar)
    for c in range(n_cols):
        # most columns want only the mean: skip the min/max and the second pass they do not need
        # (a stat that is computed is computed the same way, so its value does not change)
        use_minmax = idx[c, 3] >= 0 or idx[c, 4] >= 0
        use_moments = idx[c, 1] >= 0 or idx[c, 2] >= 0 or idx[c, 5] >= 0
        for t in range(start, n):
            j = t - start
            s = 0.0
            mn = np.inf
            mx = -np.inf
            ok = t >= w - 1
            if ok:
                for k in range(t - w + 1, t + 1):
                    v = x[c, k]
                    if not np.isfinite(v):
                        ok = False
                        break
                    s += v
                    if use_minmax:
                        if v < mn:
                            mn = v
                        if v > mx:
                            mx = v
            if not ok:
                for q in range(6):
                    if idx[c, q] >= 0:
                        out[idx[c, q], j] = np.nan
                continue
            mean = s / w
            ss = 0.0
            sxy = 0.0
            if use_moments:
                for k in range(t - w + 1, t + 1):
                    d = x[c, k] - mean
                    ss += d * d
                    sxy += (k - (t - w + 1) - ibar) * d
            std = np.sqrt(ss / w)
            last = x[c, t]
            # a flat window: std is rounding noise, the z-score is defined as 0
            z = (last - mean) / std if std > 1e-12 + 1e-9 * abs(mean) else 0.0
            slope = sxy / sxx if sxx > 0 else 0.0
            vals = (mean, std, z, last - mn, mx - last, slope)
            for q in range(6):
                if idx[c, q] >= 0:
                    out[idx[c, q], j] = vals[q]


@dataclass
class Plan:
    """Which arithmetic produces which output row, for a given feature list.

    ``sources``: level rows (captured columns, then :data:`RET1`, :data:`LOGVOL`);
    ``price_like``: (len(sources) - 2,) bool; every ``(rows, outs)`` pair maps level rows to
    output rows; ``stat[w] = (rows, idx (len(rows), 6))``; ``diff_all = (rows, outs, lags)``
    every difference in one table and ``ret_all = (horizons, outs)`` every return (one gather
    each for a single bar).
    """

    n_features: int
    sources: list[str]
    price_like: np.ndarray
    lvl: tuple[np.ndarray, np.ndarray]
    diff: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    stat: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    ret: list[tuple[int, int]] = field(default_factory=list)
    candle: list[tuple[str, int]] = field(default_factory=list)
    history: int = 1
    diff_all: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)))
    ret_all: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.int64), np.empty(0, np.int64)))


def make_plan(refs: list[FeatureRef], price_like: dict[str, bool]) -> Plan:
    """Group parsed features by arithmetic; only the captured columns they use become sources."""
    used = list(dict.fromkeys(r.source for r in refs if r.source and r.source not in (RET1, LOGVOL)))
    sources = used + [RET1, LOGVOL]
    row = {s: i for i, s in enumerate(sources)}
    lvl_r, lvl_f = [], []
    diff: dict[int, tuple[list[int], list[int]]] = {}
    stat: dict[int, dict[int, list[int]]] = {}
    plan = Plan(len(refs), sources, np.array([price_like[c] for c in used], dtype=bool),
                (np.empty(0, np.int64), np.empty(0, np.int64)))
    for f, r in enumerate(refs):
        if r.kind == "lvl":
            lvl_r.append(row[r.source])
            lvl_f.append(f)
        elif r.kind == "diff":
            d = diff.setdefault(r.param, ([], []))
            d[0].append(row[r.source])
            d[1].append(f)
        elif r.kind == "stat":
            table = stat.setdefault(r.param, {})
            table.setdefault(row[r.source], [-1] * len(STATS))[STATS.index(r.stat)] = f
        elif r.kind == "ret":
            plan.ret.append((r.param, f))
        else:
            plan.candle.append((r.stat, f))
        plan.history = max(plan.history, r.history)
    plan.lvl = (np.array(lvl_r, np.int64), np.array(lvl_f, np.int64))
    plan.diff = {k: (np.array(a, np.int64), np.array(b, np.int64)) for k, (a, b) in sorted(diff.items())}
    if plan.diff:
        plan.diff_all = (np.concatenate([r for r, _ in plan.diff.values()]),
                         np.concatenate([o for _, o in plan.diff.values()]),
                         np.concatenate([np.full(len(r), k, np.int64) for k, (r, _) in plan.diff.items()]))
    plan.ret_all = (np.array([k for k, _ in plan.ret], np.int64), np.array([f for _, f in plan.ret], np.int64))
    plan.stat = {w: (np.array(list(t), np.int64), np.array(list(t.values()), np.int64).reshape(-1, len(STATS)))
                 for w, t in sorted(stat.items())}
    return plan


def build_levels(values: np.ndarray, price_like: np.ndarray, ohlcv: dict[str, np.ndarray]) -> np.ndarray:
    """Normalized levels, (C + 2, N) float64.

    values: (C, N) captured columns; price-like rows become log(value / close) (a non-positive
    value gives a non-finite level, counted and replaced by sanitization); then the one-bar log
    return and log1p(volume) rows the market features summarize.
    """
    n_cols, n = values.shape
    out = np.empty((n_cols + 2, n), dtype=np.float64)
    out[:n_cols] = values
    fill_levels(out, price_like, ohlcv)
    return out


def fill_levels(out: np.ndarray, price_like: np.ndarray, ohlcv: dict[str, np.ndarray]) -> None:
    """:func:`build_levels` in place: ``out`` (C + 2, N) holds the captured values in rows ``:C``."""
    close = ohlcv["close"]
    n_cols = out.shape[0] - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        if price_like.any():
            rows = np.flatnonzero(price_like)
            out[rows] = np.log(out[rows] / close)
        out[n_cols, 0] = np.nan
        out[n_cols, 1:] = np.log(close[1:] / close[:-1])
        out[n_cols + 1] = np.log1p(np.maximum(ohlcv["volume"], 0.0))


def level_reach(plan: Plan) -> np.ndarray:
    """Trailing bars of each captured source's level that the LAST bar's features read, (C,) int64:
    1 for a level, ``k + 1`` for a ``k``-bar difference, ``w`` for a ``w``-bar summary."""
    n_cols = len(plan.sources) - 2
    reach = np.ones(n_cols, dtype=np.int64)
    for k, (rows, _) in plan.diff.items():
        reach[rows] = np.maximum(reach[rows], k + 1)
    for w, (rows, _) in plan.stat.items():
        rows = rows[rows < n_cols]  # the market rows (one-bar return, log volume) are always built whole
        reach[rows] = np.maximum(reach[rows], w)
    return reach


def reach_tiers(reach: np.ndarray, cost_per_tier: int = 4000) -> list[tuple[np.ndarray, int]]:
    """Source rows grouped into tiers ``(rows, width)`` of similar reach, minimizing the cells a
    one-row transform builds (``sum len(rows) * width``) plus ``cost_per_tier`` cells per tier (the
    array calls each tier costs)."""
    widths, counts = np.unique(reach, return_counts=True)
    k = len(widths)
    best = [0] + [None] * k  # best[j]: cheapest cover of widths[:j]; cut[j]: where its last tier starts
    cut = [0] * (k + 1)
    for j in range(1, k + 1):
        for i in range(j):
            cost = best[i] + int(counts[i:j].sum()) * int(widths[j - 1]) + cost_per_tier
            if best[j] is None or cost < best[j]:
                best[j], cut[j] = cost, i
    tiers, j = [], k
    while j > 0:
        i = cut[j]
        lo = widths[i - 1] if i > 0 else 0
        tiers.append((np.flatnonzero((reach > lo) & (reach <= widths[j - 1])), int(widths[j - 1])))
        j = i
    return tiers[::-1]


def build_last_levels(block: np.ndarray, tiers: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
                      ohlcv: dict[str, np.ndarray]) -> np.ndarray:
    """Levels (C + 2, N) for the LAST bar's features only, the same values as :func:`build_levels`.

    block: (R, N) rows of a buffer (the captured columns among them); each tier ``(rows, src,
    width, price_like)`` builds its level rows ``rows`` from block rows ``src`` over the last
    ``width`` bars only (price-like ones as log(value / close)), the cells a one-bar
    :func:`compute_features` reads (:func:`level_reach`). The earlier cells of a short-reach row
    are left unset. The market rows are built whole.
    """
    n = block.shape[1]
    n_cols = sum(len(rows) for rows, *_ in tiers)
    close = ohlcv["close"]
    out = np.empty((n_cols + 2, n), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for rows, src, width, price_like in tiers:
            x = block[src, n - width:]  # (len(rows), width) copy
            if price_like.any():
                x[price_like] = np.log(x[price_like] / close[n - width:])
            out[rows, n - width:] = x
        out[n_cols, 0] = np.nan
        out[n_cols, 1:] = np.log(close[1:] / close[:-1])
        out[n_cols + 1] = np.log1p(np.maximum(ohlcv["volume"], 0.0))
    return out


def _workers(requested: int) -> int:
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def compute_features(levels: np.ndarray, ohlcv: dict[str, np.ndarray], plan: Plan, start: int = 0,
                     workers: int = 1, chunk: int = 64, parallel_threshold: int = 50_000) -> np.ndarray:
    """Raw (unscaled) features of bars ``start … N-1``: (F, N - start) float64, one row per feature.

    levels: (len(plan.sources), N) from :func:`build_levels`; NaN where a value's history is
    incomplete (warm-up). Rolling summaries run in column chunks of ``chunk`` on ``workers``
    threads when ``N - start > parallel_threshold`` (the kernel releases the GIL).
    """
    n = levels.shape[1]
    m = n - start
    out = np.empty((plan.n_features, m), dtype=np.float64)
    t = np.arange(start, n)
    rows, outs = plan.lvl
    if m == 1:  # one bar (the live row): gathers from the bar's column, every difference at once
        now = levels[:, start]
        out[outs, 0] = now[rows]
        rows, outs, lags = plan.diff_all
        back = start - lags
        diff = now[rows] - levels[rows, np.maximum(back, 0)]
        diff[back < 0] = np.nan
        out[outs, 0] = diff
    else:
        out[outs] = levels[rows, start:]
        for k, (rows, outs) in plan.diff.items():
            lo = min(max(start, k), n)  # first bar with a level k bars back
            out[outs, : lo - start] = np.nan
            out[outs, lo - start:] = levels[rows, lo:] - levels[rows, lo - k:n - k]
    close, open_, high, low = ohlcv["close"], ohlcv["open"], ohlcv["high"], ohlcv["low"]
    with np.errstate(divide="ignore", invalid="ignore"):
        horizons, outs = plan.ret_all
        if len(horizons):  # every horizon in one log: (R, M) bars t and t - k
            back = t[None, :] - horizons[:, None]
            ok = back >= 0
            ret = np.full(back.shape, np.nan)
            ret[ok] = np.log(close[(back + horizons[:, None])[ok]] / close[back[ok]])
            out[outs] = ret
        if plan.candle:
            o, h, lo, c = open_[start:], high[start:], low[start:], close[start:]
            rng = h - lo
            flat = rng <= 0
            safe = np.where(flat, 1.0, rng)
            parts = {"body": (c - o) / safe, "upper": (h - np.maximum(o, c)) / safe,
                     "lower": (np.minimum(o, c) - lo) / safe}
            for part, f in plan.candle:
                out[f] = np.log(h / lo) if part == "range" else np.where(flat, 0.0, parts[part])
    use_threads = m > parallel_threshold and _workers(workers) > 1
    jobs = []
    for w, (rows, idx) in plan.stat.items():
        # the kernel reads bars start-w+1 … n-1 only: copy just those (a one-row transform copies w bars,
        # not the whole buffer); the same values at the same window offsets, so the same result
        lo = max(0, start - w + 1)
        x = np.ascontiguousarray(levels[rows, lo:])
        step = chunk if use_threads else len(rows)
        for a in range(0, len(rows), max(1, step)):
            jobs.append((x[a:a + step], w, start - lo, idx[a:a + step]))
    if use_threads and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=_workers(workers)) as pool:
            list(pool.map(lambda j: window_stats(j[0], j[1], j[2], j[3], out), jobs))
    else:
        for x, w, s0, idx in jobs:
            window_stats(x, w, s0, idx, out)
    return out

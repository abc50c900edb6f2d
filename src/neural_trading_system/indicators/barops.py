"""Vectorized per-bar operations for kernels that must also run one bar at a time.

Every function works on the slice ``start … n - 1`` of full-length buffers and reads earlier
bars from those buffers, so a kernel built from them gives the same values in bulk
(``start=0``) and streaming (``start=n-1``) without a Python loop over bars.

A streamed bar (one element) takes a scalar path in each function: the same comparisons and
the same NaN rules on Python floats, several times cheaper than the array operations on one
element (the streaming/bulk parity tests hold the two paths to the same bits).
"""

from __future__ import annotations

import numpy as np

from .primitives import bar_array

__all__ = ["lagged", "hold_last", "cross_over", "cross_under", "flag", "rank_below"]


def lagged(x: np.ndarray, start: int, k: int) -> np.ndarray:
    """``x[i - k]`` for ``i = start … n-1`` (NaN where ``i - k < 0``); shape ``(n - start,)``.

    ``k >= 0`` only: a kernel never reads a later bar.
    """
    if k < 0:
        raise ValueError(f"lagged: k must be >= 0 (a later bar would leak the future), got {k}")
    n = x.shape[0]
    if n - start == 1:
        return bar_array(x[start - k] if start >= k else np.nan)
    out = np.full(n - start, np.nan)
    lo = max(start, k)
    if lo < n:
        out[lo - start:] = x[lo - k: n - k]
    return out


def hold_last(value: np.ndarray, update: np.ndarray, valid: np.ndarray, prev: float,
              default: float = 0.0) -> np.ndarray:
    """A state that takes ``value`` on ``update`` bars and keeps its last value otherwise.

    Inputs are slices over ``start … n-1``; ``prev`` is the state at bar ``start - 1`` (NaN if
    none). Where ``valid`` is False the result is NaN and the state is forgotten: the next
    held bar gets ``default`` (as Pine's ``nz(x[1])``).
    """
    m = value.shape[0]
    if m == 1:
        if not valid[0]:
            return bar_array(np.nan)
        if update[0]:
            return bar_array(value[0])
        return bar_array(prev if np.isfinite(prev) else default)
    update = update & valid
    idx = np.arange(m)
    ev = np.where(update | ~valid, idx, -1)
    np.maximum.accumulate(ev, out=ev)
    evc = np.maximum(ev, 0)
    before = prev if np.isfinite(prev) else default
    held = np.where(ev >= 0, np.where(update[evc], value[evc], default), before)
    return np.where(valid, np.where(update, value, held), np.nan)


def flag(cond: np.ndarray, *defined: np.ndarray) -> np.ndarray:
    """``cond`` as 0.0/1.0, NaN where any of ``defined`` is NaN (warm-up)."""
    if cond.shape[0] == 1:
        for d in defined:
            if d[0] != d[0]:
                return bar_array(np.nan)
        return bar_array(1.0 if cond[0] else 0.0)
    out = cond.astype(np.float64)
    for d in defined:
        out[np.isnan(d)] = np.nan
    return out


def cross_over(a: np.ndarray, b: np.ndarray, start: int) -> np.ndarray:
    """1.0 where ``a`` crosses above ``b`` at bar i (``a > b`` now, ``a <= b`` at ``i-1``), else 0.

    ``a``, ``b`` are full-length buffers; result covers ``start … n-1``, NaN until both bars exist.
    """
    if a.shape[0] - start == 1:
        return _cross_one(a, b, start, True)
    a0, b0 = a[start:], b[start:]
    a1, b1 = lagged(a, start, 1), lagged(b, start, 1)
    return flag((a0 > b0) & (a1 <= b1), a0, b0, a1, b1)


def cross_under(a: np.ndarray, b: np.ndarray, start: int) -> np.ndarray:
    """1.0 where ``a`` crosses below ``b`` at bar i (``a < b`` now, ``a >= b`` at ``i-1``), else 0."""
    if a.shape[0] - start == 1:
        return _cross_one(a, b, start, False)
    a0, b0 = a[start:], b[start:]
    a1, b1 = lagged(a, start, 1), lagged(b, start, 1)
    return flag((a0 < b0) & (a1 >= b1), a0, b0, a1, b1)


def _cross_one(a: np.ndarray, b: np.ndarray, i: int, up: bool) -> np.ndarray:
    """:func:`cross_over` (``up``) / :func:`cross_under` of the one bar ``i``."""
    if i < 1:
        return bar_array(np.nan)
    a0, b0, a1, b1 = a.item(i), b.item(i), a.item(i - 1), b.item(i - 1)
    if a0 != a0 or b0 != b0 or a1 != a1 or b1 != b1:
        return bar_array(np.nan)
    crossed = (a0 > b0 and a1 <= b1) if up else (a0 < b0 and a1 >= b1)
    return bar_array(1.0 if crossed else 0.0)


def rank_below(x: np.ndarray, start: int, w: int) -> np.ndarray:
    """Percent of the previous ``w`` values (bars ``i-w … i-1``) strictly below ``x[i]``, for
    ``i = start … n-1``; shape ``(n - start,)``, 0..100, NaN unless all ``w + 1`` values exist.

    ``w`` vectorized passes (one per lag), as a per-bar loop would be on the bulk path. One
    streamed bar (``start == n - 1``) counts over its window in one pass instead (the same count,
    so the same value).
    """
    if x.shape[0] - start == 1:
        c = x[start]
        if start < w or not np.isfinite(c):
            return bar_array(np.nan)
        win = x[start - w: start]
        if not np.isfinite(win).all():
            return bar_array(np.nan)
        return bar_array(100.0 * float(np.count_nonzero(win < c)) / w)
    cur = x[start:]
    ok = np.isfinite(cur)
    below = np.zeros(cur.shape[0])
    for k in range(1, w + 1):
        prev = lagged(x, start, k)
        ok &= np.isfinite(prev)
        below += prev < cur
    return np.where(ok, 100.0 * below / w, np.nan)

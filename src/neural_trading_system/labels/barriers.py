"""Which barrier a long entry at ``close[t]`` hits first within bars t+1 … t+horizon, and when.

A numba kernel scans at most ``horizon`` bars per entry (O(N·h), no allocation per bar). The
convention when the high reaches the take-profit and the low reaches the stop-loss in the same
bar: the bar's path inside is unknown, so it counts as a **stop-loss** (the conservative reading;
a label that assumed the profitable path would teach the model optimism it cannot bank).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["first_barrier_hit", "BARRIER_UNDEFINED", "BARRIER_HOLD", "BARRIER_TP", "BARRIER_SL"]

BARRIER_UNDEFINED, BARRIER_HOLD, BARRIER_TP, BARRIER_SL = -1, 0, 1, 2


@njit(cache=True, nogil=True)
def _first_hit(high, low, up, dn, horizon, outcome, hit_bars):
    n = high.shape[0]
    for t in range(n):
        outcome[t] = -1
        hit_bars[t] = 0
        if t + horizon > n - 1 or not (np.isfinite(up[t]) and np.isfinite(dn[t])):
            continue
        res = 0
        k_hit = 0
        for k in range(1, horizon + 1):
            if low[t + k] <= dn[t]:  # checked first: both in one bar counts as SL
                res = 2
                k_hit = k
                break
            if high[t + k] >= up[t]:
                res = 1
                k_hit = k
                break
        outcome[t] = res
        hit_bars[t] = k_hit


def first_barrier_hit(high: np.ndarray, low: np.ndarray, up: np.ndarray, dn: np.ndarray,
                      horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """First barrier touched by bars t+1 … t+horizon for every entry bar t.

    Args:
        high, low: ``(N,)`` float64 bar highs and lows.
        up, dn: ``(N,)`` float64 take-profit (above) and stop-loss (below) price of an entry at bar t;
            NaN means no entry (the outcome is undefined).
        horizon: bars looked ahead (>= 1).

    Returns:
        outcome: ``(N,)`` int8, 1 take-profit, 2 stop-loss (also when both are touched in one bar),
            0 neither (hold), -1 undefined (``t + horizon > N - 1`` or NaN barrier).
        hit_bars: ``(N,)`` int64, bars after t of the hit (1 … horizon), 0 for hold or undefined.
    """
    n = len(high)
    outcome = np.empty(n, dtype=np.int8)
    hit_bars = np.empty(n, dtype=np.int64)
    _first_hit(np.ascontiguousarray(high, dtype=np.float64), np.ascontiguousarray(low, dtype=np.float64),
               np.ascontiguousarray(up, dtype=np.float64), np.ascontiguousarray(dn, dtype=np.float64),
               int(horizon), outcome, hit_bars)
    return outcome, hit_bars

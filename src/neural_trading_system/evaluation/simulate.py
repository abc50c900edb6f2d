"""A minimal vectorized long/flat simulator for the walk-forward evaluation.

Execution semantics (the backtest's: decision at the close of bar t, fill at the open of bar t+1,
costs per side): ``decision[i]`` in [0, 1] is the fraction of equity to hold, decided at the close of
decision bar ``bars[i]`` and filled at the open of ``bars[i] + 1``. Every change of position pays
``commission + slippage`` times the traded notional (a fraction of equity at the fill). The position
decided at the last decision bar is held through the bar after it and closed at that bar's close
(paying the exit cost), so the test period is marked to a flat account.

This stands in for ``backtest.run_backtest`` (Backtrader) where the evaluation needs thousands of
short test periods quickly; it is exact for long/flat 0/1 positions (a fractional position is taken
as rebalanced at every fill).
"""

from __future__ import annotations

import numpy as np

from ..backtest.metrics import Metrics, compute_metrics

__all__ = ["simulate_long_flat", "SimResult"]

from dataclasses import dataclass


@dataclass(frozen=True)
class SimResult:
    """Equity at the close of each bar from the first decision bar to the bar after the last one."""

    equity: np.ndarray  # (M+1,) float64, starts at 1.0
    position: np.ndarray  # (M+1,) fraction held over each bar (0 for the first, decision-only bar)
    trade_returns: np.ndarray  # (K,) net return of each closed trade
    metrics: Metrics


def simulate_long_flat(open_: np.ndarray, close: np.ndarray, bars: np.ndarray, decision: np.ndarray,
                       commission: float, slippage: float, bars_year: float) -> SimResult:
    """Simulate holding ``decision`` over consecutive decision ``bars``.

    Args:
        open_, close: ``(N,)`` float64 prices of the whole series.
        bars: ``(M,)`` int64 consecutive decision bars (``bars[i+1] == bars[i] + 1``), ``bars[-1] + 1 < N``.
        decision: ``(M,)`` position in [0, 1] decided at each bar's close.
        commission, slippage: per-side fractions of traded notional.
        bars_year: bars per year (annualization of the metrics).
    """
    bars = np.asarray(bars, dtype=np.int64)
    d = np.clip(np.nan_to_num(np.asarray(decision, dtype=np.float64), nan=0.0), 0.0, 1.0)
    if bars.size < 1 or d.shape != bars.shape:
        raise ValueError(f"simulate: need >= 1 decision bar and one decision per bar (bars {bars.shape}, "
                         f"decision {d.shape})")
    if np.any(np.diff(bars) != 1) or bars[-1] + 1 >= len(close):
        raise ValueError("simulate: decision bars must be consecutive and leave one bar after the last")
    o = np.asarray(open_, dtype=np.float64)
    c = np.asarray(close, dtype=np.float64)
    cost = commission + slippage
    held = bars + 1  # (M,) bar j is held with the position decided at j-1
    prev = np.concatenate([[0.0], d[:-1]])  # (M,) position held over the previous bar
    gap = o[held] / c[held - 1] - 1.0  # close(j-1) -> open(j), earned with the previous position
    intra = c[held] / o[held] - 1.0  # open(j) -> close(j), earned with the new position
    growth = (1 + prev * gap) * (1 - cost * np.abs(d - prev)) * (1 + d * intra)  # (M,)
    growth[-1] *= 1 - cost * d[-1]  # close out at the end of the period
    equity = np.concatenate([[1.0], np.cumprod(growth)])
    position = np.concatenate([[0.0], d])
    trades = _trade_returns(d, growth)
    notional = float(np.abs(np.diff(np.concatenate([[0.0], d, [0.0]]))).sum())  # in units of ~equity
    m = compute_metrics(equity, trades, position, notional * float(np.mean(equity)), bars_year)
    return SimResult(equity, position, trades, m)


def _trade_returns(d: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Net return of each run of held bars (position > 0), costs included: ``(K,)``."""
    on = d > 0
    if not on.any():
        return np.empty(0)
    edges = np.diff(np.concatenate([[False], on, [False]]).astype(np.int8))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # run [start, stop)
    # a trade's growth runs from its entry bar to the bar it is closed on (the bar after the run)
    logg = np.log(np.maximum(growth, 1e-300))
    csum = np.concatenate([[0.0], np.cumsum(logg)])
    stop_incl = np.minimum(stops + 1, len(d))
    return np.exp(csum[stop_incl] - csum[starts]) - 1.0

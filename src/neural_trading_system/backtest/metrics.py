"""Performance metrics of an equity curve and its trades (pure numpy, shared by backtest and evaluate).

Conventions: ``equity`` is the account value at each bar's close, ``(N,)`` float64;
``bars_per_year`` converts per-bar figures to annual ones (4h bars: 6 * 365 = 2190). Returns are
simple per-bar returns of the equity. Sharpe and Sortino use a zero risk-free rate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Metrics", "compute_metrics", "bars_per_year", "drawdown_curve", "rolling_sharpe"]

_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def bars_per_year(interval: str) -> float:
    """Bars in a 365-day year for an interval like '4h', '15m', '1d'."""
    unit = interval[-1]
    if unit not in _SECONDS or not interval[:-1].isdigit():
        raise ValueError(f"interval '{interval}': expected <number><m|h|d|w>, e.g. 4h")
    return 365 * 86400 / (int(interval[:-1]) * _SECONDS[unit])


@dataclass(frozen=True)
class Metrics:
    """Headline figures of one strategy over one period."""

    total_return: float
    annualized_return: float
    sharpe: float
    sortino: float
    max_drawdown: float  # positive fraction, 0.25 = -25 %
    calmar: float
    win_rate: float
    profit_factor: float
    avg_trade: float  # mean net return per closed trade (fraction)
    exposure: float  # fraction of bars with a position
    turnover: float  # traded notional / average equity, annualized
    n_trades: int

    def to_dict(self) -> dict[str, float]:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def drawdown_curve(equity: np.ndarray) -> np.ndarray:
    """Drawdown at each bar as a non-positive fraction of the running peak, ``(N,)``."""
    equity = np.asarray(equity, dtype=np.float64)
    peak = np.maximum.accumulate(equity)
    return equity / peak - 1.0


def rolling_sharpe(equity: np.ndarray, window: int, bars_year: float) -> np.ndarray:
    """Annualized Sharpe of per-bar returns over a trailing window (NaN during warm-up)."""
    r = np.diff(np.asarray(equity, dtype=np.float64), prepend=equity[0]) / np.maximum(
        np.concatenate([[equity[0]], equity[:-1]]), 1e-12)
    out = np.full(r.shape, np.nan)
    if len(r) < window:
        return out
    win = np.lib.stride_tricks.sliding_window_view(r, window)
    sd = win.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[window - 1:] = np.where(sd > 0, win.mean(axis=1) / sd * np.sqrt(bars_year), 0.0)
    return out


def compute_metrics(
    equity: np.ndarray,
    trade_returns: np.ndarray,
    position: np.ndarray,
    traded_notional: float,
    bars_year: float,
) -> Metrics:
    """Metrics of an equity curve.

    equity: (N,) account value per bar; trade_returns: (K,) net return of each closed trade;
    position: (N,) position size (fraction of equity, 0 = flat) held over each bar;
    traded_notional: total absolute notional traded (both sides).
    """
    equity = np.asarray(equity, dtype=np.float64)
    n = len(equity)
    if n < 2:
        raise ValueError("need at least two bars of equity to compute metrics")
    r = np.diff(equity) / equity[:-1]
    total = equity[-1] / equity[0] - 1.0
    years = (n - 1) / bars_year
    ann = (1 + total) ** (1 / years) - 1 if years > 0 and total > -1 else -1.0
    sd = r.std(ddof=1) if len(r) > 1 else 0.0
    sharpe = float(r.mean() / sd * math.sqrt(bars_year)) if sd > 0 else 0.0
    downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))
    sortino = float(r.mean() / downside * math.sqrt(bars_year)) if downside > 0 else 0.0
    mdd = float(-drawdown_curve(equity).min())
    calmar = float(ann / mdd) if mdd > 0 else 0.0
    tr = np.asarray(trade_returns, dtype=np.float64)
    wins, losses = tr[tr > 0], tr[tr <= 0]
    win_rate = float(len(wins) / len(tr)) if len(tr) else 0.0
    pf = float(wins.sum() / -losses.sum()) if losses.sum() < 0 else (float("inf") if len(wins) else 0.0)
    avg_trade = float(tr.mean()) if len(tr) else 0.0
    exposure = float(np.mean(np.abs(np.asarray(position)) > 1e-12))
    turnover = float(traded_notional / np.mean(equity) / years) if years > 0 else 0.0
    return Metrics(float(total), float(ann), sharpe, sortino, mdd, calmar, win_rate, pf, avg_trade, exposure,
                   turnover, int(len(tr)))

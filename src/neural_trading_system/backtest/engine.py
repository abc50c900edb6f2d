"""A fast account simulator with the exact execution semantics of :mod:`.policy` (no Backtrader).

Used by ``nts evaluate`` (many folds and seeds) and held equal to the Backtrader path by a test:
same trades, same equity. The loop over bars is sequential by nature (a fill changes the cash the
next decision sizes from); each iteration is a few float operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import BacktestConfig
from .policy import Book, Decisions, next_order, record_fill

__all__ = ["SimResult", "simulate"]


@dataclass
class SimResult:
    """What one strategy did over N bars.

    ``equity``: ``(N,)`` account value at each close; ``position``: ``(N,)`` fraction of equity held
    at each close; ``trades``: closed trades (dicts: ``entry_bar``, ``exit_bar`` (fill bars),
    ``entry_price``, ``exit_price`` (fills with slippage), ``units``, ``pnl`` (net of both
    commissions), ``return`` (pnl / entry notional), ``reason``, ``commission``);
    ``traded_notional``: sum of |units × fill price| over every fill; ``rejected``: entries refused
    for lack of cash.
    """

    equity: np.ndarray
    position: np.ndarray
    trades: list[dict[str, Any]]
    traded_notional: float
    rejected: int = 0

    @property
    def trade_returns(self) -> np.ndarray:
        return np.array([t["return"] for t in self.trades], dtype=np.float64)


def simulate(open_: np.ndarray, close: np.ndarray, decisions: Decisions, cfg: BacktestConfig) -> SimResult:
    """Run ``decisions`` over bars with ``open_`` and ``close`` ``(N,)`` float64 from ``cfg.cash``."""
    n = len(close)
    if len(open_) != n or len(decisions) != n:
        raise ValueError(f"simulate: open ({len(open_)}), close ({n}) and decisions ({len(decisions)}) differ in bars")
    open_ = np.asarray(open_, dtype=np.float64)
    close = np.asarray(close, dtype=np.float64)
    slip, comm = cfg.slippage, cfg.commission
    cash = float(cfg.cash)
    book = Book()
    equity = np.empty(n)
    position = np.zeros(n)
    notional = 0.0
    rejected = 0
    pending = None
    for t in range(n):
        if pending is not None:  # fill at this bar's open
            if pending.side == "buy":
                price = open_[t] * (1.0 + slip)
                value = pending.units * price
                fee = value * comm
                if cash - value - fee < 0.0:
                    rejected += 1
                else:
                    cash -= value + fee
                    notional += value
                    record_fill(book, pending, t, price, fee)
            else:
                price = open_[t] * (1.0 - slip)
                value = book.units * price
                fee = value * comm
                cash += value - fee
                notional += value
                record_fill(book, pending, t, price, fee)
            pending = None
        held = book.units * close[t]
        equity[t] = cash + held
        position[t] = held / equity[t] if equity[t] > 0 else 0.0
        pending = next_order(t, n, book, decisions, equity[t], cfg)
    return SimResult(equity, position, book.trades, notional, rejected)

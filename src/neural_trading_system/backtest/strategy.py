"""Backtrader strategies applying :mod:`.policy` bar by bar, and the Cerebro that runs them.

:class:`DecisionStrategy` trades precomputed :class:`~.policy.Decisions` (the neural strategy's
default: predictions from one streamed model pass over the period; also every baseline).
:class:`NeuralStrategy` adds ``streaming=True``: each bar goes through a
:class:`~..live.StreamingPredictor` (incremental indicators → the run's extractor → the run's
model) and the policy's rules, one bar at a time, as live trading does.

Costs go through Backtrader's broker: ``setcommission(commission)`` (percentage of the traded
value, each side) and ``set_slippage_perc(slippage, slip_open=True, slip_match=True,
slip_out=True)`` so a market order fills at exactly ``open * (1 ± slippage)``. An exception inside a
strategy stops ``cerebro.run`` with that exception (a note names the bar); nothing is swallowed.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import polars as pl

from ..capture.btcompat import bt
from ..capture.cerebro import PolarsFeed
from ..config import BacktestConfig
from .engine import SimResult
from .policy import Book, Decisions, Order, next_order, record_fill

__all__ = ["DecisionStrategy", "NeuralStrategy", "run_cerebro"]

log = logging.getLogger(__name__)


class DecisionStrategy(bt.Strategy):
    """Trades ``decisions`` (:class:`Decisions` over the feed's N bars) under ``cfg`` (BacktestConfig)."""

    params = (("decisions", None), ("cfg", None))

    def __init__(self) -> None:
        d: Decisions = self.p.decisions
        self.n = len(d)
        self.book = Book()
        self.pending: Order | None = None
        self.equity = np.full(self.n, np.nan)
        self.position_frac = np.zeros(self.n)
        self.notional = 0.0
        self.rejected = 0

    def decide(self, t: int) -> None:
        """Fill in the decisions of bar ``t`` (nothing to do when they were precomputed)."""

    def next(self) -> None:
        t = len(self) - 1
        try:
            self.decide(t)
            value = self.broker.getvalue()
            self.equity[t] = value
            held = self.book.units * self.data.close[0]
            self.position_frac[t] = held / value if value > 0 else 0.0
            order = next_order(t, self.n, self.book, self.p.decisions, value, self.p.cfg)
        except Exception as exc:
            exc.add_note(f"raised inside {type(self).__name__}.next at bar {t} of {self.n} "
                         f"({bt.num2date(self.data.datetime[0])} UTC); the backtest stopped")
            raise
        if order is not None:
            self.pending = order
            if order.side == "buy":
                self.buy(size=order.units)
            else:
                self.sell(size=order.units)

    def notify_order(self, order: Any) -> None:
        if order.status == order.Completed:
            o = self.pending
            assert o is not None, "a fill without a pending order"
            price, fee = float(order.executed.price), float(order.executed.comm)
            self.notional += abs(float(order.executed.size)) * price
            record_fill(self.book, o, len(self) - 1, price, fee)
            self.pending = None
        elif order.status in (order.Margin, order.Rejected, order.Canceled):
            self.rejected += 1
            self.pending = None

    def result(self) -> SimResult:
        return SimResult(self.equity, self.position_frac, self.book.trades, self.notional, self.rejected)


class NeuralStrategy(DecisionStrategy):
    """The neural strategy. ``streaming=False``: ``decisions`` precomputed from batch predictions.

    ``streaming=True``: ``predictor`` (a :class:`~..live.StreamingPredictor` already fed every bar
    before the feed's first one) receives each bar; ``policy`` (:class:`~.policy.Policy`) and
    ``regime_filter`` turn its output into this bar's decision, written into ``decisions`` (arrays
    of N bars, filled as the bars arrive). The predictor's outputs are kept in ``streamed``.
    """

    params = (("streaming", False), ("predictor", None), ("policy", None))

    def __init__(self) -> None:
        super().__init__()
        self.streamed: list[Any] = []

    def decide(self, t: int) -> None:
        if not self.p.streaming:
            return
        from .predictions import decision_arrays

        dl = self.data
        out = self.p.predictor.update({"timestamp": bt.num2date(dl.datetime[0]), "open": dl.open[0], "high": dl.high[0],
                                       "low": dl.low[0], "close": dl.close[0], "volume": dl.volume[0]})
        self.streamed.append(out)
        row = decision_arrays([out])
        one = self.p.policy.decisions(row, np.array([dl.close[0]]), row["atr"], row["vol_regime"],
                                      row["regime"] if self.p.policy.allowed is not None else None)
        d: Decisions = self.p.decisions
        d.entry[t], d.exit[t], d.size[t], d.stop_distance[t] = one.entry[0], one.exit[0], one.size[0], one.stop_distance[0]


def run_cerebro(frame: pl.DataFrame, decisions: Decisions, cfg: BacktestConfig,
                strategy: type[DecisionStrategy] = DecisionStrategy, **kwargs: Any) -> tuple[SimResult, Any]:
    """Run ``strategy`` over ``frame`` (OHLCV contract, N bars) with ``cfg``'s cash and costs.

    Returns the :class:`SimResult` and the strategy instance.
    """
    if frame.height != len(decisions):
        raise ValueError(f"run_cerebro: frame has {frame.height} bars, decisions {len(decisions)}")
    cerebro = bt.Cerebro(stdstats=False, preload=True, runonce=True)
    cerebro.adddata(PolarsFeed(dataname=frame))
    broker = cerebro.broker
    broker.setcash(cfg.cash)
    broker.setcommission(commission=cfg.commission)
    broker.set_slippage_perc(cfg.slippage, slip_open=True, slip_limit=True, slip_match=True, slip_out=True)
    broker.set_checksubmit(False)  # only the fill-time cash check applies (policy rule 2)
    cerebro.addstrategy(strategy, decisions=decisions, cfg=cfg, **kwargs)
    strat = cerebro.run()[0]
    return strat.result(), strat

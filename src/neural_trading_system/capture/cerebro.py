"""Backtrader glue: a Polars OHLCV feed, the data-collection strategy and a one-call runner.

``DataCollectionStrategy`` holds every spec of a suite as a generated ``bt.Indicator`` under the
spec's name (``self.rsi_14``), so the recorder names its columns exactly as :func:`.frame.collect`
does (``rsi_14.rsi``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ..indicators.base import INPUTS, IndicatorSpec
from .btcompat import bt
from .btindicators import bt_indicator
from .frame import ohlcv_arrays

__all__ = ["BT_EPOCH_DAYS", "PolarsFeed", "DataCollectionStrategy", "make_cerebro", "ms_to_btnum", "btnum_to_ms"]

#: Backtrader's date numbers are proleptic-Gregorian ordinals (days); 1970-01-01 is 719163
BT_EPOCH_DAYS = 719163.0
_MS_PER_DAY = 86_400_000.0


def ms_to_btnum(ms: np.ndarray) -> np.ndarray:
    """UTC epoch milliseconds (int64) → Backtrader date numbers (float64 days)."""
    return np.asarray(ms, dtype=np.float64) / _MS_PER_DAY + BT_EPOCH_DAYS


def btnum_to_ms(num: np.ndarray) -> np.ndarray:
    """Backtrader date numbers → UTC epoch milliseconds (int64, rounded to the millisecond)."""
    return np.rint((np.asarray(num, dtype=np.float64) - BT_EPOCH_DAYS) * _MS_PER_DAY).astype(np.int64)


class PolarsFeed(bt.feed.DataBase):
    """A Backtrader data feed over an OHLCV Polars frame (``dataname=frame``), UTC timestamps."""

    def start(self) -> None:
        super().start()
        frame: pl.DataFrame = self.p.dataname
        arrays = ohlcv_arrays(frame, "PolarsFeed")
        ms = frame["timestamp"].dt.epoch("ms").to_numpy()
        self._rows = list(zip(ms_to_btnum(ms).tolist(), *(arrays[k].tolist() for k in INPUTS)))
        self._i = 0

    def _load(self) -> bool:
        if self._i >= len(self._rows):
            return False
        dt, o, h, l, c, v = self._rows[self._i]
        self._i += 1
        ln = self.lines
        ln.datetime[0], ln.open[0], ln.high[0], ln.low[0], ln.close[0], ln.volume[0] = dt, o, h, l, c, v
        ln.openinterest[0] = 0.0
        return True


class DataCollectionStrategy(bt.Strategy):
    """Holds a suite's specs as ``bt.Indicator`` wrappers, each under its spec name; trades nothing.

    ``specs``: list of :class:`IndicatorSpec` (default: the default suite).
    """

    params = (("specs", None),)

    def __init__(self) -> None:
        from ..indicators import default_suite

        specs: list[IndicatorSpec] = list(self.p.specs) if self.p.specs is not None else default_suite()
        for spec in specs:
            ind = bt_indicator(spec)(self.data, **spec.params)
            ind.spec = spec  # the given name, even when it is not the default one
            setattr(self, spec.name, ind)

    def next(self) -> None:
        pass


def make_cerebro(ohlcv: pl.DataFrame, strategy: type | None = None, *, stdstats: bool = False,
                 **strategy_kwargs: Any) -> Any:
    """A Cerebro with ``ohlcv`` as its data and ``strategy`` added (no observers by default)."""
    cerebro = bt.Cerebro(stdstats=stdstats)
    cerebro.adddata(PolarsFeed(dataname=ohlcv))
    if strategy is not None:
        cerebro.addstrategy(strategy, **strategy_kwargs)
    return cerebro


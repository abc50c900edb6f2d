"""Streaming computation of indicator specs, one closed bar at a time.

Buffers live in arrays with spare capacity; each new bar is appended and every kernel is run
for that one bar (``start = n - 1``) from the state already in its buffers. When the arrays are
full the oldest bars are dropped, keeping :data:`~.base.MAX_LOOKBACK` bars of history, which is
all any kernel reads.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .base import INPUTS, MAX_LOOKBACK, Context, IndicatorSpec

__all__ = ["StreamContext", "StreamingSuite"]


class _Store:
    """Growable arrays shared by the contexts of one suite (inputs and every buffer)."""

    def __init__(self, capacity: int, keep: int) -> None:
        if keep >= capacity:
            raise ValueError("keep must be below capacity")
        self.capacity, self.keep = capacity, keep
        self.n = 0
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, key: str) -> np.ndarray:
        a = self.arrays.get(key)
        if a is None:
            a = np.full(self.capacity, np.nan)
            self.arrays[key] = a
        return a

    def advance(self) -> None:
        if self.n == self.capacity:
            drop = self.n - self.keep
            for a in self.arrays.values():
                a[: self.keep] = a[drop: self.n]
                a[self.keep:] = np.nan
            self.n = self.keep
        self.n += 1


class StreamContext(Context):
    """Context of one indicator inside a :class:`StreamingSuite` (views of length ``n``)."""

    def __init__(self, store: _Store, prefix: str) -> None:
        super().__init__()
        self._store, self._prefix = store, prefix

    @property
    def n(self) -> int:  # type: ignore[override]
        return self._store.n

    def input(self, name: str) -> np.ndarray:
        return self._store.array("in:" + name)[: self._store.n]

    def _buffer(self, key: str) -> np.ndarray:
        return self._store.array(f"{self._prefix}|{key}")[: self._store.n]


class StreamingSuite:
    """Incremental indicator values for a list of specs.

    >>> s = StreamingSuite(specs); row = s.update(o, h, l, c, v)   # {'rsi_14.rsi': 55.1, ...}
    """

    def __init__(self, specs: Iterable[IndicatorSpec], keep: int = MAX_LOOKBACK, capacity: int | None = None) -> None:
        self.specs = list(specs)
        self._store = _Store(capacity or 4 * keep, keep)
        self._ctx = [StreamContext(self._store, spec.name) for spec in self.specs]
        self.columns = [c for spec in self.specs for c in spec.columns()]
        self.bars_seen = 0

    def update(self, open_: float, high: float, low: float, close: float, volume: float) -> dict[str, float]:
        """Append one closed bar and return every line's value at it."""
        st = self._store
        st.advance()
        i = st.n - 1
        for name, v in zip(INPUTS, (open_, high, low, close, volume)):
            st.array("in:" + name)[i] = v
        row: dict[str, float] = {}
        for spec, ctx in zip(self.specs, self._ctx):
            spec.compute(ctx, i)
            for line in spec.lines:
                row[f"{spec.name}.{line}"] = float(ctx.out(line)[i])
        self.bars_seen += 1
        return row

    def update_array(self, open_: float, high: float, low: float, close: float, volume: float) -> np.ndarray:
        """Like :meth:`update` but returns values in :attr:`columns` order as float64."""
        row = self.update(open_, high, low, close, volume)
        return np.fromiter((row[c] for c in self.columns), dtype=np.float64, count=len(self.columns))

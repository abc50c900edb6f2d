"""Streaming computation of indicator specs, one closed bar at a time.

Buffers live in arrays with spare capacity; each new bar is appended and every kernel is run
for that one bar (``start = n - 1``) from the state already in its buffers. When the arrays are
full the oldest bars are dropped, keeping :data:`~.base.MAX_LOOKBACK` bars of history, which is
all any kernel reads.

Per-bar cost is almost all Python call overhead on one-element slices, so the engine keeps its
own share small (measured in ``benchmarks/bench_live.py``):

* inputs and output lines are rows of two 2-D blocks, so a bar's output row is one column
  gather (no dict of per-line lookups) and compaction is one copy per block;
* a context finds a buffer by name in its own dict (no key string per access) and shares the
  store's per-bar input views;
* kernels are called directly with their bound parameters, positionally where the kernel's
  signature allows it (the error wrapping of :meth:`~.base.IndicatorSpec.compute` is kept,
  outside the loop);
* a caller that wants some lines in its own order gathers them with one index
  (:meth:`StreamingSuite.column_index` once, then ``update_array(..., index=idx)`` per bar)
  instead of a dict of every line.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import IndicatorError
from .base import INPUTS, MAX_LOOKBACK, Context, IndicatorSpec

__all__ = ["StreamContext", "StreamingSuite"]

_CLOSE = INPUTS.index("close")


class _Store:
    """Arrays with spare capacity shared by the contexts of one suite (inputs and every buffer).

    ``blocks`` are what compaction moves: the 2-D input and output blocks, and each 1-D
    intermediate buffer created lazily by a kernel. ``arrays`` maps every key (``in:close``,
    ``<spec>|out:<line>``, ``<spec>|tmp:<name>``) to its full-capacity row.
    """

    def __init__(self, capacity: int, keep: int, out_keys: list[str] = ()) -> None:  # type: ignore[assignment]
        if keep >= capacity:
            raise ValueError("keep must be below capacity")
        self.capacity, self.keep = capacity, keep
        self.n = 0
        #: (5, capacity) float64: open, high, low, close, volume
        self.inputs = np.full((len(INPUTS), capacity), np.nan)
        #: (n_lines, capacity) float64: every output line of the suite, in column order
        self.outputs = np.full((len(out_keys), capacity), np.nan)
        self.arrays: dict[str, np.ndarray] = {f"in:{k}": self.inputs[j] for j, k in enumerate(INPUTS)}
        self.arrays.update(zip(out_keys, self.outputs))
        self.blocks: list[np.ndarray] = [self.inputs, self.outputs]
        #: the current bar's length-``n`` views of the inputs (``None`` before the first bar)
        self.input_views: tuple[np.ndarray, ...] = ()

    def array(self, key: str) -> np.ndarray:
        a = self.arrays.get(key)
        if a is None:
            a = np.full(self.capacity, np.nan)
            self.arrays[key] = a
            self.blocks.append(a)
        return a

    def advance(self) -> None:
        """Make room for one more bar (compacting to ``keep`` bars when full)."""
        if self.n == self.capacity:
            drop = self.n - self.keep
            for a in self.blocks:
                a[..., : self.keep] = a[..., drop: self.n]
                a[..., self.keep:] = np.nan
            self.n = self.keep
        self.n += 1
        self.input_views = tuple(self.inputs[:, : self.n])


class StreamContext(Context):
    """Context of one indicator inside a :class:`StreamingSuite` (views of length ``n``).

    Each buffer's full-capacity array is looked up by name in a per-context dict (no key
    string is built per access); a view of the first ``n`` bars is cut on every access.
    """

    def __init__(self, store: _Store, prefix: str) -> None:
        super().__init__()
        self._store, self._prefix = store, prefix
        self._tmp: dict[str, np.ndarray] = {}
        self._out: dict[str, np.ndarray] = {}

    @property
    def n(self) -> int:  # type: ignore[override]
        return self._store.n

    # inputs: the store's per-bar views, shared by every context ------------------------------
    @property
    def open(self) -> np.ndarray:
        return self._store.input_views[0]

    @property
    def high(self) -> np.ndarray:
        return self._store.input_views[1]

    @property
    def low(self) -> np.ndarray:
        return self._store.input_views[2]

    @property
    def close(self) -> np.ndarray:
        return self._store.input_views[_CLOSE]

    @property
    def volume(self) -> np.ndarray:
        return self._store.input_views[4]

    def input(self, name: str) -> np.ndarray:
        return self._store.input_views[INPUTS.index(name)]

    # buffers --------------------------------------------------------------------------------
    def tmp(self, name: str) -> np.ndarray:
        try:
            return self._tmp[name][: self._store.n]
        except KeyError:
            a = self._tmp[name] = self._store.array(f"{self._prefix}|tmp:{name}")
            return a[: self._store.n]

    def out(self, line: str) -> np.ndarray:
        try:
            return self._out[line][: self._store.n]
        except KeyError:
            a = self._out[line] = self._store.array(f"{self._prefix}|out:{line}")
            return a[: self._store.n]

    def _buffer(self, key: str) -> np.ndarray:
        kind, _, name = key.partition(":")
        return self.tmp(name) if kind == "tmp" else self.out(name)


def _positional(fn: Callable[..., None], params: dict[str, Any]) -> tuple[Any, ...] | None:
    """``params`` as positional arguments after ``(ctx, start)`` when they are exactly the
    kernel's next positional-or-keyword parameters in order (a call without a kwargs dict);
    else None."""
    sig = list(inspect.signature(fn).parameters.values())[2:]
    names = [q.name for q in sig[: len(params)]]
    if names != list(params) or any(q.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for q in sig[: len(params)]):
        return None
    return tuple(params.values())


class StreamingSuite:
    """Incremental indicator values for a list of specs.

    >>> s = StreamingSuite(specs); row = s.update(o, h, l, c, v)   # {'rsi_14.rsi': 55.1, ...}
    >>> idx = s.column_index(["rsi_14.rsi", "atr_14.atr"])         # once
    >>> vals = s.update_array(o, h, l, c, v, index=idx)             # per bar: (2,) float64

    ``keep``: bars of history kept at compaction (at least :data:`MAX_LOOKBACK`); ``capacity``:
    bars the arrays hold before compacting (default ``4 * keep``: one compaction every
    ``3 * keep`` bars, a few hundred µs).
    """

    def __init__(self, specs: Iterable[IndicatorSpec], keep: int = MAX_LOOKBACK, capacity: int | None = None) -> None:
        self.specs = list(specs)
        self.columns = [c for spec in self.specs for c in spec.columns()]
        out_keys = [f"{spec.name}|out:{line}" for spec in self.specs for line in spec.lines]
        self._store = _Store(capacity or 4 * keep, keep, out_keys)
        self._ctx = [StreamContext(self._store, spec.name) for spec in self.specs]
        self._calls = []
        for spec, ctx in zip(self.specs, self._ctx):
            fn, args = spec.definition.fn, _positional(spec.definition.fn, spec.params)
            self._calls.append((fn, ctx, args, None) if args is not None else (fn, ctx, (), spec.params))
        self._position = {c: j for j, c in enumerate(self.columns)}
        self.bars_seen = 0

    def _step(self, open_: float, high: float, low: float, close: float, volume: float) -> int:
        """Append one bar and run every kernel for it; returns the bar's buffer index."""
        st = self._store
        st.advance()
        i = st.n - 1
        st.inputs[:, i] = (open_, high, low, close, volume)
        k = 0
        try:
            for k, (fn, ctx, args, kwargs) in enumerate(self._calls):
                if kwargs is None:
                    fn(ctx, i, *args)
                else:
                    fn(ctx, i, **kwargs)
        except Exception as exc:  # name the indicator and the bar, as IndicatorSpec.compute does
            if isinstance(exc, IndicatorError):
                raise
            spec = self.specs[k]
            raise IndicatorError(
                f"indicator '{spec.name}' ({spec.kind}, params {spec.params}) failed computing bars "
                f"{i}..{st.n - 1}: {type(exc).__name__}: {exc}"
            ) from exc
        self.bars_seen += 1
        return i

    def update(self, open_: float, high: float, low: float, close: float, volume: float) -> dict[str, float]:
        """Append one closed bar and return every line's value at it ``{column: float}``."""
        i = self._step(open_, high, low, close, volume)
        return dict(zip(self.columns, self._store.outputs[:, i].tolist()))

    def update_array(self, open_: float, high: float, low: float, close: float, volume: float,
                     index: np.ndarray | None = None) -> np.ndarray:
        """Like :meth:`update` but returns an array: every line in :attr:`columns` order,
        ``(n_columns,)`` float64, or with ``index`` (from :meth:`column_index`) the chosen lines in
        the caller's order, ``(len(index),)`` float64. The array is the caller's (a copy)."""
        i = self._step(open_, high, low, close, volume)
        if index is None:
            return self._store.outputs[:, i].copy()
        return self._store.outputs[index, i]

    def column_index(self, columns: Sequence[str]) -> np.ndarray:
        """Positions of ``columns`` in :attr:`columns`, ``(len(columns),)`` int64, for
        ``update_array(..., index=...)``. Raises IndicatorError naming the lines this suite lacks."""
        missing = [c for c in columns if c not in self._position]
        if missing:
            raise IndicatorError(
                f"column_index: {len(missing)} line(s) are not produced by this suite: {missing[:5]}"
                f"{' …' if len(missing) > 5 else ''}; expected '<indicator>.<line>' names from .columns "
                f"({len(self.columns)} lines). Fix: build the suite from the specs the columns were captured with")
        return np.array([self._position[c] for c in columns], dtype=np.int64)

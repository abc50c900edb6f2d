"""Every registered indicator kernel as a ``bt.Indicator`` (same values as the bulk kernel).

The wrappers are generated from :data:`~..indicators.REGISTRY`: class ``RSI`` for kind ``rsi``
(the kind in upper case), with the kernel's lines and parameters::

    from neural_trading_system.capture import btindicators as nts_bt

    class MyStrategy(bt.Strategy):
        def __init__(self):
            self.rsi = nts_bt.RSI(self.data, period=14)      # self.rsi.rsi[0], self.rsi.lines.rsi
            self.bb = nts_bt.BBANDS(self.data, period=20, devs=2.0)

* runonce (Cerebro's default): :meth:`once` runs the kernel vectorized over the data's arrays
  and writes the line arrays in one go;
* bar by bar (``cerebro.run(runonce=False)``, live feeds): :meth:`next` appends the bar to a
  streaming context and runs the same kernel for that one bar (``start = n - 1``); a bar that is
  delivered again (replay) is recomputed in place.

Both give the bulk kernel's values. The data should be a feed (open, high, low, close, volume
lines); a single line (``self.data.close``) is used for open, high, low and close, with NaN
volume. Lines are NaN during warm-up; ``minperiod`` is set to a warm-up probed once per
parameter set on a synthetic series, so a strategy's ``next`` starts when values exist.
A line whose name clashes with a Backtrader attribute gets a trailing underscore in Backtrader
(``size`` → ``size_``); the captured column keeps the kernel's name.
"""

from __future__ import annotations

import keyword
from importlib import import_module
from typing import Any

import numpy as np

from ..errors import IndicatorError
from ..indicators.base import INPUTS, MAX_LOOKBACK, IndicatorDef, IndicatorSpec, REGISTRY
from ..indicators.stream import StreamingSuite
from ..indicators.suite import FAMILY_MODULES
from .btcompat import bt

__all__ = ["BT_INDICATORS", "NTSIndicator", "bt_indicator", "bt_line_name", "load_all"]

_RESERVED = {n for n in set(dir(bt.Indicator)) | set(dir(bt.lineseries.Lines))} | {
    "l", "p", "data", "datas", "ddatas", "dnames", "line", "lines", "params", "array", "owner", "plotinfo",
    "plotlines", "minperiod", "spec"}

#: generated wrapper classes by kernel kind
BT_INDICATORS: dict[str, type] = {}
_WARMUP_CACHE: dict[tuple, int] = {}


def bt_line_name(line: str) -> str:
    """The Backtrader alias of a kernel line (a trailing ``_`` where it would clash)."""
    name = line if line.isidentifier() and not keyword.iskeyword(line) else "l_" + "".join(
        ch if ch.isalnum() else "_" for ch in line)
    while name in _RESERVED or name.startswith("data") or name.startswith("_"):
        name += "_"
    return name


def _probe_warmup(spec: IndicatorSpec) -> int:
    """Longest warm-up over the lines on a seeded synthetic walk (lines never finite ignored)."""
    key = (spec.kind, tuple(sorted((k, repr(v)) for k, v in spec.params.items())))
    if key not in _WARMUP_CACHE:
        n = 2 * MAX_LOOKBACK
        rng = np.random.default_rng(12345)
        c = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        o = np.concatenate([[100.0], c[:-1]])
        spread = np.abs(rng.normal(0, 0.005, n)) * c
        arrays = {"open": o, "high": np.maximum(o, c) + spread, "low": np.minimum(o, c) - spread,
                  "close": c, "volume": rng.lognormal(3, 0.5, n)}
        warm = 0
        try:
            for v in spec.run(arrays).values():
                fin = np.isfinite(v)
                if fin.any():
                    warm = max(warm, int(np.argmax(fin)))
        except Exception:  # noqa: BLE001 - only a scheduling hint; the real run reports errors
            warm = 0
        _WARMUP_CACHE[key] = min(warm, MAX_LOOKBACK)
    return _WARMUP_CACHE[key]


class _BarStream(StreamingSuite):
    """A one-spec :class:`StreamingSuite` that can also recompute its newest bar (replay)."""

    def revise(self, open_: float, high: float, low: float, close: float, volume: float) -> dict[str, float]:
        st = self._store
        i = st.n - 1
        for name, v in zip(INPUTS, (open_, high, low, close, volume)):
            st.array("in:" + name)[i] = v
        spec, ctx = self.specs[0], self._ctx[0]
        spec.compute(ctx, i)  # reads buffers at bars < i only, so recomputing bar i is idempotent
        return {f"{spec.name}.{line}": float(ctx.out(line)[i]) for line in spec.lines}


class NTSIndicator(bt.Indicator):
    """Base of the generated wrappers; subclasses set ``_nts_def`` and ``lines``/``params``."""

    _nts_def: IndicatorDef
    _nts_lines: tuple[str, ...] = ()  # kernel line names, in ``lines`` order

    def __init__(self) -> None:
        super().__init__()
        params = {k: getattr(self.p, k) for k in self._nts_def.defaults}
        #: the bound spec; its name is the default column prefix
        self.spec = self._nts_def(**params)
        aliases = self.data.lines.getlinealiases() if hasattr(self.data, "lines") else ()
        self._is_feed = all(k in aliases for k in INPUTS)
        self._stream: _BarStream | None = None
        self._last_len = 0
        self.addminperiod(_probe_warmup(self.spec) + 1)

    # inputs ---------------------------------------------------------------------------------
    def _input_arrays(self, end: int) -> dict[str, np.ndarray]:
        if self._is_feed:
            return {k: np.array(getattr(self.data, k).array[:end], dtype=np.float64) for k in INPUTS}
        x = np.array(self.data.lines[0].array[:end], dtype=np.float64)
        return {"open": x, "high": x, "low": x, "close": x, "volume": np.full(end, np.nan)}

    def _input_bar(self) -> tuple[float, float, float, float, float]:
        if self._is_feed:
            d = self.data
            return d.open[0], d.high[0], d.low[0], d.close[0], d.volume[0]
        x = self.data.lines[0][0]
        return x, x, x, x, float("nan")

    def _when(self, bar: int) -> str:
        try:
            return f", {bt.num2date(self._clock.datetime.array[bar])} UTC"
        except (AttributeError, IndexError):
            return ""

    # runonce --------------------------------------------------------------------------------
    def preonce(self, start: int, end: int) -> None:
        pass

    def oncestart(self, start: int, end: int) -> None:
        pass

    def once(self, start: int, end: int) -> None:
        """Run the kernel over bars ``0 … end-1`` and write every line array (all of it)."""
        arrays = self._input_arrays(end)
        try:
            out = self.spec.run(arrays)
        except IndicatorError as exc:
            from .frame import first_failing_bar

            bar = first_failing_bar(self.spec, arrays)
            if bar is None:
                raise
            raise IndicatorError(f"indicator '{self.spec.name}' fails at Backtrader bar {bar}{self._when(bar)}: {exc}") from exc
        for k, line in enumerate(self._nts_lines):
            dst = np.frombuffer(self.lines[k].array, dtype=np.float64)
            dst[:end] = out[line]
            del dst  # release the buffer export so Backtrader can still resize the array

    # bar by bar -----------------------------------------------------------------------------
    def prenext(self) -> None:
        self.next()

    def nextstart(self) -> None:
        self.next()

    def next(self) -> None:
        """Advance the streaming context one bar (or recompute the newest bar when replayed)."""
        if self._stream is None:
            self._stream = _BarStream([self.spec])
        n = len(self)
        bar = self._input_bar()
        try:
            row = self._stream.revise(*bar) if n == self._last_len else self._stream.update(*bar)
        except IndicatorError as exc:  # name the Backtrader bar and its time, not the ring-buffer index
            raise IndicatorError(f"{exc} (Backtrader bar {n - 1}{self._when(n - 1)})") from exc
        self._last_len = n
        name = self.spec.name
        for k, line in enumerate(self._nts_lines):
            self.lines[k][0] = row[f"{name}.{line}"]


def _make_class(d: IndicatorDef) -> type:
    bt_lines = tuple(bt_line_name(line) for line in d.lines)
    subplot = not bool(d.price_like) or set(d.price_like) != set(d.lines)
    attrs: dict[str, Any] = {
        "__doc__": f"{d.kind} ({d.family}) as a bt.Indicator: {d.reference}.\n\n{(d.fn.__doc__ or '').strip()}",
        "__module__": __name__,
        "lines": bt_lines,
        "params": tuple(d.defaults.items()),
        "plotinfo": dict(subplot=subplot),
        "_nts_def": d,
        "_nts_lines": d.lines,
    }
    return type(d.kind.upper(), (NTSIndicator,), attrs)


def load_all() -> dict[str, type]:
    """Import every family module and generate a wrapper for each registered kind."""
    for mod in FAMILY_MODULES:
        try:
            import_module(f"..indicators.{mod}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"neural_trading_system.indicators.{mod}":
                raise
    for kind, d in REGISTRY.items():
        if kind not in BT_INDICATORS:
            BT_INDICATORS[kind] = _make_class(d)
            globals()[kind.upper()] = BT_INDICATORS[kind]
    return BT_INDICATORS


def bt_indicator(spec_or_kind: IndicatorSpec | str) -> type:
    """The wrapper class of a spec or kind: ``bt_indicator(spec)(self.data, **spec.params)``."""
    kind = spec_or_kind if isinstance(spec_or_kind, str) else spec_or_kind.kind
    if kind not in BT_INDICATORS:
        load_all()
    return BT_INDICATORS[kind]


def __getattr__(name: str) -> type:  # wrappers of kinds registered after this module loaded
    load_all()
    for kind, cls in BT_INDICATORS.items():
        if kind.upper() == name:
            return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


load_all()

"""The transparency recorder: every line of every indicator of any Backtrader strategy.

Attach it to a Cerebro (``Recorder().attach(cerebro)``) or call :func:`record`. It walks the
strategy's indicators (nested sub-indicators included, through each owner's ``_lineiterators``)
and names them from the attribute names that hold them:

* ``self.rsi_14 = bt.ind.RSI(...)`` → ``rsi_14.rsi``; MACD's inner EMAs → ``macd.ema.ema``,
  ``macd.ema_2.ema`` (an indicator no attribute holds is named by its shortest class alias);
* names already used at a level get ``_2``, ``_3`` … in creation order (a list attribute, a
  reassigned name): attribute-held indicators are named first, then the rest;
* an operation (``self.spread = self.data.close - self.sma``) is recorded when an attribute
  holds it, as ``spread.value``.

Modes: ``bulk`` reads every line buffer once after the run (needs Cerebro's default
``exactbars=False``); ``stream`` calls ``on_bar(row)`` after every bar with
``{column: value}`` (timestamp as epoch ms), for live use, and builds the same
:class:`~.frame.Captured` at the end. Lines that read future bars (:mod:`.lookahead`) are dropped
with a warning naming them, kept with a warning when ``allow_lookahead=True``, and raise
:class:`~..errors.LookaheadError` when ``strict=True``. Nothing global is patched;
:func:`capture_patch` opts one strategy class in to remembering reassigned attribute names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..errors import LookaheadError, NTSError
from ..indicators.base import INPUTS
from .btcompat import bt
from .btindicators import NTSIndicator
from .cerebro import btnum_to_ms, make_cerebro
from .frame import Captured, ColumnMeta, build_captured, json_safe, spec_meta
from .lookahead import forward_tainted, line_buffers

__all__ = ["Recorder", "record", "capture_patch", "RecordedLine", "check_truncation"]

log = logging.getLogger(__name__)

_SKIP_ATTRS = {"data", "datas", "ddatas", "dnames", "lines", "l", "line", "p", "params", "broker", "env",
               "cerebro", "stats", "analyzers", "observers", "writers", "array", "bindings", "plotinfo",
               "plotlines", "_owner", "_clock"}


@dataclass(frozen=True)
class RecordedLine:
    """One captured column: its name, the Backtrader buffer and its metadata (warm-up filled later)."""

    column: str
    buffer: Any
    meta: ColumnMeta


def capture_patch(strategy_cls: type) -> type:
    """Opt ``strategy_cls`` in to remembering every indicator assigned to an attribute.

    Without it an indicator whose attribute was later reassigned is named by its class alias;
    with it, by the attribute name it was first given. Only this class is changed.
    """
    if strategy_cls.__dict__.get("_nts_patched"):
        return strategy_cls
    original = strategy_cls.__setattr__

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if isinstance(value, (bt.LineRoot, list, tuple, dict)) and not name.startswith("_"):
            self.__dict__.setdefault("_nts_attr_log", []).append((name, value))
        original(self, name, value)

    strategy_cls.__setattr__ = __setattr__
    strategy_cls._nts_patched = True
    return strategy_cls


def _recordable(obj: Any) -> bool:
    return isinstance(obj, (bt.Indicator, bt.linebuffer.LineActions))


def _attr_candidates(owner: Any) -> list[tuple[str, Any]]:
    """(name, object) pairs from an owner's attributes, in assignment order (patched log first)."""
    pairs: list[tuple[str, Any]] = list(owner.__dict__.get("_nts_attr_log", []))
    pairs += [(k, v) for k, v in vars(owner).items() if not k.startswith("_") and k not in _SKIP_ATTRS
              and not (k.startswith("data") and k[4:].isdigit())]
    out: list[tuple[str, Any]] = []
    for name, value in pairs:
        if _recordable(value):
            out.append((name, value))
        elif isinstance(value, (list, tuple)):
            out.extend((name, v) for v in value if _recordable(v))
        elif isinstance(value, dict):
            out.extend((f"{name}_{k}", v) for k, v in value.items() if _recordable(v))
    return out


def _class_name(obj: Any) -> str:
    cls = type(obj)
    names = [cls.__name__, *getattr(cls, "alias", ())]
    return min(names, key=len).lower()


def _unique(base: str, used: set[str]) -> str:
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    used.add(name)
    return name


def _name_children(owner: Any) -> list[tuple[str, Any]]:
    """Name the recordable children of ``owner``: attribute-held first, then the rest by class."""
    children = [c for c in owner._lineiterators[bt.LineIterator.IndType]]
    child_ids = {id(c) for c in children}
    attr_name: dict[int, list[str]] = {}
    for name, obj in _attr_candidates(owner):
        if id(obj) in child_ids:
            attr_name.setdefault(id(obj), []).append(name)
    used: set[str] = set()
    names: dict[int, str] = {}
    for c in children:  # attribute-held, in creation order
        if id(c) in attr_name:
            names[id(c)] = _unique(attr_name[id(c)][0].lower(), used)
    for c in children:  # the rest: indicators only (anonymous operations are internal arithmetic)
        if id(c) not in names and isinstance(c, bt.Indicator):
            names[id(c)] = _unique(_class_name(c), used)
    return [(names[id(c)], c) for c in children if id(c) in names]


def _meta_for(obj: Any, path: str, line: str) -> ColumnMeta:
    if isinstance(obj, NTSIndicator):
        return spec_meta(obj.spec, line, 0, indicator=path)
    params = {}
    if hasattr(obj, "params") and hasattr(obj.params, "_getkeys"):  # _getitems() gives class defaults
        params = {k: json_safe(getattr(obj.params, k)) for k in obj.params._getkeys()}
    plotinfo = getattr(obj, "plotinfo", None)
    price_like = bool(plotinfo is not None and not getattr(plotinfo, "subplot", True))
    return ColumnMeta(family="backtrader", indicator=path, kind=type(obj).__name__, line=line, params=params,
                      warmup=0, price_like=price_like)


def discover(strategy: Any) -> list[RecordedLine]:
    """Every line to record, in a stable order (depth first, creation order)."""
    out: list[RecordedLine] = []
    columns: set[str] = set()

    def visit(owner: Any, prefix: str) -> None:
        for name, obj in _name_children(owner):
            path = f"{prefix}{name}"
            if isinstance(obj, NTSIndicator):
                lines = list(obj._nts_lines)
            elif isinstance(obj, bt.Indicator):
                lines = list(obj.lines.getlinealiases())
            else:
                lines = ["value"]
            for line, buf in zip(lines, line_buffers(obj)):
                col = _unique(f"{path}.{line}", columns)
                out.append(RecordedLine(col, buf, _meta_for(obj, path, line)))
            if isinstance(obj, bt.Indicator):
                visit(obj, path + ".")

    visit(strategy, "")
    return out


class _RecorderAnalyzer(bt.Analyzer):
    params = (("recorder", None),)

    def start(self) -> None:
        self.p.recorder._start(self.strategy)

    def prenext(self) -> None:
        self.p.recorder._on_bar()

    def nextstart(self) -> None:
        self.p.recorder._on_bar()

    def next(self) -> None:
        self.p.recorder._on_bar()

    def stop(self) -> None:
        self.p.recorder._stop()


class Recorder:
    """Records every indicator line of the strategy it is attached to.

    ``mode``: ``'bulk'`` (buffers read once after the run) or ``'stream'`` (``on_bar`` per bar).
    After ``cerebro.run()``, :attr:`captured` holds the :class:`Captured`.
    """

    def __init__(self, mode: str = "bulk", on_bar: Callable[[dict[str, float]], None] | None = None,
                 allow_lookahead: bool = False, strict: bool = False, keep_rows: bool = True) -> None:
        if mode not in ("bulk", "stream"):
            raise NTSError(f"Recorder mode '{mode}': expected 'bulk' or 'stream'")
        self.mode, self.on_bar, self.keep_rows = mode, on_bar, keep_rows
        self.allow_lookahead, self.strict = allow_lookahead, strict
        self.captured: Captured | None = None
        self.lookahead: list[str] = []
        self._lines: list[RecordedLine] = []
        self._rows: list[list[float]] = []

    def attach(self, cerebro: Any) -> "Recorder":
        cerebro.addanalyzer(_RecorderAnalyzer, recorder=self)
        return self

    # set-up ---------------------------------------------------------------------------------
    def _start(self, strategy: Any) -> None:
        self.strategy, self.data = strategy, strategy.datas[0]
        lines = discover(strategy)
        tainted = forward_tainted(strategy)
        self.lookahead = [r.column for r in lines if id(r.buffer) in tainted]
        if self.lookahead:
            names = ", ".join(self.lookahead)
            if self.strict:
                raise LookaheadError(f"lines read future bars: {names}; remove them from the strategy, or "
                                     "record with strict=False to drop them (allow_lookahead=True keeps them)")
            if self.allow_lookahead:
                log.warning("keeping lines that read future bars (allow_lookahead=True): %s", names)
            else:
                log.warning("dropping lines that read future bars: %s (allow_lookahead=True keeps them)", names)
                lines = [r for r in lines if r.column not in set(self.lookahead)]
        self._lines = lines
        self._rows = []
        self._data_bufs = [self.data.lines.datetime, *(getattr(self.data.lines, k) for k in INPUTS)]

    # streaming ------------------------------------------------------------------------------
    def _on_bar(self) -> None:
        if self.mode != "stream":
            return
        i = len(self.data) - 1
        # absolute index where buffers are unbounded: nested indicators are not advanced per bar in runonce
        vals = [b.array[i] if b.mode == b.UnBounded else b[0] for b in self._data_bufs]
        vals += [float(r.buffer.array[i]) if r.buffer.mode == r.buffer.UnBounded else float(r.buffer[0])
                 for r in self._lines]
        if self.keep_rows:
            self._rows.append(vals)
        if self.on_bar is not None:
            row = {"timestamp": int(btnum_to_ms(np.array([vals[0]]))[0])}
            row.update(zip(INPUTS, vals[1:6]))
            row.update(zip((r.column for r in self._lines), vals[6:]))
            self.on_bar(row)

    # finish ---------------------------------------------------------------------------------
    def _stop(self) -> None:
        if self.mode == "stream":
            if not self.keep_rows:
                return
            mat = np.array(self._rows, dtype=np.float64).reshape(len(self._rows), 6 + len(self._lines))
            data_cols = [mat[:, k] for k in range(6)]
            line_cols = {r.column: mat[:, 6 + k] for k, r in enumerate(self._lines)}
        else:
            n = len(self.data)
            data_cols = [self._read(b, n, "data") for b in self._data_bufs]
            line_cols = {}
            for r in self._lines:
                values = self._read(r.buffer, n, r.column)
                if values is not None:
                    line_cols[r.column] = values
        base = pl.DataFrame({
            "timestamp": pl.Series(btnum_to_ms(data_cols[0])).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
            **{k: data_cols[1 + j] for j, k in enumerate(INPUTS)},
        })
        meta = {r.column: r.meta for r in self._lines if r.column in line_cols}
        report = {"lookahead": list(self.lookahead), "lookahead_kept": bool(self.allow_lookahead and self.lookahead)}
        self.captured = build_captured(base, line_cols, meta, report)

    @staticmethod
    def _read(buf: Any, n: int, column: str) -> np.ndarray | None:
        if buf.mode != buf.UnBounded:
            raise NTSError(f"column '{column}': Backtrader kept only the last bars (exactbars); bulk capture needs "
                           "the whole buffer: run Cerebro with exactbars=False, or use Recorder(mode='stream')")
        if len(buf.array) < n:
            log.warning("column '%s' has %d bars, the data %d (another clock?); not recorded", column,
                        len(buf.array), n)
            return None
        return np.array(buf.array[:n], dtype=np.float64)


def record(strategy: type, ohlcv: pl.DataFrame, *, runonce: bool = True, mode: str = "bulk",
           on_bar: Callable[[dict[str, float]], None] | None = None, allow_lookahead: bool = False,
           strict: bool = False, **strategy_kwargs: Any) -> Captured:
    """Run ``strategy`` on ``ohlcv`` in a fresh Cerebro with a :class:`Recorder` and return the capture."""
    cerebro = make_cerebro(ohlcv, strategy, **strategy_kwargs)
    rec = Recorder(mode=mode, on_bar=on_bar, allow_lookahead=allow_lookahead, strict=strict).attach(cerebro)
    cerebro.run(runonce=runonce)
    assert rec.captured is not None
    return rec.captured


def check_truncation(strategy: type, ohlcv: pl.DataFrame, cuts: tuple[float, ...] = (0.5, 0.8), *,
                     runonce: bool = True, **strategy_kwargs: Any) -> list[str]:
    """Columns whose values change when later bars are removed: they read the future.

    Runs ``strategy`` on the whole history and on the first ``cut`` fraction of it, and compares
    every column on the shorter run's bars (NaN equals NaN). Catches what :mod:`.lookahead` cannot
    see, e.g. ``self.data.close[1]`` inside a user's own ``once``/``next``; costs one run per cut.
    """
    full = record(strategy, ohlcv, runonce=runonce, allow_lookahead=True, **strategy_kwargs)
    bad: list[str] = []
    for cut in cuts:
        k = max(2, int(ohlcv.height * cut))
        part = record(strategy, ohlcv.head(k), runonce=runonce, allow_lookahead=True, **strategy_kwargs)
        for col in part.columns:
            if col in full.meta and col not in bad:
                a, b = part.frame[col].to_numpy(), full.frame[col].to_numpy()[:k]
                if not np.array_equal(a, b, equal_nan=True):
                    bad.append(col)
    if bad:
        log.warning("columns that change when later bars are removed (they read the future): %s", ", ".join(bad))
    return bad

"""The captured indicator frame and the fast bulk collector (kernels run directly, no Cerebro).

Cerebro's bar loop costs per line (about 7,000 bars/s for one indicator of 270 lines), so the
default suite is collected by running each kernel once over the whole history; the
``bt.Indicator`` wrappers in :mod:`.btindicators` give the same values inside Cerebro (the parity
tests hold them equal).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..errors import DataValidationError, IndicatorError
from ..indicators.base import INPUTS, IndicatorSpec

__all__ = ["BASE_COLUMNS", "ColumnMeta", "Captured", "collect", "measure_warmup", "nonfinite_after_warmup",
           "ohlcv_arrays", "spec_meta", "json_safe"]

log = logging.getLogger(__name__)

#: the columns every captured frame starts with
BASE_COLUMNS = ("timestamp", *INPUTS)


@dataclass(frozen=True)
class ColumnMeta:
    """What one captured column is.

    ``family``: indicator family (``momentum``, ..., ``backtrader`` for Backtrader's own classes);
    ``indicator``: the column prefix (spec name or strategy attribute path, ``rsi_14``, ``macd.ema``);
    ``kind``: the kernel kind or Backtrader class name; ``line``: the line name;
    ``params``: JSON-safe parameters; ``warmup``: bars of NaN at the start, measured (``n`` when the
    line never produced a value); ``price_like``: the line is in price units.
    """

    family: str
    indicator: str
    kind: str
    line: str
    params: dict[str, Any]
    warmup: int
    price_like: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ColumnMeta":
        return cls(family=str(d["family"]), indicator=str(d["indicator"]), kind=str(d["kind"]),
                   line=str(d["line"]), params=dict(d["params"]), warmup=int(d["warmup"]),
                   price_like=bool(d["price_like"]))


@dataclass
class Captured:
    """Captured indicator lines.

    ``frame``: ``timestamp`` (UTC datetime) + OHLCV (float64) + one float64 column per line named
    ``<indicator>.<line>``, one row per bar, sorted by bar; NaN during each line's warm-up.
    ``meta``: :class:`ColumnMeta` per line column. ``report``: what went wrong without stopping
    the capture: ``{"nonfinite_after_warmup": {column: count}, "lookahead": [columns], ...}``.
    """

    frame: pl.DataFrame
    meta: dict[str, ColumnMeta]
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Line columns (everything but timestamp and OHLCV), in frame order."""
        return [c for c in self.frame.columns if c in self.meta]

    @property
    def n_bars(self) -> int:
        return self.frame.height


def json_safe(value: Any) -> Any:
    """A parameter value as JSON: numbers, strings, bools and lists as they are, the rest by name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return getattr(value, "__name__", None) or type(value).__name__


def ohlcv_arrays(ohlcv: pl.DataFrame, source: str = "frame") -> dict[str, np.ndarray]:
    """The OHLCV columns as contiguous float64 arrays; missing columns are a DataValidationError."""
    missing = [c for c in BASE_COLUMNS if c not in ohlcv.columns]
    if missing:
        raise DataValidationError(
            "OHLCV frame is missing columns", source=source, column=missing[0],
            expected=f"columns {list(BASE_COLUMNS)}", found=f"{ohlcv.columns}",
            fix="load data through neural_trading_system.data.load_market, which returns the OHLCV contract")
    return {k: np.ascontiguousarray(ohlcv[k].to_numpy(), dtype=np.float64) for k in INPUTS}


def measure_warmup(values: np.ndarray) -> int:
    """Bars before the first finite value (``len(values)`` when there is none)."""
    finite = np.isfinite(values)
    return int(np.argmax(finite)) if finite.any() else int(values.shape[0])


def nonfinite_after_warmup(values: np.ndarray, warmup: int) -> int:
    """How many NaN/Inf values follow the first finite one."""
    return int(np.count_nonzero(~np.isfinite(values[warmup:]))) if warmup < values.shape[0] else 0


def spec_meta(spec: IndicatorSpec, line: str, warmup: int, indicator: str | None = None) -> ColumnMeta:
    return ColumnMeta(family=spec.family, indicator=indicator or spec.name, kind=spec.kind, line=line,
                      params={k: json_safe(v) for k, v in spec.params.items()}, warmup=warmup,
                      price_like=line in spec.definition.price_like)


def build_captured(base: pl.DataFrame, columns: dict[str, np.ndarray], meta: dict[str, ColumnMeta],
                   report: dict[str, Any] | None = None) -> Captured:
    """Assemble a :class:`Captured`, measuring warm-up and reporting NaN/Inf after it per column."""
    report = dict(report or {})
    bad: dict[str, int] = {}
    for col, values in columns.items():
        m = meta[col]
        warm = measure_warmup(values)
        if warm != m.warmup:
            meta[col] = m = ColumnMeta(**{**asdict(m), "warmup": warm})
        nbad = nonfinite_after_warmup(values, warm)
        if nbad:
            bad[col] = nbad
    if bad:
        shown = ", ".join(f"{c} ({k} bars)" for c, k in list(bad.items())[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        log.warning("NaN/Inf after warm-up in %d column(s): %s%s; kept as NaN, not filled", len(bad), shown, more)
    report["nonfinite_after_warmup"] = bad
    frame = base.hstack(pl.DataFrame({c: pl.Series(c, v, dtype=pl.Float64) for c, v in columns.items()}))
    return Captured(frame=frame, meta=meta, report=report)


def first_failing_bar(spec: IndicatorSpec, arrays: dict[str, np.ndarray]) -> int | None:
    """The first bar whose computation raises (bisection over history prefixes; kernels are causal)."""
    def fails(n: int) -> bool:
        try:
            spec.run({k: v[:n] for k, v in arrays.items()})
        except Exception:  # noqa: BLE001 - any failure counts
            return True
        return False

    lo, hi = 1, len(arrays["close"])  # invariant: prefix hi fails, prefix lo - 1 does not
    if not fails(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if fails(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi - 1


def collect(ohlcv: pl.DataFrame, specs: Iterable[IndicatorSpec], source: str = "frame") -> Captured:
    """Run every spec's kernel over the whole history and capture every line.

    ``ohlcv``: the OHLCV frame contract (``timestamp`` + float64 OHLCV, sorted by bar), ``N`` rows.
    Returns a :class:`Captured` of ``N`` rows with one float64 column per line. An indicator that
    raises names itself and the bars (:class:`~..errors.IndicatorError`); NaN/Inf after a line's
    warm-up is logged and listed in ``report['nonfinite_after_warmup']``, never filled.
    """
    arrays = ohlcv_arrays(ohlcv, source)
    columns: dict[str, np.ndarray] = {}
    meta: dict[str, ColumnMeta] = {}
    for spec in specs:
        try:
            out = spec.run(arrays)
        except IndicatorError as exc:
            bar = first_failing_bar(spec, arrays)
            if bar is None:
                raise
            ts = ohlcv["timestamp"][bar]
            raise IndicatorError(f"indicator '{spec.name}' ({spec.kind}) fails at bar {bar} ({ts}): {exc}") from exc
        for line in spec.lines:
            col = f"{spec.name}.{line}"
            if col in columns:
                raise IndicatorError(f"two indicators produce column '{col}' (spec name '{spec.name}' twice); "
                                     "give one of them another name: kind(name='...', ...)")
            columns[col] = out[line]
            meta[col] = spec_meta(spec, line, 0)
    return build_captured(ohlcv.select(BASE_COLUMNS), columns, meta)

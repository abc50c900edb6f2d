"""Validation of the OHLCV contract, with an explicit, reported repair mode.

Checks, in this order (the first failure raises :class:`DataValidationError`):

1. at least one row; columns ``timestamp`` (Datetime UTC) and ``open, high, low, close, volume``;
2. no missing timestamp; no missing, NaN or infinite price or volume;
3. prices > 0, volume >= 0, high >= low (never repaired: a negative price or high < low means
   the columns are wrong, not a small glitch);
4. timestamps strictly increasing (sorted and unique);
5. high >= max(open, close) and low <= min(open, close);
6. gaps against the interval: reported in :class:`ValidationReport`, never an error (real
   exchanges have outages).

With ``repair=True`` these documented fixes are applied instead of raising for 4 and 5, and each
change is listed in ``report.changes``: sort by timestamp (stable); drop rows that exactly
duplicate an earlier row; for timestamps that still repeat, keep the last row in file order and
drop the others; raise ``high`` to max(open, close) and lower ``low`` to min(open, close).
Nothing else is changed and nothing is dropped without a line in the report.

Rows are named as 1-based data rows in the order they were read (header excluded); for a CSV
the message also gives the file line (data row + 1).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import polars as pl

from ..errors import DataValidationError
from .intervals import format_interval, infer_interval_ms

__all__ = ["OHLCV", "PRICES", "ValidationReport", "validate_ohlcv", "format_ts"]

log = logging.getLogger(__name__)

OHLCV = ("open", "high", "low", "close", "volume")
PRICES = ("open", "high", "low", "close")
_ROW = "__row"
_MAX_GAP_EXAMPLES = 5


@dataclass
class ValidationReport:
    """What validation found and changed. ``gap_examples`` lists the first few gaps."""

    source: str
    rows: int = 0
    interval_ms: int | None = None
    gaps: int = 0
    missing_bars: int = 0
    largest_gap_ms: int = 0
    off_grid: int = 0
    gap_examples: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def format_ts(ms: int) -> str:
    """Epoch ms → ``'2021-01-01 04:00:00 UTC'``."""
    return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class _Where:
    """Builds errors that name the source, the 1-based data row and the file line."""

    def __init__(self, source: str, header_lines: int | None) -> None:
        self.source, self.header_lines = source, header_lines

    def row(self, i: int) -> str:
        line = f", file line {i + 1 + self.header_lines}" if self.header_lines is not None else ""
        return f"data row {i + 1}{line}"

    def error(self, what: str, i: int | None, column: str | None, expected: str, found: str,
              fix: str) -> DataValidationError:
        msg = what if i is None else f"{what} ({self.row(i)}; rows count data rows from 1, header excluded)"
        return DataValidationError(msg, source=self.source, row=None if i is None else i + 1, column=column,
                                   expected=expected, found=found, fix=fix)


def _num(x: float) -> str:
    return f"{float(x):.10g}"


def validate_ohlcv(frame: pl.DataFrame, *, source: str, interval_ms: int | None = None, repair: bool = False,
                   header_lines: int | None = None) -> tuple[pl.DataFrame, ValidationReport]:
    """Check ``frame`` against the OHLCV contract; return (frame, report).

    ``frame``: ``timestamp`` Datetime(ms, UTC) and float64 ``open, high, low, close, volume`` (extra
    columns are carried along). ``interval_ms``: expected bar spacing for the gap report; None infers
    the median spacing. ``header_lines``: lines before the first data row in the source file
    (1 for a CSV with a header) so errors can name the file line; None when there is no file.
    """
    where = _Where(source, header_lines)
    report = ValidationReport(source=source)
    _check_schema(frame, where)
    frame = frame.with_row_index(_ROW)
    _check_values(frame, where)
    frame = _check_order(frame, where, repair, report)
    frame = _check_high_low(frame, where, repair, report)
    ts = frame["timestamp"].dt.epoch("ms").to_numpy()
    report.rows = frame.height
    report.interval_ms = interval_ms or infer_interval_ms(ts)
    _report_gaps(ts, report)
    for line in report.changes:
        log.warning("repair %s: %s", source, line)
    return frame.drop(_ROW), report


def _check_schema(frame: pl.DataFrame, where: _Where) -> None:
    if frame.height == 0:
        raise where.error("no data rows", None, None, "at least one OHLCV row", "0 rows",
                          "check the file is the intended export and not empty or header-only")
    missing = [c for c in ("timestamp", *OHLCV) if c not in frame.columns]
    if missing:
        raise where.error("missing column", None, missing[0], "columns timestamp, " + ", ".join(OHLCV),
                          f"columns {frame.columns}", "rename the columns or export OHLCV with a time column")
    dt = frame.schema["timestamp"]
    if not isinstance(dt, pl.Datetime) or dt.time_zone != "UTC":
        raise where.error("timestamp has the wrong type", None, "timestamp", "Datetime in UTC", str(dt),
                          "load data through neural_trading_system.data, which converts times to UTC")


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _check_values(frame: pl.DataFrame, where: _Where) -> None:
    nulls = frame.select(pl.col("timestamp", *OHLCV).is_null().arg_max().name.keep(),
                         pl.col("timestamp", *OHLCV).null_count().name.suffix("_n")).row(0, named=True)
    for col in ("timestamp", *OHLCV):
        if nulls[f"{col}_n"]:
            i = nulls[col]
            raise where.error("missing value", i, col, "a value in every row", "an empty field",
                              "fill or remove the row in the source; missing bars are not invented")
    arrays = {c: frame[c].to_numpy() for c in OHLCV}
    for col, x in arrays.items():
        i = _first(~np.isfinite(x))
        if i is not None:
            raise where.error("non-finite value", i, col, "a finite number", _num(x[i]),
                              "fix the row in the source; NaN and Inf are never repaired")
    for col in PRICES:
        i = _first(arrays[col] <= 0)
        if i is not None:
            raise where.error("non-positive price", i, col, "a price > 0", _num(arrays[col][i]),
                              "fix the row in the source; prices are never repaired")
    i = _first(arrays["volume"] < 0)
    if i is not None:
        raise where.error("negative volume", i, "volume", "volume >= 0", _num(arrays["volume"][i]),
                          "fix the row in the source")
    i = _first(arrays["high"] < arrays["low"])
    if i is not None:
        raise where.error("high below low", i, "high", f"high >= low = {_num(arrays['low'][i])}",
                          f"high = {_num(arrays['high'][i])}",
                          "check the column order of the source (high and low may be swapped); never repaired")


def _check_order(frame: pl.DataFrame, where: _Where, repair: bool, report: ValidationReport) -> pl.DataFrame:
    ts = frame["timestamp"].dt.epoch("ms").to_numpy()
    bad = np.diff(ts) <= 0
    i = _first(bad)
    if i is None:
        return frame
    if not repair:
        j = i + 1
        what = "duplicate timestamp" if ts[j] == ts[i] else "timestamps not sorted"
        raise where.error(what, j, "timestamp", f"a time after {format_ts(ts[i])} ({where.row(i)})",
                          format_ts(ts[j]), "sort and de-duplicate the source, or pass --repair "
                          "(sorts, drops exact duplicates, keeps the last row of a repeated timestamp)")
    n_unsorted = int((np.diff(ts) < 0).sum())
    if n_unsorted:
        frame = frame.sort("timestamp", maintain_order=True)
        report.changes.append(f"sorted by timestamp: {n_unsorted} rows were earlier than the row before them")
    cols = [c for c in frame.columns if c != _ROW]
    exact = frame.select(pl.struct(cols).is_first_distinct().not_().alias("d"))["d"].to_numpy()
    for k in np.flatnonzero(exact):
        report.changes.append(f"dropped {where.row(int(frame[_ROW][int(k)]))}: exact duplicate of an earlier row "
                              f"at {format_ts(frame['timestamp'].dt.epoch('ms')[int(k)])}")
    frame = frame.filter(~pl.Series(exact))
    # Stable sort kept file order within a timestamp, so the last row of each run is the last in the file.
    dup = frame.select(pl.col("timestamp").is_last_distinct().not_().alias("d"))["d"].to_numpy()
    for k in np.flatnonzero(dup):
        r = frame.row(int(k), named=True)
        vals = ", ".join(f"{c}={_num(r[c])}" for c in OHLCV)
        report.changes.append(f"dropped {where.row(int(r[_ROW]))}: timestamp {format_ts(ts_ms(r['timestamp']))} "
                              f"repeats; kept the last row with it ({vals} dropped)")
    return frame.filter(~pl.Series(dup))


def ts_ms(dt: datetime) -> int:
    return int(round(dt.timestamp() * 1000))


def _check_high_low(frame: pl.DataFrame, where: _Where, repair: bool, report: ValidationReport) -> pl.DataFrame:
    o, h, l, c = (frame[k].to_numpy() for k in PRICES)
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    bad_h, bad_l = h < top, l > bottom
    if not (bad_h.any() or bad_l.any()):
        return frame
    rows = frame[_ROW].to_numpy()
    if not repair:
        ih, il = _first(bad_h), _first(bad_l)
        if il is None or (ih is not None and ih <= il):
            i, col, exp, found = ih, "high", f"high >= max(open, close) = {_num(top[ih])}", _num(h[ih])
        else:
            i, col, exp, found = il, "low", f"low <= min(open, close) = {_num(bottom[il])}", _num(l[il])
        raise where.error(f"{col} does not contain the open/close range", int(rows[i]), col, exp, found,
                          "fix the source, or pass --repair (raises high / lowers low to include open and close)")
    for k in np.flatnonzero(bad_h | bad_l):
        parts = []
        if bad_h[k]:
            parts.append(f"high {_num(h[k])} -> {_num(top[k])}")
        if bad_l[k]:
            parts.append(f"low {_num(l[k])} -> {_num(bottom[k])}")
        report.changes.append(f"{where.row(int(rows[k]))}: " + ", ".join(parts) + " (to include open and close)")
    return frame.with_columns(pl.Series("high", np.maximum(h, top)), pl.Series("low", np.minimum(l, bottom)))


def _report_gaps(ts: np.ndarray, report: ValidationReport) -> None:
    step = report.interval_ms
    if not step or ts.shape[0] < 2:
        return
    d = np.diff(ts)
    gap = d > step
    report.gaps = int(gap.sum())
    report.off_grid = int((d % step != 0).sum())
    if report.gaps:
        report.missing_bars = int((d[gap] // step - 1).sum())
        report.largest_gap_ms = int(d[gap].max())
        for k in np.flatnonzero(gap)[:_MAX_GAP_EXAMPLES]:
            report.gap_examples.append(f"{format_ts(ts[k])} -> {format_ts(ts[k + 1])} "
                                       f"({format_interval(int(d[k]))}, {int(d[k] // step - 1)} missing bars)")

"""OHLCV from CSV and Parquet files: generic exports and Binance klines, to the OHLCV contract.

Accepted layouts:

- **generic**: a time column named ``timestamp``, ``date``, ``datetime``, ``time`` or
  ``open_time`` (any capitalization) holding epoch seconds / milliseconds / microseconds /
  nanoseconds (told apart per row by magnitude) or ISO strings, plus ``open, high, low, close,
  volume`` in any capitalization;
- **Binance kline export** with a header (``open_time`` in ms, extra columns such as
  ``num_trades``) or without one (the 12 columns of data.binance.vision, named below).

ISO strings may carry an offset (``+02:00``, ``Z``); one file must use one convention: rows
with different offsets, or naive rows mixed with aware ones, are an error (their order in time
is ambiguous). Naive times are read as UTC.

Output: ``timestamp`` Datetime(ms, UTC), ``open, high, low, close, volume`` float64, then the
file's other columns in file order (unchanged names and inferred types). Not yet validated:
see :func:`~.validate.validate_ohlcv`.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ..errors import DataValidationError
from .validate import OHLCV

__all__ = ["TIME_COLUMNS", "BINANCE_COLUMNS", "read_ohlcv_file"]

TIME_COLUMNS = ("timestamp", "date", "datetime", "time", "open_time")
BINANCE_COLUMNS = ("open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
                   "num_trades", "taker_base_vol", "taker_quote_vol", "ignore")
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$"


def read_ohlcv_file(path: str | Path) -> tuple[pl.DataFrame, int | None]:
    """Read ``path`` (``.csv``/``.txt`` or ``.parquet``/``.pq``) → (contract frame, header_lines).

    ``header_lines`` is 1 for a CSV with a header, 0 for a headerless Binance export, None for
    Parquet; validation uses it to name file lines. Raises :class:`DataValidationError` naming
    the file, the 1-based data row and the column for: no rows, a missing column, text in a
    numeric column, an unparseable or mixed-time-zone timestamp.
    """
    p = Path(path)
    src = str(p)
    if not p.is_file():
        raise DataValidationError("data file not found", source=src, expected="an existing CSV or Parquet file",
                                  found="no such file", fix="check the --data path")
    suffix = p.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        try:
            raw = pl.read_parquet(p)
        except Exception as exc:  # noqa: BLE001 - pyarrow/polars raise many types for a bad file
            raise DataValidationError("unreadable Parquet file", source=src, expected="a Parquet file",
                                      found=f"{type(exc).__name__}: {exc}", fix="re-export the file") from None
        header = None
    elif suffix in {".csv", ".txt"}:
        raw, header = _read_csv(p)
    else:
        raise DataValidationError("unsupported file type", source=src, expected=".csv, .txt, .parquet or .pq",
                                  found=f"'{p.suffix}'", fix="export the data as CSV or Parquet")
    return _to_contract(raw, src, header), header


def _read_csv(p: Path) -> tuple[pl.DataFrame, int]:
    src = str(p)
    with open(p, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().strip()
    if not first:
        raise DataValidationError("no data rows", source=src, expected="a header and at least one OHLCV row",
                                  found="an empty file", fix="check the export")
    cells = [c.strip() for c in first.split(",")]
    headerless = all(re.match(_NUMBER, c) for c in cells if c)
    names = None
    if headerless:
        if len(cells) < 6:
            raise DataValidationError("headerless CSV with too few columns", source=src, row=1,
                                      expected="a header row, or a Binance kline export (>= 6 numeric columns)",
                                      found=f"{len(cells)} columns", fix="add a header: timestamp,open,high,low,close,volume")
        names = list(BINANCE_COLUMNS[: len(cells)]) + [f"column_{k}" for k in range(12, len(cells))]
    try:  # every column as text: typed below, with errors naming the row (full-file inference is slow)
        raw = pl.read_csv(p, has_header=not headerless, new_columns=names, infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise DataValidationError("CSV could not be parsed", source=src, expected="comma-separated rows with the "
                                  "header's column count", found=str(exc).splitlines()[0],
                                  fix="check the file for stray separators or truncated lines") from None
    core = {c.strip().lower() for c in (*OHLCV, *TIME_COLUMNS)}
    return raw.with_columns(_infer_text(raw[c]) for c in raw.columns if c.strip().lower() not in core), \
        0 if headerless else 1


def _infer_text(s: pl.Series) -> pl.Series:
    """An extra text column → Int64, else Float64, else unchanged text."""
    for dtype in (pl.Int64, pl.Float64):
        try:
            return s.str.strip_chars().cast(dtype, strict=True)
        except pl.exceptions.InvalidOperationError:
            continue
    return s


def _to_contract(raw: pl.DataFrame, src: str, header: int | None) -> pl.DataFrame:
    lower: dict[str, str] = {}
    for c in raw.columns:
        key = c.strip().lower()
        if key in lower and key in (*OHLCV, *TIME_COLUMNS):
            raise DataValidationError("ambiguous column", source=src, column=c, expected=f"one column named '{key}'",
                                      found=f"'{lower[key]}' and '{c}'", fix="rename or remove one of them")
        lower.setdefault(key, c)
    time_col = next((lower[t] for t in TIME_COLUMNS if t in lower), None)
    need = [c for c in OHLCV if c not in lower]
    if time_col is None or need:
        missing = need[0] if need else "timestamp"
        raise DataValidationError(
            "missing column", source=src, column=missing,
            expected="a time column (" + "/".join(TIME_COLUMNS) + ") and " + ", ".join(OHLCV) + " (any capitalization)",
            found=f"columns {raw.columns}", fix="rename the columns in the file's header")
    if raw.height == 0:
        raise DataValidationError("no data rows", source=src, expected="at least one OHLCV row",
                                  found="a header and no rows", fix="check the export")
    ts = _parse_time(raw[time_col], src, time_col, header)
    cols = [ts.alias("timestamp")]
    for c in OHLCV:
        cols.append(_parse_number(raw[lower[c]], src, lower[c], header).alias(c))
    used = {time_col, *(lower[c] for c in OHLCV)}
    extras = [raw[c] for c in raw.columns if c not in used and c not in {"timestamp", *OHLCV}]
    return pl.DataFrame(cols + extras)


def _row_text(i: int, header: int | None) -> str:
    line = f", file line {i + 1 + header}" if header is not None else ""
    return f"data row {i + 1}{line}; rows count data rows from 1, header excluded"


def _bad_cell(what: str, s: pl.Series, bad: pl.Series, src: str, col: str, header: int | None, expected: str,
              fix: str) -> DataValidationError:
    i = int(bad.arg_max())
    return DataValidationError(f"{what} ({_row_text(i, header)})", source=src, row=i + 1, column=col,
                               expected=expected, found=repr(s[i]), fix=fix)


def _parse_number(s: pl.Series, src: str, col: str, header: int | None) -> pl.Series:
    """Any column → Float64; text that is not a number is an error naming the first such row."""
    if s.dtype == pl.String:
        text = s.str.strip_chars()
        out = text.cast(pl.Float64, strict=False)
        bad = out.is_null() & text.is_not_null() & (text != "")
        if bad.any():
            raise _bad_cell("text in a numeric column", s, bad, src, col, header, "a number",
                            "fix the cell in the source (thousands separators and units are not numbers)")
        return out
    if s.dtype.is_numeric() or s.dtype == pl.Boolean:
        return s.cast(pl.Float64)
    raise DataValidationError("numeric column has the wrong type", source=src, column=col, expected="numbers",
                              found=str(s.dtype), fix="store prices and volume as numbers")


def _epoch_to_ms(v: pl.Expr) -> pl.Expr:
    """Epoch number → ms, the unit told by magnitude per row (s < 1e11 ≤ ms < 1e14 ≤ us < 1e17 ≤ ns)."""
    return (pl.when(v.abs() < 1e11).then(v * 1000).when(v.abs() < 1e14).then(v)
            .when(v.abs() < 1e17).then(v / 1000).otherwise(v / 1e6)).round(0).cast(pl.Int64)


def _parse_time(s: pl.Series, src: str, col: str, header: int | None) -> pl.Series:
    """A time column → Datetime(ms, UTC)."""
    fix_time = "write times as epoch seconds/milliseconds or ISO 8601 (2021-01-01T04:00:00+00:00)"
    if isinstance(s.dtype, pl.Datetime):
        out = s if s.dtype.time_zone is not None else s.dt.replace_time_zone("UTC")
        return out.dt.convert_time_zone("UTC").dt.cast_time_unit("ms")
    if s.dtype == pl.Date:
        return s.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    if s.dtype.is_numeric():
        return pl.select(_epoch_to_ms(pl.lit(s).cast(pl.Float64))).to_series().cast(pl.Datetime("ms")) \
            .dt.replace_time_zone("UTC")
    if s.dtype != pl.String:
        raise DataValidationError("time column has the wrong type", source=src, column=col,
                                  expected="epoch numbers, ISO strings or datetimes", found=str(s.dtype), fix=fix_time)
    text = s.str.strip_chars()
    present = text.is_not_null() & (text != "")
    if not present.any():  # validation reports the missing values
        return pl.Series(col, [None] * s.len(), dtype=pl.Datetime("ms", "UTC"))
    if re.match(_NUMBER, text[int(present.arg_max())]):  # epoch numbers, as data row 1 shows
        number = text.cast(pl.Float64, strict=False)
        bad = number.is_null() & present
        if bad.any():
            raise _bad_cell("unparseable timestamp", s, bad, src, col, header,
                            "an epoch number like the first row", fix_time)
        ms = pl.select(_epoch_to_ms(pl.lit(number))).to_series()
        return ms.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    _check_offsets(text, present, src, col, header)
    out = text.str.to_datetime(time_unit="ms", strict=False)
    if out.dtype == pl.Datetime("ms") and out.is_null().sum() > (~present).sum():
        as_date = text.str.to_date(strict=False)  # date-only strings: 2021-01-01
        if as_date.is_null().sum() < out.is_null().sum():
            out = as_date.cast(pl.Datetime("ms"))
    bad = out.is_null() & present
    if bad.any():
        raise _bad_cell("unparseable timestamp", s, bad, src, col, header,
                        "a timestamp in the same format as the first row", fix_time)
    if out.dtype.time_zone is None:  # type: ignore[union-attr]
        out = out.dt.replace_time_zone("UTC")
    return out.dt.convert_time_zone("UTC")


def _check_offsets(text: pl.Series, present: pl.Series, src: str, col: str, header: int | None) -> None:
    """Refuse rows with different UTC offsets, or naive rows mixed with aware ones.

    Fast path: rows ending with data row 1's literal offset (or, for a naive row 1, rows with no
    offset-like ending) are consistent; only the others go through the full regex.
    """
    i0 = int(present.arg_max())
    m = re.search(_OFFSET, text[i0])
    if m is not None:
        suspects = present & ~text.str.ends_with(m.group(1))
    else:
        suspects = present & text.str.contains(r"(Z|[+-]\d{2}:?\d{2})$")
    if not suspects.any():
        return
    first = _norm_offset(m.group(1)) if m else None
    idx = suspects.arg_true()
    off = text.gather(idx).str.extract(_OFFSET, 1)
    for k, o in zip(idx.to_list(), off.to_list()):
        if (_norm_offset(o) if o is not None else None) != first:
            raise DataValidationError(
                f"mixed time zones in the time column ({_row_text(k, header)})", source=src, row=k + 1, column=col,
                expected=f"every row with the offset of data row {i0 + 1} ({first or 'none: naive UTC'})",
                found=f"{text[k]!r} (offset {o or 'none'})",
                fix="export every time in one zone, preferably UTC (e.g. 2021-01-01T04:00:00+00:00)")


def _norm_offset(o: str) -> str:
    """'Z' / '+0000' / '+00:00' → '+00:00'."""
    if o == "Z":
        return "+00:00"
    return o if ":" in o else f"{o[:3]}:{o[3:]}"

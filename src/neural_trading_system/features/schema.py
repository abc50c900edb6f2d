"""Feature names, the candidate list in priority order, and the input schema check.

A feature name is ``<source>|<op>``:

* ``<column>|lvl``: the normalized level of a captured column: ``log(value / close)`` for
  price-like lines, the value itself for oscillators;
* ``<column>|d<k>``: level_t - level_{t-k} for every ``k`` in ``diff_lags``;
* ``<column>|<stat><w>`` for every ``w`` in ``lookback_windows`` over the last ``w`` levels:
  ``mean``, ``std`` (population), ``z`` ((last - mean) / std, 0 on a flat window), ``dmin``
  (last - min), ``dmax`` (max - last), ``slope`` (least-squares slope per bar);
* market features from OHLCV: ``ret|<k>`` log(close_t / close_{t-k}); ``rv|<w>`` std of the
  one-bar log returns over ``w`` bars; ``volume|z<w>`` z-score of log1p(volume);
  ``candle|body``, ``candle|upper``, ``candle|lower`` (body and wicks as fractions of the bar's
  range, 0 on a flat bar) and ``candle|range`` log(high / low).

The candidate order is the selection priority: market features, then every level, then the
differences by lag, then the summaries by window (shortest first).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..config import FeatureConfig
from ..errors import SchemaMismatchError

__all__ = [
    "OHLCV",
    "STATS",
    "RET1",
    "LOGVOL",
    "FeatureRef",
    "InputFrame",
    "resolve_input",
    "candidate_names",
    "parse_feature",
    "schema_hash",
    "is_captured_column",
    "check_schema",
    "check_columns",
]

OHLCV = ("open", "high", "low", "close", "volume")
#: rolling summaries, in the column order of the window kernel's index table
STATS = ("mean", "std", "z", "dmin", "dmax", "slope")
CANDLE = ("body", "upper", "lower", "range")
#: pseudo level series the market features are summaries of
RET1 = "_ret1"
LOGVOL = "_logvol"

_OP = re.compile(r"^(lvl|d(\d+)|(mean|std|z|dmin|dmax|slope)(\d+))$")


@dataclass(frozen=True)
class FeatureRef:
    """One parsed feature: where it comes from and which operation makes it.

    ``kind`` is ``lvl``, ``diff``, ``stat``, ``ret`` or ``candle``; ``source`` a captured
    column, :data:`RET1`, :data:`LOGVOL` or ``''`` (ret/candle); ``param`` the lag/window/horizon;
    ``stat`` the summary name (kind ``stat``) or candle part (kind ``candle``).
    """

    kind: str
    source: str
    param: int = 0
    stat: str = ""

    @property
    def history(self) -> int:
        """Bars of level history the feature reads, the current bar included."""
        if self.kind in ("diff", "ret"):
            return self.param + 1
        if self.kind == "stat":
            return self.param + (1 if self.source == RET1 else 0)
        return 1


def parse_feature(name: str) -> FeatureRef:
    """Parse a feature name (see the module docstring); raises SchemaMismatchError if malformed."""
    source, sep, op = name.rpartition("|")
    if not sep or not source:
        raise SchemaMismatchError(f"feature name '{name}': expected '<source>|<op>' (e.g. 'rsi_14.rsi|z20')")
    try:
        if source == "ret":
            return FeatureRef("ret", "", int(op))
        if source == "rv":
            return FeatureRef("stat", RET1, int(op), "std")
        if source == "volume" and op.startswith("z"):
            return FeatureRef("stat", LOGVOL, int(op[1:]), "z")
        if source == "candle" and op in CANDLE:
            return FeatureRef("candle", "", 0, op)
    except ValueError:
        pass
    m = _OP.match(op)
    if m is None or source in ("ret", "rv", "volume", "candle"):
        raise SchemaMismatchError(
            f"feature name '{name}': unknown operation '{op}'; expected lvl, d<k>, "
            f"{'/'.join(STATS)}<w>, ret|<k>, rv|<w>, volume|z<w> or candle|{'/'.join(CANDLE)}")
    if m.group(1) == "lvl":
        return FeatureRef("lvl", source)
    if m.group(2) is not None:
        return FeatureRef("diff", source, int(m.group(2)))
    return FeatureRef("stat", source, int(m.group(4)), m.group(3))


def candidate_names(columns: list[str], cfg: FeatureConfig) -> list[str]:
    """Every candidate feature for ``columns``, in selection priority order."""
    names = [f"ret|{k}" for k in cfg.return_horizons]
    names += [f"rv|{w}" for w in cfg.lookback_windows]
    names += [f"volume|z{w}" for w in cfg.lookback_windows]
    names += [f"candle|{p}" for p in CANDLE]
    names += [f"{c}|lvl" for c in columns]
    for k in cfg.diff_lags:
        names += [f"{c}|d{k}" for c in columns]
    for w in cfg.lookback_windows:
        for s in STATS:
            if s in cfg.summary_stats:
                names += [f"{c}|{s}{w}" for c in columns]
    return names


@dataclass
class InputFrame:
    """The extractor's view of a captured frame: OHLCV and captured columns as float64 arrays.

    ``ohlcv``: name -> (N,) float64; ``columns``: captured column names in frame order;
    ``price_like``: column -> bool (None when the caller gave no metadata).
    """

    frame: pl.DataFrame
    columns: list[str]
    price_like: dict[str, bool] | None

    @property
    def n(self) -> int:
        return self.frame.height

    def ohlcv(self, rows: slice = slice(None)) -> dict[str, np.ndarray]:
        return {k: self.frame[k].to_numpy()[rows].astype(np.float64, copy=False) for k in OHLCV}

    def matrix(self, cols: list[str], rows: slice = slice(None)) -> np.ndarray:
        """(len(cols), N) float64 C-contiguous: one row per column (kernels walk a column's bars)."""
        if not cols:
            return np.empty((0, len(range(self.n)[rows])), dtype=np.float64)
        wanted = set(cols)
        # drop + to_numpy is several times faster than select(cols) on a short live buffer
        order = [c for c in self.frame.columns if c in wanted]
        block = self.frame.drop([c for c in self.frame.columns if c not in wanted]).to_numpy()[rows]  # (N, C)
        if order != cols:
            pos = {c: i for i, c in enumerate(order)}
            block = block[:, [pos[c] for c in cols]]
        return np.ascontiguousarray(block.T, dtype=np.float64)


def _price_like_of(meta: Any) -> bool:
    if isinstance(meta, Mapping):
        return bool(meta["price_like"])
    return bool(meta.price_like)


def resolve_input(data: Any, price_like: set[str] | Mapping[str, bool] | None = None) -> InputFrame:
    """Accept a ``Captured`` (duck-typed ``.frame``/``.meta``), a Polars frame, or a mapping of arrays.

    Captured columns are those named ``<indicator>.<line>``; other extra columns (exchange
    extras) are ignored. ``price_like``: set of column names, or column -> bool.
    """
    meta = None
    if hasattr(data, "frame") and hasattr(data, "meta"):
        frame, meta = data.frame, data.meta
    elif isinstance(data, pl.DataFrame):
        frame = data
    elif isinstance(data, Mapping):
        frame = pl.DataFrame({k: np.asarray(v) for k, v in data.items()})
    else:
        raise SchemaMismatchError(
            f"feature input: expected a Captured (frame, meta), a polars DataFrame or a mapping of arrays, "
            f"found {type(data).__name__}")
    missing = [k for k in OHLCV if k not in frame.columns]
    if missing:
        raise SchemaMismatchError(
            f"feature input frame: missing OHLCV column(s) {missing}; expected timestamp, {', '.join(OHLCV)} "
            f"then '<indicator>.<line>' columns (the capture stage's indicator frame)")
    columns = [c for c in frame.columns if is_captured_column(c)]
    pl_map: dict[str, bool] | None = None
    if meta is not None:
        pl_map = {c: _price_like_of(meta[c]) for c in columns if c in meta}
    if price_like is not None:
        given = dict(price_like) if isinstance(price_like, Mapping) else {c: c in price_like for c in columns}
        pl_map = {**(pl_map or {}), **{c: bool(given.get(c, False)) for c in columns}}
    return InputFrame(frame, columns, pl_map)


def is_captured_column(name: str) -> bool:
    """A captured indicator line ``<indicator>.<line>`` (not a label ``target_*`` or an exchange extra)."""
    return "." in name and not name.startswith("target_")


def schema_hash(input_columns: list[str], price_like: list[bool], feature_names: list[str]) -> str:
    """sha256 of the schema: inputs (with their price-like flags) and the output feature names."""
    blob = json.dumps({"inputs": input_columns, "price_like": price_like, "features": feature_names,
                       "format": 1}, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def check_schema(inp: InputFrame, input_columns: list[str], ignored: list[str],
                 price_like: dict[str, bool]) -> None:
    """Raise SchemaMismatchError listing missing and extra captured columns (or flipped price-like flags)."""
    check_columns(inp.columns, input_columns, ignored, price_like, inp.price_like)


def check_columns(columns: list[str], input_columns: list[str], ignored: list[str],
                  price_like: dict[str, bool], found_price_like: dict[str, bool] | None = None) -> None:
    """:func:`check_schema` on a bare list of captured column names (``found_price_like``: their flags, if known)."""
    have = set(columns)
    missing = [c for c in input_columns if c not in have]
    expected = set(input_columns) | set(ignored)
    extra = [c for c in columns if c not in expected]
    flipped = []
    if found_price_like is not None:
        flipped = [c for c in input_columns if c in found_price_like and found_price_like[c] != price_like[c]]
    if missing or extra or flipped:
        raise SchemaMismatchError(
            f"captured columns differ from the fitted feature schema: missing {len(missing)} {missing}, "
            f"extra {len(extra)} {extra}"
            + (f", price-like flag changed for {flipped}" if flipped else "")
            + f"; expected the {len(input_columns)} columns the extractor was fitted on. Fix: capture with the "
            "same indicator suite, or re-fit the extractor on this data (no padding or truncation is done)")

"""Resampling OHLCV bars to a coarser interval with Polars ``group_by_dynamic``.

Buckets are left-closed and labelled by their start, aligned to the Unix epoch in UTC (a 4h bucket
starts at 00:00, 04:00, ...; weeks start on Monday as in Polars). Aggregation: open = first,
high = max, low = min, close = last, volume = sum. Extra columns are dropped (their aggregation
is not known; a log line says which). A bucket with fewer source bars than it should hold
(a gap, or the edges of the data) is kept; their count is logged.
"""

from __future__ import annotations

import logging

import polars as pl

from ..errors import ConfigError
from .intervals import format_interval, parse_interval
from .validate import OHLCV

__all__ = ["resample_ohlcv"]

log = logging.getLogger(__name__)


def resample_ohlcv(frame: pl.DataFrame, source_ms: int, target: str, keep_last: tuple[str, ...] = ()) -> pl.DataFrame:
    """Aggregate ``frame`` (OHLCV contract, bars every ``source_ms``) into ``target`` bars ('4h', '1d').

    ``keep_last``: extra columns kept with the value of the bucket's last bar (e.g. the true regime).

    A target finer than the source, or not a whole multiple of it, is a :class:`ConfigError`.
    The same interval returns the frame unchanged.
    """
    target_ms = parse_interval(target, "data.resample")
    src = format_interval(source_ms)
    if target_ms < source_ms:
        raise ConfigError(
            f"config key 'data.resample': cannot resample {src} bars to the finer interval {target}; "
            f"expected an interval >= {src} (resampling only aggregates, it cannot invent bars)")
    if target_ms % source_ms:
        raise ConfigError(
            f"config key 'data.resample': {target} is not a whole multiple of the data's {src} bars; "
            f"expected a multiple such as {format_interval(source_ms * 2)} or {format_interval(source_ms * 6)}")
    if target_ms == source_ms:
        return frame
    extras = [c for c in frame.columns if c not in ("timestamp", *OHLCV, *keep_last)]
    if extras:
        log.info("resample to %s drops extra columns %s (no known aggregation)", target, extras)
    out = (
        frame.sort("timestamp")
        .group_by_dynamic("timestamp", every=format_interval(target_ms), closed="left", label="left")
        .agg(pl.col("open").first(), pl.col("high").max(), pl.col("low").min(), pl.col("close").last(),
             pl.col("volume").sum(), *(pl.col(c).last() for c in keep_last), pl.len().alias("_n"))
    )
    partial = int((out["_n"] < target_ms // source_ms).sum())
    if partial:
        log.info("resample %s -> %s: %d of %d buckets hold fewer than %d bars (gaps or data edges); kept",
                 src, target, partial, out.height, target_ms // source_ms)
    return out.drop("_n")

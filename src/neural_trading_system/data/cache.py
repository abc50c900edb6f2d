"""The date-scoped Parquet cache: ``<key>_<interval>_<start>_<end>.parquet`` with a sha256 sidecar.

``key`` is a sanitized symbol (``BTC/USDT`` → ``BTCUSDT``) for exchange downloads, or the source
file's stem plus the first 12 hex digits of its sha256 for file loads (so an edited source file
misses the cache). ``start`` is inclusive and ``end`` exclusive, written ``20210101`` or
``20210101T0400`` (UTC). A cached file is reused when its window covers the requested one and
is filtered in memory to the exact window. Files are written atomically (temp file + rename)
with ``<file>.sha256`` beside them; a file whose digest does not match (truncated, edited) or
that cannot be read is logged, deleted and rebuilt by the caller.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from ..artifacts import atomic_path, verify_sha256_sidecar, write_sha256_sidecar
from .intervals import format_ms

__all__ = ["sanitize_key", "cache_path", "find_cached", "read_cached", "write_cache", "filter_window"]

log = logging.getLogger(__name__)


def sanitize_key(text: str) -> str:
    """``'BTC/USDT'`` → ``'BTCUSDT'``; any other character outside ``[A-Za-z0-9.-]`` becomes ``-``."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text.replace("/", "")).strip("-") or "data"


def cache_path(data_dir: str | Path, key: str, interval: str, start_ms: int, end_ms: int) -> Path:
    return Path(data_dir) / f"{sanitize_key(key)}_{interval}_{format_ms(start_ms)}_{format_ms(end_ms)}.parquet"


def _parse_stamp(text: str) -> int | None:
    for fmt in ("%Y%m%d", "%Y%m%dT%H%M", "%Y%m%dT%H%M%S"):
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp() * 1000)
        except ValueError:
            continue
    return None


def _discard(path: Path, why: str) -> None:
    log.warning("cache %s %s; deleting it and rebuilding", path, why)
    for p in (path, path.with_name(path.name + ".sha256")):
        p.unlink(missing_ok=True)


def find_cached(data_dir: str | Path, key: str, interval: str | None, start_ms: int | None,
                end_ms: int | None) -> Path | None:
    """A verified cache file for ``key`` (any interval when None) covering ``[start_ms, end_ms)``.

    ``None`` bounds mean "whatever the file holds". Files failing their sha256 check are deleted.
    """
    root = Path(data_dir)
    if not root.is_dir():
        return None
    pattern = f"{sanitize_key(key)}_{interval or '*'}_*_*.parquet"
    for path in sorted(root.glob(pattern)):
        parts = path.stem.rsplit("_", 3)
        if len(parts) != 4 or parts[0] != sanitize_key(key):
            continue
        lo, hi = _parse_stamp(parts[2]), _parse_stamp(parts[3])
        if lo is None or hi is None:
            continue
        if (start_ms is not None and lo > start_ms) or (end_ms is not None and hi < end_ms):
            continue
        if not verify_sha256_sidecar(path):
            _discard(path, "fails its sha256 check (truncated, edited or missing its .sha256)")
            continue
        log.info("using cache %s", path)
        return path
    return None


def filter_window(frame: pl.DataFrame, start_ms: int | None, end_ms: int | None) -> pl.DataFrame:
    """Rows with ``start_ms <= timestamp < end_ms`` (None: unbounded)."""
    ts = pl.col("timestamp").dt.epoch("ms")
    if start_ms is not None:
        frame = frame.filter(ts >= start_ms)
    if end_ms is not None:
        frame = frame.filter(ts < end_ms)
    return frame


def read_cached(path: Path, start_ms: int | None, end_ms: int | None) -> pl.DataFrame | None:
    """Read a verified cache file filtered to the window; None (file discarded) if it cannot be read."""
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - a damaged Parquet file raises many types
        _discard(path, f"cannot be read ({type(exc).__name__}: {exc})")
        return None
    return filter_window(frame, start_ms, end_ms)


def write_cache(frame: pl.DataFrame, path: Path) -> Path | None:
    """Write ``frame`` to ``path`` atomically with its sha256 sidecar; None (logged) if that fails."""
    try:
        with atomic_path(path) as tmp:
            frame.write_parquet(tmp, compression="zstd")
        write_sha256_sidecar(path)
    except OSError as exc:
        log.warning("could not write cache %s (%s); continuing without it", path, exc)
        return None
    log.info("wrote cache %s (%d rows)", path, frame.height)
    return path

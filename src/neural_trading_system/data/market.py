"""``load_market``: one validated OHLCV frame from the configured source, plus its identity.

Order of work: obtain (synthetic generator, file through the cache, exchange through the
cache) → validate (with the explicit repair option for files and downloads) → keep the window
``start <= timestamp < end`` → resample → validate the result → hash it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ..artifacts import sha256_file
from ..config import DataConfig
from ..errors import ConfigError, DataValidationError
from . import cache
from .exchange import download_ohlcv, make_exchange
from .files import read_ohlcv_file
from .intervals import format_interval, parse_date_ms, parse_interval
from .resample import resample_ohlcv
from .synthetic import DEFAULT_START_MS, generate_market
from .validate import OHLCV, ValidationReport, format_ts, validate_ohlcv

__all__ = ["MarketData", "load_market", "frame_sha256"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketData:
    """A validated market: the OHLCV frame and what it is."""

    frame: pl.DataFrame
    """OHLCV contract: ``timestamp`` Datetime(ms, UTC), float64 ``open, high, low, close, volume``, extras."""
    regimes: np.ndarray | None
    """``(N,) int8`` true regime of every bar (index into ``regime_names``); synthetic only."""
    regime_names: tuple[str, ...]
    symbol: str
    interval: str
    """Bar interval, e.g. ``'4h'`` (inferred from the median spacing for files)."""
    source: str
    """Where it came from, in words (file path, exchange and symbol, synthetic seed)."""
    sha256: str
    """:func:`frame_sha256` of ``frame``."""
    report: ValidationReport | None = None
    """Gaps found and every repair made (``report.changes``)."""


def frame_sha256(frame: pl.DataFrame) -> str:
    """sha256 of the timestamps (int64 epoch ms) and the five OHLCV float64 columns, byte for byte."""
    h = hashlib.sha256(b"ohlcv-v1")
    h.update(np.ascontiguousarray(frame["timestamp"].dt.epoch("ms").to_numpy(), dtype=np.int64).tobytes())
    for c in OHLCV:
        h.update(np.ascontiguousarray(frame[c].to_numpy(), dtype=np.float64).tobytes())
    return h.hexdigest()


def load_market(cfg: DataConfig, seed: int) -> MarketData:
    """Load the market ``cfg.source`` names ('synthetic', 'file', 'exchange'), validated.

    Raises :class:`DataValidationError` for bad data, :class:`ConfigError` for bad settings and
    :class:`~..errors.DataSourceError` when a download fails.
    """
    start_ms = parse_date_ms(cfg.start, "data.start") if cfg.start else None
    end_ms = parse_date_ms(cfg.end, "data.end") if cfg.end else None
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        raise ConfigError(f"config keys 'data.start'/'data.end': expected start before end, found "
                          f"start {cfg.start} and end {cfg.end}")
    regimes, names, changes = None, (), []
    if cfg.source == "synthetic":
        step = parse_interval(cfg.interval)
        frame, regimes, names = generate_market(cfg.synthetic_bars, seed, interval_ms=step,
                                                start_ms=start_ms if start_ms is not None else DEFAULT_START_MS,
                                                null=cfg.null_market)
        symbol = "SYNTH-NULL" if cfg.null_market else "SYNTH"
        source = f"synthetic {'null ' if cfg.null_market else ''}market (seed {seed}, {cfg.synthetic_bars} bars)"
        frame = frame.with_columns(pl.Series("regime", regimes))
    elif cfg.source == "file":
        frame, step, symbol, source, changes = _load_file(cfg)
    elif cfg.source == "exchange":
        frame, step, symbol, source, changes = _load_exchange(cfg, start_ms, end_ms)
    else:  # pragma: no cover - pydantic restricts the literal
        raise ConfigError(f"config key 'data.source': unknown source {cfg.source!r}")

    covered = (frame["timestamp"].min(), frame["timestamp"].max())
    frame = cache.filter_window(frame, start_ms, end_ms)
    if frame.height == 0:
        raise DataValidationError(
            "no bars in the requested window", source=source, column="timestamp",
            expected=f"bars in [{cfg.start or 'start'}, {cfg.end or 'end'})", found=f"data from {covered[0]} to {covered[1]}",
            fix="widen or move --start/--end")
    if cfg.resample:
        frame = resample_ohlcv(frame, step, cfg.resample, keep_last=("regime",) if regimes is not None else ())
        step = parse_interval(cfg.resample, "data.resample")
    frame, report = validate_ohlcv(frame, source=source, interval_ms=step)
    report.changes = changes + report.changes
    if regimes is not None:
        regimes = frame["regime"].to_numpy().astype(np.int8)
        frame = frame.drop("regime")
    md = MarketData(frame=frame, regimes=regimes, regime_names=tuple(names), symbol=symbol,
                    interval=format_interval(step), source=source, sha256=frame_sha256(frame), report=report)
    log.info("market %s: %d %s bars, %s to %s", source, frame.height, md.interval,
             format_ts(frame["timestamp"].dt.epoch("ms")[0]), format_ts(frame["timestamp"].dt.epoch("ms")[-1]))
    return md


def _load_file(cfg: DataConfig) -> tuple[pl.DataFrame, int, str, str, list[str]]:
    if not cfg.path:
        raise ConfigError("config key 'data.path': source 'file' needs a path; pass --data FILE")
    path = Path(cfg.path)
    if not path.is_file():
        raise DataValidationError("data file not found", source=str(path), expected="an existing CSV or Parquet file",
                                  found="no such file", fix="check the --data path")
    key = f"{cache.sanitize_key(path.stem)}-{sha256_file(path)[:12]}"
    root = Path(cfg.data_dir) / "files"
    symbol = re.split(r"[-_ .]", path.stem)[0].upper() or path.stem
    changes: list[str] = []
    hit = None if cfg.force_recollect else cache.find_cached(root, key, None, None, None)
    frame = cache.read_cached(hit, None, None) if hit is not None else None
    if frame is None:
        raw, header = read_ohlcv_file(path)
        frame, report = validate_ohlcv(raw, source=str(path), repair=cfg.repair, header_lines=header)
        changes = report.changes
        step = report.interval_ms or parse_interval(cfg.interval)
        if not changes:  # a repaired frame is not cached: its report is shown on every load
            ts = frame["timestamp"].dt.epoch("ms")
            cache.write_cache(frame, cache.cache_path(root, key, format_interval(step), ts[0], ts[-1] + step))
    else:
        step = parse_interval(hit.stem.rsplit("_", 3)[1])
    return frame, step, symbol, str(path), changes


def _load_exchange(cfg: DataConfig, start_ms: int | None,
                   end_ms: int | None) -> tuple[pl.DataFrame, int, str, str, list[str]]:
    if start_ms is None:
        raise ConfigError("config key 'data.start': an exchange download needs a start date; pass --start 2021-01-01")
    step = parse_interval(cfg.interval)
    if end_ms is None:  # up to the last closed bar
        end_ms = int(time.time() * 1000) // step * step
    root = Path(cfg.data_dir) / cache.sanitize_key(cfg.exchange)
    source = f"{cfg.exchange} {cfg.symbol} {cfg.interval}"
    hit = None if cfg.force_recollect else cache.find_cached(root, cfg.symbol, cfg.interval, start_ms, end_ms)
    frame = cache.read_cached(hit, start_ms, end_ms) if hit is not None else None
    changes: list[str] = []
    if frame is None:
        raw = download_ohlcv(make_exchange(cfg.exchange), cfg.symbol, cfg.interval, step, start_ms, end_ms)
        if raw.height == 0:
            raise DataValidationError("the exchange returned no bars", source=source, column="timestamp",
                                      expected=f"bars from {cfg.start}", found="0 bars",
                                      fix="check the symbol's listing date and the --start/--end window")
        frame, report = validate_ohlcv(raw, source=source, interval_ms=step, repair=cfg.repair)
        changes = report.changes
        if not changes:
            cache.write_cache(frame, cache.cache_path(root, cfg.symbol, cfg.interval, start_ms, end_ms))
    return frame, step, cache.sanitize_key(cfg.symbol), source, changes

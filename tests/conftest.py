"""Shared fixtures: one builder for small seeded market data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
BTC_CSV = ROOT.parent / "shared" / "data" / "BTCUSDT-4h.csv"


def make_ohlcv(n: int = 600, seed: int = 0, gap_at: int | None = None, flat_from: int | None = None,
               flat_len: int = 0, start: str = "2021-01-01", every: str = "4h") -> pl.DataFrame:
    """A small seeded OHLCV frame (UTC timestamps), optionally with a gap and a flat stretch."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.01, n)
    close = 100 * np.exp(np.cumsum(r))
    open_ = np.concatenate([[100.0], close[:-1]])
    spread = np.abs(rng.normal(0, 0.006, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread * rng.uniform(0.2, 1.0, n)
    volume = rng.lognormal(3, 0.5, n)
    if flat_from is not None:
        sl = slice(flat_from, flat_from + flat_len)
        level = close[flat_from - 1]
        open_[sl] = high[sl] = low[sl] = close[sl] = level
        volume[sl] = 0.0
    start_dt = np.datetime64(start, "ms")
    step = {"4h": 4 * 3600_000, "1h": 3600_000, "1m": 60_000}[every]
    t = start_dt.astype(np.int64) + np.arange(n, dtype=np.int64) * step
    if gap_at is not None:
        t[gap_at:] += 3 * step
    frame = pl.DataFrame({
        "timestamp": pl.Series(t).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        "open": open_, "high": high, "low": low, "close": close, "volume": volume,
    })
    return frame


@pytest.fixture
def ohlcv() -> pl.DataFrame:
    return make_ohlcv()


@pytest.fixture
def ohlcv_arrays() -> dict[str, np.ndarray]:
    f = make_ohlcv(n=700, seed=3, flat_from=400, flat_len=6)
    return {k: f[k].to_numpy() for k in ("open", "high", "low", "close", "volume")}


@pytest.fixture
def btc_csv() -> Path:
    if not BTC_CSV.is_file():
        pytest.skip(f"{BTC_CSV} not present (shared data lives beside the project root)")
    return BTC_CSV

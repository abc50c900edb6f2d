"""The date-scoped Parquet cache: reuse, exact window, corruption detected and rebuilt, force, edited source."""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import pytest

from neural_trading_system.config import DataConfig
from neural_trading_system.data import find_cached, load_market
from neural_trading_system.data import market as market_module
from neural_trading_system.data.cache import cache_path, read_cached, write_cache
from tests.conftest import make_ohlcv

DAY = 86_400_000
T0 = 1_609_459_200_000  # 2021-01-01


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    p = tmp_path / "ETHUSDT-4h.csv"
    make_ohlcv(n=120, start="2021-01-01").with_columns(pl.col("timestamp").dt.epoch("ms")).write_csv(p)
    return p


def _cfg(path: Path, tmp_path: Path, **kw) -> DataConfig:
    return DataConfig(source="file", path=str(path), data_dir=str(tmp_path / "cache"), **kw)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    real = market_module.read_ohlcv_file

    def spy(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(market_module, "read_ohlcv_file", spy)
    return reads


def test_file_load_is_cached_and_reused(csv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    a = load_market(_cfg(csv_file, tmp_path), 0)
    b = load_market(_cfg(csv_file, tmp_path), 0)
    assert len(reads) == 1 and a.sha256 == b.sha256 and a.frame.equals(b.frame)
    names = sorted(p.name for p in (tmp_path / "cache" / "files").iterdir())
    assert len(names) == 2 and names[0].startswith("ETHUSDT-4h-") and names[0].endswith("_4h_20210101_20210121.parquet")
    assert names[1] == names[0] + ".sha256"


def test_window_filtered_in_memory(csv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    full = load_market(_cfg(csv_file, tmp_path), 0)
    part = load_market(_cfg(csv_file, tmp_path, start="2021-01-03", end="2021-01-05T12:00"), 0)
    assert len(reads) == 1
    assert part.frame.height == 15 and part.frame.equals(full.frame.slice(12, 15))


@pytest.mark.parametrize("damage", ["truncate", "edit", "sidecar"])
def test_corrupted_cache_is_rebuilt(csv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture, damage: str) -> None:
    reads = _count_reads(monkeypatch)
    first = load_market(_cfg(csv_file, tmp_path), 0)
    cached = next((tmp_path / "cache" / "files").glob("*.parquet"))
    if damage == "truncate":
        cached.write_bytes(cached.read_bytes()[:100])
    elif damage == "edit":
        data = bytearray(cached.read_bytes())
        data[len(data) // 2] ^= 0xFF
        cached.write_bytes(bytes(data))
    else:
        cached.with_name(cached.name + ".sha256").unlink()
    with caplog.at_level(logging.WARNING):
        again = load_market(_cfg(csv_file, tmp_path), 0)
    assert len(reads) == 2 and again.sha256 == first.sha256
    assert "fails its sha256 check" in caplog.text and cached.name in caplog.text
    assert find_cached(tmp_path / "cache" / "files", cached.name.rsplit("_", 3)[0], None, None, None) == cached


def test_force_recollect_bypasses(csv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    load_market(_cfg(csv_file, tmp_path), 0)
    load_market(_cfg(csv_file, tmp_path, force_recollect=True), 0)
    assert len(reads) == 2


def test_edited_source_file_misses_cache(csv_file: Path, tmp_path: Path) -> None:
    a = load_market(_cfg(csv_file, tmp_path), 0)
    lines = csv_file.read_text().splitlines()
    csv_file.write_text("\n".join(lines[:-1]) + "\n")  # drop the last bar
    b = load_market(_cfg(csv_file, tmp_path), 0)
    assert b.frame.height == a.frame.height - 1


def test_coverage_rules(tmp_path: Path) -> None:
    f = make_ohlcv(n=60, start="2021-01-01")  # 10 days
    path = cache_path(tmp_path, "BTC/USDT", "4h", T0, T0 + 10 * DAY)
    assert path.name == "BTCUSDT_4h_20210101_20210111.parquet"
    write_cache(f, path)
    assert find_cached(tmp_path, "BTC/USDT", "4h", T0 + DAY, T0 + 2 * DAY) == path
    assert find_cached(tmp_path, "BTC/USDT", "4h", T0 - DAY, T0 + 2 * DAY) is None   # starts earlier
    assert find_cached(tmp_path, "BTC/USDT", "4h", T0, T0 + 11 * DAY) is None        # ends later
    assert find_cached(tmp_path, "BTC/USDT", "1h", T0, T0 + DAY) is None             # other interval
    assert find_cached(tmp_path, "ETH/USDT", "4h", T0, T0 + DAY) is None             # other symbol
    window = read_cached(path, T0 + DAY, T0 + 2 * DAY)
    assert window.height == 6 and window.equals(f.slice(6, 6))

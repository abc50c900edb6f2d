"""Validation: documented repairs with a report of every change, and the gap report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from neural_trading_system.config import DataConfig
from neural_trading_system.data import load_market, validate_ohlcv
from neural_trading_system.errors import DataValidationError
from tests.conftest import make_ohlcv

HEADER = "timestamp,open,high,low,close,volume\n"


def _frame(rows: list[tuple]) -> pl.DataFrame:
    """Literal rows (hour, o, h, l, c, v) on 2021-01-01 → contract frame."""
    t0 = 1_609_459_200_000
    return pl.DataFrame({
        "timestamp": pl.Series([t0 + r[0] * 3_600_000 for r in rows]).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        **{c: [float(r[k + 1]) for r in rows] for k, c in enumerate(("open", "high", "low", "close", "volume"))},
    })


def test_repair_sorts_drops_duplicates_keeps_last_and_clamps() -> None:
    rows = [
        (0, 10, 11, 9, 10.5, 1),     # row 1
        (8, 11, 12, 10, 11.5, 3),    # row 2 (out of order)
        (4, 10.5, 11.5, 10, 11, 2),  # row 3
        (4, 10.5, 11.5, 10, 11, 2),  # row 4: exact duplicate of row 3
        (8, 11, 12.5, 10, 12, 4),    # row 5: same time as row 2, different values -> kept (last)
        (12, 12, 12.2, 11.9, 12.4, 5),  # row 6: high below close -> raised to 12.4
        (16, 12.4, 13, 12.5, 12.8, 6),  # row 7: low above open -> lowered to 12.4
    ]
    out, report = validate_ohlcv(_frame(rows), source="mem", repair=True, header_lines=1)
    assert out["timestamp"].dt.hour().to_list() == [0, 4, 8, 12, 16]
    assert out["close"].to_list() == [10.5, 11.0, 12.0, 12.4, 12.8]
    assert out["high"].to_list() == [11.0, 11.5, 12.5, 12.4, 13.0]
    assert out["low"].to_list() == [9.0, 10.0, 10.0, 11.9, 12.4]
    assert len(report.changes) == 5
    assert report.changes[0].startswith("sorted by timestamp")
    assert "data row 4, file line 5" in report.changes[1] and "exact duplicate" in report.changes[1]
    assert "data row 2," in report.changes[2] and "kept the last" in report.changes[2] and "close=11.5" in report.changes[2]
    assert "data row 6" in report.changes[3] and "high 12.2 -> 12.4" in report.changes[3]
    assert "data row 7" in report.changes[4] and "low 12.5 -> 12.4" in report.changes[4]


def test_clean_frame_is_unchanged(ohlcv: pl.DataFrame) -> None:
    out, report = validate_ohlcv(ohlcv, source="mem", repair=True)
    assert out.equals(ohlcv) and report.changes == [] and report.rows == ohlcv.height


def test_gaps_reported_not_raised() -> None:
    f = make_ohlcv(n=50, gap_at=20)  # 3 bars missing after bar 19
    out, report = validate_ohlcv(f, source="mem")
    assert out.height == 50
    assert (report.gaps, report.missing_bars, report.largest_gap_ms) == (1, 3, 4 * 4 * 3_600_000)
    assert report.interval_ms == 4 * 3_600_000 and report.off_grid == 0
    assert "3 missing bars" in report.gap_examples[0]


def test_repaired_file_reports_and_is_not_cached(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text(HEADER + "2021-01-01T04:00:00Z,2,3,1,2.5,1\n2021-01-01T00:00:00Z,2,3,1,2.5,1\n"
                 "2021-01-01T08:00:00Z,2.5,2.6,2,2.9,1\n")
    cfg = DataConfig(source="file", path=str(p), data_dir=str(tmp_path / "c"), repair=True)
    md = load_market(cfg, 0)
    assert md.frame["high"].to_list() == [3.0, 3.0, 2.9]
    assert [c.split(":")[0] for c in md.report.changes] == ["sorted by timestamp", "data row 3, file line 4"]
    assert not list((tmp_path / "c").rglob("*.parquet"))
    assert load_market(cfg, 0).report.changes == md.report.changes  # shown again on every load
    with pytest.raises(DataValidationError):
        load_market(cfg.model_copy(update={"repair": False}), 0)

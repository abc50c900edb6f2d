"""Reading CSV/Parquet files into the OHLCV contract, and every malformed file the loader claims to catch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from neural_trading_system.config import DataConfig
from neural_trading_system.data import load_market, read_ohlcv_file, validate_ohlcv
from neural_trading_system.errors import DataValidationError

HEADER = "timestamp,open,high,low,close,volume\n"
GOOD = [
    "2021-01-01T00:00:00Z,100,101,99,100.5,10",
    "2021-01-01T04:00:00Z,100.5,102,100,101,11",
    "2021-01-01T08:00:00Z,101,103,100.5,102,12",
    "2021-01-01T12:00:00Z,102,102.5,101,101.5,13",
]


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def load(path: Path, tmp_path: Path, **kw) -> object:
    return load_market(DataConfig(source="file", path=str(path), data_dir=str(tmp_path / "cache"), **kw), 0)


def error_of(path: Path, tmp_path: Path, **kw) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load(path, tmp_path, **kw)
    return info.value


# --- reading --------------------------------------------------------------------------------------

def test_btc_binance_export(btc_csv: Path, tmp_path: Path) -> None:
    md = load(btc_csv, tmp_path)
    f = md.frame
    assert f.columns == ["timestamp", "open", "high", "low", "close", "volume", "num_trades", "taker_base_vol"]
    assert f.schema["timestamp"] == pl.Datetime("ms", "UTC")
    assert all(f.schema[c] == pl.Float64 for c in ("open", "high", "low", "close", "volume"))
    assert f.height == 13_791 and md.interval == "4h" and md.symbol == "BTCUSDT"
    assert str(f["timestamp"][0]) == "2017-08-17 04:00:00+00:00"
    assert f["close"][0] == 4349.99 and f["num_trades"][0] == 334
    assert md.report.gaps == 8 and md.report.largest_gap_ms == 32 * 3_600_000
    zero = f.filter(pl.col("volume") == 0)  # the flat zero-volume bar is valid data
    assert zero.height == 1 and zero["open"][0] == zero["high"][0] == zero["low"][0] == zero["close"][0]


def test_generic_csv_capitalization_and_extras(tmp_path: Path) -> None:
    text = "Date,Open,HIGH,low,Close,Volume,note\n" + "\n".join(f"{r},x{i}" for i, r in enumerate(GOOD)) + "\n"
    frame, header = read_ohlcv_file(write(tmp_path, text))
    assert header == 1
    assert frame.columns == ["timestamp", "open", "high", "low", "close", "volume", "note"]
    assert frame["high"].to_list() == [101.0, 102.0, 103.0, 102.5]
    assert frame["note"].to_list() == ["x0", "x1", "x2", "x3"]
    assert frame["timestamp"].dt.hour().to_list() == [0, 4, 8, 12]


@pytest.mark.parametrize("scale", [1, 1000])
def test_epoch_seconds_and_milliseconds(tmp_path: Path, scale: int) -> None:
    t0 = 1_609_459_200  # 2021-01-01 UTC in seconds
    rows = [f"{(t0 + k * 3600) * scale},1,2,0.5,1.5,3" for k in range(3)]
    frame, _ = read_ohlcv_file(write(tmp_path, "time,open,high,low,close,volume\n" + "\n".join(rows)))
    assert [str(t) for t in frame["timestamp"]] == [f"2021-01-01 0{k}:00:00+00:00" for k in range(3)]


def test_offset_timestamps_converted_to_utc(tmp_path: Path) -> None:
    rows = [r.replace("Z", "+02:00") for r in GOOD]
    frame, _ = read_ohlcv_file(write(tmp_path, HEADER + "\n".join(rows)))
    assert str(frame["timestamp"][0]) == "2020-12-31 22:00:00+00:00"


def test_headerless_binance_export(tmp_path: Path) -> None:
    rows = [f"{1609459200000 + k * 3_600_000},1,2,0.5,1.5,3,{1609462799999 + k * 3_600_000},4.5,7,1.2,1.8,0"
            for k in range(4)]
    frame, header = read_ohlcv_file(write(tmp_path, "\n".join(rows) + "\n"))
    assert header == 0
    assert frame.columns[:6] == ["timestamp", "open", "high", "low", "close", "volume"]
    assert frame.columns[6:] == ["close_time", "quote_volume", "num_trades", "taker_base_vol", "taker_quote_vol",
                                 "ignore"]
    assert frame["num_trades"].to_list() == [7, 7, 7, 7]


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame, _ = read_ohlcv_file(write(tmp_path, HEADER + "\n".join(GOOD)))
    p = tmp_path / "bars.parquet"
    frame.with_columns(pl.col("timestamp").dt.replace_time_zone(None).dt.cast_time_unit("ns")).write_parquet(p)
    back, header = read_ohlcv_file(p)
    assert header is None
    assert back.equals(frame)


# --- malformed files: each error names file, row and column ---------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    p = write(tmp_path, "")
    e = error_of(p, tmp_path)
    assert "no data rows" in str(e) and str(p) in str(e)


def test_header_only(tmp_path: Path) -> None:
    p = write(tmp_path, HEADER)
    e = error_of(p, tmp_path)
    assert "no data rows" in str(e) and str(p) in str(e)


def test_missing_column(tmp_path: Path) -> None:
    p = write(tmp_path, "timestamp,open,high,low,close\n2021-01-01,1,2,0.5,1.5\n")
    e = error_of(p, tmp_path)
    assert e.column == "volume" and e.source == str(p)
    assert "missing column" in str(e) and "column 'volume'" in str(e) and "['timestamp', 'open'" in str(e)


def test_text_in_numeric_column(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[2] = rows[2].replace(",102,12", ",1O2,12")  # letter O typed for zero
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path)
    assert (e.row, e.column, e.source) == (3, "close", str(p))
    assert "row 3" in str(e) and "file line 4" in str(e) and "'1O2'" in str(e) and "column 'close'" in str(e)


def test_nan_value(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[1] = "2021-01-01T04:00:00Z,100.5,NaN,100,101,11"
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path, repair=True)  # NaN is never repaired
    assert (e.row, e.column) == (2, "high")
    assert "non-finite" in str(e) and "row 2" in str(e) and str(p) in str(e) and "found nan" in str(e)


def test_empty_cell(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[3] = "2021-01-01T12:00:00Z,102,102.5,101,101.5,"
    e = error_of(write(tmp_path, HEADER + "\n".join(rows)), tmp_path)
    assert (e.row, e.column) == (4, "volume") and "missing value" in str(e)


def test_duplicate_timestamps(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[2] = rows[2].replace("08:00", "04:00")
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path)
    assert (e.row, e.column) == (3, "timestamp")
    assert "duplicate timestamp" in str(e) and "data row 2" in str(e) and str(p) in str(e) and "--repair" in str(e)


def test_unsorted_timestamps(tmp_path: Path) -> None:
    rows = [GOOD[0], GOOD[2], GOOD[1], GOOD[3]]
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path)
    assert (e.row, e.column) == (3, "timestamp")
    assert "not sorted" in str(e) and "2021-01-01 04:00:00 UTC" in str(e) and str(p) in str(e)


@pytest.mark.parametrize("bad", ["2021-01-01T08:00:00+02:00", "2021-01-01T08:00:00"])
def test_mixed_time_zones(tmp_path: Path, bad: str) -> None:
    rows = list(GOOD)
    rows[2] = bad + rows[2][len("2021-01-01T08:00:00Z"):]
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path, repair=True)
    assert (e.row, e.column) == (3, "timestamp")
    assert "mixed time zones" in str(e) and "+00:00" in str(e) and bad in str(e) and str(p) in str(e)


def test_naive_first_then_aware(tmp_path: Path) -> None:
    rows = [r.replace("Z", "") for r in GOOD]
    rows[1] = rows[1].replace("04:00:00", "04:00:00+00:00")
    e = error_of(write(tmp_path, HEADER + "\n".join(rows)), tmp_path)
    assert e.row == 2 and "mixed time zones" in str(e) and "naive" in str(e)


def test_negative_price(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[3] = "2021-01-01T12:00:00Z,-102,102.5,101,101.5,13"
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path, repair=True)  # never repaired
    assert (e.row, e.column) == (4, "open")
    assert "non-positive price" in str(e) and "found -102" in str(e) and "file line 5" in str(e)


def test_high_below_low(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[1] = "2021-01-01T04:00:00Z,100.5,99,102,101,11"
    p = write(tmp_path, HEADER + "\n".join(rows))
    e = error_of(p, tmp_path, repair=True)  # swapped columns are never "repaired"
    assert (e.row, e.column) == (2, "high")
    assert "high below low" in str(e) and "found high = 99" in str(e) and "low = 102" in str(e) and str(p) in str(e)


def test_high_below_close_without_repair(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[2] = "2021-01-01T08:00:00Z,101,101.5,100.5,102,12"
    e = error_of(write(tmp_path, HEADER + "\n".join(rows)), tmp_path)
    assert (e.row, e.column) == (3, "high") and "max(open, close) = 102" in str(e) and "found 101.5" in str(e)


def test_negative_volume(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[0] = "2021-01-01T00:00:00Z,100,101,99,100.5,-1"
    e = error_of(write(tmp_path, HEADER + "\n".join(rows)), tmp_path)
    assert (e.row, e.column) == (1, "volume") and "negative volume" in str(e)


def test_unparseable_timestamp(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[1] = "yesterday" + rows[1][len("2021-01-01T04:00:00Z"):]
    e = error_of(write(tmp_path, HEADER + "\n".join(rows)), tmp_path)
    assert (e.row, e.column) == (2, "timestamp") and "'yesterday'" in str(e)


def test_validate_contract_frame_inf(ohlcv: pl.DataFrame) -> None:
    bad = ohlcv.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(np.inf).otherwise(pl.col("low")).alias("low"))
    with pytest.raises(DataValidationError) as info:
        validate_ohlcv(bad, source="frame")
    assert (info.value.row, info.value.column) == (8, "low") and "file line" not in str(info.value)


def test_z_and_zero_offset_are_the_same_zone(tmp_path: Path) -> None:
    rows = list(GOOD)
    rows[1] = rows[1].replace("Z", "+00:00")
    rows[2] = rows[2].replace("Z", "+0000")
    frame, _ = read_ohlcv_file(write(tmp_path, HEADER + "\n".join(rows)))
    assert frame["timestamp"].dt.hour().to_list() == [0, 4, 8, 12]


def test_text_in_epoch_column_names_its_row(tmp_path: Path) -> None:
    rows = [f"{1_609_459_200_000 + k * 3_600_000},1,2,0.5,1.5,3" for k in range(4)]
    rows[2] = "n/a,1,2,0.5,1.5,3"
    e = error_of(write(tmp_path, "open_time,open,high,low,close,volume\n" + "\n".join(rows)), tmp_path)
    assert (e.row, e.column) == (3, "open_time") and "'n/a'" in str(e) and "unparseable timestamp" in str(e)


def test_extra_columns_are_typed(tmp_path: Path) -> None:
    text = HEADER.strip() + ",trades,vwap,tag\n" + "\n".join(f"{r},{i},{i}.5,t{i}" for i, r in enumerate(GOOD))
    frame, _ = read_ohlcv_file(write(tmp_path, text))
    assert (frame.schema["trades"], frame.schema["vwap"], frame.schema["tag"]) == (pl.Int64, pl.Float64, pl.String)

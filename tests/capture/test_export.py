"""Parquet + Arrow IPC round trip with metadata, sidecar checks, the cache, the command."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from neural_trading_system.capture import collect, collect_cached, read_captured, write_captured
from neural_trading_system.capture.export import META_KEY
from neural_trading_system.errors import ArtifactError
from neural_trading_system.indicators import minimal_suite
from tests.conftest import make_ohlcv


@pytest.fixture
def captured():
    return collect(make_ohlcv(300, seed=1), minimal_suite())


def test_round_trip_keeps_values_nan_warmup_and_metadata(tmp_path, captured):
    pq_path, arrow_path = write_captured(captured, tmp_path / "indicators.parquet")
    assert arrow_path.name == "indicators.arrow"
    for p in (pq_path, arrow_path):
        assert (p.parent / (p.name + ".sha256")).is_file()
        back = read_captured(p)
        assert back.frame.equals(captured.frame, null_equal=True) or back.frame.columns == captured.frame.columns
        for c in captured.frame.columns:
            if c != "timestamp":
                np.testing.assert_array_equal(back.frame[c].to_numpy(), captured.frame[c].to_numpy(), err_msg=c)
        assert (back.frame["timestamp"] == captured.frame["timestamp"]).all()
        assert back.frame["timestamp"].dtype == captured.frame["timestamp"].dtype
        assert back.meta == captured.meta
    warm = captured.meta["sma_50.sma"].warmup
    assert warm == 49
    vals = read_captured(pq_path).frame["sma_50.sma"].to_numpy()
    assert np.isnan(vals[:warm]).all() and np.isfinite(vals[warm:]).all()  # NaN kept, never zero-filled
    schema = pq.read_schema(pq_path)
    field_meta = json.loads(schema.field("macd.signal").metadata[META_KEY])
    assert field_meta["family"] == "trend" and field_meta["params"] == {"fast": 12, "slow": 26, "signal": 9}
    assert field_meta["warmup"] == captured.meta["macd.signal"].warmup
    assert "bbands.upper" in json.loads(schema.metadata[META_KEY])["columns"]


def test_unsorted_input_is_written_sorted_by_bar(tmp_path, captured):
    shuffled = type(captured)(captured.frame.reverse(), captured.meta, captured.report)
    p, _ = write_captured(shuffled, tmp_path / "x.parquet")
    assert read_captured(p).frame["timestamp"].is_sorted()


def test_corrupted_parquet_is_detected(tmp_path, captured):
    p, _ = write_captured(captured, tmp_path / "indicators.parquet")
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="indicators.parquet"):
        read_captured(p)
    (p.parent / (p.name + ".sha256")).unlink()
    with pytest.raises(ArtifactError, match="no sidecar"):
        read_captured(p)


def test_collect_cached_reuses_and_rebuilds(tmp_path, caplog):
    frame = make_ohlcv(250, seed=2)
    first = collect_cached(frame, minimal_suite(), tmp_path)
    files = sorted(tmp_path.glob("*.parquet"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    again = collect_cached(frame, minimal_suite(), tmp_path)
    assert files[0].stat().st_mtime_ns == stamp and again.meta == first.meta
    files[0].write_bytes(files[0].read_bytes()[:-10])  # truncated: sidecar no longer verifies
    rebuilt = collect_cached(frame, minimal_suite(), tmp_path)
    assert "rejected" in caplog.text
    np.testing.assert_array_equal(rebuilt.frame["rsi_14.rsi"].to_numpy(), first.frame["rsi_14.rsi"].to_numpy())
    assert read_captured(files[0]).meta == first.meta
    other = collect_cached(frame, minimal_suite()[:2], tmp_path)  # another suite: another key
    assert len(list(tmp_path.glob("*.parquet"))) == 2 and len(other.meta) < len(first.meta)


def test_nts_collect_command_writes_parquet_and_arrow(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from neural_trading_system.cli import app

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["collect", "--synthetic", "--bars", "600", "--suite", "minimal", "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    assert "5 indicators" in res.output and "bars/s" in res.output and "warm-up" in res.output
    back = read_captured(out / "indicators.parquet")
    assert back.n_bars == 600 and "rsi_14.rsi" in back.columns
    assert read_captured(out / "indicators.arrow").meta == back.meta

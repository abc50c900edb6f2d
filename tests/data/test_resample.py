"""Resampling: hand-checked buckets, refusal of finer or misaligned targets."""

from __future__ import annotations

import polars as pl
import pytest

from neural_trading_system.data import resample_ohlcv
from neural_trading_system.errors import ConfigError
from tests.conftest import make_ohlcv

H = 3_600_000


def _hourly() -> pl.DataFrame:
    t0 = 1_609_459_200_000 + H  # 01:00 UTC: the first 4h bucket (00:00) is partial
    rows = [  # o, h, l, c, v
        (10, 11, 9, 10.5, 1), (10.5, 12, 10, 11, 2), (11, 11.5, 8, 9, 3),
        (9, 10, 8.5, 9.5, 4), (9.5, 13, 9, 12, 5), (12, 12.5, 11, 11.5, 6),
    ]
    return pl.DataFrame({
        "timestamp": pl.Series([t0 + k * H for k in range(6)]).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        **{c: [float(r[i]) for r in rows] for i, c in enumerate(("open", "high", "low", "close", "volume"))},
        "trades": list(range(6)),
        "regime": [0, 0, 1, 1, 2, 2],
    })


def test_hourly_to_4h_by_hand() -> None:
    out = resample_ohlcv(_hourly(), H, "4h", keep_last=("regime",))
    assert [str(t) for t in out["timestamp"]] == ["2021-01-01 00:00:00+00:00", "2021-01-01 04:00:00+00:00"]
    assert out.columns == ["timestamp", "open", "high", "low", "close", "volume", "regime"]  # 'trades' dropped
    assert out.row(0) == (out["timestamp"][0], 10.0, 12.0, 8.0, 9.0, 6.0, 1)   # bars 01:00-03:00
    assert out.row(1) == (out["timestamp"][1], 9.0, 13.0, 8.5, 11.5, 15.0, 2)  # bars 04:00-06:00


def test_4h_to_1d_matches_reference() -> None:
    f = make_ohlcv(n=60, every="4h")  # starts at midnight: 10 whole days
    out = resample_ohlcv(f, 4 * H, "1d")
    assert out.height == 10
    for d in range(10):
        day = f.slice(6 * d, 6)
        assert out["open"][d] == day["open"][0] and out["close"][d] == day["close"][-1]
        assert out["high"][d] == day["high"].max() and out["low"][d] == day["low"].min()
        assert out["volume"][d] == pytest.approx(day["volume"].sum())


def test_same_interval_is_identity() -> None:
    f = make_ohlcv(n=20)
    assert resample_ohlcv(f, 4 * H, "4h") is f


@pytest.mark.parametrize("target,needle", [("1h", "finer"), ("6h", "whole multiple"), ("1M", "months")])
def test_refused_targets(target: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        resample_ohlcv(make_ohlcv(n=20), 4 * H, target)
    assert needle in str(info.value) and "data.resample" in str(info.value)

"""load_market: dispatch, window, resample, the frame hash, and the summary."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.config import DataConfig
from neural_trading_system.data import frame_sha256, load_market, summarize
from neural_trading_system.errors import ConfigError, DataValidationError
from tests.conftest import make_ohlcv


def _syn(**kw) -> DataConfig:
    return DataConfig(**{"synthetic_bars": 3_000, **kw})


def test_synthetic_identity_is_stable() -> None:
    a, b = load_market(_syn(), 5), load_market(_syn(), 5)
    assert a.sha256 == b.sha256 == frame_sha256(a.frame)
    assert load_market(_syn(), 6).sha256 != a.sha256
    assert a.frame.columns == ["timestamp", "open", "high", "low", "close", "volume"]
    assert a.regimes.shape == (3_000,) and a.symbol == "SYNTH" and a.interval == "4h"
    assert load_market(_syn(null_market=True), 5).regime_names == ("null",)


def test_sha256_depends_on_content() -> None:
    f = make_ohlcv(n=30)
    g = f.with_columns(f["close"].scatter(3, f["close"][3] + 1e-9))
    assert frame_sha256(f) == frame_sha256(f.clone()) and frame_sha256(f) != frame_sha256(g)


def test_window_and_resample_keep_regimes_aligned() -> None:
    md = load_market(_syn(start="2021-01-01", end="2021-03-01", resample="1d"), 1)
    full = load_market(_syn(start="2021-01-01"), 1)
    assert md.frame.height == 59 and md.interval == "1d"
    assert str(md.frame["timestamp"][0]) == "2021-01-01 00:00:00+00:00"
    # the day's regime is the regime of its last 4h bar
    assert np.array_equal(md.regimes, full.regimes[5:59 * 6:6])
    assert md.frame["close"][0] == full.frame["close"][5]


def test_empty_window_and_bad_dates() -> None:
    with pytest.raises(DataValidationError) as info:
        load_market(_syn(end="2019-01-01"), 0)
    assert "no bars in the requested window" in str(info.value) and "--start/--end" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_market(_syn(start="2021-02-01", end="2021-01-01"), 0)
    assert "start before end" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_market(_syn(start="first of May"), 0)
    assert "data.start" in str(info.value)


def test_summary_btc(btc_csv, tmp_path) -> None:
    md = load_market(DataConfig(source="file", path=str(btc_csv), data_dir=str(tmp_path)), 0)
    s = summarize(md)
    assert (s["rows"], s["gaps"], s["largest_gap"], s["interval"]) == (13_791, 8, "32h", "4h")
    assert s["start"] == "2017-08-17 04:00:00 UTC" and s["end"] == "2023-12-05 04:00:00 UTC"
    assert s["zero_volume_bars"] == 1 and "regime_shares" not in s
    r = np.diff(np.log(md.frame["close"].to_numpy()))
    assert s["return_std"] == pytest.approx(r.std(ddof=1))
    assert s["annualized_vol"] == pytest.approx(r.std(ddof=1) * np.sqrt(365.25 * 6))


def test_summary_synthetic_regime_shares() -> None:
    md = load_market(_syn(), 2)
    shares = summarize(md)["regime_shares"]
    assert list(shares) == list(md.regime_names) and sum(shares.values()) == pytest.approx(1.0)
    assert shares["uptrend"] == pytest.approx(np.mean(md.regimes == 0))

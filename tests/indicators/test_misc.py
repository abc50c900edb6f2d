"""Structure kernels (misc family): TA-Lib SAR, hand-worked golden values, reference loops."""

from __future__ import annotations

import numpy as np
import polars as pl

from neural_trading_system.indicators import misc as M

from . import refloops as R
from .talib_oracle import assert_matches_talib, talib


def _bars(o, h, l, c):
    o, h, l, c = (np.asarray(v, dtype=float) for v in (o, h, l, c))
    return {"open": o, "high": h, "low": l, "close": c, "volume": np.ones(len(c))}


def test_psar_matches_talib(ohlcv_arrays):
    a = ohlcv_arrays
    for acc, mx in ((0.02, 0.2), (0.03, 0.1)):
        out = M.psar(acceleration=acc, maximum=mx).run(a)
        assert_matches_talib(out["sar"], talib.SAR(a["high"], a["low"], acc, mx), name=f"sar {acc}/{mx}")
    d = out["direction"]
    assert set(np.unique(d[1:])) == {-1.0, 1.0}
    # long: the SAR sits at or below the bar's low; short: at or above its high
    assert np.all(np.where(d[1:] > 0, out["sar"][1:] <= a["low"][1:], out["sar"][1:] >= a["high"][1:]))


def test_psar_matches_talib_on_btc(btc_csv):
    df = pl.read_csv(btc_csv)
    h, l = df["high"].to_numpy().astype(float), df["low"].to_numpy().astype(float)
    out = M.psar().run(_bars(h, h, l, l))
    assert_matches_talib(out["sar"], talib.SAR(h, l, 0.02, 0.2), name="btc sar")


def test_heikin_ashi_hand_worked():
    # bar0: ha_close (10+12+9+11)/4 = 10.5, ha_open (10+11)/2 = 10.5
    # bar1: ha_close (11+13+10+12)/4 = 11.5, ha_open (10.5+10.5)/2 = 10.5
    # bar2: ha_close (12+12.5+11+11.2)/4 = 11.675, ha_open (10.5+11.5)/2 = 11, low min(11, 11, 11.675)
    a = _bars([10, 11, 12], [12, 13, 12.5], [9, 10, 11], [11, 12, 11.2])
    out = M.heikin_ashi().run(a)
    np.testing.assert_allclose(out["ha_close"], [10.5, 11.5, 11.675])
    np.testing.assert_allclose(out["ha_open"], [10.5, 10.5, 11.0])
    np.testing.assert_allclose(out["ha_high"], [12.0, 13.0, 12.5])
    np.testing.assert_allclose(out["ha_low"], [9.0, 10.0, 11.0])


def test_heikin_ashi_reference_and_envelope(ohlcv_arrays):
    a = ohlcv_arrays
    out = M.heikin_ashi().run(a)
    hac = (a["open"] + a["high"] + a["low"] + a["close"]) / 4
    hao = np.empty_like(hac)
    hao[0] = (a["open"][0] + a["close"][0]) / 2
    for i in range(1, len(hac)):
        hao[i] = (hao[i - 1] + hac[i - 1]) / 2
    R.close_to(out["ha_open"], hao, name="ha_open")
    assert np.all(out["ha_high"] >= np.maximum(out["ha_open"], out["ha_close"]))
    assert np.all(out["ha_low"] <= np.minimum(out["ha_open"], out["ha_close"]))


def test_asi_hand_worked():
    # bar1: Cy=10 Oy=10; |H-Cy|=2 is the largest (tie with H-L=2 → the |H-Cy| rule):
    #   R = 2 - 0.5·0 + 0.25·0 = 2, K = 2, T = 0.5·10 = 5, num = 50·(1.5 + 0.75 + 0) = 112.5
    #   SI = 112.5/2 · 2/5 = 22.5
    # bar2: Cy=11.5 Oy=10; |H-Cy|=0.1, |L-Cy|=1.5, H-L=1.6 largest → R = 1.6 + 0.25·1.5 = 1.975,
    #   K = 1.5, T = 5.75, num = 50·(-1 - 0.5 + 0.375) = -56.25
    a = _bars([10, 10, 11.5], [11, 12, 11.6], [9, 10, 10.0], [10, 11.5, 10.5])
    out = M.asi(limit_pct=0.5).run(a)
    si2 = -56.25 / 1.975 * 1.5 / 5.75
    np.testing.assert_allclose(out["si"], [np.nan, 22.5, si2], equal_nan=True)
    np.testing.assert_allclose(out["asi"], [np.nan, 22.5, 22.5 + si2], equal_nan=True)


def test_asi_is_the_running_sum_of_si(ohlcv_arrays):
    out = M.asi().run(ohlcv_arrays)
    np.testing.assert_allclose(out["asi"][1:], np.cumsum(out["si"][1:]), rtol=1e-9, atol=1e-9)
    assert np.all(out["si"][400:406] == 0.0)  # flat, zero-range bars swing nowhere


def test_fib_hand_worked_and_position_range(ohlcv_arrays):
    # period 3: bar2 HH=12 LL=7 → range 5; bar3 HH=13 LL=7 → range 6
    a = _bars([9, 11, 8, 12], [10, 12, 11, 13], [8, 9, 7, 10], [9, 11, 8, 12])
    out = M.fib(period=3).run(a)
    np.testing.assert_allclose(out["level_236"][2:], [12 - 0.236 * 5, 13 - 0.236 * 6])
    np.testing.assert_allclose(out["level_500"][2:], [9.5, 10.0])
    np.testing.assert_allclose(out["level_786"][2:], [12 - 0.786 * 5, 13 - 0.786 * 6])
    np.testing.assert_allclose(out["position"][2:], [0.2, 5 / 6])
    assert np.isnan(out["position"][1])
    big = M.fib(period=100).run(ohlcv_arrays)
    p = big["position"][np.isfinite(big["position"])]
    assert p.min() >= 0 and p.max() <= 1
    assert np.all(big["level_236"][99:] >= big["level_786"][99:])


def test_dpo_is_causal_hand_worked():
    # period 4 → SMA4 lagged 3 bars: dpo[6] = 7 - mean(1..4) = 4.5, dpo[7] = 8 - mean(2..5) = 4.5
    c = np.arange(1.0, 9.0)
    out = M.dpo(period=4).run(_bars(c, c, c, c))["dpo"]
    np.testing.assert_allclose(out, [np.nan] * 6 + [4.5, 4.5], equal_nan=True)
    # changing a future close leaves every earlier value unchanged
    c2 = c.copy()
    c2[-1] = 100.0
    out2 = M.dpo(period=4).run(_bars(c2, c2, c2, c2))["dpo"]
    np.testing.assert_array_equal(out2[:-1], out[:-1])

"""Cipher/exotic kernels: slow reference loops, TA-Lib for the parts TA-Lib has, signal
properties."""

from __future__ import annotations

import numpy as np

from neural_trading_system.indicators import cipher as C

from . import refloops as R
from .talib_oracle import assert_matches_talib, talib


def _ref_wavetrend(a, n1, n2, ma):
    ap = (a["high"] + a["low"] + a["close"]) / 3
    esa = R.ema(ap, n1)
    d = R.ema(np.abs(ap - esa), n1)
    ci = (ap - esa) / (0.015 * d)
    wt1 = R.ema(ci, n2)
    return wt1, R.sma(wt1, ma)


def test_cipher_b_matches_reference(ohlcv_arrays):
    a = ohlcv_arrays
    out = C.cipher_b().run(a)
    wt1, wt2 = _ref_wavetrend(a, 9, 12, 3)
    R.close_to(out["wt1"], wt1, rtol=1e-8, name="wt1")
    R.close_to(out["wt2"], wt2, rtol=1e-8, name="wt2")
    R.close_to(out["wt_vwap"], wt1 - wt2, rtol=1e-7, atol=1e-7, name="wt_vwap")
    rng = a["high"] - a["low"]
    body = np.where(rng == 0, 0.0, 150 * (a["close"] - a["open"]) / np.where(rng == 0, 1, rng))
    R.close_to(out["money_flow"], R.sma(body, 60) - 2.5, name="money_flow")
    up, dn = R.cross(wt1, wt2, True), R.cross(wt1, wt2, False)
    R.close_to(out["cross_up"], up, name="cross_up")
    R.close_to(out["cross_down"], dn, name="cross_down")
    R.close_to(out["buy"], np.where(np.isnan(up), np.nan, (up == 1) & (wt2 <= -53)), name="buy")
    R.close_to(out["sell"], np.where(np.isnan(dn), np.nan, (dn == 1) & (wt2 >= 53)), name="sell")
    # the crosses alternate: never two ups without a down between them
    events = [e for e, u, d in zip(range(len(up)), out["cross_up"], out["cross_down"]) if u == 1 or d == 1]
    kinds = [out["cross_up"][e] for e in events]
    assert len(kinds) > 10 and all(k1 != k2 for k1, k2 in zip(kinds, kinds[1:]))


def test_cipher_a_ribbon_and_signals(ohlcv_arrays):
    a = ohlcv_arrays
    c = a["close"]
    out = C.cipher_a().run(a)
    for p in (5, 11, 15, 18, 21, 25, 29, 33):
        assert_matches_talib(out[f"ema_{p}"], talib.EMA(c, p), name=f"ema_{p}")
    e5, e11, e15, e33 = (talib.EMA(c, p) for p in (5, 11, 15, 33))
    R.close_to(out["long_ema"], R.cross(e11, e33, True), name="long_ema")
    R.close_to(out["red_cross"], R.cross(e5, e11, False), name="red_cross")
    R.close_to(out["blue_triangle"], R.cross(e11, e15, True), name="blue_triangle")
    R.close_to(out["bullish"], np.where(np.isnan(e33), np.nan, e11 > e33), name="bullish")
    wt1, wt2 = _ref_wavetrend(a, 9, 13, 3)
    up, dn = R.cross(wt1, wt2, True), R.cross(wt1, wt2, False)
    R.close_to(out["wt_buy"], np.where(np.isnan(up), np.nan, (up == 1) & (wt2 <= -53)), name="wt_buy")
    R.close_to(out["wt_sell"], np.where(np.isnan(dn), np.nan, (dn == 1) & (wt2 >= 53)), name="wt_sell")
    for line in ("long_ema", "red_cross", "blue_triangle", "wt_buy", "wt_sell", "bullish"):
        v = out[line][np.isfinite(out[line])]
        assert set(np.unique(v)) <= {0.0, 1.0}, line
    assert np.nansum(out["long_ema"]) >= 1 and np.nansum(out["red_cross"]) >= 1


def test_waddah_matches_talib_parts(ohlcv_arrays):
    a = ohlcv_arrays
    c = a["close"]
    out = C.waddah().run(a)
    m = talib.EMA(c, 20) - talib.EMA(c, 40)
    t1 = np.concatenate([[np.nan], 150 * (m[1:] - m[:-1])])
    R.close_to(out["trend_up"], np.where(np.isnan(t1), np.nan, np.maximum(t1, 0)), rtol=1e-7, atol=1e-9, name="up")
    R.close_to(out["trend_down"], np.where(np.isnan(t1), np.nan, np.maximum(-t1, 0)), rtol=1e-7, atol=1e-9, name="dn")
    upper, _, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    assert_matches_talib(out["explosion"], upper - lower, name="explosion")
    assert_matches_talib(out["dead_zone"], 3.7 * talib.ATR(a["high"], a["low"], c, 100), name="dead_zone")
    both = np.isfinite(out["trend_up"])
    assert np.all((out["trend_up"][both] == 0) | (out["trend_down"][both] == 0))


def test_ash_hand_worked():
    # period 2, smooth 1: Δc = [., +2, -1, +3]; bulls = [., 2, 0, 3] → SMA2 = [., ., 1, 1.5];
    # bears = [., 0, 1, 0] → SMA2 = [., ., .5, .5]
    c = np.array([10.0, 12.0, 11.0, 14.0])
    a = {"open": c, "high": c, "low": c, "close": c, "volume": np.ones(4)}
    out = C.ash(period=2, smooth=1).run(a)
    np.testing.assert_allclose(out["bulls"], [np.nan, np.nan, 1.0, 1.5], equal_nan=True)
    np.testing.assert_allclose(out["bears"], [np.nan, np.nan, 0.5, 0.5], equal_nan=True)
    np.testing.assert_allclose(out["hist"], [np.nan, np.nan, 0.5, 1.0], equal_nan=True)


def test_ash_matches_reference(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    d = np.concatenate([[np.nan], np.diff(c)])
    out = C.ash().run(ohlcv_arrays)
    bulls = R.sma(R.sma(np.where(np.isnan(d), np.nan, np.maximum(d, 0)), 9), 3)
    bears = R.sma(R.sma(np.where(np.isnan(d), np.nan, np.maximum(-d, 0)), 9), 3)
    R.close_to(out["bulls"], bulls, name="bulls")
    R.close_to(out["bears"], bears, name="bears")
    assert np.nanmin(out["bulls"]) >= 0 and np.nanmin(out["bears"]) >= 0

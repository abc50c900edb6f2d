"""TA-Lib oracle checks and hand-worked golden values for the core kernels."""

from __future__ import annotations

import numpy as np

from neural_trading_system.indicators import momentum, trend, volatility

from .talib_oracle import assert_matches_talib, talib


def test_rsi_matches_talib(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    for p in (7, 14, 21):
        assert_matches_talib(momentum.rsi(period=p).run(ohlcv_arrays)["rsi"], talib.RSI(c, p), name=f"rsi{p}")


def test_sma_ema_match_talib(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    assert_matches_talib(trend.sma(period=20).run(ohlcv_arrays)["sma"], talib.SMA(c, 20), name="sma")
    assert_matches_talib(trend.ema(period=12).run(ohlcv_arrays)["ema"], talib.EMA(c, 12), name="ema")


def test_macd_matches_talib(ohlcv_arrays):
    out = trend.macd().run(ohlcv_arrays)
    m, s, h = talib.MACD(ohlcv_arrays["close"], 12, 26, 9)
    assert_matches_talib(out["macd"], m, skip=33, name="macd")
    assert_matches_talib(out["signal"], s, name="signal")
    assert_matches_talib(out["hist"], h, name="hist")


def test_atr_bbands_match_talib(ohlcv_arrays):
    a = ohlcv_arrays
    assert_matches_talib(volatility.atr(period=14).run(a)["atr"], talib.ATR(a["high"], a["low"], a["close"], 14), name="atr")
    out = volatility.bbands().run(a)
    u, m, lo = talib.BBANDS(a["close"], 20, 2.0, 2.0)
    for ours, theirs, n in ((out["upper"], u, "upper"), (out["mid"], m, "mid"), (out["lower"], lo, "lower")):
        assert_matches_talib(ours, theirs, name=n)


def test_rsi_golden_by_hand():
    # closes up 1, up 1, down 1 with period 2: gains [1,1,0], losses [0,0,1]
    c = np.array([10.0, 11.0, 12.0, 11.0])
    a = {"open": c, "high": c, "low": c, "close": c, "volume": np.ones(4)}
    r = momentum.rsi(period=2).run(a)["rsi"]
    # seed at bar 2: avg_up=(1+1)/2=1, avg_dn=0 → 100; bar 3: up=(1*1+0)/2=0.5, dn=(0+1)/2=0.5 → 50
    np.testing.assert_allclose(r, [np.nan, np.nan, 100.0, 50.0], equal_nan=True)

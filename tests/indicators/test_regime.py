"""Regime family (and the channels appended to volatility.py): TA-Lib compositions, reference
loops, hand-worked values and properties."""

from __future__ import annotations

import numpy as np

from neural_trading_system.indicators import regime, volatility

from .talib_oracle import assert_matches_talib, talib


def bars(close, high=None, low=None):
    c = np.asarray(close, dtype=float)
    h = c if high is None else np.asarray(high, dtype=float)
    lo = c if low is None else np.asarray(low, dtype=float)
    return {"open": c, "high": h, "low": lo, "close": c, "volume": np.ones(len(c))}


def ar1_prices(phi, n=1200, seed=0):
    """Prices whose log returns follow AR(1) with coefficient ``phi``."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 0.01, n)
    r = np.zeros(n)
    for i in range(1, n):
        r[i] = phi * r[i - 1] + e[i]
    return 100 * np.exp(np.cumsum(r))


# Hurst -----------------------------------------------------------------------------------------
def ref_hurst(r, sizes):
    """R/S Hurst of one window ``r`` (plain numpy, chunks aligned to the window's end)."""
    xs, ys = [], []
    for n in sizes:
        rs = []
        for c in range(len(r) // n):
            chunk = r[len(r) - (c + 1) * n: len(r) - c * n]
            y = np.cumsum(chunk - chunk.mean())
            sd = chunk.std()
            if sd > 1e-12:
                rs.append((max(y.max(), 0) - min(y.min(), 0)) / sd)
        if rs:
            xs.append(np.log(n))
            ys.append(np.log(np.mean(rs)))
    return np.polyfit(xs, ys, 1)[0]


def test_hurst_chunk_sizes_golden():
    # 100/√2^k rounded: 100, 70.7→71, 50, 35.4→35, 25, 17.7→18, 12.5→12 (round half to even), 8.8 stops
    assert regime.hurst_chunk_sizes(100).tolist() == [100, 71, 50, 35, 25, 18, 12]
    assert regime.hurst_chunk_sizes(20).tolist() == [20, 14, 10]


def test_hurst_matches_reference(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    h = regime.hurst(period=100).run(ohlcv_arrays)["hurst"]
    r = np.log(c[1:] / c[:-1])  # r[k] is the return into bar k+1
    assert int(np.argmax(np.isfinite(h))) == 100
    for t in (100, 257, 404, 699):  # 404: the window holds the flat stretch's zero returns
        np.testing.assert_allclose(h[t], ref_hurst(r[t - 100: t], regime.hurst_chunk_sizes(100)), rtol=1e-10)


def test_hurst_orders_persistent_above_mean_reverting():
    med = {phi: np.nanmedian(regime.hurst(period=100).run(bars(ar1_prices(phi)))["hurst"]) for phi in (-0.7, 0.7)}
    assert med[0.7] > med[-0.7] + 0.2
    assert med[0.7] > 0.65 and med[-0.7] < 0.45


def test_hurst_of_a_flat_window_is_one_half():
    h = regime.hurst(period=20).run(bars(np.full(40, 10.0)))["hurst"]
    np.testing.assert_array_equal(h[20:], 0.5)


# Damiani ---------------------------------------------------------------------------------------
def test_damiani_lag_suppressor_golden_by_hand():
    # vol = x + .5(vol[1] - vol[3]), missing terms 0, on x = 1,1,1,1,2:
    # 1; 1 + .5·1 = 1.5; 1 + .5·1.5 = 1.75; 1 + .5(1.75 - 1) = 1.375; 2 + .5(1.375 - 1.5) = 1.9375
    out = np.full(5, np.nan)
    regime._lag_suppressed(np.array([1.0, 1, 1, 1, 2]), 0.5, out, 0)
    np.testing.assert_allclose(out, [1, 1.5, 1.75, 1.375, 1.9375])


def test_damiani_matches_talib_composition(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c = a["high"], a["low"], a["close"]
    ratio = talib.ATR(h, lo, c, 13) / talib.ATR(h, lo, c, 40)
    vol = np.full(len(c), np.nan)
    for i in range(len(c)):
        if np.isfinite(ratio[i]):
            s1 = vol[i - 1] if np.isfinite(vol[i - 1]) else 0.0
            s3 = vol[i - 3] if np.isfinite(vol[i - 3]) else 0.0
            vol[i] = ratio[i] + 0.5 * (s1 - s3)
    anti = talib.STDDEV(c, 20, 1.0) / talib.STDDEV(c, 100, 1.0)
    out = regime.damiani().run(a)
    assert_matches_talib(out["vol"], vol, name="vol")
    assert_matches_talib(out["anti"], anti, name="anti")
    assert_matches_talib(out["threshold"], 1.4 - anti, name="threshold")
    ok = np.isfinite(out["is_trending"])
    np.testing.assert_array_equal(out["is_trending"][ok], (vol > 1.4 - anti)[ok].astype(float))
    assert set(np.unique(out["is_trending"][ok])) == {0.0, 1.0}


# Squeeze ---------------------------------------------------------------------------------------
def test_squeeze_matches_talib_composition(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c = a["high"], a["low"], a["close"]
    ub, mid, lb = talib.BBANDS(c, 20, 2.0, 2.0)
    rng = talib.SMA(talib.TRANGE(h, lo, c), 20)
    on = np.where(np.isfinite(rng), ((lb > mid - 1.5 * rng) & (ub < mid + 1.5 * rng)).astype(float), np.nan)
    y = c - ((talib.MAX(h, 20) + talib.MIN(lo, 20)) / 2 + talib.SMA(c, 20)) / 2
    out = regime.squeeze().run(a)
    np.testing.assert_array_equal(out["on"], on)
    assert 0 < np.nansum(out["on"]) < np.isfinite(out["on"]).sum()  # both states occur
    assert_matches_talib(out["momentum"], talib.LINEARREG(y, 20), name="momentum")


def test_squeeze_on_when_bollinger_inside_keltner():
    n = 60
    # quiet closes (σ tiny) inside wide bars (TR = 4): BB inside KC → on = 1
    quiet = 100 + 0.01 * np.sin(np.arange(n))
    on = regime.squeeze().run(bars(quiet, quiet + 2, quiet - 2))["on"]
    np.testing.assert_array_equal(on[20:], 1.0)
    # a steady climb of 1 per bar with bars of width 0.2: σ ≈ 5.8 > .75·TR → BB outside KC → on = 0
    climb = 100 + np.arange(n, dtype=float)
    on = regime.squeeze().run(bars(climb, climb + 0.1, climb - 0.1))["on"]
    np.testing.assert_array_equal(on[20:], 0.0)
    assert np.isnan(on[:20]).all()


def test_squeeze_momentum_golden_on_a_line():
    # close = 2t, high = low = close: over 4 bars highest = 2t, lowest = 2t - 6, SMA = 2t - 3,
    # so y = 2t - ((4t - 6)/2 + 2t - 3)/2 = 2t - (2t - 3) = 3 for every bar → linreg end = 3
    c = 2.0 * np.arange(10)
    out = regime.squeeze(bb_period=4, kc_period=4).run(bars(c))["momentum"]
    np.testing.assert_allclose(out[6:], 3.0, rtol=1e-12)
    assert np.isnan(out[:6]).all()  # y from bar 3, its 4-bar regression from bar 6


# standardized ATR, Chaikin volatility -----------------------------------------------------------
def test_std_atr_matches_talib_composition(ohlcv_arrays):
    a = ohlcv_arrays
    atr = talib.ATR(a["high"], a["low"], a["close"], 14)
    m, sd = talib.SMA(atr, 20), talib.STDDEV(atr, 20, 1.0)
    out = regime.std_atr().run(a)
    assert_matches_talib(out["ratio"], atr / m, name="ratio")
    assert_matches_talib(out["z"], (atr - m) / sd, name="z")


def test_std_atr_of_steady_ranges_is_neutral():
    c = np.full(80, 50.0)
    out = regime.std_atr().run(bars(c, c + 1, c - 1))  # TR = 2 on every bar → ATR = 2 exactly
    np.testing.assert_allclose(out["ratio"][33:], 1.0)
    np.testing.assert_allclose(out["z"][33:], 0.0)


def test_chaikin_volatility_matches_talib_composition(ohlcv_arrays):
    a = ohlcv_arrays
    want = talib.ROC(talib.EMA(a["high"] - a["low"], 10), 10)
    assert_matches_talib(regime.chaikin_volatility().run(a)["cvi"], want, name="cvi")


def test_chaikin_volatility_golden_by_hand():
    # ranges 1,1,2,2 with ema 2 (alpha 2/3, seeded by the mean of the first two = 1) and roc 1:
    # E = nan, 1, 1 + 2/3·(2-1) = 5/3, 5/3 + 2/3·(2 - 5/3) = 17/9
    # cvi = 100·(E - E[1])/E[1]: bar 2: 100·(2/3)/1 = 66.67; bar 3: 100·(17/9 - 15/9)/(15/9) = 13.33
    c = np.full(4, 10.0)
    rng = np.array([1.0, 1, 2, 2])
    out = regime.chaikin_volatility(ema_period=2, roc_period=1).run(bars(c, c + rng / 2, c - rng / 2))["cvi"]
    np.testing.assert_allclose(out, [np.nan, np.nan, 200 / 3, 40 / 3], rtol=1e-12, equal_nan=True)


# volatility.py additions ------------------------------------------------------------------------
def test_keltner_donchian_hist_vol_match_talib(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c = a["high"], a["low"], a["close"]
    k = volatility.keltner().run(a)
    ema, atr = talib.EMA(c, 20), talib.ATR(h, lo, c, 10)
    assert_matches_talib(k["mid"], ema, name="kc mid")
    assert_matches_talib(k["upper"], ema + 2 * atr, name="kc upper")
    assert_matches_talib(k["lower"], ema - 2 * atr, name="kc lower")
    d = volatility.donchian(period=20).run(a)
    assert_matches_talib(d["upper"], talib.MAX(h, 20), name="dc upper")
    assert_matches_talib(d["lower"], talib.MIN(lo, 20), name="dc lower")
    assert np.nanmin(d["pct"]) >= 0.0 and np.nanmax(d["pct"]) <= 1.0
    hv = volatility.hist_vol(period=20).run(a)
    r = np.concatenate([[np.nan], np.log(c[1:] / c[:-1])])
    sample_sd = talib.STDDEV(r, 20, 1.0) * np.sqrt(20 / 19)
    assert_matches_talib(hv["close_to_close"], 100 * sample_sd, name="hv")
    park = 100 * np.sqrt(talib.SMA(np.log(h / lo) ** 2, 20) / (4 * np.log(2)))
    assert_matches_talib(hv["parkinson"], park, name="parkinson")


def test_donchian_golden_by_hand():
    # period 3; highs 3,5,4,2 lows 1,2,1,0 → upper [-, -, 5, 5], lower [-, -, 1, 0]; close 2 at bar 3:
    # pct = (2 - 0)/(5 - 0) = .4
    h, lo, c = np.array([3.0, 5, 4, 2]), np.array([1.0, 2, 1, 0]), np.array([2.0, 3, 2, 2])
    out = volatility.donchian(period=3).run({"open": c, "high": h, "low": lo, "close": c, "volume": np.ones(4)})
    np.testing.assert_allclose(out["upper"], [np.nan, np.nan, 5, 5], equal_nan=True)
    np.testing.assert_allclose(out["lower"], [np.nan, np.nan, 1, 0], equal_nan=True)
    np.testing.assert_allclose(out["pct"], [np.nan, np.nan, 0.25, 0.4], equal_nan=True)

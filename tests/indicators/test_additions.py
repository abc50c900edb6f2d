"""New indicators (range volatility, composite oscillators, trend levels, volume flows, statistics,
Fisher / sinewave, choppiness) and the intermediate lines exposed on existing ones: TA-Lib where it
has them, else slow reference loops and hand-worked golden values."""

from __future__ import annotations

import math

import numpy as np

from neural_trading_system.indicators import cycle_sinewave as CS
from neural_trading_system.indicators import misc_statistics as MS
from neural_trading_system.indicators import momentum as M
from neural_trading_system.indicators import oscillators as O
from neural_trading_system.indicators import oscillators_composite as OC
from neural_trading_system.indicators import regime as R
from neural_trading_system.indicators import trend as T
from neural_trading_system.indicators import trend_adaptive as A
from neural_trading_system.indicators import trend_directional as D
from neural_trading_system.indicators import trend_levels as TL
from neural_trading_system.indicators import volatility as V
from neural_trading_system.indicators import volatility_range as VR
from neural_trading_system.indicators import volume_flow as VF
from neural_trading_system.indicators.barops import rank_below

from . import refloops as ref
from .talib_oracle import assert_matches_talib, talib


def hlc(a):
    return a["high"], a["low"], a["close"]


def bars(close, high=None, low=None, open_=None, volume=None):
    c = np.asarray(close, dtype=float)
    return {"open": c if open_ is None else np.asarray(open_, float),
            "high": c if high is None else np.asarray(high, float),
            "low": c if low is None else np.asarray(low, float), "close": c,
            "volume": np.ones(len(c)) if volume is None else np.asarray(volume, float)}


# --- TA-Lib oracle: new indicators ---------------------------------------------------------------
def test_natr_bop_t3_midpoint_match_talib(ohlcv_arrays):
    a, c = ohlcv_arrays, ohlcv_arrays["close"]
    assert_matches_talib(VR.natr(period=14).run(a)["natr"], talib.NATR(*hlc(a), 14), name="natr")
    out = OC.bop(period=14).run(a)
    b = talib.BOP(a["open"], *hlc(a))
    assert_matches_talib(out["bop"], b, name="bop")
    assert_matches_talib(out["smooth"], talib.SMA(b, 14), name="bop.smooth")
    assert_matches_talib(TL.t3(period=5).run(a)["t3"], talib.T3(c, 5, 0.7), name="t3")
    out = TL.midpoint(period=14).run(a)
    assert_matches_talib(out["midpoint"], talib.MIDPOINT(c, 14), name="midpoint")
    assert_matches_talib(out["midprice"], talib.MIDPRICE(a["high"], a["low"], 14), name="midprice")


def test_linreg_matches_talib(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    out = TL.linreg(period=14).run(ohlcv_arrays)
    for line, fn in (("linreg", talib.LINEARREG), ("slope", talib.LINEARREG_SLOPE),
                     ("intercept", talib.LINEARREG_INTERCEPT), ("angle", talib.LINEARREG_ANGLE),
                     ("tsf", talib.TSF)):
        assert_matches_talib(out[line], fn(c, 14), name=f"linreg.{line}", atol=1e-7)
    r = talib.CORREL(np.arange(len(c), dtype=float), c, 14)
    assert_matches_talib(out["r2"], r * r, name="linreg.r2", atol=1e-7)


def test_linreg_golden_straight_line():
    # closes 1, 3, 5, 7 (slope 2), period 4: intercept = 1, linreg = 7, tsf = 9, r² = 1
    out = TL.linreg(period=4).run(bars([1.0, 3.0, 5.0, 7.0]))
    assert (out["slope"][3], out["intercept"][3], out["linreg"][3], out["tsf"][3]) == (2.0, 1.0, 7.0, 9.0)
    np.testing.assert_allclose(out["r2"][3], 1.0)
    np.testing.assert_allclose(out["angle"][3], math.degrees(math.atan(2.0)))
    flat = TL.linreg(period=4).run(bars(np.full(6, 5.0)))
    assert flat["r2"][-1] == 0.0 and flat["slope"][-1] == 0.0


def test_coppock_elder_connors_match_talib_compositions(ohlcv_arrays):
    a, c = ohlcv_arrays, ohlcv_arrays["close"]
    ref_c = talib.WMA(talib.ROC(c, 14) + talib.ROC(c, 11), 10)
    assert_matches_talib(OC.coppock().run(a)["coppock"], ref_c, name="coppock")
    out = TL.elder_ray(period=13).run(a)
    e = talib.EMA(c, 13)
    assert_matches_talib(out["ema"], e, name="elder.ema")
    assert_matches_talib(out["bull_power"], a["high"] - e, name="elder.bull")
    assert_matches_talib(out["bear_power"], a["low"] - e, name="elder.bear")

    out = OC.connors_rsi().run(a)
    streak = np.full(len(c), np.nan)
    for i in range(1, len(c)):
        prev = 0.0 if i == 1 else streak[i - 1]
        streak[i] = (max(prev, 0) + 1 if c[i] > c[i - 1] else min(prev, 0) - 1 if c[i] < c[i - 1] else 0.0)
    np.testing.assert_array_equal(out["streak"], streak)
    roc1 = talib.ROC(c, 1)
    rank = np.full(len(c), np.nan)
    for i in range(101, len(c)):
        rank[i] = 100.0 * np.sum(roc1[i - 100: i] < roc1[i]) / 100
    np.testing.assert_allclose(out["pct_rank"], rank, equal_nan=True)
    r3, rs2 = talib.RSI(c, 3), talib.RSI(streak, 2)
    assert_matches_talib(out["rsi"], r3, name="crsi.rsi")
    assert_matches_talib(out["streak_rsi"], rs2, name="crsi.streak_rsi")
    assert_matches_talib(out["crsi"], (r3 + rs2 + rank) / 3, skip=101, name="crsi")


def test_streak_golden():
    # closes 5, 6, 7, 7, 6, 5, 6 → streak nan, +1, +2, 0, -1, -2, +1
    s = OC.connors_rsi(rank_period=2).run(bars([5, 6, 7, 7, 6, 5, 6]))["streak"]
    np.testing.assert_array_equal(s, [np.nan, 1, 2, 0, -1, -2, 1])


# --- reference loops: new indicators -------------------------------------------------------------
def test_range_volatility_reference_loops(ohlcv_arrays):
    a = ohlcv_arrays
    o, h, lo, c = a["open"], a["high"], a["low"], a["close"]
    gk = 0.5 * np.log(h / lo) ** 2 - (2 * np.log(2) - 1) * np.log(c / o) ** 2
    rs = np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)
    ref.close_to(VR.garman_klass(period=20).run(a)["gk"], 100 * np.sqrt(np.maximum(ref.sma(gk, 20), 0)), name="gk")
    ref.close_to(VR.rogers_satchell(period=20).run(a)["rs"], 100 * np.sqrt(np.maximum(ref.sma(rs, 20), 0)),
                 name="rs")
    dd = 100 * (c - ref.highest(c, 14)) / ref.highest(c, 14)
    out = VR.ulcer(period=14).run(a)
    ref.close_to(out["drawdown"], dd, name="drawdown")
    ref.close_to(out["ulcer"], np.sqrt(ref.sma(dd ** 2, 14)), name="ulcer")
    assert np.nanmax(out["drawdown"]) <= 0.0
    e1 = talib.EMA(h - lo, 9)
    ratio = e1 / talib.EMA(e1, 9)
    out = VR.mass_index().run(a)
    assert_matches_talib(out["ratio"], ratio, name="mass.ratio")
    assert_matches_talib(out["mass"], talib.SUM(ratio, 25), name="mass")


def test_chande_kroll_reference(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c = hlc(a)
    atr = talib.ATR(h, lo, c, 10)
    fh, fl = talib.MAX(h, 10) - atr, talib.MIN(lo, 10) + atr
    out = VR.chande_kroll().run(a)
    assert_matches_talib(out["first_high"], fh, name="ck.first_high")
    assert_matches_talib(out["first_low"], fl, name="ck.first_low")
    assert_matches_talib(out["stop_short"], talib.MAX(fh, 9), name="ck.stop_short")
    assert_matches_talib(out["stop_long"], talib.MIN(fl, 9), name="ck.stop_long")


def test_ichimoku_reference_and_no_forward_shift(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo = a["high"], a["low"]
    mid = {p: (ref.highest(h, p) + ref.lowest(lo, p)) / 2 for p in (9, 26, 52)}
    out = TL.ichimoku().run(a)
    ref.close_to(out["tenkan"], mid[9], name="tenkan")
    ref.close_to(out["kijun"], mid[26], name="kijun")
    ref.close_to(out["senkou_a"], (mid[9] + mid[26]) / 2, name="senkou_a")
    ref.close_to(out["senkou_b"], mid[52], name="senkou_b")
    assert "chikou" not in TL.ichimoku.lines
    # first values at their computed bar (a forward plot shift would start them 26 bars later)
    assert [int(np.argmax(np.isfinite(out[k]))) for k in TL.ichimoku.lines] == [8, 25, 25, 51]


def test_rvi_reference(ohlcv_arrays):
    a = ohlcv_arrays
    o, h, lo, c = a["open"], a["high"], a["low"], a["close"]

    def swma(x):
        y = np.full(len(x), np.nan)
        for i in range(3, len(x)):
            y[i] = (x[i] + 2 * x[i - 1] + 2 * x[i - 2] + x[i - 3]) / 6
        return y

    num, den = talib.SUM(swma(c - o), 10), talib.SUM(swma(h - lo), 10)
    out = OC.rvi(period=10).run(a)
    assert_matches_talib(out["rvi"], num / den, name="rvi")
    assert_matches_talib(out["signal"], swma(num / den), name="rvi.signal")


def fisher_reference(h, lo, period):
    m = (h + lo) / 2
    value, fish = np.full(len(m), np.nan), np.full(len(m), np.nan)
    pv = pf = 0.0
    for i in range(period - 1, len(m)):
        w = m[i - period + 1: i + 1]
        rng = w.max() - w.min()
        pos = (m[i] - w.min()) / rng if rng > 1e-12 else 0.5
        v = 0.33 * 2 * (pos - 0.5) + 0.67 * pv
        v = 0.999 if v > 0.99 else (-0.999 if v < -0.99 else v)
        f = 0.5 * math.log((1 + v) / (1 - v)) + 0.5 * pf
        value[i], fish[i], pv, pf = v, f, v, f
    return value, fish


def test_fisher_transform_reference(ohlcv_arrays):
    a = ohlcv_arrays
    out = CS.fisher_transform(period=10).run(a)
    value, fish = fisher_reference(a["high"], a["low"], 10)
    ref.close_to(out["value"], value, name="fisher.value")
    ref.close_to(out["fisher"], fish, name="fisher")
    np.testing.assert_array_equal(out["trigger"][1:], out["fisher"][:-1])
    assert np.nanmax(np.abs(out["value"])) <= 0.999


def test_even_better_sinewave_bounds_and_flat(ohlcv_arrays):
    out = CS.even_better_sinewave().run(ohlcv_arrays)
    w = out["wave"][np.isfinite(out["wave"])]
    assert w.size > 600 and w.min() >= -1 - 1e-12 and w.max() <= 1 + 1e-12 and w.min() < -0.9 and w.max() > 0.9
    assert np.all(CS.even_better_sinewave().run(bars(np.full(50, 7.0)))["wave"][3:] == 0.0)
    # a pure 40-bar cycle: after warm-up the wave is that cycle (some phase lag), swinging ±1
    t = np.arange(400)
    wave = CS.even_better_sinewave().run(bars(100 + np.sin(2 * np.pi * t / 40)))["wave"][200:]
    best = max(np.corrcoef(wave, np.sin(2 * np.pi * (t[200:] - lag) / 40))[0, 1] for lag in range(40))
    assert best > 0.9 and wave.max() > 0.9 and wave.min() < -0.9


def test_choppiness_reference_and_extremes(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c = hlc(a)
    want = 100 * np.log10(talib.SUM(talib.TRANGE(h, lo, c), 14) / (talib.MAX(h, 14) - talib.MIN(lo, 14))) / np.log10(14)
    got = R.choppiness(period=14).run(a)["chop"]
    assert_matches_talib(got, want, skip=410, name="chop")  # TA-Lib has no fill for the flat window at 400
    line = np.linspace(1, 2, 40)
    # one straight move: Σ TR = 14 steps (the first from the previous close), HH − LL = 13 steps
    straight = R.choppiness(period=14).run(bars(line, high=line, low=line))["chop"][-1]
    np.testing.assert_allclose(straight, 100 * np.log10(14 / 13) / np.log10(14))
    assert R.choppiness(period=4).run(bars(np.full(10, 3.0)))["chop"][-1] == 100.0


def test_volume_flow_references(ohlcv_arrays):
    a = ohlcv_arrays
    h, lo, c, v = a["high"], a["low"], a["close"], a["volume"]
    mid = (h + lo) / 2
    emv = np.full(len(c), np.nan)
    for i in range(1, len(c)):
        emv[i] = 1e4 * (mid[i] - mid[i - 1]) * (h[i] - lo[i]) / v[i] if v[i] > 1e-12 else 0.0
    out = VF.eom(period=14).run(a)
    ref.close_to(out["emv"], emv, name="emv")
    ref.close_to(out["eom"], ref.sma(emv, 14), name="eom")

    pvt = np.full(len(c), np.nan)
    nvi, pvi = np.full(len(c), 1000.0), np.full(len(c), 1000.0)
    for i in range(1, len(c)):
        flow = v[i] * (c[i] - c[i - 1]) / c[i - 1]
        pvt[i] = flow if i == 1 else pvt[i - 1] + flow
        nvi[i] = nvi[i - 1] * (c[i] / c[i - 1] if v[i] < v[i - 1] else 1.0)
        pvi[i] = pvi[i - 1] * (c[i] / c[i - 1] if v[i] > v[i - 1] else 1.0)
    out = VF.pvt(period=20).run(a)
    ref.close_to(out["pvt"], pvt, rtol=1e-9, atol=1e-6, name="pvt")
    ratio = np.full(len(c), np.nan)
    for i in range(21, len(c)):
        s = v[i - 19: i + 1].sum()
        ratio[i] = (pvt[i] - pvt[i - 20]) / s if s > 1e-12 else 0.0
    ref.close_to(out["pvt_ratio"], ratio, atol=1e-9, name="pvt_ratio")
    out = VF.volume_index().run(a)
    ref.close_to(out["nvi"], nvi, rtol=1e-9, name="nvi")
    ref.close_to(out["pvi"], pvi, rtol=1e-9, name="pvi")
    assert_matches_talib(out["nvi_ema"], talib.EMA(nvi, 255), name="nvi_ema")


def test_zscore_pct_rank_golden():
    # closes 1, 2, 3, 4, 10 with period 4 at the last bar: window 2, 3, 4, 10 → mean 4.75,
    # population σ = sqrt((7.5625 + 3.0625 + 0.5625 + 27.5625)/4) = sqrt(9.6875)
    z = MS.zscore(period=4).run(bars([1, 2, 3, 4, 10]))["zscore"]
    np.testing.assert_allclose(z[-1], (10 - 4.75) / math.sqrt(9.6875))
    # pct_rank period 3: bar 3 (4 vs 1, 2, 3) → 100; bar 4 (2 vs 2, 3, 4: none strictly below) → 0
    r = MS.pct_rank(period=3).run(bars([1, 2, 3, 4, 2]))["pct_rank"]
    np.testing.assert_array_equal(r, [np.nan, np.nan, np.nan, 100.0, 0.0])
    assert MS.zscore(period=3).run(bars(np.full(5, 2.0)))["zscore"][-1] == 0.0


def test_rank_below_streams_like_bulk():
    x = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 0.0])
    bulk = rank_below(x, 0, 2)
    one = [rank_below(x[: i + 1], i, 2)[0] for i in range(len(x))]
    np.testing.assert_array_equal(bulk, one)
    np.testing.assert_array_equal(bulk, [np.nan, np.nan, 50.0, 50.0, 100.0, 0.0])


# --- exposed intermediates ------------------------------------------------------------------------
def test_exposed_intermediates_match_talib(ohlcv_arrays):
    a, c = ohlcv_arrays, ohlcv_arrays["close"]
    h, lo, _ = hlc(a)
    out = V.bbands().run(a)
    assert_matches_talib(out["std"], talib.STDDEV(c, 20, 1.0), name="bbands.std")
    out = T.macd().run(a)
    assert_matches_talib(out["ema_slow"], talib.EMA(c, 26), name="macd.ema_slow")
    assert_matches_talib(out["ema_fast"] - out["ema_slow"], talib.MACD(c, 12, 26, 9)[0], skip=33,
                         name="macd.ema_diff")
    fastk, _ = talib.STOCHF(h, lo, c, 14, 3, 0)
    assert_matches_talib(M.stoch(period=14).run(a)["raw_k"], fastk, skip=17, name="stoch.raw_k")
    r = talib.RSI(c, 14)
    out = M.rsi(period=14).run(a)
    up = talib.SMA(np.maximum(np.diff(c, prepend=np.nan), 0), 14)  # seed check at the first bar
    np.testing.assert_allclose(out["avg_gain"][14], up[14])
    assert_matches_talib(100 * out["avg_gain"] / (out["avg_gain"] + out["avg_loss"]), r, name="rsi.avgs")
    assert_matches_talib(M.stochrsi().run(a)["rsi"], r, name="stochrsi.rsi")
    mom = np.diff(c, prepend=np.nan)
    out = M.tsi().run(a)
    assert_matches_talib(out["smooth_mom"], talib.EMA(talib.EMA(mom, 25), 13), name="tsi.smooth_mom")
    assert_matches_talib(out["smooth_abs_mom"], talib.EMA(talib.EMA(np.abs(mom), 25), 13), name="tsi.abs")
    out = O.qqe().run(a)
    assert_matches_talib(out["rsi"], talib.RSI(c, 6), name="qqe.rsi")
    assert np.all(out["long_band"][40:] <= out["short_band"][40:])
    out = R.squeeze().run(a)
    ub, _, lb = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    assert_matches_talib(out["bb_upper"], ub, skip=20, name="squeeze.bb_upper")
    assert_matches_talib(out["bb_lower"], lb, skip=20, name="squeeze.bb_lower")
    kc_mid, kc_rng = talib.SMA(c, 20), talib.SMA(talib.TRANGE(h, lo, c), 20)
    assert_matches_talib(out["kc_upper"], kc_mid + 1.5 * kc_rng, skip=20, name="squeeze.kc_upper")
    out = R.damiani().run(a)
    assert_matches_talib(out["std_slow"], talib.STDDEV(c, 100, 1.0), name="damiani.std_slow")
    assert_matches_talib(out["atr_fast"], talib.ATR(h, lo, c, 13), name="damiani.atr_fast")
    out = D.adx(period=14).run(a)
    np.testing.assert_allclose(out["plus_di"][30:], 100 * out["plus_dm"][30:] / out["atr"][30:])
    out = D.supertrend().run(a)
    st, dirn = out["supertrend"], out["direction"]
    np.testing.assert_array_equal(st[dirn == 1], out["lower_band"][dirn == 1])
    np.testing.assert_array_equal(st[dirn == -1], out["upper_band"][dirn == -1])
    assert_matches_talib(out["atr"], talib.ATR(h, lo, c, 10), name="supertrend.atr")


def test_exposed_components_recompose(ohlcv_arrays):
    """Each exposed component set rebuilds its indicator's headline line."""
    a = ohlcv_arrays
    out = T.kst().run(a)
    np.testing.assert_allclose(out["kst"], sum(k * out[f"rcma{k}"] for k in (1, 2, 3, 4)), equal_nan=True)
    out = M.ultosc().run(a)
    np.testing.assert_allclose(out["ultosc"], 100 * (4 * out["avg_short"] + 2 * out["avg_medium"]
                                                     + out["avg_long"]) / 7, equal_nan=True)
    out = A.kama(period=10).run(a)
    er = out["er"][np.isfinite(out["er"])]
    assert er.min() >= 0 and er.max() <= 1
    out = M.cci(period=20).run(a)
    assert np.nanmin(out["mean_dev"]) >= 0
    out = T.trix(period=15).run(a)
    assert_matches_talib(out["triple_ema"], talib.EMA(talib.EMA(talib.EMA(a["close"], 15), 15), 15), name="trix.e3")

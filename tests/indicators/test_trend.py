"""Trend kernels: TA-Lib oracle where TA-Lib has the indicator, slow reference loops and
hand-worked values otherwise, plus range properties."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from neural_trading_system.indicators import trend as T
from neural_trading_system.indicators import trend_adaptive as A
from neural_trading_system.indicators import trend_directional as D

from . import refloops as R
from .talib_oracle import assert_matches_talib, talib


def _bars(h, l, c, o=None):
    h, l, c = (np.asarray(v, dtype=float) for v in (h, l, c))
    return {"open": c if o is None else np.asarray(o, float), "high": h, "low": l, "close": c,
            "volume": np.ones(len(c))}


def _talib_cases(a):
    """(name, ours, theirs): TA-Lib compared from bar 0 (no skip: seeding equals TA-Lib's)."""
    h, l, c = a["high"], a["low"], a["close"]
    adx = D.adx(period=14).run(a)
    ar = D.aroon(period=25).run(a)
    dn, up = talib.AROON(h, l, 25)
    mama = A.mama().run(a)
    mm, ff = talib.MAMA(c, 0.5, 0.05)
    return [
        ("adx", adx["adx"], talib.ADX(h, l, c, 14)), ("plus_di", adx["plus_di"], talib.PLUS_DI(h, l, c, 14)),
        ("minus_di", adx["minus_di"], talib.MINUS_DI(h, l, c, 14)), ("dx", adx["dx"], talib.DX(h, l, c, 14)),
        ("aroon_up", ar["up"], up), ("aroon_down", ar["down"], dn), ("aroonosc", ar["osc"], talib.AROONOSC(h, l, 25)),
        ("dema", T.dema(period=20).run(a)["dema"], talib.DEMA(c, 20)),
        ("tema", T.tema(period=20).run(a)["tema"], talib.TEMA(c, 20)),
        ("trix", T.trix(period=15).run(a)["trix"], talib.TRIX(c, 15)),
        ("kama", A.kama(period=30).run(a)["kama"], talib.KAMA(c, 30)),
        ("kama10", A.kama(period=10).run(a)["kama"], talib.KAMA(c, 10)),
        ("mama", mama["mama"], mm), ("fama", mama["fama"], ff),
        ("ht_trendline", A.ht_trendline().run(a)["trendline"], talib.HT_TRENDLINE(c)),
    ]


def test_trend_kernels_match_talib(ohlcv_arrays):
    for name, ours, theirs in _talib_cases(ohlcv_arrays):
        assert_matches_talib(ours, theirs, name=name)


def test_trend_kernels_match_talib_on_btc(btc_csv):
    df = pl.read_csv(btc_csv)
    a = {k: df[k].to_numpy().astype(np.float64) for k in ("open", "high", "low", "close", "volume")}
    for name, ours, theirs in _talib_cases(a):
        assert_matches_talib(ours, theirs, name=f"btc {name}")


def test_kama_er_is_one_on_a_flat_window():
    # a flat stretch longer than the ER window: noise 0 → ER 1 (TA-Lib) → kama converges to the price
    c = np.concatenate([np.linspace(100, 110, 20), np.full(40, 110.0)])
    k = A.kama(period=5).run(_bars(c, c, c))["kama"]
    assert_matches_talib(k, talib.KAMA(c, 5), name="kama flat")
    assert abs(k[-1] - 110.0) < 1e-9


def test_moving_averages_match_reference_loops(ohlcv_arrays):
    a = ohlcv_arrays
    c, h, l = a["close"], a["high"], a["low"]
    half = R.wma(c, 10)
    R.close_to(T.hma(period=20).run(a)["hma"], R.wma(2 * half - R.wma(c, 20), 4), name="hma")
    delag = np.concatenate([[np.nan] * 9, 2 * c[9:] - c[:-9]])
    R.close_to(T.zlema(period=20).run(a)["zlema"], R.ema(delag, 20), name="zlema")
    al = T.alligator().run(a)
    med = (h + l) / 2
    for line, p in (("jaw", 13), ("teeth", 8), ("lips", 5)):
        R.close_to(al[line], R.rma(med, p), name=line)


def test_kst_matches_reference(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    kst = np.zeros(len(c))
    for k, (r, s) in enumerate(((10, 10), (15, 10), (20, 10), (30, 15)), start=1):
        roc = np.full(len(c), np.nan)
        roc[r:] = 100 * (c[r:] / c[:-r] - 1)
        kst = kst + k * R.sma(roc, s)
    out = T.kst().run(ohlcv_arrays)
    R.close_to(out["kst"], kst, name="kst")
    R.close_to(out["signal"], R.sma(kst, 9), name="kst signal")


def _ref_stc(c, fast, slow, cycle, f=0.5):
    m = R.ema(c, fast) - R.ema(c, slow)

    def stoch_smooth(x):
        f1 = np.full(len(x), np.nan)
        pf = np.full(len(x), np.nan)
        for i in range(len(x)):
            w = x[i - cycle + 1: i + 1] if i >= cycle - 1 else np.array([np.nan])
            if not np.all(np.isfinite(w)):
                continue
            lo, rng = w.min(), w.max() - w.min()
            prev = f1[i - 1] if i > 0 and np.isfinite(f1[i - 1]) else 0.0
            f1[i] = (x[i] - lo) / rng * 100 if rng > 0 else prev
            pf[i] = f1[i] if not (i > 0 and np.isfinite(pf[i - 1])) else pf[i - 1] + f * (f1[i] - pf[i - 1])
        return pf

    return stoch_smooth(stoch_smooth(m))


def test_stc_matches_pine_style_loop(ohlcv_arrays):
    out = T.stc().run(ohlcv_arrays)["stc"]
    R.close_to(out, _ref_stc(ohlcv_arrays["close"], 23, 50, 10), name="stc")
    v = out[np.isfinite(out)]
    assert v.min() >= 0.0 and v.max() <= 100.0


def test_tdfi_matches_reference_and_is_bounded(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    mma = R.ema(c, 13)
    smma = R.ema(mma, 13)
    impet = np.concatenate([[np.nan], ((mma[1:] - mma[:-1]) + (smma[1:] - smma[:-1])) / 2])
    tdf = np.abs(mma - smma) * impet ** 3
    peak = R.highest(np.abs(tdf), 39)
    ref = np.where(peak == 0, 0.0, tdf / np.where(peak == 0, 1, peak))
    out = T.tdfi(period=13).run(ohlcv_arrays)["tdfi"]
    R.close_to(out, ref, name="tdfi")
    assert np.nanmax(np.abs(out)) <= 1.0 + 1e-12


def test_vortex_matches_reference(ohlcv_arrays):
    a = ohlcv_arrays
    h, l, c = a["high"], a["low"], a["close"]
    vp = np.concatenate([[np.nan], np.abs(h[1:] - l[:-1])])
    vm = np.concatenate([[np.nan], np.abs(l[1:] - h[:-1])])
    tr = R.sma(R.true_range(h, l, c), 14)
    out = D.vortex(period=14).run(a)
    R.close_to(out["vi_plus"], R.sma(vp, 14) / tr, name="vi+")
    R.close_to(out["vi_minus"], R.sma(vm, 14) / tr, name="vi-")


def test_ttf_hand_worked():
    # period 2, steadily rising bars; bar 3: HH(bars 2,3)=8, LL(bars 0,1)=4 → buy 4;
    # HH(bars 0,1)=6, LL(bars 2,3)=6 → sell 0; TTF = 100·4/(0.5·4) = 200
    h, l = [5, 6, 7, 8, 8], [4, 5, 6, 7, 7]
    out = D.ttf(period=2).run(_bars(h, l, h))["ttf"]
    # bar 4: buy = 8 - LL(bars 1,2)=5 → 3; sell = HH(bars 1,2)=7 - LL(bars 3,4)=7 → 0 → 200
    np.testing.assert_allclose(out, [np.nan, np.nan, np.nan, 200.0, 200.0], equal_nan=True)


def _ref_supertrend(h, l, c, period, mult):
    atr = R.rma(R.true_range(h, l, c), period)
    st, dr = np.full(len(c), np.nan), np.full(len(c), np.nan)
    up1 = dn1 = trend = None
    for i in range(len(c)):
        if not np.isfinite(atr[i]):
            continue
        src = (h[i] + l[i]) / 2
        up, dn = src - mult * atr[i], src + mult * atr[i]
        pu = up if up1 is None else up1
        pd = dn if dn1 is None else dn1
        if up1 is not None and c[i - 1] > pu:
            up = max(up, pu)
        if dn1 is not None and c[i - 1] < pd:
            dn = min(dn, pd)
        trend = 1 if trend is None else trend
        if trend == -1 and c[i] > pd:
            trend = 1
        elif trend == 1 and c[i] < pu:
            trend = -1
        up1, dn1 = up, dn
        st[i], dr[i] = (up if trend == 1 else dn), trend
    return st, dr


def test_supertrend_matches_pine_style_loop(ohlcv_arrays):
    a = ohlcv_arrays
    out = D.supertrend().run(a)
    st, dr = _ref_supertrend(a["high"], a["low"], a["close"], 10, 3.0)
    R.close_to(out["supertrend"], st, name="supertrend")
    R.close_to(out["direction"], dr, name="direction")
    assert set(np.unique(dr[np.isfinite(dr)])) == {-1.0, 1.0}


def test_ssl_hand_worked():
    # period 2: SMA(high), SMA(low) from bar 1. bar1: sh=10.5, sl=8.5, close 9 inside → hlv keeps
    # its start value +1 → up=sh; bar2: sh=11, sl=9, close 12 > sh → +1; bar3: sh=10.5, sl=8.5,
    # close 8 < sl → -1 → up=sl, down=sh; bar4: sh=10, sl=8, close 9 inside → stays -1
    h = [10, 11, 11, 10, 10]
    l = [8, 9, 9, 8, 8]
    c = [9, 9, 12, 8, 9]
    out = D.ssl(period=2).run(_bars(h, l, c))
    np.testing.assert_allclose(out["up"], [np.nan, 10.5, 11.0, 8.5, 8.0], equal_nan=True)
    np.testing.assert_allclose(out["down"], [np.nan, 8.5, 9.0, 10.5, 10.0], equal_nan=True)


def test_aroon_hand_worked_and_ranges(ohlcv_arrays):
    # period 3 → window of 4 bars; bar 3: highest high at bar 1 (age 2) → up = 100·(3-2)/3;
    # lowest low at bar 3 (age 0) → down = 100
    h, l = [1, 5, 2, 3], [0.5, 2, 1, 0.1]
    out = D.aroon(period=3).run(_bars(h, l, h))
    np.testing.assert_allclose(out["up"][3], 100 / 3)
    np.testing.assert_allclose(out["down"][3], 100.0)
    np.testing.assert_allclose(out["osc"][3], 100 / 3 - 100)
    big = D.aroon(period=25).run(ohlcv_arrays)
    for line in ("up", "down"):
        v = big[line][np.isfinite(big[line])]
        assert v.min() >= 0 and v.max() <= 100


@pytest.mark.parametrize("spec", [A.mama(), A.ht_trendline(), A.kama(period=30)], ids=lambda s: s.name)
def test_adaptive_mas_stay_within_the_price_range(spec, ohlcv_arrays):
    """Once past their zero start (TA-Lib's MAMA/FAMA begin at 0), the averages of the close lie
    between the lowest and highest close seen so far."""
    c = ohlcv_arrays["close"]
    lo, hi = np.minimum.accumulate(c)[100:], np.maximum.accumulate(c)[100:]
    out = spec.run(ohlcv_arrays)
    for line in spec.definition.price_like:
        v = out[line][100:]
        assert np.all(np.isfinite(v)), line
        assert np.all((v >= lo - 1e-9) & (v <= hi + 1e-9)), line
    if "er" in out:  # KAMA's efficiency ratio is a share of the path travelled: 0..1
        er = out["er"][30:]
        assert np.all(np.isfinite(er)) and er.min() >= 0.0 and er.max() <= 1.0 + 1e-12

"""Cycle family: TA-Lib oracle where the algorithm is TA-Lib's, otherwise plain reference loops
(written from Ehlers' formulas, one bar at a time) and hand-worked values, plus properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neural_trading_system.indicators import cycle

from .talib_oracle import assert_matches_talib, talib


def bars(price, high=None, low=None):
    """OHLCV dict with close = price and (by default) high = low = price."""
    p = np.asarray(price, dtype=float)
    h = p if high is None else np.asarray(high, dtype=float)
    lo = p if low is None else np.asarray(low, dtype=float)
    return {"open": p, "high": h, "low": lo, "close": p, "volume": np.ones(len(p))}


def median(a):
    return 0.5 * (a["high"] + a["low"])


# reference loops ------------------------------------------------------------------------------
def ref_iir2(x, b0, b1, b2, a1, a2):
    """The two-pole recursion, started with output = input for two bars (iir2's convention)."""
    y = np.full(len(x), np.nan)
    for i in range(len(x)):
        if i < 2 or not np.isfinite(x[i - 2]) or not np.isfinite(y[i - 2]):
            y[i] = x[i]
        else:
            y[i] = b0 * x[i] + b1 * x[i - 1] + b2 * x[i - 2] + a1 * y[i - 1] + a2 * y[i - 2]
    return y


def ref_second_diff(x):
    """x − 2x[1] + x[2] with x flat before its first finite bar."""
    out = np.full(len(x), np.nan)
    first = int(np.argmax(np.isfinite(x)))
    for i in range(first, len(x)):
        x1 = x[i - 1] if i - 1 >= first else x[first]
        x2 = x[i - 2] if i - 2 >= first else x[first]
        out[i] = x[i] - 2 * x1 + x2
    return out


def ref_highpass(x, period):
    arg = 0.707 * 2 * math.pi / period
    a = (math.cos(arg) + math.sin(arg) - 1) / math.cos(arg)
    return ref_iir2(ref_second_diff(x), (1 - a / 2) ** 2, 0, 0, 2 * (1 - a), -(1 - a) ** 2)


def ref_super_smoother(x, period):
    a1 = math.exp(-1.414 * math.pi / period)
    c2 = 2 * a1 * math.cos(1.414 * math.pi / period)
    c3 = -a1 * a1
    c1 = 1 - c2 - c3
    return ref_iir2(x, c1 / 2, c1 / 2, 0, c2, c3)


def ref_adaptive_laguerre(p, length):
    n = len(p)
    f = np.full(n, np.nan)
    diff, ratio, alpha = (np.full(n, np.nan) for _ in range(3))
    L = np.zeros((4, n))
    for i in range(n):
        if i > 0:
            diff[i] = abs(p[i] - f[i - 1])
        if i >= length and np.isfinite(diff[i - length + 1: i + 1]).all():
            w = diff[i - length + 1: i + 1]
            hh, ll = w.max(), w.min()
            ratio[i] = (diff[i] - ll) / (hh - ll) if hh > ll else (ratio[i - 1] if np.isfinite(ratio[i - 1]) else 0)
        if i >= 4 and np.isfinite(ratio[i - 4: i + 1]).all():
            alpha[i] = np.median(ratio[i - 4: i + 1])
        if not np.isfinite(alpha[i]):
            L[:, i] = p[i]
            f[i] = p[i]
            continue
        g = 1 - alpha[i]
        L[0, i] = alpha[i] * p[i] + g * L[0, i - 1]
        for k in (1, 2, 3):
            L[k, i] = -g * L[k - 1, i] + L[k - 1, i - 1] + g * L[k, i - 1]
        f[i] = (L[0, i] + 2 * L[1, i] + 2 * L[2, i] + L[3, i]) / 6
    return np.where(np.isfinite(alpha), f, np.nan), alpha


# TA-Lib oracle --------------------------------------------------------------------------------
def test_adaptive_cycle_period_equals_talib_ht_dcperiod(ohlcv_arrays):
    dc = cycle.adaptive_cyber_cycle().run(ohlcv_arrays)["dc_period"]
    assert_matches_talib(dc, talib.HT_DCPERIOD(median(ohlcv_arrays)), name="dc_period")
    assert np.nanmin(dc) >= 6.0 and np.nanmax(dc) <= 50.0


def test_inverse_fisher_rsi_matches_talib_composition(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    ours = cycle.inverse_fisher_rsi().run(ohlcv_arrays)["ifisher"]
    theirs = np.tanh(talib.WMA(0.1 * (talib.RSI(c, 5) - 50.0), 9))
    assert_matches_talib(ours, theirs, name="ifisher_rsi")
    assert np.nanmax(np.abs(ours)) <= 1.0


def test_idecycler_is_inverse_fisher_of_normalized_decycler_osc(ohlcv_arrays):
    osc = cycle.decycler_osc().run(ohlcv_arrays)["osc"]
    hi, lo = talib.MAX(osc, 20), talib.MIN(osc, 20)
    scaled = 10.0 * (osc - lo) / (hi - lo) - 5.0
    ours = cycle.idecycler().run(ohlcv_arrays)["ifisher"]
    assert_matches_talib(ours, np.tanh(talib.SMA(scaled, 2)), name="idecycler")
    assert np.nanmax(np.abs(ours)) <= 1.0


# reference loops on the shared market -----------------------------------------------------------
def test_two_pole_filters_match_reference_loops(ohlcv_arrays):
    a = ohlcv_arrays
    c, m = a["close"], median(a)
    close = lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10, equal_nan=True)  # noqa: E731

    close(cycle.roofing_filter().run(a)["roof"], ref_super_smoother(ref_highpass(c, 48), 10))
    close(cycle.decycler().run(a)["decycle"], c - ref_highpass(c, 125))
    dec = c - ref_highpass(c, 125)
    close(cycle.decycler_osc().run(a)["osc"], 100.0 * ref_highpass(dec, 62.5) / c)
    close(cycle.supersmoother(period=10).run(a)["smooth"], ref_super_smoother(c, 10))

    a1 = math.exp(-1.414 * math.pi / 20)
    b1 = 2 * a1 * math.cos(1.414 * math.pi / 20)
    c1 = (1 - b1 + a1 * a1) / 4
    close(cycle.butterworth(period=20).run(a)["butter"], ref_iir2(m, c1, 2 * c1, c1, b1, -a1 * a1))

    al = 2 / 21
    it = ref_iir2(m, al - al * al / 4, al * al / 2, -(al - 0.75 * al * al), 2 * (1 - al), -(1 - al) ** 2)
    out = cycle.itrend(period=20).run(a)
    close(out["itrend"], it)
    close(out["trigger"][2:], 2 * it[2:] - it[:-2])

    smooth = np.full(len(m), np.nan)
    smooth[3:] = (m[3:] + 2 * m[2:-1] + 2 * m[1:-2] + m[:-3]) / 6
    cc = ref_iir2(ref_second_diff(smooth), (1 - al / 2) ** 2, 0, 0, 2 * (1 - al), -(1 - al) ** 2)
    out = cycle.cyber_cycle(period=20).run(a)
    close(out["cycle"], cc)
    close(out["trigger"][1:], cc[:-1])


def test_adaptive_cyber_cycle_matches_reference_loop(ohlcv_arrays):
    a = ohlcv_arrays
    m = median(a)
    out = cycle.adaptive_cyber_cycle().run(a)
    dc = out["dc_period"]
    smooth = np.full(len(m), np.nan)
    smooth[3:] = (m[3:] + 2 * m[2:-1] + 2 * m[1:-2] + m[:-3]) / 6
    ref = np.full(len(m), np.nan)
    for i in range(len(m)):
        if not np.isfinite(dc[i]):
            continue
        al = 2 / (dc[i] + 1)
        c1 = ref[i - 1] if np.isfinite(ref[i - 1]) else 0.0  # zero state where alpha first exists
        c2 = ref[i - 2] if np.isfinite(ref[i - 2]) else 0.0
        ref[i] = (1 - al / 2) ** 2 * (smooth[i] - 2 * smooth[i - 1] + smooth[i - 2]) + 2 * (1 - al) * c1 - (1 - al) ** 2 * c2
    np.testing.assert_allclose(out["cycle"], ref, rtol=1e-10, atol=1e-12, equal_nan=True)
    assert int(np.argmax(np.isfinite(out["cycle"]))) == 32


def test_adaptive_laguerre_matches_reference_loop(ohlcv_arrays):
    f_ref, alpha_ref = ref_adaptive_laguerre(median(ohlcv_arrays), 20)
    out = cycle.adaptive_laguerre(length=20).run(ohlcv_arrays)
    np.testing.assert_allclose(out["alpha"], alpha_ref, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(out["filt"], f_ref, rtol=1e-12, equal_nan=True)
    assert int(np.argmax(np.isfinite(out["filt"]))) == 24
    assert np.nanmin(out["alpha"]) >= 0.0 and np.nanmax(out["alpha"]) <= 1.0


# hand-worked values ---------------------------------------------------------------------------
def test_laguerre_golden_by_hand():
    # gamma 0.5 on a step 0,0,0,1,1:
    # L0 = .5p + .5L0[1]            → 0, 0, 0, .5, .75
    # L1 = -.5L0 + L0[1] + .5L1[1]  → 0, 0, 0, -.25, -.375+.5-.125 = 0
    # L2 (from L1)                  → 0, 0, 0, .125, 0-.25+.0625 = -.1875
    # L3 (from L2)                  → 0, 0, 0, -.0625, .09375+.125-.03125 = .1875
    # filt = (L0 + 2L1 + 2L2 + L3)/6 → bar 3: (.5-.5+.25-.0625)/6 = .03125; bar 4: (.75+0-.375+.1875)/6 = .09375
    out = cycle.laguerre(gamma=0.5).run(bars([0, 0, 0, 1, 1]))["filt"]
    np.testing.assert_allclose(out, [0, 0, 0, 0.03125, 0.09375], atol=1e-15)


def test_cyber_cycle_golden_by_hand():
    # price 1,1,1,1,2,2 ; smooth = (p + 2p[1] + 2p[2] + p[3])/6 from bar 3: 1, 7/6, 9/6
    # second difference of smooth (flat before bar 3): bar 3: 0, bar 4: 7/6-1 = 1/6,
    #   bar 5: 9/6 - 2·7/6 + 1 = 1/6
    # cycle starts as its input on bars 3, 4 (0, 1/6); bar 5 with a = 2/21:
    #   (1-a/2)²·(1/6) + 2(1-a)·(1/6) - (1-a)²·0
    a = 2 / 21
    out = cycle.cyber_cycle(period=20).run(bars([1, 1, 1, 1, 2, 2]))
    want5 = (1 - a / 2) ** 2 / 6 + 2 * (1 - a) / 6
    np.testing.assert_allclose(out["cycle"], [np.nan, np.nan, np.nan, 0.0, 1 / 6, want5], rtol=1e-14, equal_nan=True)
    np.testing.assert_allclose(out["trigger"], [np.nan] * 4 + [0.0, 1 / 6], rtol=1e-14, equal_nan=True)


def test_itrend_golden_by_hand():
    # period 3 → a = .5: it = (.5-.0625)p + .125p[1] - (.5-.1875)p[2] + 1·it[1] - .25·it[2]
    #                     = .4375p + .125p[1] - .3125p[2] + it[1] - .25it[2]
    # p = 2, 2, 4 : it = 2, 2 (start at price), then .4375·4 + .125·2 - .3125·2 + 2 - .5 = 2.875
    # trigger[2] = 2·2.875 - 2 = 3.75
    out = cycle.itrend(period=3).run(bars([2, 2, 4]))
    np.testing.assert_allclose(out["itrend"], [2, 2, 2.875], rtol=1e-14)
    np.testing.assert_allclose(out["trigger"], [np.nan, np.nan, 3.75], rtol=1e-14, equal_nan=True)


# properties -----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec,line", [
    (cycle.butterworth(period=20), "butter"), (cycle.supersmoother(period=10), "smooth"),
    (cycle.laguerre(gamma=0.8), "filt"), (cycle.adaptive_laguerre(length=20), "filt"),
    (cycle.itrend(period=20), "itrend"), (cycle.decycler(), "decycle"),
], ids=lambda v: getattr(v, "name", v))
def test_low_pass_of_a_constant_is_the_constant(spec, line):
    out = spec.run(bars(np.full(150, 42.5)))[line]
    v = out[np.isfinite(out)]
    assert v.size > 100
    np.testing.assert_allclose(v, 42.5, rtol=1e-12)


@pytest.mark.parametrize("spec,line", [
    (cycle.roofing_filter(), "roof"), (cycle.decycler_osc(), "osc"), (cycle.cyber_cycle(period=20), "cycle"),
    (cycle.adaptive_cyber_cycle(), "cycle"),
], ids=lambda v: getattr(v, "name", v))
def test_high_pass_of_a_constant_is_zero(spec, line):
    out = spec.run(bars(np.full(150, 42.5)))[line]
    v = out[np.isfinite(out)]
    assert v.size > 50
    np.testing.assert_allclose(v, 0.0, atol=1e-12)


def test_itrend_has_no_lag_on_a_straight_line():
    ramp = 100.0 + 0.5 * np.arange(200)
    np.testing.assert_allclose(cycle.itrend(period=20).run(bars(ramp))["itrend"], ramp, rtol=1e-12)


def test_laguerre_stays_within_the_input_range(ohlcv_arrays):
    m = median(ohlcv_arrays)
    f = cycle.laguerre(gamma=0.8).run(ohlcv_arrays)["filt"]
    lo, hi = np.minimum.accumulate(m), np.maximum.accumulate(m)
    assert np.all(f >= lo - 1e-9) and np.all(f <= hi + 1e-9)


def test_cycle_oscillators_are_bounded_and_react_to_a_sine():
    """On a clean 20-bar sine the roofing filter (band 10…48) passes the cycle and the cyber cycle
    tracks it: both end up oscillating with the sine's sign changes."""
    t = np.arange(400)
    price = 100 + 2 * np.sin(2 * np.pi * t / 20)
    roof = cycle.roofing_filter().run(bars(price))["roof"][200:]
    cc = cycle.cyber_cycle(period=20).run(bars(price))["cycle"][200:]
    for x in (roof, cc):
        crossings = np.count_nonzero(np.diff(np.sign(x)) != 0)
        assert 18 <= crossings <= 22  # 200 bars / 10 bars per half cycle
        assert 0.5 < np.max(np.abs(x)) < 5

"""Momentum family: TA-Lib oracle checks, hand-worked golden values, slow reference loops, bounds."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.errors import IndicatorError
from neural_trading_system.indicators import momentum as M
from neural_trading_system.indicators import oscillators as O

from .talib_oracle import assert_matches_talib, talib


def bars(close, high=None, low=None, volume=None):
    """OHLCV dict from closes (high/low default to the close: flat bars)."""
    c = np.asarray(close, dtype=float)
    return {"open": c, "high": c if high is None else np.asarray(high, float),
            "low": c if low is None else np.asarray(low, float), "close": c,
            "volume": np.ones(len(c)) if volume is None else np.asarray(volume, float)}


def hlc(a):
    return a["high"], a["low"], a["close"]


# --- TA-Lib oracle ------------------------------------------------------------------------------
def test_stoch_matches_talib(ohlcv_arrays):
    out = M.stoch(period=14).run(ohlcv_arrays)
    k, d = talib.STOCH(*hlc(ohlcv_arrays), 14, 3, 0, 3, 0)
    assert_matches_talib(out["k"], k, name="stoch.k")
    assert_matches_talib(out["d"], d, name="stoch.d")


def test_stochrsi_matches_talib(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    out = M.stochrsi(k_smooth=1).run(ohlcv_arrays)  # TA-Lib STOCHRSI: fast %K, %D = SMA3
    k, d = talib.STOCHRSI(c, 14, 14, 3, 0)
    assert_matches_talib(out["k"], k, name="stochrsi.k")
    assert_matches_talib(out["d"], d, name="stochrsi.d")
    out = M.stochrsi().run(ohlcv_arrays)  # default 3, 3: the slow stochastic of the RSI
    r = talib.RSI(c, 14)
    k, d = talib.STOCH(r, r, r, 14, 3, 0, 3, 0)
    assert_matches_talib(out["k"], k, name="stochrsi33.k")
    assert_matches_talib(out["d"], d, name="stochrsi33.d")


def test_willr_cci_roc_mom_match_talib(ohlcv_arrays):
    a, c = ohlcv_arrays, ohlcv_arrays["close"]
    assert_matches_talib(M.willr(period=14).run(a)["willr"], talib.WILLR(*hlc(a), 14), name="willr")
    assert_matches_talib(M.cci(period=20).run(a)["cci"], talib.CCI(*hlc(a), 20), name="cci")
    assert_matches_talib(M.roc(period=12).run(a)["roc"], talib.ROC(c, 12), name="roc")
    assert_matches_talib(M.mom(period=12).run(a)["mom"], talib.MOM(c, 12), name="mom")


def test_cmo_wilder_matches_talib(ohlcv_arrays):
    out = M.cmo(period=14, smoothing="wilder").run(ohlcv_arrays)["cmo"]
    assert_matches_talib(out, talib.CMO(ohlcv_arrays["close"], 14), name="cmo")


def test_ppo_matches_talib(ohlcv_arrays):
    out = M.ppo().run(ohlcv_arrays)
    p = talib.PPO(ohlcv_arrays["close"], 12, 26, 1)  # matype 1 = EMA
    s = talib.EMA(p, 9)
    assert_matches_talib(out["ppo"], p, name="ppo")
    assert_matches_talib(out["signal"], s, name="ppo.signal")
    assert_matches_talib(out["hist"], p - s, name="ppo.hist")


def test_ultosc_matches_talib(ohlcv_arrays):
    out = M.ultosc().run(ohlcv_arrays)["ultosc"]
    assert_matches_talib(out, talib.ULTOSC(*hlc(ohlcv_arrays), 7, 14, 28), name="ultosc")


def test_awesome_pgo_tsi_wavetrend_match_talib_compositions(ohlcv_arrays):
    """Indicators TA-Lib lacks, rebuilt from TA-Lib's SMA / EMA / TRANGE (an independent path)."""
    a = ohlcv_arrays
    h, lo, c = hlc(a)
    m = (h + lo) / 2
    assert_matches_talib(M.awesome().run(a)["ao"], talib.SMA(m, 5) - talib.SMA(m, 34), name="ao")
    ref = (c - talib.SMA(c, 14)) / talib.EMA(talib.TRANGE(h, lo, c), 14)
    assert_matches_talib(M.pgo(period=14).run(a)["pgo"], ref, name="pgo")

    mom = np.diff(c, prepend=np.nan)
    num = talib.EMA(talib.EMA(mom, 25), 13)
    den = talib.EMA(talib.EMA(np.abs(mom), 25), 13)
    t = 100 * num / den
    out = M.tsi().run(a)
    assert_matches_talib(out["tsi"], t, name="tsi")
    assert_matches_talib(out["signal"], talib.EMA(t, 13), name="tsi.signal")

    ap = (h + lo + c) / 3
    esa = talib.EMA(ap, 10)
    d = talib.EMA(np.abs(ap - esa), 10)
    wt1 = talib.EMA((ap - esa) / (0.015 * d), 21)
    out = O.wavetrend().run(a)
    assert_matches_talib(out["wt1"], wt1, name="wt1")
    assert_matches_talib(out["wt2"], talib.SMA(wt1, 4), name="wt2")


def test_rmi_with_one_bar_momentum_is_rsi(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    assert_matches_talib(O.rmi(period=14, momentum=1).run(ohlcv_arrays)["rmi"], talib.RSI(c, 14), name="rmi1")


# --- hand-worked golden values ------------------------------------------------------------------
def test_cmo_sum_golden():
    # closes 10, 11, 13, 12, 12, 15 → moves +1, +2, -1, 0, +3; period 3 (Chande: plain sums)
    # bar 3: U = 1+2 = 3, D = 1 → 100 (3-1)/(3+1) = 50
    # bar 4: moves +2, -1, 0 → U = 2, D = 1 → 100/3;  bar 5: -1, 0, +3 → U = 3, D = 1 → 50
    r = M.cmo(period=3).run(bars([10, 11, 13, 12, 12, 15]))["cmo"]
    np.testing.assert_allclose(r, [np.nan, np.nan, np.nan, 50.0, 100.0 / 3.0, 50.0], equal_nan=True)


def test_rmi_golden():
    # closes 1, 2, 4, 3, 1 with momentum 2, period 2: changes c - c[-2] at bars 2..4 = +3, +1, -3
    # seed at bar 3: up = (3+1)/2 = 2, down = 0 → 100
    # bar 4: up = 2 + (0 - 2)/2 = 1, down = 0 + (3 - 0)/2 = 1.5 → 100 · 1 / 2.5 = 40
    r = O.rmi(period=2, momentum=2).run(bars([1, 2, 4, 3, 1]))["rmi"]
    np.testing.assert_allclose(r, [np.nan, np.nan, np.nan, 100.0, 40.0], equal_nan=True)


def test_laguerre_rsi_golden_gamma_zero():
    # γ = 0: L0 = c and each Lk is its input one bar late (after the two-bar initialisation), so at
    # bar 5 (c = 1, 2, 4, 3, 5, 6): L0 = 6, L1 = c4 = 5, L2 = c3 = 3, L3 = c2 = 4;
    # L0-L1 = +1, L1-L2 = +2, L2-L3 = -1 → CU = 3, CD = 1 → 0.75.
    # bar 4: L0 = 5, L1 = c3 = 3, L2 = L1[3] = c2 = 4, L3 = L2[3] = L1[2] = c1 = 2
    #   → +2, -1, +2 → CU = 4, CD = 1 → 0.8
    r = O.laguerre_rsi(gamma=0.0).run(bars([1, 2, 4, 3, 5, 6]))["lrsi"]
    np.testing.assert_allclose(r[4:], [0.8, 0.75])


def test_dv2_golden():
    # mid = (13 + 3)/2 = 8 on every bar; closes 8, 10, 6, 12, 4 → ratios 0, .25, -.25, .5, -.5
    # (exact in binary); 2-bar means from bar 1: .125, 0, .125, 0. lookback 2:
    # bar 3: .125 vs previous (.125, 0): one tie, one below → 100 (1 + .5)/2 = 75
    # bar 4: 0 vs previous (0, .125): one tie → 100 (.5)/2 = 25
    a = bars([8, 10, 6, 12, 4], high=np.full(5, 13.0), low=np.full(5, 3.0))
    r = O.dv2(lookback=2).run(a)["dv2"]
    np.testing.assert_allclose(r, [np.nan, np.nan, np.nan, 75.0, 25.0], equal_nan=True)


def test_flat_windows_give_neutral_values():
    a = bars(np.full(60, 100.0))
    assert M.stoch(period=5).run(a)["k"][-1] == 50.0
    assert M.willr(period=5).run(a)["willr"][-1] == -50.0
    assert M.cci(period=5).run(a)["cci"][-1] == 0.0
    assert M.ultosc(short=2, medium=3, long=4).run(a)["ultosc"][-1] == 50.0
    assert O.rsx(period=5).run(a)["rsx"][-1] == 50.0
    assert O.laguerre_rsi().run(a)["lrsi"][-1] == 0.5
    assert M.cmo(period=5).run(a)["cmo"][-1] == 0.0


# --- slow reference loops ----------------------------------------------------------------------
def rsx_reference(c, period):
    """The published RSX cascade, bar by bar (filters start at their first input)."""
    a = 3.0 / (period + 2.0)
    out = np.full(len(c), np.nan)
    f: list[float | None] = [None] * 12

    def ema(k, x):
        f[k] = x if f[k] is None else f[k] + a * (x - f[k])
        return f[k]

    for i in range(1, len(c)):
        m = c[i] - c[i - 1]
        num, den = m, abs(m)
        for s in range(3):
            p = ema(2 * s, num)
            num = 1.5 * p - 0.5 * ema(2 * s + 1, p)
            q = ema(6 + 2 * s, den)
            den = 1.5 * q - 0.5 * ema(6 + 2 * s + 1, q)
        out[i] = min(100.0, max(0.0, 50.0 * (num / den + 1.0))) if den > 1e-12 else 50.0
    return out


def test_rsx_matches_reference_loop_and_bounds(ohlcv_arrays):
    c = ohlcv_arrays["close"]
    got = O.rsx(period=14).run(ohlcv_arrays)["rsx"]
    np.testing.assert_allclose(got, rsx_reference(c, 14), rtol=1e-9, atol=1e-9, equal_nan=True)
    assert np.nanmin(got) >= 0 and np.nanmax(got) <= 100
    up = O.rsx(period=14).run(bars(np.linspace(1, 2, 80)))["rsx"]
    assert np.allclose(up[1:], 100.0)
    down = O.rsx(period=14).run(bars(np.linspace(2, 1, 80)))["rsx"]
    assert np.allclose(down[1:], 0.0)


def qqe_reference(c, rsi_period=6, smoothing=5, factor=4.236):
    rm = talib.EMA(talib.RSI(c, rsi_period), smoothing)
    w = 2 * rsi_period - 1
    dar = factor * talib.EMA(talib.EMA(np.abs(np.diff(rm, prepend=np.nan)), w), w)
    n = len(c)
    lo, sh, tr, lvl = (np.full(n, np.nan) for _ in range(4))
    for i in range(n):
        if np.isnan(dar[i]):
            continue
        nl, ns = rm[i] - dar[i], rm[i] + dar[i]
        if i == 0 or np.isnan(lo[i - 1]):
            lo[i], sh[i], tr[i] = nl, ns, 1.0
        else:
            lo[i] = max(lo[i - 1], nl) if rm[i - 1] > lo[i - 1] and rm[i] > lo[i - 1] else nl
            sh[i] = min(sh[i - 1], ns) if rm[i - 1] < sh[i - 1] and rm[i] < sh[i - 1] else ns
            tr[i] = 1.0 if rm[i] > sh[i - 1] else (-1.0 if rm[i] < lo[i - 1] else tr[i - 1])
        lvl[i] = lo[i] if tr[i] > 0 else sh[i]
    return rm, lvl, tr


def test_qqe_matches_reference_loop(ohlcv_arrays):
    out = O.qqe().run(ohlcv_arrays)
    rm, lvl, tr = qqe_reference(ohlcv_arrays["close"])
    assert_matches_talib(out["rsi_ma"], rm, name="qqe.rsi_ma")
    assert_matches_talib(out["level"], lvl, name="qqe.level")
    np.testing.assert_array_equal(out["trend"], tr)
    t = out["trend"]
    assert set(np.unique(t[np.isfinite(t)])) == {-1.0, 1.0}
    up, dn = t == 1, t == -1
    assert np.all(out["level"][up] <= out["rsi_ma"][up]) and np.all(out["level"][dn] >= out["rsi_ma"][dn])


def test_dv2_matches_reference_loop(ohlcv_arrays):
    a = ohlcv_arrays
    ratio = a["close"] / ((a["high"] + a["low"]) / 2) - 1
    avg = talib.SMA(ratio, 2)
    ref = np.full(len(avg), np.nan)
    for i in range(1 + 252, len(avg)):
        prev = avg[i - 252: i]
        ref[i] = 100 * (np.sum(prev < avg[i]) + 0.5 * np.sum(prev == avg[i])) / 252
    got = O.dv2().run(a)["dv2"]
    np.testing.assert_allclose(got, ref, rtol=1e-12, equal_nan=True)


def test_oscillator_bounds(ohlcv_arrays):
    a = ohlcv_arrays
    for spec, line, lo, hi in ((M.stochrsi(), "k", 0, 100), (M.ultosc(), "ultosc", 0, 100),
                               (O.laguerre_rsi(), "lrsi", 0, 1), (M.tsi(), "tsi", -100, 100),
                               (M.cmo(), "cmo", -100, 100), (M.willr(), "willr", -100, 0),
                               (O.rmi(), "rmi", 0, 100), (O.dv2(), "dv2", 0, 100)):
        v = spec.run(a)[line]
        v = v[np.isfinite(v)]
        assert v.size and v.min() >= lo - 1e-9 and v.max() <= hi + 1e-9, spec.name


def test_monotone_series_signs():
    a = bars(np.exp(np.linspace(0, 1, 120)))
    assert np.all(M.tsi().run(a)["tsi"][40:] > 99.99)
    assert np.all(O.wavetrend().run(a)["wt1"][50:] > 0)
    assert np.all(M.roc().run(a)["roc"][12:] > 0) and np.all(M.ppo().run(a)["ppo"][25:] > 0)
    assert np.all(O.laguerre_rsi().run(a)["lrsi"][10:] == 1.0)


def test_cmo_rejects_unknown_smoothing(ohlcv_arrays):
    with pytest.raises(IndicatorError, match="smoothing must be 'sum' or 'wilder'"):
        M.cmo(smoothing="ema").run(ohlcv_arrays)


def test_momentum_suite_is_complete():
    names = {s.name for s in M.SUITE}
    kinds = {s.kind for s in M.SUITE}
    assert {"rsi_7", "rsi_14", "rsi_21"} <= names
    assert {"rsx", "qqe", "rmi", "wavetrend", "laguerre_rsi", "tsi", "dv2", "ultosc", "awesome", "pgo",
            "stoch", "willr", "cci", "roc", "mom", "stochrsi", "cmo", "ppo"} <= kinds
    assert all(s.family == "momentum" and not s.definition.price_like for s in M.SUITE)

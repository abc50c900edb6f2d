"""Volume family: TA-Lib oracle checks, hand-worked golden values, reference loops, zero-volume fills."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.indicators import momentum as M
from neural_trading_system.indicators import volume as V
from tests.conftest import make_ohlcv

from .talib_oracle import assert_matches_talib, talib


def bars(close, volume, high=None, low=None):
    c = np.asarray(close, dtype=float)
    return {"open": c, "high": c if high is None else np.asarray(high, float),
            "low": c if low is None else np.asarray(low, float), "close": c,
            "volume": np.asarray(volume, dtype=float)}


def hlcv(a):
    return a["high"], a["low"], a["close"], a["volume"]


# --- TA-Lib oracle ------------------------------------------------------------------------------
def test_ad_adosc_obv_mfi_match_talib(ohlcv_arrays):
    a = ohlcv_arrays
    assert_matches_talib(V.ad().run(a)["ad"], talib.AD(*hlcv(a)), name="ad")
    assert_matches_talib(V.adosc().run(a)["adosc"], talib.ADOSC(*hlcv(a), 3, 10), name="adosc")
    assert_matches_talib(V.obv().run(a)["obv"], talib.OBV(a["close"], a["volume"]), name="obv")
    assert_matches_talib(V.mfi(period=14).run(a)["mfi"], talib.MFI(*hlcv(a), 14), name="mfi")


def test_volume_oscillator_is_talib_ppo_of_volume(ohlcv_arrays):
    v = ohlcv_arrays["volume"]
    assert_matches_talib(V.vo(fast=5, slow=10).run(ohlcv_arrays)["vo"], talib.PPO(v, 5, 10, 1), name="vo")


def test_force_index_matches_talib_composition(ohlcv_arrays):
    a = ohlcv_arrays
    raw = np.diff(a["close"], prepend=np.nan) * a["volume"]
    assert_matches_talib(V.force_index(period=13).run(a)["fi"], talib.EMA(raw, 13), name="fi")


# --- hand-worked golden values ------------------------------------------------------------------
def test_cmf_golden():
    # bar 0: h 12, l 8, c 11, v 10 → clv = ((11-8) - (12-11)) / 4 = 0.5 → flow 5
    # bar 1: h 10, l 6, c 6,  v 20 → clv = (0 - 4) / 4 = -1 → flow -20
    # bar 2, 3: flat (h = l = c = 9), no volume → clv 0 (no range), flow 0
    # period 2: bar 1 = (5 - 20)/(10 + 20) = -0.5; bar 2 = (-20 + 0)/20 = -1; bar 3: no volume → 0
    a = bars([11, 6, 9, 9], [10, 20, 0, 0], high=[12, 10, 9, 9], low=[8, 6, 9, 9])
    np.testing.assert_allclose(V.cmf(period=2).run(a)["cmf"], [np.nan, -0.5, -1.0, 0.0], equal_nan=True)


def test_obv_and_ratio_golden():
    # closes 10, 11, 11, 9 with volumes 5, 3, 4, 2: obv = 5, 5+3 = 8, 8 (unchanged close), 8-2 = 6
    # ratio (period 2): bar 2 = (8 - 5)/(3 + 4) = 3/7; bar 3 = (6 - 8)/(4 + 2) = -1/3
    out = V.obv(period=2).run(bars([10, 11, 11, 9], [5, 3, 4, 2]))
    np.testing.assert_allclose(out["obv"], [5, 8, 8, 6])
    np.testing.assert_allclose(out["obv_ratio"], [np.nan, np.nan, 3 / 7, -1 / 3], equal_nan=True)


def test_volume_ratio_golden_and_zero_volume_fill():
    # v = 1, 2, 3, 0, 0, 0; period 3: bar 2 = 3 / 2 = 1.5; bars 3, 4: volume 0 over a mean > 0 → 0;
    # bar 5: the window is empty (mean 0) → 1 (as quiet as its window)
    r = V.volume_ratio(period=3).run(bars(np.full(6, 5.0), [1, 2, 3, 0, 0, 0]))["ratio"]
    np.testing.assert_allclose(r, [np.nan, np.nan, 1.5, 0.0, 0.0, 1.0], equal_nan=True)


def test_vwap_golden_and_zero_volume_fill():
    # flat bars (tp = close) 10, 20, 30, 30 with volumes 1, 3, 0, 0; period 2:
    # bar 1 = (10·1 + 20·3)/4 = 17.5; bar 2 = (20·3 + 0)/3 = 20; bar 3: no volume → mean tp = 30
    r = V.vwap(period=2).run(bars([10, 20, 30, 30], [1, 3, 0, 0]))["vwap"]
    np.testing.assert_allclose(r, [np.nan, 17.5, 20.0, 30.0], equal_nan=True)
    assert V.vwap.price_like == frozenset({"vwap"})


def test_mfi_zero_volume_window_is_neutral():
    a = bars(np.linspace(10, 12, 30), np.r_[np.ones(10), np.zeros(20)])
    assert V.mfi(period=14).run(a)["mfi"][-1] == 50.0


# --- Klinger: slow reference loop ----------------------------------------------------------------
def klinger_reference(h, lo, c, v, fast=34, slow=55, signal=13):
    """Klinger (1997) bar by bar; EMAs from TA-Lib (SMA-seeded)."""
    n = len(c)
    vf = np.full(n, np.nan)
    prev_trend, cm = None, 0.0
    for i in range(1, n):
        trend = 1.0 if h[i] + lo[i] + c[i] > h[i - 1] + lo[i - 1] + c[i - 1] else -1.0
        dm = h[i] - lo[i]
        if prev_trend is None:
            cm = dm
        elif trend == prev_trend:
            cm = cm + dm
        else:
            cm = (h[i - 1] - lo[i - 1]) + dm
        ratio = dm / cm if abs(cm) > 1e-12 else 1.0
        vf[i] = 100.0 * v[i] * abs(2.0 * (ratio - 1.0)) * trend
        prev_trend = trend
    kvo = talib.EMA(vf, fast) - talib.EMA(vf, slow)
    return kvo, talib.EMA(kvo, signal)


def test_klinger_matches_reference_loop(ohlcv_arrays):
    a = ohlcv_arrays
    out = V.klinger().run(a)
    kvo, sig = klinger_reference(*hlcv(a))
    assert_matches_talib(out["kvo"], kvo, name="kvo")
    assert_matches_talib(out["signal"], sig, name="kvo.signal")
    doubled = V.klinger().run({**a, "volume": 2 * a["volume"]})  # linear in volume
    np.testing.assert_allclose(doubled["kvo"], 2 * out["kvo"], rtol=1e-9, equal_nan=True)


def test_adosc_does_not_depend_on_where_ad_starts(ohlcv_arrays):
    """AD started 100 bars later differs by a constant; ADOSC (a difference of EMAs of AD) does
    not, once the EMA seeds have decayed."""
    a = ohlcv_arrays
    late = {k: v[100:] for k, v in a.items()}
    ad_full, ad_late = V.ad().run(a)["ad"][100:], V.ad().run(late)["ad"]
    offset = ad_full - ad_late
    np.testing.assert_allclose(offset, offset[0], rtol=1e-9)
    assert abs(offset[0]) > 1.0
    np.testing.assert_allclose(V.adosc().run(late)["adosc"][300:], V.adosc().run(a)["adosc"][400:],
                               rtol=1e-6, atol=1e-6)


# --- zero-volume flat stretch longer than every window -------------------------------------------
@pytest.mark.parametrize("spec", V.SUITE + M.SUITE, ids=lambda s: s.name)
def test_long_flat_zero_volume_stretch_stays_finite(spec):
    f = make_ohlcv(n=400, seed=5, flat_from=150, flat_len=60)
    a = {k: f[k].to_numpy() for k in ("open", "high", "low", "close", "volume")}
    for line, v in spec.run(a).items():
        finite = np.isfinite(v)
        first = int(np.argmax(finite))
        assert finite.any() and finite[first:].all(), f"{spec.name}.{line}"


def test_volume_suite_is_complete():
    kinds = {s.kind for s in V.SUITE}
    assert {"cmf", "klinger", "vo", "obv", "mfi", "ad", "adosc", "volume_ratio"} <= kinds
    assert all(s.family == "volume" for s in V.SUITE)
    assert [s for s in V.SUITE if s.definition.price_like] == [s for s in V.SUITE if s.kind == "vwap"]

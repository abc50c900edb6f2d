"""Ehlers' cycle and adaptive filters (family ``cycle``).

Sources: John F. Ehlers, *Rocket Science for Traders* (2001), *Cybernetic Analysis for Stocks and
Futures* (2004), *Cycle Analytics for Traders* (2013) and his TASC articles. "Price" is the median
price (H+L)/2 where Ehlers' code uses it, the close where his code uses the close; each docstring
says which.

Fixed-coefficient two-pole filters run on :func:`primitives.iir2`. The adaptive cycle (alpha
changes bar by bar) and the adaptive Laguerre filter (alpha depends on the filter's own last
value) run in numba loops below; the homodyne dominant-cycle measure is the MESA loop of
:mod:`.trend_adaptive`. As every kernel, they keep their state in ``ctx.tmp`` buffers indexed by
bar and read it at ``i - 1`` (see :mod:`.base`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import primitives as P
from .base import indicator
from .cycle_sinewave import SPECS as _SINEWAVE_SPECS
from .trend_adaptive import _run_mesa

_NB = dict(cache=True, nogil=True)
_DC_WARM = 9  # TA-Lib HT_DCPERIOD: 4-bar WMA warmed 9 bars, the Hilbert loop starts at bar 12 …
_DC_FIRST_OUT = 32  # … and reports from bar 32 (its lookback)
_BOOKS = {
    "rocket": "John F. Ehlers, Rocket Science for Traders, Wiley, 2001",
    "cyber": "John F. Ehlers, Cybernetic Analysis for Stocks and Futures, Wiley, 2004",
    "analytics": "John F. Ehlers, Cycle Analytics for Traders, Wiley, 2013",
}


# helpers --------------------------------------------------------------------------------------
def median_price(ctx, start):
    """(H+L)/2 into ``ctx.tmp('median_price')``; returns the buffer."""
    m = ctx.tmp("median_price")
    if m.shape[0] - start == 1:  # a streamed bar: the same sum and product on Python floats
        m[start] = 0.5 * (ctx.high.item(start) + ctx.low.item(start))
    else:
        m[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    return m


def _fir_at(x, weights, i):
    """:func:`fir` of the one bar ``i`` as a float (the same products summed in the same order)."""
    acc = 0.0
    for k, w in enumerate(weights):
        acc += w * (x.item(i - k) if i >= k else math.nan)
    return acc


def fir(x, weights, start):
    """``sum_k weights[k] * x[i-k]`` for ``i = start … n-1`` (NaN where ``i - k < 0``)."""
    n = x.shape[0]
    if n - start == 1:
        return P.bar_array(_fir_at(x, weights, start))
    acc = np.zeros(n - start)
    for k, w in enumerate(weights):
        if start >= k:
            acc += w * x[start - k: n - k]
        else:
            lagged = np.full(n - start, np.nan)
            lagged[k - start:] = x[: max(n - k, 0)]
            acc += w * lagged
    return acc


def highpass_alpha(period):
    """Ehlers' two-pole high-pass factor (the .707 Butterworth damping):
    ``(cos(.707·2π/P) + sin(.707·2π/P) − 1) / cos(.707·2π/P)``."""
    arg = 0.707 * 2.0 * math.pi / period
    return (math.cos(arg) + math.sin(arg) - 1.0) / math.cos(arg)


def second_diff(x, start):
    """``x − 2x[1] + x[2]`` for ``i = start … n-1``, with ``x`` taken as flat before its first
    finite bar (``x[1] − x[0]`` at the second bar, 0 at the first): a high-pass run on it starts
    in the steady state of a constant history instead of extrapolating the first bar's move."""
    if x.shape[0] - start == 1:
        d2, d1 = _fir_at(x, (1.0, -2.0, 1.0), start), _fir_at(x, (1.0, -1.0), start)
        if d1 != d1 and math.isfinite(x.item(start)):
            d1 = 0.0
        return P.bar_array(d1 if d2 != d2 else d2)
    d2 = fir(x, (1.0, -2.0, 1.0), start)
    d1 = fir(x, (1.0, -1.0), start)
    d1 = np.where(np.isfinite(x[start:]) & np.isnan(d1), 0.0, d1)
    return np.where(np.isnan(d2), d1, d2)


def highpass2(ctx, x, alpha, key, start):
    """``HP = (1−α/2)²(x − 2x[1] + x[2]) + 2(1−α)HP[1] − (1−α)²HP[2]`` into ``ctx.tmp(key)``.

    Runs ``iir2`` on the second difference (:func:`second_diff`), so HP starts at 0 in the steady
    state of a flat history (``iir2`` seeds its first two outputs with its input). Constant ``x``
    → HP = 0.
    """
    d2 = ctx.tmp(key + ":d2")
    d2[start:] = second_diff(x, start)
    out = ctx.tmp(key)
    P.iir2(d2, (1.0 - alpha / 2.0) ** 2, 0.0, 0.0, 2.0 * (1.0 - alpha), -((1.0 - alpha) ** 2), out, start)
    return out


def super_smoother(x, period, out, start):
    """Ehlers' SuperSmoother: ``c1·(x + x[1])/2 + c2·f[1] + c3·f[2]``, a1 = exp(−1.414π/P),
    c2 = 2·a1·cos(1.414π/P), c3 = −a1², c1 = 1 − c2 − c3 (unit gain at DC)."""
    a1 = math.exp(-1.414 * math.pi / period)
    c2 = 2.0 * a1 * math.cos(1.414 * math.pi / period)
    c3 = -a1 * a1
    c1 = 1.0 - c2 - c3
    P.iir2(x, c1 / 2.0, c1 / 2.0, 0.0, c2, c3, out, start)


def inverse_fisher(x, out, start):
    """``(e^{2x} − 1)/(e^{2x} + 1) = tanh(x)``, in [−1, 1] (tanh does not overflow)."""
    out[start:] = np.tanh(x[start:])


# numba loops ----------------------------------------------------------------------------------
@njit(**_NB)
def _cycle_var(x, alpha, out, start):
    """Cyber Cycle with a per-bar alpha: ``(1−α/2)²(x − 2x[1] + x[2]) + 2(1−α)c[1] − (1−α)²c[2]``;
    starts from zero state (earlier cycle values taken as 0) where alpha first exists."""
    for i in range(start, x.shape[0]):
        a = alpha[i]
        if i < 2 or not (np.isfinite(a) and np.isfinite(x[i]) and np.isfinite(x[i - 1]) and np.isfinite(x[i - 2])):
            out[i] = np.nan
            continue
        d2 = x[i] - 2.0 * x[i - 1] + x[i - 2]
        c1 = out[i - 1] if np.isfinite(out[i - 1]) else 0.0
        c2 = out[i - 2] if np.isfinite(out[i - 2]) else 0.0
        out[i] = (1.0 - 0.5 * a) ** 2 * d2 + 2.0 * (1.0 - a) * c1 - (1.0 - a) ** 2 * c2


@njit(**_NB)
def _median5(x, i):
    """Median of ``x[i-4 … i]`` (NaN if any is missing); a small insertion sort compiles fast."""
    if i < 4:
        return np.nan
    w = np.empty(5)
    for k in range(5):
        v = x[i - k]
        if not np.isfinite(v):
            return np.nan
        j = k
        while j > 0 and w[j - 1] > v:
            w[j] = w[j - 1]
            j -= 1
        w[j] = v
    return w[2]


@njit(**_NB)
def _adaptive_laguerre(price, length, diff, ratio, alpha, l0, l1, l2, l3, f, start):
    """Adaptive Laguerre filter state; ``f`` follows the price until ``alpha`` exists."""
    for i in range(start, price.shape[0]):
        p = price[i]
        prev = f[i - 1] if i > 0 else np.nan
        diff[i] = abs(p - prev) if np.isfinite(prev) else np.nan
        ratio[i] = np.nan
        if i >= length - 1:
            hh = -np.inf
            ll = np.inf
            ok = True
            for j in range(i - length + 1, i + 1):
                d = diff[j]
                if not np.isfinite(d):
                    ok = False
                    break
                hh = max(hh, d)
                ll = min(ll, d)
            if ok:
                if hh - ll > 1e-12 * max(hh, 1.0):
                    ratio[i] = (diff[i] - ll) / (hh - ll)
                else:  # a flat diff window: keep the previous ratio (Ehlers keeps alpha)
                    ratio[i] = ratio[i - 1] if np.isfinite(ratio[i - 1]) else 0.0
        alpha[i] = _median5(ratio, i)
        a = alpha[i]
        if i == 0 or not np.isfinite(a) or not np.isfinite(f[i - 1]):
            l0[i] = l1[i] = l2[i] = l3[i] = f[i] = p
            continue
        g = 1.0 - a
        l0[i] = a * p + g * l0[i - 1]
        l1[i] = -g * l0[i] + l0[i - 1] + g * l1[i - 1]
        l2[i] = -g * l1[i] + l1[i - 1] + g * l2[i - 1]
        l3[i] = -g * l2[i] + l2[i - 1] + g * l3[i - 1]
        f[i] = (l0[i] + 2.0 * l1[i] + 2.0 * l2[i] + l3[i]) / 6.0


def dominant_cycle(ctx, price, start):
    """Smoothed homodyne dominant-cycle period of ``price`` (bars, 6…50), NaN before bar 32:
    TA-Lib's HT_DCPERIOD, computed by the MESA loop of :mod:`.trend_adaptive` (one compiled
    copy of the Hilbert transform for MAMA, HT_TRENDLINE and this)."""
    sper = _run_mesa(ctx, start, _DC_WARM, 0.5, 0.05, price, with_trend=False)["sper"]
    dc = ctx.tmp("dc_period")
    P.shift(sper, _DC_FIRST_OUT - _DC_WARM - 3, dc, start)  # finite where the loop ran 20+ bars
    return np.where(np.isfinite(dc[start:]), sper[start:], np.nan)


# indicators -----------------------------------------------------------------------------------
@indicator("cycle", lines=("cycle", "trigger"), reference=_BOOKS["cyber"] + ", ch. 4 (Cyber Cycle)")
def cyber_cycle(ctx, start, period=20):
    """Cyber Cycle of the median price, alpha = 2/(period+1).

    ``smooth = (p + 2p[1] + 2p[2] + p[3]) / 6``;
    ``cycle = (1−α/2)²(smooth − 2smooth[1] + smooth[2]) + 2(1−α)cycle[1] − (1−α)²cycle[2]``;
    ``trigger = cycle[1]``. Start-up: smooth is taken as flat before its first bar (bar 3), so
    the cycle starts at 0 in a steady state (see :func:`second_diff`); Ehlers instead seeds the
    first 7 bars with ``(p − 2p[1] + p[2]) / 4``, which leaves a swing of its own.
    """
    a = 2.0 / (period + 1.0)
    smooth = ctx.tmp("smooth")
    smooth[start:] = fir(median_price(ctx, start), (1.0, 2.0, 2.0, 1.0), start) / 6.0
    d2 = ctx.tmp("d2")
    d2[start:] = second_diff(smooth, start)
    cyc = ctx.out("cycle")
    P.iir2(d2, (1.0 - a / 2.0) ** 2, 0.0, 0.0, 2.0 * (1.0 - a), -((1.0 - a) ** 2), cyc, start)
    P.shift(cyc, 1, ctx.out("trigger"), start)


@indicator("cycle", lines=("cycle", "trigger", "dc_period"),
           reference=_BOOKS["cyber"] + ", ch. 4 (Adaptive Cyber Cycle); period: " + _BOOKS["rocket"])
def adaptive_cyber_cycle(ctx, start):
    """Cyber Cycle whose alpha follows the measured dominant cycle: ``α = 2/(DC + 1)``.

    DC is the homodyne-discriminator dominant cycle of *Rocket Science for Traders* — equal to
    ``talib.HT_DCPERIOD`` (bars, 6…50) — not the median-delta-phase measure of *Cybernetic
    Analysis* ch. 9.
    The filter is Ehlers' adaptive cycle on ``smooth`` (see :func:`cyber_cycle`), from zero state
    at bar 32 (its first value); ``trigger = cycle[1]``.
    """
    price = median_price(ctx, start)
    dc = dominant_cycle(ctx, price, start)
    alpha = ctx.tmp("alpha")
    alpha[start:] = 2.0 / (dc + 1.0)
    smooth = ctx.tmp("smooth")
    smooth[start:] = fir(price, (1.0, 2.0, 2.0, 1.0), start) / 6.0
    cyc = ctx.out("cycle")
    _cycle_var(smooth, alpha, cyc, start)
    P.shift(cyc, 1, ctx.out("trigger"), start)
    ctx.out("dc_period")[start:] = dc


@indicator("cycle", lines=("itrend", "trigger"), price_like=("itrend", "trigger"),
           reference=_BOOKS["cyber"] + ", ch. 3 (Instantaneous Trendline)")
def itrend(ctx, start, period=20):
    """Ehlers' Instantaneous Trendline filter of the median price, α = 2/(period+1):
    ``it = (α − α²/4)p + (α²/2)p[1] − (α − ¾α²)p[2] + 2(1−α)it[1] − (1−α)²it[2]``,
    ``trigger = 2·it − it[2]``. Unit gain at DC (a constant passes unchanged) and no lag on a
    straight-line price. Starts at the price for two bars (Ehlers: ``(p + 2p[1] + p[2])/4`` for
    seven). This is the 2004 filter; *Rocket Science for Traders*' (2001) trendline — the mean
    over the measured dominant cycle, TA-Lib HT_TRENDLINE — is ``trend_adaptive.ht_trendline``.
    """
    a = 2.0 / (period + 1.0)
    it = ctx.out("itrend")
    P.iir2(median_price(ctx, start), a - a * a / 4.0, 0.5 * a * a, -(a - 0.75 * a * a),
           2.0 * (1.0 - a), -((1.0 - a) ** 2), it, start)
    lag2 = ctx.tmp("itrend_2")
    P.shift(it, 2, lag2, start)
    ctx.out("trigger")[start:] = 2.0 * it[start:] - lag2[start:]


@indicator("cycle", lines=("roof",),
           reference=_BOOKS["analytics"] + " (Roofing Filter); Ehlers, 'Predictive and Successful Indicators', TASC, Jan 2014")
def roofing_filter(ctx, start, hp_period=48, ss_period=10):
    """Two-pole high-pass of the close (cutoff ``hp_period``, see :func:`highpass2`) smoothed by a
    SuperSmoother(``ss_period``): a band-pass keeping cycles of ~10…48 bars. Price units around 0
    (a difference of prices, so not price-like)."""
    hp = highpass2(ctx, ctx.close, highpass_alpha(hp_period), "hp", start)
    super_smoother(hp, ss_period, ctx.out("roof"), start)


@indicator("cycle", lines=("decycle",), price_like=("decycle",),
           reference="John F. Ehlers, 'Decyclers', Technical Analysis of Stocks & Commodities, Sep 2015")
def decycler(ctx, start, hp_period=125):
    """Simple Decycler: ``close − HP(close, hp_period)``, the trend left when cycles shorter than
    ``hp_period`` bars are removed (two-pole high-pass, :func:`highpass2`)."""
    hp = highpass2(ctx, ctx.close, highpass_alpha(hp_period), "hp", start)
    ctx.out("decycle")[start:] = ctx.close[start:] - hp[start:]


def decycler_oscillator(ctx, start, hp_period, k, key):
    """``100·k·HP(decycle, hp_period/2) / close`` into ``ctx.tmp(key)`` (percent of price)."""
    c = ctx.close
    hp = highpass2(ctx, c, highpass_alpha(hp_period), key + ":hp1", start)
    dec = ctx.tmp(key + ":decycle")
    dec[start:] = c[start:] - hp[start:]
    hp2 = highpass2(ctx, dec, highpass_alpha(0.5 * hp_period), key + ":hp2", start)
    out = ctx.tmp(key)
    out[start:] = 100.0 * k * P.safe_div(hp2[start:], c[start:])
    return out


@indicator("cycle", lines=("osc",),
           reference="John F. Ehlers, 'Decyclers', Technical Analysis of Stocks & Commodities, Sep 2015")
def decycler_osc(ctx, start, hp_period=125, k=1.0):
    """Decycler Oscillator: ``100·k·HP(decycle, hp_period/2) / close`` with
    ``decycle = close − HP(close, hp_period)`` (both two-pole high-passes); percent of price."""
    ctx.out("osc")[start:] = decycler_oscillator(ctx, start, hp_period, k, "osc")[start:]


@indicator("cycle", lines=("ifisher",),
           reference="Inverse Fisher transform of the Decycler Oscillator: J. F. Ehlers, 'The Inverse Fisher "
                     "Transform', TASC, May 2004; 'Decyclers', TASC, Sep 2015")
def idecycler(ctx, start, hp_period=125, period=20, smooth=2):
    """iDecycler: inverse Fisher transform of the normalized Decycler Oscillator (the original
    system's 'iDecycler'; the 'i' is for *inverse*, it is not an Ehlers indicator of that name).

    ``x = 10·(osc − lowest(osc, period)) / (highest − lowest) − 5`` (0 when the range is flat),
    ``ifisher = tanh(SMA(x, smooth))`` in [−1, 1]; osc = :func:`decycler_osc` (k = 1).
    """
    osc = decycler_oscillator(ctx, start, hp_period, 1.0, "osc")
    hi, lo = ctx.tmp("hi"), ctx.tmp("lo")
    P.rolling_max(osc, period, hi, start)
    P.rolling_min(osc, period, lo, start)
    x = ctx.tmp("scaled")
    x[start:] = 10.0 * P.safe_div(osc[start:] - lo[start:], hi[start:] - lo[start:], fill=0.5) - 5.0
    xs = ctx.tmp("smoothed")
    P.sma(x, smooth, xs, start)
    inverse_fisher(xs, ctx.out("ifisher"), start)


@indicator("cycle", lines=("ifisher",),
           reference="John F. Ehlers, 'The Inverse Fisher Transform', Technical Analysis of Stocks & Commodities, May 2004")
def inverse_fisher_rsi(ctx, start, rsi_period=5, wma_period=9):
    """Inverse Fisher transform of a normalized RSI (Ehlers' own example):
    ``v = WMA(0.1·(RSI(close, rsi_period) − 50), wma_period)``, ``ifisher = tanh(v)`` in [−1, 1].
    RSI is Wilder's (as TA-Lib)."""
    c = ctx.close
    d = ctx.tmp("delta")
    P.diff(c, 1, d, start)
    ds = d[start:]
    up, dn = ctx.tmp("up"), ctx.tmp("down")
    up[start:] = np.where(np.isnan(ds), np.nan, np.maximum(ds, 0.0))
    dn[start:] = np.where(np.isnan(ds), np.nan, np.maximum(-ds, 0.0))
    ag, al = ctx.tmp("avg_up"), ctx.tmp("avg_down")
    P.wilder(up, rsi_period, ag, start)
    P.wilder(dn, rsi_period, al, start)
    v = ctx.tmp("rsi_centered")
    v[start:] = 0.1 * (P.safe_div(100.0 * ag[start:], ag[start:] + al[start:], fill=50.0) - 50.0)
    w = ctx.tmp("wma")
    P.wma(v, wma_period, w, start)
    inverse_fisher(w, ctx.out("ifisher"), start)


@indicator("cycle", lines=("butter",), price_like=("butter",), reference=_BOOKS["cyber"] + " (2-pole Butterworth)")
def butterworth(ctx, start, period=20):
    """Two-pole Butterworth low-pass of the median price: a1 = exp(−1.414π/P),
    b1 = 2·a1·cos(1.414π/P), c1 = (1 − b1 + a1²)/4,
    ``butter = c1(p + 2p[1] + p[2]) + b1·butter[1] − a1²·butter[2]`` (unit DC gain; starts at p)."""
    a1 = math.exp(-1.414 * math.pi / period)
    b1 = 2.0 * a1 * math.cos(1.414 * math.pi / period)
    c1 = (1.0 - b1 + a1 * a1) / 4.0
    P.iir2(median_price(ctx, start), c1, 2.0 * c1, c1, b1, -a1 * a1, ctx.out("butter"), start)


@indicator("cycle", lines=("smooth",), price_like=("smooth",), reference=_BOOKS["analytics"] + " (SuperSmoother)")
def supersmoother(ctx, start, period=10):
    """Ehlers' SuperSmoother of the close (see :func:`super_smoother`); starts at the close."""
    super_smoother(ctx.close, period, ctx.out("smooth"), start)


@indicator("cycle", lines=("filt",), price_like=("filt",),
           reference=_BOOKS["cyber"] + ", ch. 14; Ehlers, 'Time Warp - Without Space Travel', 2002 (Laguerre filter)")
def laguerre(ctx, start, gamma=0.8):
    """Laguerre filter of the median price:
    ``L0 = (1−γ)p + γL0[1]``; ``Lk = −γL(k−1) + L(k−1)[1] + γLk[1]`` (k = 1…3, all-pass);
    ``filt = (L0 + 2L1 + 2L2 + L3)/6``. Each stage starts at its input (no start-up offset);
    for γ = 0.8 the impulse response is non-negative, so the output stays within the input range."""
    p = median_price(ctx, start)
    stages = [ctx.tmp(f"l{k}") for k in range(4)]
    P.ema_alpha(p, 1.0 - gamma, 1, stages[0], start)
    for k in (1, 2, 3):
        P.iir2(stages[k - 1], -gamma, 1.0, 0.0, gamma, 0.0, stages[k], start)
    l0, l1, l2, l3 = (s[start:] for s in stages)
    ctx.out("filt")[start:] = (l0 + 2.0 * l1 + 2.0 * l2 + l3) / 6.0


@indicator("cycle", lines=("filt", "alpha"), price_like=("filt",), reference=_BOOKS["cyber"] + ", ch. 14 (Adaptive Laguerre filter)")
def adaptive_laguerre(ctx, start, length=20):
    """Adaptive Laguerre filter of the median price: ``diff = |p − filt[1]|``,
    ``alpha = median over 5 bars of (diff − LL)/(HH − LL)`` with HH/LL the max/min of ``diff``
    over ``length`` bars, then the Laguerre stages with ``γ = 1 − alpha``. Large errors → fast
    filter. Internally the filter follows the price until alpha exists; output from bar
    ``length + 4``. A flat diff window keeps the previous ratio (Ehlers keeps the previous alpha)."""
    price = median_price(ctx, start)
    names = ("diff", "ratio", "alpha", "l0", "l1", "l2", "l3", "f")
    bufs = [ctx.tmp(n) for n in names]
    _adaptive_laguerre(price, length, *bufs, start)
    alpha, f = bufs[2], bufs[7]
    ctx.out("alpha")[start:] = alpha[start:]
    ctx.out("filt")[start:] = np.where(np.isfinite(alpha[start:]), f[start:], np.nan)


SUITE = [
    cyber_cycle(period=20),
    adaptive_cyber_cycle(),
    itrend(period=20),
    roofing_filter(),
    decycler(),
    decycler_osc(),
    idecycler(),
    inverse_fisher_rsi(),
    butterworth(period=20),
    supersmoother(period=10),
    laguerre(gamma=0.8),
    adaptive_laguerre(length=20),
    *_SINEWAVE_SPECS,
]

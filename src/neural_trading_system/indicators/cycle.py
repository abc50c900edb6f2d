"""Ehlers' cycle and adaptive filters (family ``cycle``).

Sources: John F. Ehlers, *Rocket Science for Traders* (2001), *Cybernetic Analysis for Stocks and
Futures* (2004), *Cycle Analytics for Traders* (2013) and his TASC articles. "Price" is the median
price (H+L)/2 where Ehlers' code uses it, the close where his code uses the close; each docstring
says which.

Fixed-coefficient two-pole filters run on :func:`primitives.iir2`. The two recursions whose
coefficients change bar by bar (the homodyne dominant-cycle measure, the adaptive cycle) and the
adaptive Laguerre filter run in numba loops below; as every kernel, they keep their state in
``ctx.tmp`` buffers indexed by bar and read it at ``i - 1`` (see :mod:`.base`). Prices are expected
finite (validated OHLCV): a NaN price inside the homodyne recursion would stay NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import primitives as P
from .base import indicator

_NB = dict(cache=True, nogil=True)
_BOOKS = {
    "rocket": "John F. Ehlers, Rocket Science for Traders, Wiley, 2001",
    "cyber": "John F. Ehlers, Cybernetic Analysis for Stocks and Futures, Wiley, 2004",
    "analytics": "John F. Ehlers, Cycle Analytics for Traders, Wiley, 2013",
}


# helpers --------------------------------------------------------------------------------------
def median_price(ctx, start):
    """(H+L)/2 into ``ctx.tmp('median_price')``; returns the buffer."""
    m = ctx.tmp("median_price")
    m[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    return m


def fir(x, weights, start):
    """``sum_k weights[k] * x[i-k]`` for ``i = start … n-1`` (NaN where ``i - k < 0``)."""
    idx = np.arange(start, x.shape[0])
    acc = np.zeros(idx.shape[0])
    for k, w in enumerate(weights):
        j = idx - k
        acc += w * np.where(j >= 0, x[np.maximum(j, 0)], np.nan)
    return acc


def bar_count(ctx, start):
    """Bars since the first one (0, 1, 2 …) into ``ctx.tmp('bar')``; survives buffer compaction."""
    bar = ctx.tmp("bar")
    first = bar[start - 1] + 1.0 if start > 0 else 0.0
    bar[start:] = first + np.arange(ctx.n - start)
    return bar


def highpass_alpha(period):
    """Ehlers' two-pole high-pass factor (the .707 Butterworth damping):
    ``(cos(.707·2π/P) + sin(.707·2π/P) − 1) / cos(.707·2π/P)``."""
    arg = 0.707 * 2.0 * math.pi / period
    return (math.cos(arg) + math.sin(arg) - 1.0) / math.cos(arg)


def second_diff(x, start):
    """``x − 2x[1] + x[2]`` for ``i = start … n-1``, with ``x`` taken as flat before its first
    finite bar (``x[1] − x[0]`` at the second bar, 0 at the first): a high-pass run on it starts
    in the steady state of a constant history instead of extrapolating the first bar's move."""
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
_HT_START = 37  # TA-Lib HT_TRENDLINE: 3 bars seed the WMA, 34 more warm it, the Hilbert part starts
_HT_FIRST_OUT = 63  # TA-Lib's lookback for HT_TRENDLINE


@njit(**_NB)
def _hilbert(x, i, b, lag):
    """Ehlers' Hilbert FIR ``.0962x + .5769x[2] − .5769x[4] − .0962x[6]`` of ``x[i-lag-·]``;
    terms from before the Hilbert start count as 0 (TA-Lib's empty circular buffers), summed in
    TA-Lib's order."""
    x0 = x[i - lag] if b - lag >= _HT_START else 0.0
    x2 = x[i - lag - 2] if b - lag - 2 >= _HT_START else 0.0
    x4 = x[i - lag - 4] if b - lag - 4 >= _HT_START else 0.0
    x6 = x[i - lag - 6] if b - lag - 6 >= _HT_START else 0.0
    return ((-(0.0962 * x6) + 0.0962 * x0) - 0.5769 * x4) + 0.5769 * x2


@njit(**_NB)
def _homodyne(price, bar, sm, det, q1, ji, jq, i2, q2, re, im, per, sper, avg, trend, dc, start):
    """Hilbert-transform dominant cycle (homodyne discriminator) and instantaneous trendline,
    step for step as TA-Lib's HT_TRENDLINE (Ehlers 2001); writes ``trend`` and ``dc`` from bar 63."""
    rad2deg = 45.0 / np.arctan(1.0)
    for i in range(start, price.shape[0]):
        b = bar[i]
        if b >= 3:
            sm[i] = (4.0 * price[i] + 3.0 * price[i - 1] + 2.0 * price[i - 2] + price[i - 3]) * 0.1
        else:
            sm[i] = np.nan
        if b < _HT_START:
            det[i] = q1[i] = ji[i] = jq[i] = i2[i] = q2[i] = re[i] = im[i] = np.nan
            per[i] = sper[i] = avg[i] = trend[i] = dc[i] = np.nan
            continue
        first = b == _HT_START
        p_prev = 0.0 if first else per[i - 1]
        adj = 0.075 * p_prev + 0.54
        det[i] = _hilbert(sm, i, b, 0) * adj
        q1[i] = _hilbert(det, i, b, 0) * adj
        ji[i] = _hilbert(det, i, b, 3) * adj  # Hilbert of I1 = detrender delayed 3 bars
        jq[i] = _hilbert(q1, i, b, 0) * adj
        i1 = det[i - 3] if b - 3 >= _HT_START else 0.0
        pq2 = 0.0 if first else q2[i - 1]
        pi2 = 0.0 if first else i2[i - 1]
        q2[i] = 0.2 * (q1[i] + ji[i]) + 0.8 * pq2
        i2[i] = 0.2 * (i1 - jq[i]) + 0.8 * pi2
        re[i] = 0.2 * (i2[i] * pi2 + q2[i] * pq2) + 0.8 * (0.0 if first else re[i - 1])
        im[i] = 0.2 * (i2[i] * pq2 - q2[i] * pi2) + 0.8 * (0.0 if first else im[i - 1])
        p = p_prev
        if im[i] != 0.0 and re[i] != 0.0:
            p = 360.0 / (np.arctan(im[i] / re[i]) * rad2deg)
        if p > 1.5 * p_prev:
            p = 1.5 * p_prev
        if p < 0.67 * p_prev:
            p = 0.67 * p_prev
        if p < 6.0:
            p = 6.0
        elif p > 50.0:
            p = 50.0
        per[i] = 0.2 * p + 0.8 * p_prev
        sper[i] = 0.33 * per[i] + 0.67 * (0.0 if first else sper[i - 1])
        k = min(int(sper[i] + 0.5), i + 1)
        s = 0.0
        for j in range(k):
            s += price[i - j]
        avg[i] = s / k if k > 0 else 0.0
        it1 = avg[i - 1] if b - 1 >= _HT_START else 0.0
        it2 = avg[i - 2] if b - 2 >= _HT_START else 0.0
        it3 = avg[i - 3] if b - 3 >= _HT_START else 0.0
        t = (4.0 * avg[i] + 3.0 * it1 + 2.0 * it2 + it3) / 10.0
        trend[i] = t if b >= _HT_FIRST_OUT else np.nan
        dc[i] = sper[i] if b >= _HT_FIRST_OUT else np.nan


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
        alpha[i] = np.nan
        if i >= 4 and np.isfinite(ratio[i - 4:i + 1]).all():
            alpha[i] = np.median(ratio[i - 4:i + 1])
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
    """Run the homodyne recursion; returns ``(trendline, dc_period)`` buffers (NaN before bar 63)."""
    bar = bar_count(ctx, start)
    names = ("sm", "det", "q1", "ji", "jq", "i2", "q2", "re", "im", "per", "sper", "avg", "trend", "dc")
    bufs = [ctx.tmp("ht_" + n) for n in names]
    _homodyne(price, bar, *bufs, start)
    return bufs[-2], bufs[-1]


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

    DC is the homodyne-discriminator dominant cycle of *Rocket Science for Traders* (the smoothed
    period of TA-Lib's HT_TRENDLINE loop, bars, 6…50; the loop's trendline equals
    ``talib.HT_TRENDLINE``, which tests it), not the median-delta-phase measure of *Cybernetic
    Analysis* ch. 9.
    The filter is Ehlers' adaptive cycle on ``smooth`` (see :func:`cyber_cycle`), from zero state
    at bar 63 (its first value); ``trigger = cycle[1]``.
    """
    price = median_price(ctx, start)
    _, dc = dominant_cycle(ctx, price, start)
    alpha = ctx.tmp("alpha")
    alpha[start:] = 2.0 / (dc[start:] + 1.0)
    smooth = ctx.tmp("smooth")
    smooth[start:] = fir(price, (1.0, 2.0, 2.0, 1.0), start) / 6.0
    cyc = ctx.out("cycle")
    _cycle_var(smooth, alpha, cyc, start)
    P.shift(cyc, 1, ctx.out("trigger"), start)
    ctx.out("dc_period")[start:] = dc[start:]


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
]

"""Adaptive moving averages: KAMA, MAMA/FAMA and the Hilbert instantaneous trendline.

All three equal TA-Lib's (``KAMA``, ``MAMA``, ``HT_TRENDLINE``) from TA-Lib's first output on,
with TA-Lib's seeding. The MESA kernel keeps every recursive quantity of TA-Lib's loop in a
per-bar buffer; TA-Lib's odd/even circular buffers are the same four-tap Hilbert FIR
``a·x[t] + b·x[t-2] - b·x[t-4] - a·x[t-6]`` with zero history before its start bar, which is
what the kernel computes (a NaN buffer entry before the start bar reads as 0).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import primitives as P
from .barops import lagged
from .base import indicator

_A, _B = 0.0962, 0.5769
_RAD2DEG = 180.0 / (4.0 * math.atan(1.0))


@indicator("trend", lines=("kama", "er"), price_like=("kama",),
           reference="Perry Kaufman, Smarter Trading, 1995 (Kaufman Adaptive Moving Average)")
def kama(ctx, start, period=30):
    """KAMA with TA-Lib's constants (fast 2, slow 30 bars).

    ER = |c - c[period]| / Σ|c - c[-1]| over ``period`` bars (1 where the sum is 0, as TA-Lib);
    sc = (ER·(2/3 - 2/31) + 2/31)²; kama = kama[-1] + sc·(c - kama[-1]), started from
    ``c[period-1]`` so the first value (bar ``period``) equals TA-Lib's. Units: price. ``er`` (the
    efficiency ratio, 0..1) is a line too.
    """
    c = ctx.close
    absd = ctx.tmp("abs_diff")
    d = ctx.tmp("diff_1")
    P.diff(c, 1, d, start)
    absd[start:] = np.abs(d[start:])
    noise, change = ctx.tmp("noise"), ctx.tmp("change")
    P.rolling_sum(absd, period, noise, start)
    P.diff(c, period, change, start)
    er = P.safe_div(np.abs(change[start:]), noise[start:], fill=1.0, eps=1e-8)
    ctx.out("er")[start:] = er
    slow = 2.0 / 31.0
    sc = (er * (2.0 / 3.0 - slow) + slow) ** 2
    # before the first ER the average just follows the close (alpha 1): it then starts from c[period-1]
    alpha = ctx.tmp("alpha")
    alpha[start:] = np.where(np.isfinite(sc), sc, np.where(np.isfinite(c[start:]), 1.0, np.nan))
    raw = ctx.tmp("raw")
    P.adaptive_ema(c, alpha, raw, start)
    ctx.out("kama")[start:] = np.where(np.isfinite(sc), raw[start:], np.nan)


@njit(cache=True, nogil=True)
def _z(v):
    return v if np.isfinite(v) else 0.0


@njit(cache=True, nogil=True)
def _mesa(x, warm, fast, slow, with_trend, s, det, q1, ji, jq, i2, q2, re, im, per, sper, ph, mama, fama, itr, trend,
          start):
    """TA-Lib's MESA loop (MAMA and HT_TRENDLINE share it), one bar per iteration.

    The loop starts (state 0) at the first bar with ``warm + 4`` finite prices behind it, as
    TA-Lib does after its ``warm`` WMA warm-up steps; every buffer is NaN before that bar.
    """
    for t in range(start, x.shape[0]):
        started = t > 0 and np.isfinite(per[t - 1])
        ok = t >= warm + 3 and np.isfinite(x[t]) and np.isfinite(x[t - 1]) and np.isfinite(x[t - 2]) \
            and np.isfinite(x[t - 3])
        if ok and not started:
            for k in range(4, warm + 4):
                if not np.isfinite(x[t - k]):
                    ok = False
        if not ok:
            s[t] = det[t] = q1[t] = ji[t] = jq[t] = i2[t] = q2[t] = re[t] = im[t] = np.nan
            per[t] = sper[t] = ph[t] = mama[t] = fama[t] = itr[t] = trend[t] = np.nan
            continue
        pp = _z(per[t - 1])
        adj = 0.075 * pp + 0.54
        s[t] = (4.0 * x[t] + 3.0 * x[t - 1] + 2.0 * x[t - 2] + x[t - 3]) * 0.1
        det[t] = (_A * s[t] + _B * _z(s[t - 2]) - _B * _z(s[t - 4]) - _A * _z(s[t - 6])) * adj
        q1[t] = (_A * det[t] + _B * _z(det[t - 2]) - _B * _z(det[t - 4]) - _A * _z(det[t - 6])) * adj
        i1 = _z(det[t - 3])
        ji[t] = (_A * i1 + _B * _z(det[t - 5]) - _B * _z(det[t - 7]) - _A * _z(det[t - 9])) * adj
        jq[t] = (_A * q1[t] + _B * _z(q1[t - 2]) - _B * _z(q1[t - 4]) - _A * _z(q1[t - 6])) * adj
        pq2, pi2 = _z(q2[t - 1]), _z(i2[t - 1])
        q2[t] = 0.2 * (q1[t] + ji[t]) + 0.8 * pq2
        i2[t] = 0.2 * (i1 - jq[t]) + 0.8 * pi2
        # MAMA: alpha from the phase rate of change
        phase = math.atan(q1[t] / i1) * _RAD2DEG if i1 != 0.0 else 0.0
        dphase = _z(ph[t - 1]) - phase
        ph[t] = phase
        if dphase < 1.0:
            dphase = 1.0
        alpha = fast
        if dphase > 1.0:
            alpha = max(fast / dphase, slow)
        mama[t] = alpha * x[t] + (1.0 - alpha) * _z(mama[t - 1])
        alpha *= 0.5
        fama[t] = alpha * mama[t] + (1.0 - alpha) * _z(fama[t - 1])
        # dominant cycle period
        re[t] = 0.2 * (i2[t] * pi2 + q2[t] * pq2) + 0.8 * _z(re[t - 1])
        im[t] = 0.2 * (i2[t] * pq2 - q2[t] * pi2) + 0.8 * _z(im[t - 1])
        p = pp
        if im[t] != 0.0 and re[t] != 0.0:
            p = 360.0 / (math.atan(im[t] / re[t]) * _RAD2DEG)
        p = min(p, 1.5 * pp)
        p = max(p, 0.67 * pp)
        p = min(max(p, 6.0), 50.0)
        per[t] = 0.2 * p + 0.8 * pp
        sper[t] = 0.33 * per[t] + 0.67 * _z(sper[t - 1])
        if not with_trend:
            continue
        # instantaneous trendline: mean price over the smoothed dominant cycle, then a 4-bar WMA
        dc = int(sper[t] + 0.5)
        acc = 0.0
        for k in range(min(dc, t + 1)):
            acc += x[t - k]
        itr[t] = acc / dc if dc > 0 else 0.0
        trend[t] = (4.0 * itr[t] + 3.0 * _z(itr[t - 1]) + 2.0 * _z(itr[t - 2]) + _z(itr[t - 3])) / 10.0


def _run_mesa(ctx, start, warm, fast, slow, src, with_trend):
    names = ("s", "det", "q1", "ji", "jq", "i2", "q2", "re", "im", "per", "sper", "ph", "mama", "fama", "itr", "trend")
    bufs = [ctx.tmp(n) for n in names]
    _mesa(src, warm, fast, slow, with_trend, *bufs, start)
    return dict(zip(names, bufs))


def _valid_after(buf, start, k):
    """True at bars whose loop started at least ``k`` bars earlier (TA-Lib's unstable prefix)."""
    return np.isfinite(lagged(buf, start, k))


@indicator("trend", lines=("mama", "fama"), price_like=("mama", "fama"),
           reference="John Ehlers, MESA Adaptive Moving Average, Stocks & Commodities, Sept. 2001")
def mama(ctx, start, fast_limit=0.5, slow_limit=0.05):
    """MAMA/FAMA exactly as TA-Lib ``MAMA`` (source: close).

    Price smoothed by a 4-bar WMA, Hilbert transform (detrender, I1/Q1, jI/jQ, homodyne period
    estimate); phase φ = atan(Q1/I1); alpha = clip(fast/Δφ, slow, fast);
    mama = α·c + (1-α)·mama[-1]; fama = α/2·mama + (1-α/2)·fama[-1], both started at 0 on
    TA-Lib's start bar (12), shown from bar 32 (TA-Lib's lookback). Units: price.
    """
    b = _run_mesa(ctx, start, 9, fast_limit, slow_limit, ctx.close, False)
    ok = _valid_after(b["mama"], start, 20)
    ctx.out("mama")[start:] = np.where(ok, b["mama"][start:], np.nan)
    ctx.out("fama")[start:] = np.where(ok, b["fama"][start:], np.nan)


@indicator("trend", lines=("trendline",), price_like=("trendline",),
           reference="John Ehlers, Rocket Science for Traders, 2001 "
                     "(Hilbert instantaneous trendline; TA-Lib HT_TRENDLINE)")
def ht_trendline(ctx, start):
    """TA-Lib ``HT_TRENDLINE`` of the close: the mean close over the (smoothed, rounded)
    dominant-cycle period, then a 4-bar WMA of those means; first value at bar 63 (TA-Lib's
    lookback). Ehlers' own iTrend filter lives in ``cycle.py``. Units: price."""
    b = _run_mesa(ctx, start, 34, 0.5, 0.05, ctx.close, True)
    ctx.out("trendline")[start:] = np.where(_valid_after(b["trend"], start, 26), b["trend"][start:], np.nan)


SUITE = [kama(period=10), kama(period=30), mama(), ht_trendline()]

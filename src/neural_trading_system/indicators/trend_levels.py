"""Trend levels: Ichimoku (causal lines), rolling linear regression, Tillson T3, range midpoints,
Elder ray.

Part of the ``trend`` family: :mod:`.trend` adds :data:`SUITE` to its own. Linear regression,
T3 and the midpoints equal TA-Lib (``LINEARREG``, ``LINEARREG_SLOPE``, ``LINEARREG_INTERCEPT``,
``LINEARREG_ANGLE``, ``TSF``, ``T3``, ``MIDPOINT``, ``MIDPRICE``) from TA-Lib's first output on.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .base import indicator

__all__ = ["ichimoku", "linreg", "t3", "midpoint", "elder_ray", "SUITE"]


def _midrange(ctx, start, high, low, period, key):
    """``(max_period high + min_period low) / 2`` into ``ctx.tmp(key)``; returns the buffer."""
    hh, ll, out = ctx.tmp(key + ":hh"), ctx.tmp(key + ":ll"), ctx.tmp(key)
    P.rolling_max(high, period, hh, start)
    P.rolling_min(low, period, ll, start)
    out[start:] = 0.5 * (hh[start:] + ll[start:])
    return out


@indicator("trend", lines=("tenkan", "kijun", "senkou_a", "senkou_b"),
           price_like=("tenkan", "kijun", "senkou_a", "senkou_b"),
           reference="Goichi Hosoda, Ichimoku Kinko Hyo, 1969")
def ichimoku(ctx, start, tenkan=9, kijun=26, senkou=52):
    """Ichimoku's causal lines, each at the bar it is computed from (price units):

    ``tenkan = (HH_9 + LL_9) / 2``, ``kijun = (HH_26 + LL_26) / 2``, ``senkou_a = (tenkan + kijun) / 2``,
    ``senkou_b = (HH_52 + LL_52) / 2`` over highs / lows including this bar. Charts plot the two
    senkou spans 26 bars *ahead*; that is a display offset, so here they stay at their computed
    bar (the cloud a chart shows over bar t is ``senkou_*`` at t − 26). The chikou span is left
    out: it is the close plotted 26 bars back, so at any bar its value would need the close 26
    bars later (it reads the future). First values at bars 8, 25, 25, 51.
    """
    tk = _midrange(ctx, start, ctx.high, ctx.low, tenkan, "tenkan")
    kj = _midrange(ctx, start, ctx.high, ctx.low, kijun, "kijun")
    sb = _midrange(ctx, start, ctx.high, ctx.low, senkou, "senkou_b")
    ctx.out("tenkan")[start:] = tk[start:]
    ctx.out("kijun")[start:] = kj[start:]
    ctx.out("senkou_a")[start:] = 0.5 * (tk[start:] + kj[start:])
    ctx.out("senkou_b")[start:] = sb[start:]


@indicator("trend", lines=("linreg", "slope", "intercept", "angle", "tsf", "r2"),
           price_like=("linreg", "intercept", "tsf"),
           reference="Least-squares line over a rolling window (Tushar Chande, 'Stay on Trend with the "
                     "Linear Regression Slope', Technical Analysis of Stocks & Commodities, 1992; TA-Lib "
                     "LINEARREG family)")
def linreg(ctx, start, period=14):
    """Least-squares line ``y = a + b·k`` through the last ``period`` closes (k = 0 oldest … p−1 now).

    ``slope = b`` (price per bar; TA-Lib LINEARREG_SLOPE), ``intercept = a`` (the line at the
    oldest bar; LINEARREG_INTERCEPT), ``linreg = a + b(p−1)`` (the line now; LINEARREG),
    ``tsf = a + b·p`` (the line extended one bar; TSF — computed from bars ≤ t, a projection,
    not a look-ahead), ``angle = atan(b)`` in degrees (LINEARREG_ANGLE; depends on the price
    scale), ``r2`` = squared correlation of the closes with time, 0..1 (0 on a flat window).
    First value at bar ``period − 1``.
    """
    c = ctx.close
    m, b, sd = ctx.tmp("mean"), ctx.out("slope"), ctx.tmp("std")
    P.sma(c, period, m, start)
    P.rolling_slope(c, period, b, start)
    P.rolling_std(c, period, 0, sd, start)
    half = (period - 1) / 2.0
    ms, bs = m[start:], b[start:]
    ctx.out("intercept")[start:] = ms - bs * half
    ctx.out("linreg")[start:] = ms + bs * half
    ctx.out("tsf")[start:] = ms + bs * (half + 1.0)
    ctx.out("angle")[start:] = np.degrees(np.arctan(bs))
    # r² = b² Sxx / Syy with Sxx = Σ(k − k̄)² = p(p² − 1)/12 and Syy = p σ²
    sxx = period * (period * period - 1) / 12.0
    r2 = P.safe_div(bs * bs * sxx, period * sd[start:] ** 2, fill=0.0, eps=1e-18)
    ctx.out("r2")[start:] = np.minimum(r2, 1.0)


@indicator("trend", lines=("t3",), price_like=("t3",),
           reference="Tim Tillson, 'Better Moving Averages', Technical Analysis of Stocks & Commodities, Jan. 1998")
def t3(ctx, start, period=5, vfactor=0.7):
    """Tillson T3: six chained EMAs ``e1 … e6`` of the close (each seeded by the SMA of its first
    ``period`` inputs, as TA-Lib ``T3``); with ``a = vfactor``:
    ``t3 = −a³ e6 + (3a² + 3a³) e5 + (−6a² − 3a − 3a³) e4 + (1 + 3a + a³ + 3a²) e3``
    (the generalized DEMA applied three times). Units: price. First value at bar ``6 (period − 1)``."""
    a = vfactor
    e = []
    src = ctx.close
    for k in range(6):
        buf = ctx.tmp(f"e{k + 1}")
        P.ema(src, period, buf, start)
        e.append(buf)
        src = buf
    c1, c2 = -a ** 3, 3 * a ** 2 + 3 * a ** 3
    c3, c4 = -6 * a ** 2 - 3 * a - 3 * a ** 3, 1 + 3 * a + a ** 3 + 3 * a ** 2
    ctx.out("t3")[start:] = c1 * e[5][start:] + c2 * e[4][start:] + c3 * e[3][start:] + c4 * e[2][start:]


@indicator("trend", lines=("midpoint", "midprice"), price_like=("midpoint", "midprice"),
           reference="Range midlines of Richard Donchian's n-period channel rules (1950s-60s), as TA-Lib "
                     "MIDPOINT and MIDPRICE")
def midpoint(ctx, start, period=14):
    """``midpoint = (max + min of the last period closes) / 2`` (TA-Lib MIDPOINT) and ``midprice =
    (highest high + lowest low) / 2`` over ``period`` bars (TA-Lib MIDPRICE). Units: price. First
    value at bar ``period − 1``."""
    mp = _midrange(ctx, start, ctx.close, ctx.close, period, "midpoint")
    ctx.out("midpoint")[start:] = mp[start:]
    ctx.out("midprice")[start:] = _midrange(ctx, start, ctx.high, ctx.low, period, "midprice")[start:]


@indicator("trend", lines=("bull_power", "bear_power", "ema"), price_like=("ema",),
           reference="Alexander Elder, Trading for a Living, 1993 (Elder-ray)")
def elder_ray(ctx, start, period=13):
    """Elder-ray: ``ema = EMA_period(close)`` (SMA-seeded; price), ``bull_power = high − ema``,
    ``bear_power = low − ema`` (price differences: how far buyers / sellers pushed beyond the
    consensus value). First value at bar ``period − 1``."""
    e = ctx.out("ema")
    P.ema(ctx.close, period, e, start)
    ctx.out("bull_power")[start:] = ctx.high[start:] - e[start:]
    ctx.out("bear_power")[start:] = ctx.low[start:] - e[start:]


SUITE = [ichimoku(), linreg(period=14), t3(period=5), midpoint(period=14), elder_ray(period=13)]

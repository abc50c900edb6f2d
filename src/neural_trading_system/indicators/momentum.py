"""Momentum oscillators (one module per family; see :mod:`.base` for the kernel contract).

The TA-Lib-comparable kernels live here; the smoothed oscillators from published code (RSX, QQE,
RMI, WaveTrend, Laguerre RSI, DV2) live in :mod:`.oscillators` and join :data:`SUITE` from there.
Every line is oscillator units, not price-like; ``mom``, ``ao`` and ``macd``-like lines are price
differences (they scale with price). Zero denominators (a flat window) give the neutral value
named in each docstring; TA-Lib gives 0 there, which only differs on a window with no range.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..errors import IndicatorError
from . import primitives as P
from .base import indicator
from .oscillators import SPECS as _OSCILLATOR_SPECS
from .oscillators_composite import SPECS as _COMPOSITE_SPECS
from .oscillators import rsi_averages, up_down
from .volatility import true_range

__all__ = ["rsi", "stoch", "stochrsi", "willr", "cci", "roc", "mom", "cmo", "ppo", "ultosc", "awesome",
           "tsi", "pgo", "stoch_raw", "percentage_oscillator", "SUITE"]


@indicator("momentum", lines=("rsi", "avg_gain", "avg_loss"),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978")
def rsi(ctx, start, period=14):
    """Relative Strength Index: ``100 - 100 / (1 + RS)``, RS = avg_gain / avg_loss, the Wilder
    averages of ``max(±(close - close[-1]), 0)`` (price change per bar, also output lines).

    Warm-up: ``period`` bars (first value at bar ``period``, as TA-Lib).
    """
    c = ctx.close
    d = ctx.tmp("delta")
    P.diff(c, 1, d, start)
    up, dn = ctx.tmp("up"), ctx.tmp("down")
    up[start:] = np.where(np.isnan(d[start:]), np.nan, np.maximum(d[start:], 0.0))
    dn[start:] = np.where(np.isnan(d[start:]), np.nan, np.maximum(-d[start:], 0.0))
    ag, al = ctx.out("avg_gain"), ctx.out("avg_loss")
    P.wilder(up, period, ag, start)
    P.wilder(dn, period, al, start)
    total = ag[start:] + al[start:]
    ctx.out("rsi")[start:] = P.safe_div(100.0 * ag[start:], total, fill=50.0)


def stoch_raw(ctx, start, high, low, close, period, tag=""):
    """Raw %K ``100 (close - LL) / (HH - LL)`` over ``period`` bars into ``tmp(tag+'raw_k')``;
    50 where ``HH == LL``. Returns the buffer (first value at bar ``period - 1``)."""
    hh, ll = ctx.tmp(tag + "hh"), ctx.tmp(tag + "ll")
    P.rolling_max(high, period, hh, start)
    P.rolling_min(low, period, ll, start)
    raw = ctx.tmp(tag + "raw_k")
    c, h, lo = close[start:], hh[start:], ll[start:]
    raw[start:] = 100.0 * P.safe_div(c - lo, h - lo, fill=0.5)
    return raw


def _smooth_kd(ctx, start, raw, k_smooth, d_smooth):
    """%K = SMA(raw), %D = SMA(%K); %K is held NaN until %D exists (TA-Lib aligns both lines).
    Also copies the raw (fast) %K into the ``raw_k`` output line."""
    ctx.out("raw_k")[start:] = raw[start:]
    k, d = ctx.tmp("k_all"), ctx.out("d")
    P.sma(raw, k_smooth, k, start)
    P.sma(k, d_smooth, d, start)
    ctx.out("k")[start:] = np.where(np.isnan(d[start:]), np.nan, k[start:])


@indicator("momentum", lines=("k", "d", "raw_k"),
           reference="George C. Lane, 'Lane's Stochastics', Technical Analysis of Stocks & Commodities, 1984")
def stoch(ctx, start, period=14, k_smooth=3, d_smooth=3):
    """Slow stochastic (TA-Lib STOCH, SMA smoothing): raw %K over ``period`` (see
    :func:`stoch_raw`), ``k = SMA_k_smooth(raw)``, ``d = SMA_d_smooth(k)``. Units 0..100.
    Both lines start at bar ``period + k_smooth + d_smooth - 3`` (17 for 14, 3, 3), as TA-Lib;
    ``raw_k`` (the unsmoothed fast %K) at bar ``period - 1``.
    """
    raw = stoch_raw(ctx, start, ctx.high, ctx.low, ctx.close, period)
    _smooth_kd(ctx, start, raw, k_smooth, d_smooth)


@indicator("momentum", lines=("k", "d", "raw_k", "rsi"),
           reference="Tushar Chande & Stanley Kroll, The New Technical Trader, 1994")
def stochrsi(ctx, start, rsi_period=14, period=14, k_smooth=3, d_smooth=3):
    """Stochastic RSI: the stochastic (:func:`stoch`) of ``RSI_rsi_period(close)`` used as high,
    low and close. ``k_smooth=1`` is TA-Lib STOCHRSI (fast %K, %D = SMA_d_smooth); the default 3, 3
    is the usual charting form (TA-Lib STOCH applied to the RSI). Units 0..100; 50 on a flat RSI
    window. First value at bar ``rsi_period + period + k_smooth + d_smooth - 3``. ``raw_k`` is the
    unsmoothed stochastic of the RSI, ``rsi`` the RSI itself (from bar ``rsi_period``).
    """
    ag, al = rsi_averages(ctx, start, ctx.close, rsi_period)
    r = ctx.out("rsi")
    r[start:] = P.safe_div(100.0 * ag[start:], ag[start:] + al[start:], fill=50.0)
    raw = stoch_raw(ctx, start, r, r, r, period)
    _smooth_kd(ctx, start, raw, k_smooth, d_smooth)


@indicator("momentum", lines=("willr",),
           reference="Larry Williams, How I Made One Million Dollars Last Year Trading Commodities, 1973")
def willr(ctx, start, period=14):
    """Williams %R: ``-100 (HH - close) / (HH - LL)`` over ``period`` bars; -50 where HH == LL.
    Units -100..0. First value at bar ``period - 1`` (TA-Lib WILLR)."""
    hh, ll = ctx.tmp("hh"), ctx.tmp("ll")
    P.rolling_max(ctx.high, period, hh, start)
    P.rolling_min(ctx.low, period, ll, start)
    h, lo = hh[start:], ll[start:]
    ctx.out("willr")[start:] = -100.0 * P.safe_div(h - ctx.close[start:], h - lo, fill=0.5)


@njit(cache=True, nogil=True)
def mean_abs_dev(x, mean, w, out, start):  # pragma: no cover - compiled
    """``mean_j |x[j] - mean[i]|`` over the ``w`` bars ending at ``i`` (CCI's mean deviation).

    The deviations are summed newest first (``k = 0 … w-1``), one loop per bar; NaN until ``w``
    values and ``mean[i]`` exist.
    """
    for i in range(start, x.shape[0]):
        acc = 0.0
        for k in range(w):
            v = x[i - k] if i - k >= 0 else np.nan
            acc += abs(v - mean[i])
        out[i] = acc / w


@indicator("momentum", lines=("cci", "mean_dev"),
           reference="Donald R. Lambert, 'Commodity Channel Index', Commodities magazine, 1980")
def cci(ctx, start, period=20):
    """CCI: ``(tp - SMA(tp)) / (0.015 · MD)`` with ``tp = (h+l+c)/3`` and MD the mean absolute
    deviation of tp from that SMA over ``period`` bars; 0 where MD = 0. First value at bar
    ``period - 1`` (TA-Lib CCI). ``mean_dev`` = MD (price units, a range: not price-like)."""
    tp = ctx.tmp("tp")
    tp[start:] = (ctx.high[start:] + ctx.low[start:] + ctx.close[start:]) / 3.0
    m, md = ctx.tmp("sma"), ctx.out("mean_dev")
    P.sma(tp, period, m, start)
    mean_abs_dev(tp, m, period, md, start)
    ctx.out("cci")[start:] = P.safe_div(tp[start:] - m[start:], 0.015 * md[start:])


@indicator("momentum", lines=("roc",), reference="Rate of change (classical; Martin J. Pring, Technical Analysis Explained, 1980)")
def roc(ctx, start, period=12):
    """``100 (close / close[-period] - 1)`` (TA-Lib ROC); 0 where the old close is 0. Percent."""
    prev = ctx.tmp("prev")
    P.shift(ctx.close, period, prev, start)
    ctx.out("roc")[start:] = 100.0 * (P.safe_div(ctx.close[start:], prev[start:], fill=1.0) - 1.0)


@indicator("momentum", lines=("mom",), reference="Momentum (classical; Martin J. Pring, Technical Analysis Explained, 1980)")
def mom(ctx, start, period=12):
    """``close - close[-period]`` (TA-Lib MOM). Price difference (scales with price)."""
    P.diff(ctx.close, period, ctx.out("mom"), start)


@indicator("momentum", lines=("cmo",), reference="Tushar Chande & Stanley Kroll, The New Technical Trader, 1994")
def cmo(ctx, start, period=14, smoothing="sum"):
    """Chande Momentum Oscillator ``100 (U - D) / (U + D)``; 0 when both are 0. Units -100..100.

    ``smoothing="sum"`` (Chande's definition): U, D = sums of up / down closes over ``period``
    bars, first value at bar ``period``. ``"wilder"``: Wilder averages as TA-Lib CMO, which makes
    it exactly ``2 RSI - 100`` (so the default suite keeps Chande's sum form).
    """
    if smoothing == "wilder":
        u, d = rsi_averages(ctx, start, ctx.close, period)
    elif smoothing == "sum":
        up, dn = up_down(ctx, start, ctx.close)
        u, d = ctx.tmp("sum_up"), ctx.tmp("sum_down")
        P.rolling_sum(up, period, u, start)
        P.rolling_sum(dn, period, d, start)
    else:
        raise IndicatorError(f"cmo: smoothing must be 'sum' or 'wilder', got {smoothing!r}")
    us, ds = u[start:], d[start:]
    ctx.out("cmo")[start:] = P.safe_div(100.0 * (us - ds), us + ds)


def percentage_oscillator(ctx, start, x, fast, slow, out, tag=""):
    """``100 (EMA_fast(x) - EMA_slow(x)) / EMA_slow(x)`` into ``out`` (0 where the slow EMA is 0).

    As TA-Lib PPO with EMAs (``matype=1``): each EMA is seeded by the SMA of its own first
    ``period`` values (unlike MACD, whose fast EMA starts with the slow one); first value at bar
    ``slow - 1``.
    """
    f, s = ctx.tmp(tag + "ema_fast"), ctx.tmp(tag + "ema_slow")
    P.ema(x, fast, f, start)
    P.ema(x, slow, s, start)
    out[start:] = 100.0 * P.safe_div(f[start:] - s[start:], s[start:])


@indicator("momentum", lines=("ppo", "signal", "hist"),
           reference="Gerald Appel, Technical Analysis: Power Tools for Active Investors, 2005 (MACD in percent)")
def ppo(ctx, start, fast=12, slow=26, signal=9):
    """Percentage Price Oscillator: ``100 (EMA_fast - EMA_slow) / EMA_slow`` (TA-Lib PPO with
    ``matype=1``); ``signal = EMA_signal(ppo)``; ``hist = ppo - signal``. Percent. First ppo at
    bar ``slow - 1``, signal ``signal - 1`` bars later."""
    p = ctx.out("ppo")
    percentage_oscillator(ctx, start, ctx.close, fast, slow, p)
    sig = ctx.out("signal")
    P.ema(p, signal, sig, start)
    ctx.out("hist")[start:] = p[start:] - sig[start:]


@indicator("momentum", lines=("ultosc", "avg_short", "avg_medium", "avg_long"),
           reference="Larry Williams, 'The Ultimate Oscillator', Technical Analysis of Stocks & Commodities, 1985")
def ultosc(ctx, start, short=7, medium=14, long=28):
    """Ultimate Oscillator (TA-Lib ULTOSC): ``bp = c - min(l, c[-1])``, ``tr = max(h, c[-1]) -
    min(l, c[-1])``; ``a_p = Σ_p bp / Σ_p tr`` (0.5 where Σ tr = 0);
    ``100 (4 a_short + 2 a_medium + a_long) / 7``. Units 0..100. First value at bar ``long``.
    ``avg_short/medium/long`` = the three buying-pressure ratios ``a_p`` (0..1)."""
    pc = ctx.tmp("prev_close")
    P.shift(ctx.close, 1, pc, start)
    true_low = np.minimum(ctx.low[start:], pc[start:])
    bp, tr = ctx.tmp("bp"), ctx.tmp("tr")
    bp[start:] = ctx.close[start:] - true_low
    tr[start:] = np.maximum(ctx.high[start:], pc[start:]) - true_low
    total = np.zeros(ctx.n - start)
    for weight, p, line in ((4.0, short, "avg_short"), (2.0, medium, "avg_medium"), (1.0, long, "avg_long")):
        sb, st = ctx.tmp(f"bp_{p}"), ctx.tmp(f"tr_{p}")
        P.rolling_sum(bp, p, sb, start)
        P.rolling_sum(tr, p, st, start)
        a = ctx.out(line)
        a[start:] = P.safe_div(sb[start:], st[start:], fill=0.5)
        total += weight * a[start:]
    ctx.out("ultosc")[start:] = 100.0 * total / 7.0


@indicator("momentum", lines=("ao",), reference="Bill Williams, New Trading Dimensions, 1998 (Awesome Oscillator)")
def awesome(ctx, start, fast=5, slow=34):
    """Awesome Oscillator: ``SMA_fast(m) - SMA_slow(m)``, ``m = (high + low) / 2``. Price
    difference (scales with price). First value at bar ``slow - 1``."""
    m = ctx.tmp("median")
    m[start:] = (ctx.high[start:] + ctx.low[start:]) / 2.0
    f, s = ctx.tmp("sma_fast"), ctx.tmp("sma_slow")
    P.sma(m, fast, f, start)
    P.sma(m, slow, s, start)
    ctx.out("ao")[start:] = f[start:] - s[start:]


@indicator("momentum", lines=("tsi", "signal", "smooth_mom", "smooth_abs_mom"),
           reference="William Blau, Momentum, Direction, and Divergence, 1995 (True Strength Index)")
def tsi(ctx, start, long=25, short=13, signal=13):
    """True Strength Index: ``100 EMA_short(EMA_long(m)) / EMA_short(EMA_long(|m|))``,
    ``m = close - close[-1]`` (0 where the denominator is 0); ``signal = EMA_signal(tsi)``.
    EMAs seeded by the SMA of their first inputs. Units -100..100. First tsi at bar
    ``long + short - 1``. ``smooth_mom`` / ``smooth_abs_mom`` are the double-smoothed numerator and
    denominator (price change per bar)."""
    m = ctx.tmp("mom")
    P.diff(ctx.close, 1, m, start)
    am = ctx.tmp("abs_mom")
    am[start:] = np.abs(m[start:])
    n1, n2, d1, d2 = ctx.tmp("n1"), ctx.out("smooth_mom"), ctx.tmp("d1"), ctx.out("smooth_abs_mom")
    P.ema(m, long, n1, start)
    P.ema(n1, short, n2, start)
    P.ema(am, long, d1, start)
    P.ema(d1, short, d2, start)
    t = ctx.out("tsi")
    t[start:] = 100.0 * P.safe_div(n2[start:], d2[start:])
    P.ema(t, signal, ctx.out("signal"), start)


@indicator("momentum", lines=("pgo", "ema_tr"),
           reference="Mark Johnson, Pretty Good Oscillator (described in Technical Analysis of Stocks & Commodities)")
def pgo(ctx, start, period=14):
    """Pretty Good Oscillator: ``(close - SMA_period(close)) / EMA_period(true range)`` (0 where the
    range EMA is 0): the distance from the mean in average ranges. First value at bar ``period``.
    ``ema_tr`` is that range EMA (price units, a range: not price-like)."""
    s = ctx.tmp("sma")
    P.sma(ctx.close, period, s, start)
    tr = true_range(ctx, start)
    e = ctx.out("ema_tr")
    P.ema(tr, period, e, start)
    ctx.out("pgo")[start:] = P.safe_div(ctx.close[start:] - s[start:], e[start:])


SUITE = [
    rsi(period=7), rsi(period=14), rsi(period=21),
    stoch(period=14), stochrsi(), willr(period=14), cci(period=20), roc(period=12), mom(period=12),
    cmo(period=14), ppo(), ultosc(), awesome(), tsi(), pgo(period=14),
    *_OSCILLATOR_SPECS,
    *_COMPOSITE_SPECS,
]

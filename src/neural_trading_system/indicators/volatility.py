"""Volatility indicators."""

from __future__ import annotations

import math

import numpy as np

from . import primitives as P
from .base import indicator


def true_range(ctx, start):
    """Wilder's true range into ``ctx.tmp('tr')`` (NaN at bar 0, as TA-Lib). Returns the buffer."""
    h, l, c = ctx.high, ctx.low, ctx.close
    prev = ctx.tmp("prev_close")
    P.shift(c, 1, prev, start)
    tr = ctx.tmp("tr")
    if tr.shape[0] - start == 1:  # a streamed bar: the same differences and NaN-propagating max on floats
        hs, ls, ps = h.item(start), l.item(start), prev.item(start)
        rng, up, dn = hs - ls, abs(hs - ps), abs(ls - ps)
        tr[start] = math.nan if rng != rng or up != up or dn != dn else max(rng, up, dn)
        return tr
    hs, ls, ps = h[start:], l[start:], prev[start:]
    tr[start:] = np.maximum(hs - ls, np.maximum(np.abs(hs - ps), np.abs(ls - ps)))
    return tr


@indicator("volatility", lines=("atr",), price_like=("atr",),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978")
def atr(ctx, start, period=14):
    """Average True Range: Wilder smoothing of ``max(h-l, |h-c[-1]|, |l-c[-1]|)``."""
    tr = true_range(ctx, start)
    P.wilder(tr, period, ctx.out("atr"), start)


@indicator("volatility", lines=("mid", "upper", "lower", "width", "pct_b", "std"), price_like=("mid", "upper", "lower"),
           reference="John Bollinger, Bollinger on Bollinger Bands, 2001")
def bbands(ctx, start, period=20, devs=2.0):
    """mid = SMA(close), upper/lower = mid ± devs·σ (population σ); width = (upper-lower)/mid;
    %b = (close - lower) / (upper - lower); std = σ (price units, a spread: not price-like)."""
    c = ctx.close
    mid, sd = ctx.out("mid"), ctx.out("std")
    P.sma(c, period, mid, start)
    P.rolling_std(c, period, 0, sd, start)
    up, lo = ctx.out("upper"), ctx.out("lower")
    up[start:] = mid[start:] + devs * sd[start:]
    lo[start:] = mid[start:] - devs * sd[start:]
    ctx.out("width")[start:] = P.safe_div(up[start:] - lo[start:], mid[start:])
    ctx.out("pct_b")[start:] = P.safe_div(c[start:] - lo[start:], up[start:] - lo[start:], fill=0.5)


SUITE = [atr(period=14), bbands()]


# --- appended by the cycle/regime work: channels and historical volatility -------------------
@indicator("volatility", lines=("mid", "upper", "lower", "width", "atr"), price_like=("mid", "upper", "lower"),
           reference="Chester W. Keltner, How to Make Money in Commodities, 1960; EMA/ATR form after "
                     "Linda Bradford Raschke (1990s)")
def keltner(ctx, start, period=20, atr_period=10, mult=2.0):
    """Keltner Channel: mid = EMA(close, period), upper/lower = mid ± mult·ATR(atr_period) (Wilder);
    width = (upper − lower) / mid; atr = the channel's ATR (price range, not price-like). First
    value at bar max(period − 1, atr_period)."""
    mid = ctx.out("mid")
    P.ema(ctx.close, period, mid, start)
    a = ctx.out("atr")
    P.wilder(true_range(ctx, start), atr_period, a, start)
    up, lo = ctx.out("upper"), ctx.out("lower")
    up[start:] = mid[start:] + mult * a[start:]
    lo[start:] = mid[start:] - mult * a[start:]
    ctx.out("width")[start:] = P.safe_div(up[start:] - lo[start:], mid[start:])


@indicator("volatility", lines=("upper", "lower", "mid", "pct"), price_like=("upper", "lower", "mid"),
           reference="Richard D. Donchian, price-channel (n-period breakout) rules, 1950s-1960s")
def donchian(ctx, start, period=20):
    """Donchian Channel over ``period`` bars including this one: upper = highest high, lower =
    lowest low, mid = (upper + lower)/2, pct = (close − lower)/(upper − lower) (0.5 on a flat
    range). First value at bar ``period − 1``."""
    up, lo = ctx.out("upper"), ctx.out("lower")
    P.rolling_max(ctx.high, period, up, start)
    P.rolling_min(ctx.low, period, lo, start)
    ctx.out("mid")[start:] = 0.5 * (up[start:] + lo[start:])
    ctx.out("pct")[start:] = P.safe_div(ctx.close[start:] - lo[start:], up[start:] - lo[start:], fill=0.5)


@indicator("volatility", lines=("close_to_close", "parkinson", "log_ret"),
           reference="Close-to-close σ of log returns (classical); M. Parkinson, 'The Extreme Value Method for "
                     "Estimating the Variance of the Rate of Return', Journal of Business, 1980")
def hist_vol(ctx, start, period=20):
    """Historical volatility per bar in percent, not annualized (the bar interval varies):
    close_to_close = 100·σ(ln(c/c[1]), period) (sample σ, ddof 1);
    parkinson = 100·sqrt(mean(ln(h/l)², period) / (4 ln 2)). First values at bars ``period`` and
    ``period − 1``. ``log_ret`` = 100·ln(c/c[1]), the bar's own return in percent (from bar 1)."""
    c = ctx.close
    prev = ctx.tmp("prev_close_hv")
    P.shift(c, 1, prev, start)
    r = ctx.tmp("log_ret")
    r[start:] = np.log(P.safe_div(c[start:], prev[start:], fill=1.0))
    sd = ctx.tmp("ret_std")
    P.rolling_std(r, period, 1, sd, start)
    ctx.out("close_to_close")[start:] = 100.0 * sd[start:]
    ctx.out("log_ret")[start:] = 100.0 * r[start:]
    hl2 = ctx.tmp("log_hl_sq")
    hl2[start:] = np.log(P.safe_div(ctx.high[start:], ctx.low[start:], fill=1.0)) ** 2
    m = ctx.tmp("log_hl_sq_mean")
    P.sma(hl2, period, m, start)
    ctx.out("parkinson")[start:] = 100.0 * np.sqrt(m[start:] / (4.0 * np.log(2.0)))


SUITE += [keltner(), donchian(period=20), hist_vol(period=20)]

# the range estimators import true_range from this module, so they join the suite after it exists
from .volatility_range import SPECS as _RANGE_SPECS  # noqa: E402

SUITE += _RANGE_SPECS

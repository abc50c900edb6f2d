"""Volatility indicators."""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .base import indicator


def true_range(ctx, start):
    """Wilder's true range into ``ctx.tmp('tr')`` (NaN at bar 0, as TA-Lib). Returns the buffer."""
    h, l, c = ctx.high, ctx.low, ctx.close
    prev = ctx.tmp("prev_close")
    P.shift(c, 1, prev, start)
    tr = ctx.tmp("tr")
    hs, ls, ps = h[start:], l[start:], prev[start:]
    tr[start:] = np.maximum(hs - ls, np.maximum(np.abs(hs - ps), np.abs(ls - ps)))
    return tr


@indicator("volatility", lines=("atr",), price_like=("atr",),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978")
def atr(ctx, start, period=14):
    """Average True Range: Wilder smoothing of ``max(h-l, |h-c[-1]|, |l-c[-1]|)``."""
    tr = true_range(ctx, start)
    P.wilder(tr, period, ctx.out("atr"), start)


@indicator("volatility", lines=("mid", "upper", "lower", "width", "pct_b"), price_like=("mid", "upper", "lower"),
           reference="John Bollinger, Bollinger on Bollinger Bands, 2001")
def bbands(ctx, start, period=20, devs=2.0):
    """mid = SMA(close), upper/lower = mid ± devs·σ (population σ); width = (upper-lower)/mid;
    %b = (close - lower) / (upper - lower)."""
    c = ctx.close
    mid, sd = ctx.out("mid"), ctx.tmp("std")
    P.sma(c, period, mid, start)
    P.rolling_std(c, period, 0, sd, start)
    up, lo = ctx.out("upper"), ctx.out("lower")
    up[start:] = mid[start:] + devs * sd[start:]
    lo[start:] = mid[start:] - devs * sd[start:]
    ctx.out("width")[start:] = P.safe_div(up[start:] - lo[start:], mid[start:])
    ctx.out("pct_b")[start:] = P.safe_div(c[start:] - lo[start:], up[start:] - lo[start:], fill=0.5)


SUITE = [atr(period=14), bbands()]

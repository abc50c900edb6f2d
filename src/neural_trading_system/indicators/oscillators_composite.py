"""Composite and candle-body oscillators: Coppock curve, ConnorsRSI, Relative Vigor Index,
Balance of Power.

Part of the ``momentum`` family: :mod:`.momentum` adds :data:`SPECS` to its ``SUITE``. All lines
are oscillator units (not price-like). BOP equals TA-Lib ``BOP``; Coppock and ConnorsRSI's RSI
parts are checked against TA-Lib compositions, the rest against slow reference loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .barops import lagged, rank_below
from .base import indicator
from .oscillators import rsi_averages

__all__ = ["coppock", "connors_rsi", "rvi", "bop", "SPECS"]


def _roc(ctx, start, period, key):
    """``100 (close / close[-period] − 1)`` into ``ctx.tmp(key)`` (0 where the old close is 0)."""
    out = ctx.tmp(key)
    out[start:] = 100.0 * (P.safe_div(ctx.close[start:], lagged(ctx.close, start, period), fill=1.0) - 1.0)
    return out


@indicator("momentum", lines=("coppock",),
           reference="Edwin S. Coppock, 'Practical Relative Strength Charting', Barron's, Oct. 1962 (Coppock curve)")
def coppock(ctx, start, long=14, short=11, wma=10):
    """Coppock curve ``WMA_wma(ROC_long + ROC_short)`` (ROC in percent; Coppock's monthly 14, 11, 10
    applied to bars). Percent. First value at bar ``long + wma − 1``."""
    s = ctx.tmp("roc_sum")
    s[start:] = _roc(ctx, start, long, "roc_long")[start:] + _roc(ctx, start, short, "roc_short")[start:]
    P.wma(s, wma, ctx.out("coppock"), start)


@njit(cache=True, nogil=True)
def _streak(close, out, start):
    """Signed run length of up (+) / down (−) closes; 0 on an unchanged close; NaN at bar 0."""
    for i in range(start, close.shape[0]):
        if i == 0 or not (np.isfinite(close[i]) and np.isfinite(close[i - 1])):
            out[i] = np.nan
            continue
        prev = out[i - 1] if np.isfinite(out[i - 1]) else 0.0
        if close[i] > close[i - 1]:
            out[i] = prev + 1.0 if prev > 0 else 1.0
        elif close[i] < close[i - 1]:
            out[i] = prev - 1.0 if prev < 0 else -1.0
        else:
            out[i] = 0.0


def _rsi_of(ctx, start, x, period, line):
    ag, al = rsi_averages(ctx, start, x, period, tag=line + "_")
    r = ctx.out(line)
    r[start:] = P.safe_div(100.0 * ag[start:], ag[start:] + al[start:], fill=50.0)
    return r


@indicator("momentum", lines=("crsi", "rsi", "streak", "streak_rsi", "pct_rank"),
           reference="Larry Connors, Matt Radtke & Connors Research, 'An Introduction to ConnorsRSI', 2012")
def connors_rsi(ctx, start, rsi_period=3, streak_period=2, rank_period=100):
    """ConnorsRSI ``crsi = (rsi + streak_rsi + pct_rank) / 3``, 0..100:

    ``rsi = RSI_3(close)``; ``streak`` = signed count of consecutive up (+) / down (−) closes (0 on
    an unchanged close); ``streak_rsi = RSI_2(streak)``; ``pct_rank`` = percent of the previous
    ``rank_period`` one-bar ROCs strictly below the current one. RSIs are Wilder's (TA-Lib), 50 on a
    window without moves. First crsi at bar ``rank_period + 1``.
    """
    r = _rsi_of(ctx, start, ctx.close, rsi_period, "rsi")
    st = ctx.out("streak")
    _streak(ctx.close, st, start)
    sr = _rsi_of(ctx, start, st, streak_period, "streak_rsi")
    roc1 = _roc(ctx, start, 1, "roc1")
    pr = ctx.out("pct_rank")
    pr[start:] = rank_below(roc1, start, rank_period)
    ctx.out("crsi")[start:] = (r[start:] + sr[start:] + pr[start:]) / 3.0


def _swma4(x, start):
    """Ehlers' symmetric 4-bar weights ``(x + 2x[1] + 2x[2] + x[3]) / 6``."""
    return (x[start:] + 2.0 * lagged(x, start, 1) + 2.0 * lagged(x, start, 2) + lagged(x, start, 3)) / 6.0


@indicator("momentum", lines=("rvi", "signal"),
           reference="John F. Ehlers, 'Relative Vigor Index', Technical Analysis of Stocks & Commodities, Jan. 2002")
def rvi(ctx, start, period=10):
    """Relative Vigor Index: ``num = swma(c − o)``, ``den = swma(h − l)`` (weights 1, 2, 2, 1 / 6);
    ``rvi = Σ_period num / Σ_period den`` (0 where the range sum is 0); ``signal = swma(rvi)``.
    Roughly −1..1 (close-minus-open per unit of range). First rvi at bar ``period + 2``."""
    co, hl = ctx.tmp("co"), ctx.tmp("hl")
    co[start:] = ctx.close[start:] - ctx.open[start:]
    hl[start:] = ctx.high[start:] - ctx.low[start:]
    num, den = ctx.tmp("num"), ctx.tmp("den")
    num[start:] = _swma4(co, start)
    den[start:] = _swma4(hl, start)
    sn, sd = ctx.tmp("sum_num"), ctx.tmp("sum_den")
    P.rolling_sum(num, period, sn, start)
    P.rolling_sum(den, period, sd, start)
    r = ctx.out("rvi")
    r[start:] = P.safe_div(sn[start:], sd[start:])
    ctx.out("signal")[start:] = _swma4(r, start)


@indicator("momentum", lines=("bop", "smooth"),
           reference="Igor Livshin, 'Balance of Market Power', Technical Analysis of Stocks & Commodities, Aug. 2001")
def bop(ctx, start, period=14):
    """Balance of Power ``(c − o) / (h − l)`` in −1..1 (0 on a bar with ``h = l``, as TA-Lib
    ``BOP``), from bar 0; ``smooth = SMA_period(bop)`` (Livshin's smoothing) from bar ``period − 1``."""
    b = ctx.out("bop")
    b[start:] = P.safe_div(ctx.close[start:] - ctx.open[start:], ctx.high[start:] - ctx.low[start:])
    P.sma(b, period, ctx.out("smooth"), start)


SPECS = [coppock(), connors_rsi(), rvi(period=10), bop(period=14)]

"""Trend indicators: moving averages and MA-based trend oscillators.

The adaptive averages live in :mod:`.trend_adaptive`, the directional-movement and channel
indicators in :mod:`.trend_directional`, Ichimoku / regression / T3 / Elder-ray in
:mod:`.trend_levels`; this module's ``SUITE`` lists all four.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from . import trend_adaptive, trend_directional, trend_levels
from .barops import hold_last, lagged
from .base import indicator


@indicator("trend", lines=("sma",), price_like=("sma",), reference="Simple moving average (classical)")
def sma(ctx, start, period=20):
    """Arithmetic mean of the last ``period`` closes."""
    P.sma(ctx.close, period, ctx.out("sma"), start)


@indicator("trend", lines=("ema",), price_like=("ema",),
           reference="R. G. Brown, Smoothing, Forecasting and Prediction, 1963 (exponential smoothing)")
def ema(ctx, start, period=20):
    """``ema = ema[-1] + 2/(period+1) * (close - ema[-1])``, seeded by the SMA of the first period."""
    P.ema(ctx.close, period, ctx.out("ema"), start)


@indicator("trend", lines=("macd", "signal", "hist", "ema_fast", "ema_slow"), price_like=("ema_fast", "ema_slow"),
           reference="Gerald Appel, The Moving Average Convergence-Divergence Method, 1979")
def macd(ctx, start, fast=12, slow=26, signal=9):
    """MACD = EMA(fast) - EMA(slow); signal = EMA(signal) of MACD; hist = MACD - signal.

    As TA-Lib: both EMAs start at bar ``slow - 1`` (the fast EMA is seeded by the SMA of the
    ``fast`` closes ending there), so values equal TA-Lib's exactly after warm-up. ``ema_fast`` and
    ``ema_slow`` (price) are the two averages, both from bar ``slow - 1``.
    """
    c = ctx.close
    f, s = ctx.out("ema_fast"), ctx.out("ema_slow")
    # TA-Lib seeds the fast EMA at the slow EMA's first bar: mask earlier closes
    masked = ctx.tmp("close_from_slow")
    bars = np.arange(start, ctx.n)
    masked[start:] = np.where(bars >= slow - fast, c[start:], np.nan)
    P.ema(masked, fast, f, start)
    P.ema(c, slow, s, start)
    m = ctx.out("macd")
    m[start:] = f[start:] - s[start:]
    sig = ctx.out("signal")
    P.ema(m, signal, sig, start)
    ctx.out("hist")[start:] = m[start:] - sig[start:]


@indicator("trend", lines=("dema",), price_like=("dema",),
           reference="Patrick Mulloy, Smoothing Data with Faster Moving Averages, Stocks & Commodities, Feb. 1994")
def dema(ctx, start, period=20):
    """DEMA = 2·EMA(c) - EMA(EMA(c)); each EMA seeded by the SMA of its first ``period`` inputs
    (TA-Lib ``DEMA``; first value at bar 2·(period-1)). Units: price."""
    e1, e2 = ctx.tmp("ema1"), ctx.tmp("ema2")
    P.ema(ctx.close, period, e1, start)
    P.ema(e1, period, e2, start)
    ctx.out("dema")[start:] = 2.0 * e1[start:] - e2[start:]


@indicator("trend", lines=("tema",), price_like=("tema",),
           reference="Patrick Mulloy, Smoothing Data with Less Lag, Stocks & Commodities, Jan. 1994")
def tema(ctx, start, period=20):
    """TEMA = 3·e1 - 3·e2 + e3 with e1 = EMA(c), e2 = EMA(e1), e3 = EMA(e2) (TA-Lib ``TEMA``;
    first value at bar 3·(period-1)). Units: price."""
    e1, e2, e3 = ctx.tmp("ema1"), ctx.tmp("ema2"), ctx.tmp("ema3")
    P.ema(ctx.close, period, e1, start)
    P.ema(e1, period, e2, start)
    P.ema(e2, period, e3, start)
    ctx.out("tema")[start:] = 3.0 * e1[start:] - 3.0 * e2[start:] + e3[start:]


@indicator("trend", lines=("trix", "signal", "triple_ema"), price_like=("triple_ema",),
           reference="Jack Hutson, Good TRIX, Stocks & Commodities, 1983")
def trix(ctx, start, period=15, signal=9):
    """TRIX = 100·(e3/e3[-1] - 1), e3 the triple EMA of the close (TA-Lib ``TRIX``, first value at
    bar 3·(period-1)+1); signal = EMA(signal) of TRIX. Units: percent per bar. ``triple_ema`` = e3
    (price, from bar 3·(period-1))."""
    e1, e2, e3 = ctx.tmp("ema1"), ctx.tmp("ema2"), ctx.out("triple_ema")
    P.ema(ctx.close, period, e1, start)
    P.ema(e1, period, e2, start)
    P.ema(e2, period, e3, start)
    tx = ctx.out("trix")
    tx[start:] = (P.safe_div(e3[start:], lagged(e3, start, 1), fill=1.0) - 1.0) * 100.0
    P.ema(tx, signal, ctx.out("signal"), start)


@indicator("trend", lines=("hma",), price_like=("hma",),
           reference="Alan Hull, Hull Moving Average, alanhull.com, 2005")
def hma(ctx, start, period=20):
    """HMA = WMA(2·WMA(c, period//2) - WMA(c, period), floor(√period)). Units: price."""
    w1, w2, raw = ctx.tmp("wma_half"), ctx.tmp("wma_full"), ctx.tmp("raw")
    P.wma(ctx.close, period // 2, w1, start)
    P.wma(ctx.close, period, w2, start)
    raw[start:] = 2.0 * w1[start:] - w2[start:]
    P.wma(raw, int(np.sqrt(period)), ctx.out("hma"), start)


@indicator("trend", lines=("zlema",), price_like=("zlema",),
           reference="John Ehlers & Ric Way, Zero Lag (Well, Almost), Stocks & Commodities, Nov. 2010")
def zlema(ctx, start, period=20):
    """Zero-lag EMA: EMA(period) of ``c + (c - c[lag])``, lag = (period-1)//2 (the de-lagged
    close of the common ZLEMA form). Units: price."""
    lag = (period - 1) // 2
    x = ctx.tmp("delagged")
    x[start:] = 2.0 * ctx.close[start:] - lagged(ctx.close, start, lag)
    P.ema(x, period, ctx.out("zlema"), start)


@indicator("trend", lines=("kst", "signal", "rcma1", "rcma2", "rcma3", "rcma4"),
           reference="Martin Pring, Martin Pring on Market Momentum, 1993 (Know Sure Thing)")
def kst(ctx, start, r1=10, r2=15, r3=20, r4=30, s1=10, s2=10, s3=10, s4=15, signal=9):
    """KST = Σ_k k·SMA(ROC(r_k), s_k), k = 1..4, ROC = 100·(c/c[r] - 1); signal = SMA(signal) of
    KST. Units: percent. ``rcma1..4`` are the four smoothed ROC components (weights 1..4), percent."""
    c = ctx.close
    k_line = ctx.out("kst")
    k_line[start:] = 0.0
    for k, (r, s) in enumerate(((r1, s1), (r2, s2), (r3, s3), (r4, s4)), start=1):
        roc, sm = ctx.tmp(f"roc{k}"), ctx.out(f"rcma{k}")
        roc[start:] = (P.safe_div(c[start:], lagged(c, start, r), fill=1.0) - 1.0) * 100.0
        P.sma(roc, s, sm, start)
        k_line[start:] += k * sm[start:]
    P.sma(k_line, signal, ctx.out("signal"), start)


@indicator("trend", lines=("jaw", "teeth", "lips"), price_like=("jaw", "teeth", "lips"),
           reference="Bill Williams, Trading Chaos, 1995 (Alligator)")
def alligator(ctx, start, jaw=13, teeth=8, lips=5):
    """Jaw/teeth/lips = SMMA(13/8/5) of the median price (h+l)/2 (SMMA = Wilder's smoothing,
    seeded by an SMA). Williams plots them shifted 8/5/3 bars into the future; that shift is a
    display offset only, so the value at bar t here is the unshifted SMMA at t (causal). Units: price.
    """
    med = ctx.tmp("median")
    med[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    for line, p in (("jaw", jaw), ("teeth", teeth), ("lips", lips)):
        P.wilder(med, p, ctx.out(line), start)


@indicator("trend", lines=("stc", "macd", "stoch_macd"),
           reference="Doug Schaff, Schaff Trend Cycle, 1999 (published in Stocks & Commodities, 2008)")
def stc(ctx, start, fast=23, slow=50, cycle=10, factor=0.5):
    """Schaff Trend Cycle, 0..100: a doubly smoothed stochastic of MACD.

    m = EMA(fast) - EMA(slow); f1 = 100·(m - min_cycle m)/(range) (kept from the last bar when
    the range is 0); pf = f1 smoothed by ``factor`` (started at the first f1); f2 the same
    stochastic of pf; stc = f2 smoothed by ``factor``. Lines ``macd`` (price difference) and
    ``stoch_macd`` (= pf, the first smoothed stochastic, 0..100) expose the two stages.
    """
    c = ctx.close
    ef, es, m = ctx.tmp("ema_fast"), ctx.tmp("ema_slow"), ctx.out("macd")
    P.ema(c, fast, ef, start)
    P.ema(c, slow, es, start)
    m[start:] = ef[start:] - es[start:]
    src = m
    for stage, smooth in (("1", ctx.out("stoch_macd")), ("2", ctx.out("stc"))):
        lo, hi, f = ctx.tmp("lo" + stage), ctx.tmp("hi" + stage), ctx.tmp("f" + stage)
        P.rolling_min(src, cycle, lo, start)
        P.rolling_max(src, cycle, hi, start)
        rng = hi[start:] - lo[start:]
        value = P.safe_div(100.0 * (src[start:] - lo[start:]), rng, fill=0.0, eps=0.0)
        prev = f[start - 1] if start > 0 else np.nan
        f[start:] = hold_last(value, rng > 0.0, np.isfinite(rng), prev)
        P.ema_alpha(f, factor, 1, smooth, start)
        src = smooth


@indicator("trend", lines=("tdfi",),
           reference="Trend Direction & Force Index, MetaTrader indicator (forex-tsd, c. 2011; TradingView ports)")
def tdfi(ctx, start, period=13):
    """TDFI in [-1, 1]: mma = EMA(c), smma = EMA(mma); impet = mean of the 1-bar changes of
    mma and smma; tdf = |mma - smma|·impet³; tdfi = tdf / max(|tdf|) over 3·period bars.
    (The original's ×1000 price scaling cancels in the normalisation and is left out.)
    """
    mma, smma = ctx.tmp("mma"), ctx.tmp("smma")
    P.ema(ctx.close, period, mma, start)
    P.ema(mma, period, smma, start)
    impet = 0.5 * ((mma[start:] - lagged(mma, start, 1)) + (smma[start:] - lagged(smma, start, 1)))
    tdf, atdf, peak = ctx.tmp("tdf"), ctx.tmp("abs_tdf"), ctx.tmp("peak")
    tdf[start:] = np.abs(mma[start:] - smma[start:]) * impet ** 3
    atdf[start:] = np.abs(tdf[start:])
    P.rolling_max(atdf, 3 * period, peak, start)
    ctx.out("tdfi")[start:] = P.safe_div(tdf[start:], peak[start:], fill=0.0, eps=0.0)


SUITE = [
    sma(period=20), sma(period=50), sma(period=200), ema(period=12), ema(period=26), macd(),
    dema(period=20), tema(period=20), trix(period=15), hma(period=20), hma(period=50), zlema(period=20), kst(),
    alligator(), stc(), tdfi(period=13),
    *trend_adaptive.SUITE,
    *trend_directional.SUITE,
    *trend_levels.SUITE,
]

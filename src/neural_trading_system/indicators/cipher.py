"""TradingView "cipher" and exotic oscillators: VuManChu Cipher A and B (WaveTrend, money flow,
EMA ribbon), Waddah Attar Explosion, Absolute Strength Histogram.

Signals are 0.0/1.0 lines computed at the bar they fire from bars up to it (no repainting).
EMAs are seeded by the SMA of their first ``period`` inputs (TA-Lib); TradingView seeds its
``ema`` with the first value, so early bars differ and later ones converge to the same values.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .barops import cross_over, cross_under, flag, lagged
from .base import indicator
from .volatility import true_range


def wavetrend(ctx, start, channel, average, ma):
    """LazyBear's WaveTrend into ``ctx.tmp('wt1')``/``ctx.tmp('wt2')``; returns both buffers.

    ap = hlc3; esa = EMA(ap, channel); d = EMA(|ap - esa|, channel); ci = (ap - esa)/(0.015·d);
    wt1 = EMA(ci, average); wt2 = SMA(wt1, ma). Roughly -100..100.
    """
    ap, esa, dev, ad, ci = (ctx.tmp(n) for n in ("wt_ap", "wt_esa", "wt_d", "wt_absdev", "wt_ci"))
    ap[start:] = (ctx.high[start:] + ctx.low[start:] + ctx.close[start:]) / 3.0
    P.ema(ap, channel, esa, start)
    ad[start:] = np.abs(ap[start:] - esa[start:])
    P.ema(ad, channel, dev, start)
    ci[start:] = P.safe_div(ap[start:] - esa[start:], 0.015 * dev[start:], eps=0.0)
    wt1, wt2 = ctx.tmp("wt1"), ctx.tmp("wt2")
    P.ema(ci, average, wt1, start)
    P.sma(wt1, ma, wt2, start)
    return wt1, wt2


def _wt_signals(ctx, start, wt1, wt2, ob, os_):
    """WaveTrend crosses, and buy/sell = a cross up with wt2 <= os / down with wt2 >= ob."""
    up = cross_over(wt1, wt2, start)
    dn = cross_under(wt1, wt2, start)
    w2 = wt2[start:]
    return up, dn, flag((up == 1.0) & (w2 <= os_), up), flag((dn == 1.0) & (w2 >= ob), dn)


_RIBBON = (5, 11, 15, 18, 21, 25, 29, 33)


@indicator("cipher", lines=(*(f"ema_{p}" for p in _RIBBON), "bullish", "long_ema", "red_cross",
                            "blue_triangle", "wt_buy", "wt_sell"),
           price_like=tuple(f"ema_{p}" for p in _RIBBON),
           reference="VuManChu, Cipher A (TradingView script, 2020), after LazyBear's WaveTrend (2014)")
def cipher_a(ctx, start, channel=9, average=13, ma=3, ob=53.0, os_=-53.0):
    """The Cipher A EMA ribbon (EMAs of the close over 5, 11, 15, 18, 21, 25, 29, 33 bars) and
    its causal 0/1 signals: bullish = ema_11 > ema_33 (the ribbon's colour); long_ema =
    ema_11 crosses above ema_33; red_cross = ema_5 crosses below ema_11; blue_triangle = ema_11
    crosses above ema_15; wt_buy / wt_sell = WaveTrend(9, 13, 3) wt1 crossing wt2 up while
    wt2 <= -53 / down while wt2 >= 53.
    """
    e = {}
    for p in _RIBBON:
        e[p] = ctx.out(f"ema_{p}")
        P.ema(ctx.close, p, e[p], start)
    ctx.out("bullish")[start:] = flag(e[11][start:] > e[33][start:], e[11][start:], e[33][start:])
    ctx.out("long_ema")[start:] = cross_over(e[11], e[33], start)
    ctx.out("red_cross")[start:] = cross_under(e[5], e[11], start)
    ctx.out("blue_triangle")[start:] = cross_over(e[11], e[15], start)
    wt1, wt2 = wavetrend(ctx, start, channel, average, ma)
    _, _, buy, sell = _wt_signals(ctx, start, wt1, wt2, ob, os_)
    ctx.out("wt_buy")[start:] = buy
    ctx.out("wt_sell")[start:] = sell


@indicator("cipher", lines=("wt1", "wt2", "wt_vwap", "money_flow", "cross_up", "cross_down", "buy", "sell"),
           reference="VuManChu, Cipher B (TradingView script, 2020), after LazyBear's WaveTrend (2014)")
def cipher_b(ctx, start, channel=9, average=12, ma=3, ob=53.0, os_=-53.0, mf_period=60, mf_mult=150.0,
             mf_shift=2.5):
    """Cipher B's numeric lines and 0/1 signals.

    wt1, wt2 = WaveTrend(9, 12, 3); wt_vwap = wt1 - wt2 (the script's "VWAP" area); money_flow
    = SMA(150·(c - o)/(h - l), 60) - 2.5 (the RSI+MFI area; 0 contribution on a bar with
    h = l); cross_up / cross_down = wt1 crossing wt2; buy = cross_up with wt2 <= -53, sell =
    cross_down with wt2 >= 53.
    """
    wt1, wt2 = wavetrend(ctx, start, channel, average, ma)
    ctx.out("wt1")[start:] = wt1[start:]
    ctx.out("wt2")[start:] = wt2[start:]
    ctx.out("wt_vwap")[start:] = wt1[start:] - wt2[start:]
    body = ctx.tmp("body")
    o, h, l, c = ctx.open[start:], ctx.high[start:], ctx.low[start:], ctx.close[start:]
    body[start:] = mf_mult * P.safe_div(c - o, h - l, eps=0.0)
    mf = ctx.out("money_flow")
    P.sma(body, mf_period, mf, start)
    mf[start:] -= mf_shift
    up, dn, buy, sell = _wt_signals(ctx, start, wt1, wt2, ob, os_)
    for line, v in (("cross_up", up), ("cross_down", dn), ("buy", buy), ("sell", sell)):
        ctx.out(line)[start:] = v


@indicator("cipher", lines=("trend_up", "trend_down", "explosion", "dead_zone", "macd"),
           reference="Waddah Attar, Waddah Attar Explosion (MetaTrader, c. 2006; LazyBear's TradingView port, 2014)")
def waddah(ctx, start, fast=20, slow=40, channel=20, mult=2.0, sensitivity=150.0, dead_period=100,
           dead_mult=3.7):
    """t1 = sensitivity·(MACD - MACD[-1]) with MACD = EMA(fast) - EMA(slow) of the close;
    trend_up = max(t1, 0), trend_down = max(-t1, 0); explosion = upper - lower Bollinger band
    (SMA(channel) ± mult·σ, population σ) = 2·mult·σ; dead_zone = 3.7·Wilder(TR, 100).
    Units: price differences (scale with the price level; not levels, so not price-like).
    ``macd`` (the EMA difference t1 is taken from) is a line too.
    """
    c = ctx.close
    ef, es, m = ctx.tmp("ema_fast"), ctx.tmp("ema_slow"), ctx.out("macd")
    P.ema(c, fast, ef, start)
    P.ema(c, slow, es, start)
    m[start:] = ef[start:] - es[start:]
    t1 = sensitivity * (m[start:] - lagged(m, start, 1))
    ctx.out("trend_up")[start:] = np.where(np.isnan(t1), np.nan, np.maximum(t1, 0.0))
    ctx.out("trend_down")[start:] = np.where(np.isnan(t1), np.nan, np.maximum(-t1, 0.0))
    sd = ctx.tmp("std")
    P.rolling_std(c, channel, 0, sd, start)
    ctx.out("explosion")[start:] = 2.0 * mult * sd[start:]
    tr, rma = true_range(ctx, start), ctx.tmp("atr")
    P.wilder(tr, dead_period, rma, start)
    ctx.out("dead_zone")[start:] = dead_mult * rma[start:]


@indicator("cipher", lines=("bulls", "bears", "hist"),
           reference="Tudor Marcu, Absolute Strength (MetaTrader, igorad's AbsoluteStrength, c. 2006; "
                     "TradingView ports)")
def ash(ctx, start, period=9, smooth=3):
    """Absolute Strength Histogram, RSI mode with simple averages: bulls = max(Δc, 0),
    bears = max(-Δc, 0) (Δc = c - c[-1]); each averaged by SMA(period) then SMA(smooth);
    hist = bulls - bears (its absolute value is the plotted histogram, its sign the colour).
    Units: price change per bar."""
    c = ctx.close
    d = ctx.tmp("delta")
    P.diff(c, 1, d, start)
    for line, sign in (("bulls", 1.0), ("bears", -1.0)):
        raw, avg = ctx.tmp("raw_" + line), ctx.tmp("avg_" + line)
        raw[start:] = np.where(np.isnan(d[start:]), np.nan, np.maximum(sign * d[start:], 0.0))
        P.sma(raw, period, avg, start)
        P.sma(avg, smooth, ctx.out(line), start)
    ctx.out("hist")[start:] = ctx.out("bulls")[start:] - ctx.out("bears")[start:]


SUITE = [cipher_a(), cipher_b(), waddah(), ash()]

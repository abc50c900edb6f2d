"""Directional-movement and channel trend indicators: ADX/DMI, Aroon, Vortex, TTF, SuperTrend, SSL.

ADX/DI/DX and Aroon equal TA-Lib's (``ADX``, ``PLUS_DI``, ``MINUS_DI``, ``DX``, ``AROON``,
``AROONOSC``) from TA-Lib's first output on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .barops import hold_last, lagged
from .base import indicator
from .volatility import true_range


@indicator("trend", lines=("adx", "plus_di", "minus_di", "dx", "atr", "plus_dm", "minus_dm"),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978 (DMI/ADX)")
def adx(ctx, start, period=14):
    """+DM = h - h[-1] if it exceeds l[-1] - l and is > 0 (else 0), -DM symmetric; +DI/-DI =
    100·Wilder(±DM)/Wilder(TR); DX = 100·|+DI - -DI|/(+DI + -DI); ADX = Wilder(DX).

    TA-Lib seeding: the Wilder sums start from the sum of bars 1..period-1 (bar 0 counts as 0),
    DI/DX from bar ``period``, ADX from bar 2·period-1. Where +DI + -DI = 0, DX is 0 (TA-Lib keeps
    its previous DX and ADX there; it needs ``period`` bars without any range to happen).
    ``atr``, ``plus_dm``, ``minus_dm`` are the Wilder-smoothed TR, +DM and -DM (price ranges, not
    price-like; TA-Lib's smoothed sums divided by ``period``), from bar ``period - 1``.
    """
    h, l = ctx.high, ctx.low
    up = h[start:] - lagged(h, start, 1)
    dn = lagged(l, start, 1) - l[start:]
    first = np.isnan(up) & np.isfinite(h[start:])  # a series' first bar adds 0 to the sums (TA-Lib)
    pdm, mdm, tr0 = ctx.tmp("plus_dm"), ctx.tmp("minus_dm"), ctx.tmp("tr0")
    pdm[start:] = np.where(first, 0.0, np.where((up > dn) & (up > 0), up, np.where(np.isnan(up + dn), np.nan, 0.0)))
    mdm[start:] = np.where(first, 0.0, np.where((dn > up) & (dn > 0), dn, np.where(np.isnan(up + dn), np.nan, 0.0)))
    tr = true_range(ctx, start)
    tr0[start:] = np.where(first, 0.0, tr[start:])
    sp, sm, st = ctx.out("plus_dm"), ctx.out("minus_dm"), ctx.out("atr")
    for src, dst in ((pdm, sp), (mdm, sm), (tr0, st)):
        P.wilder(src, period, dst, start)
    seeded = np.isfinite(lagged(st, start, 1))  # first DI one bar after the seed, as TA-Lib
    pdi = np.where(seeded, P.safe_div(100.0 * sp[start:], st[start:], eps=1e-8), np.nan)
    mdi = np.where(seeded, P.safe_div(100.0 * sm[start:], st[start:], eps=1e-8), np.nan)
    ctx.out("plus_di")[start:] = pdi
    ctx.out("minus_di")[start:] = mdi
    dx = ctx.out("dx")
    dx[start:] = P.safe_div(100.0 * np.abs(mdi - pdi), mdi + pdi, eps=1e-8)
    P.wilder(dx, period, ctx.out("adx"), start)


@indicator("trend", lines=("up", "down", "osc"),
           reference="Tushar Chande, Stocks & Commodities, Sept. 1995 (Aroon)")
def aroon(ctx, start, period=25):
    """Aroon up/down = 100·(period - bars since the highest high / lowest low of the last
    period+1 bars)/period (ties: the newest bar, as TA-Lib); osc = up - down. Range 0..100."""
    ah, al = ctx.tmp("high_age"), ctx.tmp("low_age")
    P.rolling_argmax_age(ctx.high, period + 1, ah, start)
    P.rolling_argmin_age(ctx.low, period + 1, al, start)
    f = 100.0 / period
    ctx.out("up")[start:] = f * (period - ah[start:])
    ctx.out("down")[start:] = f * (period - al[start:])
    ctx.out("osc")[start:] = f * (al[start:] - ah[start:])


@indicator("trend", lines=("vi_plus", "vi_minus"),
           reference="Etienne Botes & Douglas Siepman, The Vortex Indicator, Stocks & Commodities, Jan. 2010")
def vortex(ctx, start, period=14):
    """VI± = Σ|h - l[-1]| / ΣTR and Σ|l - h[-1]| / ΣTR over ``period`` bars (around 1)."""
    h, l = ctx.high, ctx.low
    vp, vm, sp, sm, stp = (ctx.tmp(n) for n in ("vm_plus", "vm_minus", "s_plus", "s_minus", "s_tr"))
    vp[start:] = np.abs(h[start:] - lagged(l, start, 1))
    vm[start:] = np.abs(l[start:] - lagged(h, start, 1))
    tr = true_range(ctx, start)
    for src, dst in ((vp, sp), (vm, sm), (tr, stp)):
        P.rolling_sum(src, period, dst, start)
    ctx.out("vi_plus")[start:] = P.safe_div(sp[start:], stp[start:], fill=1.0, eps=0.0)
    ctx.out("vi_minus")[start:] = P.safe_div(sm[start:], stp[start:], fill=1.0, eps=0.0)


@indicator("trend", lines=("ttf",),
           reference="M. H. Pee, Trend Trigger Factor, Stocks & Commodities, Dec. 2004")
def ttf(ctx, start, period=15):
    """TTF = 100·(buy - sell)/(0.5·(buy + sell)); buy = HH(now) - LL(previous ``period`` bars),
    sell = HH(previous) - LL(now), HH/LL over ``period`` bars. Roughly -200..200."""
    hh, ll = ctx.tmp("hh"), ctx.tmp("ll")
    P.rolling_max(ctx.high, period, hh, start)
    P.rolling_min(ctx.low, period, ll, start)
    buy = hh[start:] - lagged(ll, start, period)
    sell = lagged(hh, start, period) - ll[start:]
    ctx.out("ttf")[start:] = P.safe_div(100.0 * (buy - sell), 0.5 * (buy + sell), eps=0.0)


@njit(cache=True, nogil=True)
def _supertrend(src, atr, close, mult, up, dn, trend, st, start):
    """Final bands ratchet towards price while the close stays beyond them; the trend flips
    when the close crosses the previous opposite band (TradingView SuperTrend logic)."""
    for i in range(start, src.shape[0]):
        if not (np.isfinite(src[i]) and np.isfinite(atr[i]) and np.isfinite(close[i])):
            up[i] = dn[i] = trend[i] = st[i] = np.nan
            continue
        u = src[i] - mult * atr[i]
        d = src[i] + mult * atr[i]
        has_prev = i > 0 and np.isfinite(trend[i - 1])
        u1 = up[i - 1] if has_prev else u
        d1 = dn[i - 1] if has_prev else d
        t = trend[i - 1] if has_prev else 1.0
        if has_prev and close[i - 1] > u1:
            u = max(u, u1)
        if has_prev and close[i - 1] < d1:
            d = min(d, d1)
        if t == -1.0 and close[i] > d1:
            t = 1.0
        elif t == 1.0 and close[i] < u1:
            t = -1.0
        up[i], dn[i], trend[i] = u, d, t
        st[i] = u if t == 1.0 else d


@indicator("trend", lines=("supertrend", "direction", "upper_band", "lower_band", "atr"),
           price_like=("supertrend", "upper_band", "lower_band"),
           reference="Olivier Seban, SuperTrend, c. 2008 (TradingView formulation)")
def supertrend(ctx, start, period=10, mult=3.0):
    """Bands hl2 ∓ mult·ATR(period) (Wilder ATR); the lower band only rises while close[-1] is
    above it, the upper only falls while close[-1] is below it; direction +1 (long, line = lower
    band) / -1 (short, line = upper band), flipping when the close crosses the previous band.
    ``upper_band`` / ``lower_band`` are both final (ratcheted) bands on every bar, ``atr`` the
    Wilder ATR (price range, not price-like)."""
    hl2 = ctx.tmp("hl2")
    hl2[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    tr, atr = true_range(ctx, start), ctx.out("atr")
    P.wilder(tr, period, atr, start)
    _supertrend(hl2, atr, ctx.close, float(mult), ctx.out("lower_band"), ctx.out("upper_band"), ctx.out("direction"),
                ctx.out("supertrend"), start)


@indicator("trend", lines=("up", "down", "hlv"), price_like=("up", "down"),
           reference="Erwin Beckers, SSL Channel (TradingView, 2017; after Semaphore Signal Level)")
def ssl(ctx, start, period=10):
    """hlv = +1 when close > SMA(high), -1 when close < SMA(low), else unchanged (+1 before the
    first cross); up = SMA(high) if hlv > 0 else SMA(low); down = the other SMA. Units: price;
    ``hlv`` (the ±1 state) is a line too."""
    sh, sl, hlv = ctx.tmp("sma_high"), ctx.tmp("sma_low"), ctx.out("hlv")
    P.sma(ctx.high, period, sh, start)
    P.sma(ctx.low, period, sl, start)
    c = ctx.close[start:]
    h0, l0 = sh[start:], sl[start:]
    value = np.where(c > h0, 1.0, -1.0)
    prev = hlv[start - 1] if start > 0 else np.nan
    hlv[start:] = hold_last(value, (c > h0) | (c < l0), np.isfinite(h0 + l0 + c), prev, default=1.0)
    bull = hlv[start:] > 0
    ctx.out("up")[start:] = np.where(bull, h0, l0)
    ctx.out("down")[start:] = np.where(bull, l0, h0)


SUITE = [adx(period=14), aroon(period=25), vortex(period=14), ttf(period=15), supertrend(), ssl(period=10)]

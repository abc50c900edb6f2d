"""Price-structure indicators: Heikin-Ashi, Parabolic SAR, Accumulative Swing Index,
Fibonacci retracement levels of the rolling range, causal Detrended Price Oscillator.

Parabolic SAR equals TA-Lib ``SAR`` from its first value (bar 1) on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .barops import lagged
from .base import indicator
from .misc_statistics import SPECS as _STAT_SPECS


@indicator("misc", lines=("ha_open", "ha_high", "ha_low", "ha_close"),
           price_like=("ha_open", "ha_high", "ha_low", "ha_close"),
           reference="Dan Valcu, Using the Heikin-Ashi Technique, Stocks & Commodities, Feb. 2004 "
                     "(Japanese candlestick tradition)")
def heikin_ashi(ctx, start):
    """ha_close = (o+h+l+c)/4; ha_open = (ha_open[-1] + ha_close[-1])/2, the first one (o+c)/2;
    ha_high = max(h, ha_open, ha_close); ha_low = min(l, ha_open, ha_close). Units: price."""
    o, h, l, c = ctx.open[start:], ctx.high[start:], ctx.low[start:], ctx.close[start:]
    hac = ctx.out("ha_close")
    hac[start:] = 0.25 * (o + h + l + c)
    prev_close = lagged(hac, start, 1)
    # the recursion is an EMA with alpha 1/2 of the previous ha_close; the first bar seeds with (o+c)/2
    src = ctx.tmp("open_src")
    src[start:] = np.where(np.isfinite(prev_close), prev_close, 0.5 * (o + c))
    hao = ctx.out("ha_open")
    P.ema_alpha(src, 0.5, 1, hao, start)
    ctx.out("ha_high")[start:] = np.maximum(h, np.maximum(hao[start:], hac[start:]))
    ctx.out("ha_low")[start:] = np.minimum(l, np.minimum(hao[start:], hac[start:]))


@njit(cache=True, nogil=True)
def _sar(high, low, acc, maximum, sar_out, trend_out, nxt, ep_b, af_b, start):
    """TA-Lib's SAR loop, its state (next SAR, extreme point, acceleration, side) kept per bar."""
    if acc > maximum:
        acc = maximum
    for t in range(start, high.shape[0]):
        if t == 0 or not (np.isfinite(high[t]) and np.isfinite(low[t])
                          and np.isfinite(high[t - 1]) and np.isfinite(low[t - 1])):
            sar_out[t] = trend_out[t] = nxt[t] = ep_b[t] = af_b[t] = np.nan
            continue
        new_high, new_low = high[t], low[t]
        if np.isfinite(trend_out[t - 1]):
            is_long = trend_out[t - 1] > 0
            sar, ep, af = nxt[t - 1], ep_b[t - 1], af_b[t - 1]
            prev_high, prev_low = high[t - 1], low[t - 1]
        else:  # first bar: side from the 1-bar -DM, as TA-Lib
            diff_m = low[t - 1] - low[t]
            diff_p = high[t] - high[t - 1]
            is_long = not (diff_m > 0 and diff_p < diff_m)
            sar = low[t - 1] if is_long else high[t - 1]
            ep = high[t] if is_long else low[t]
            af = acc
            prev_high, prev_low = new_high, new_low
        if is_long:
            if new_low <= sar:  # switch to short
                is_long = False
                sar = max(ep, prev_high, new_high)
                out = sar
                af, ep = acc, new_low
                sar = max(sar + af * (ep - sar), prev_high, new_high)
            else:
                out = sar
                if new_high > ep:
                    ep = new_high
                    af = min(af + acc, maximum)
                sar = min(sar + af * (ep - sar), prev_low, new_low)
        else:
            if new_high >= sar:  # switch to long
                is_long = True
                sar = min(ep, prev_low, new_low)
                out = sar
                af, ep = acc, new_high
                sar = min(sar + af * (ep - sar), prev_low, new_low)
            else:
                out = sar
                if new_low < ep:
                    ep = new_low
                    af = min(af + acc, maximum)
                sar = max(sar + af * (ep - sar), prev_high, new_high)
        sar_out[t] = out
        trend_out[t] = 1.0 if is_long else -1.0
        nxt[t], ep_b[t], af_b[t] = sar, ep, af


@indicator("misc", lines=("sar", "direction", "ep", "af"), price_like=("sar", "ep"),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978 (Parabolic SAR)")
def psar(ctx, start, acceleration=0.02, maximum=0.2):
    """SAR[t+1] = SAR + af·(EP - SAR), af += acceleration at each new extreme (≤ maximum), kept
    outside the last two bars' range; flips to the EP when price crosses it. TA-Lib ``SAR``
    (first bar's side from the 1-bar -DM). direction: +1 long, -1 short. Units: price. ``ep`` (the
    extreme point, price) and ``af`` (the acceleration factor) are the state after bar t."""
    _sar(ctx.high, ctx.low, float(acceleration), float(maximum), ctx.out("sar"), ctx.out("direction"),
         ctx.tmp("next_sar"), ctx.out("ep"), ctx.out("af"), start)


@indicator("misc", lines=("si", "asi"),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978 (Swing Index)")
def asi(ctx, start, limit_pct=0.1):
    """Swing index SI = 50·(C - Cy + ½(C - O) + ¼(Cy - Oy))/R · K/T and ASI = cumulative SI.

    K = max(|H - Cy|, |L - Cy|); R = |H-Cy| - ½|L-Cy| + ¼|Cy-Oy| when |H-Cy| is the largest of
    (|H-Cy|, |L-Cy|, H-L), |L-Cy| - ½|H-Cy| + ¼|Cy-Oy| when |L-Cy| is, else H-L + ¼|Cy-Oy|
    (y = previous bar). Wilder's limit move T (a fixed price amount on futures) is taken as
    ``limit_pct``·Cy so SI is scale free; SI stays within ±100 while K ≤ T. ASI is a running
    sum from the first SI (bar 1) and so depends on where the history starts.
    """
    o, h, l, c = ctx.open[start:], ctx.high[start:], ctx.low[start:], ctx.close[start:]
    cy, oy = lagged(ctx.close, start, 1), lagged(ctx.open, start, 1)
    hc, lc, hl, co = np.abs(h - cy), np.abs(l - cy), h - l, np.abs(cy - oy)
    r = np.where((hc >= lc) & (hc >= hl), hc - 0.5 * lc + 0.25 * co,
                 np.where((lc >= hc) & (lc >= hl), lc - 0.5 * hc + 0.25 * co, hl + 0.25 * co))
    k = np.maximum(hc, lc)
    num = 50.0 * (c - cy + 0.5 * (c - o) + 0.25 * (cy - oy))
    si = ctx.out("si")
    si[start:] = P.safe_div(num, r, eps=0.0) * P.safe_div(k, limit_pct * cy, eps=0.0)
    P.cumsum(si, ctx.out("asi"), start)


_FIB = (0.236, 0.382, 0.5, 0.618, 0.786)


@indicator("misc", lines=("level_236", "level_382", "level_500", "level_618", "level_786", "position", "high", "low"),
           price_like=("level_236", "level_382", "level_500", "level_618", "level_786", "high", "low"),
           reference="Fibonacci retracements (Leonardo of Pisa, Liber Abaci, 1202; R. N. Elliott, Nature's Law, 1946)")
def fib(ctx, start, period=100):
    """Retracement levels of the range of the last ``period`` bars (highest high HH, lowest low
    LL, both up to and including bar t: causal): level_r = HH - r·(HH - LL) for r in 0.236,
    0.382, 0.5, 0.618, 0.786; position = (close - LL)/(HH - LL) in [0, 1] (0.5 on a flat range);
    high / low = HH / LL (the range's ends, price)."""
    hh, ll = ctx.out("high"), ctx.out("low")
    P.rolling_max(ctx.high, period, hh, start)
    P.rolling_min(ctx.low, period, ll, start)
    rng = hh[start:] - ll[start:]
    for r in _FIB:
        ctx.out(f"level_{round(r * 1000):03d}")[start:] = hh[start:] - r * rng
    ctx.out("position")[start:] = P.safe_div(ctx.close[start:] - ll[start:], rng, fill=0.5, eps=0.0)


@indicator("misc", lines=("dpo",),
           reference="Detrended Price Oscillator (Steven Achelis, Technical Analysis from A to Z, 1995)")
def dpo(ctx, start, period=20):
    """Causal DPO: close[t] - SMA(period)[t - (period//2 + 1)]. The classic DPO compares a price
    with a centred SMA that ends period//2 bars after it; this variant compares the current close
    with the SMA as it stood period//2 + 1 bars ago, so it reads past bars only. Units: price difference."""
    m = ctx.tmp("sma")
    P.sma(ctx.close, period, m, start)
    ctx.out("dpo")[start:] = ctx.close[start:] - lagged(m, start, period // 2 + 1)


SUITE = [heikin_ashi(), psar(), asi(), fib(period=100), dpo(period=20), *_STAT_SPECS]

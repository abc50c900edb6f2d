"""Smoothed momentum oscillators from published code (Jurik, Ehlers, LazyBear, QQE, Altman, Varadi).

Part of the ``momentum`` family: :mod:`.momentum` imports :data:`SPECS` into its ``SUITE`` (the
suite loader only imports the modules named in ``suite.FAMILY_MODULES``). Also home of
:func:`rsi_averages`, the Wilder gain/loss averages shared by RSI-like kernels. All values are
oscillator units (not price-like). See :mod:`.base` for the kernel contract.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .base import indicator

__all__ = ["up_down", "rsi_averages", "rsx", "qqe", "rmi", "wavetrend", "laguerre_rsi", "dv2", "SPECS"]

_NB = dict(cache=True, nogil=True)


def up_down(ctx, start, x, lag=1, tag=""):
    """Up and down moves ``max(±(x[i] - x[i-lag]), 0)`` into ``tmp(tag+'up'/'down')`` (NaN for the
    first ``lag`` bars). Returns ``(up, down)``."""
    d = ctx.tmp(tag + "delta")
    P.diff(x, lag, d, start)
    up, dn = ctx.tmp(tag + "up"), ctx.tmp(tag + "down")
    if d.shape[0] - start == 1:  # a streamed bar: the same max on floats
        v = d.item(start)
        up[start], dn[start] = (v, v) if v != v else (max(v, 0.0), max(-v, 0.0))
        return up, dn
    ds = d[start:]
    up[start:] = np.where(np.isnan(ds), np.nan, np.maximum(ds, 0.0))
    dn[start:] = np.where(np.isnan(ds), np.nan, np.maximum(-ds, 0.0))
    return up, dn


def rsi_averages(ctx, start, x, period, lag=1, tag=""):
    """Wilder-smoothed up / down moves (:func:`up_down`) into ``tmp(tag+'avg_up'/'avg_down')``.

    Returns ``(avg_up, avg_down)`` buffers (float64, length ``ctx.n``); first value at bar
    ``lag + period - 1`` (TA-Lib's RSI seeding when ``lag=1``).
    """
    up, dn = up_down(ctx, start, x, lag, tag)
    ag, al = ctx.tmp(tag + "avg_up"), ctx.tmp(tag + "avg_down")
    P.wilder(up, period, ag, start)
    P.wilder(dn, period, al, start)
    return ag, al


@indicator("momentum", lines=("rsx",),
           reference="Mark Jurik, RSX (Jurik Research, c. 1999); the published 'noise-free RSI' cascade")
def rsx(ctx, start, period=14):
    """Jurik RSX: RSI computed from a triple 2-pole smoothed momentum instead of Wilder averages.

    ``a = 3/(period+2)``; ``m = close - close[-1]``. Each stage ``s(x)``: ``f = EMA_a(x)``,
    ``g = EMA_a(f)``, ``s = 1.5 f - 0.5 g``. ``num = s(s(s(m)))``, ``den = s(s(s(|m|)))``;
    ``rsx = clip(50 (num/den + 1), 0, 100)``, 50 where ``den <= 0``. The published code scales ``m``
    by 100 (cancels in the ratio) and starts its filters at 0; here each EMA starts at its first
    input (first value at bar 1), so the first ~``3 period`` bars are a convergence stretch.
    """
    a = 3.0 / (period + 2.0)
    m = ctx.tmp("mom")
    P.diff(ctx.close, 1, m, start)
    am = ctx.tmp("abs_mom")
    am[start:] = np.abs(m[start:])
    stages = []
    for src_name, src in (("n", m), ("d", am)):
        x = src
        for k in range(3):
            f, g, s = ctx.tmp(f"{src_name}f{k}"), ctx.tmp(f"{src_name}g{k}"), ctx.tmp(f"{src_name}s{k}")
            P.ema_alpha(x, a, 1, f, start)
            P.ema_alpha(f, a, 1, g, start)
            s[start:] = 1.5 * f[start:] - 0.5 * g[start:]
            x = s
        stages.append(x)
    num, den = stages[0][start:], stages[1][start:]
    v = np.clip(50.0 * (P.safe_div(num, den) + 1.0), 0.0, 100.0)
    ctx.out("rsx")[start:] = np.where(np.isnan(den), np.nan, np.where(den > 1e-12, v, 50.0))


@njit(**_NB)
def _qqe_bands(rsi_ma, dar, long_, short, trend, level, start):
    """QQE trailing bands (a supertrend on the smoothed RSI); see :func:`qqe`."""
    for i in range(start, rsi_ma.shape[0]):
        r, d = rsi_ma[i], dar[i]
        if not (np.isfinite(r) and np.isfinite(d)):
            long_[i] = short[i] = trend[i] = level[i] = np.nan
            continue
        new_long, new_short = r - d, r + d
        if i > 0 and np.isfinite(long_[i - 1]) and np.isfinite(rsi_ma[i - 1]):
            pl, ps, pr = long_[i - 1], short[i - 1], rsi_ma[i - 1]
            long_[i] = max(pl, new_long) if (pr > pl and r > pl) else new_long
            short[i] = min(ps, new_short) if (pr < ps and r < ps) else new_short
            if r > ps:
                trend[i] = 1.0
            elif r < pl:
                trend[i] = -1.0
            else:
                trend[i] = trend[i - 1]
        else:
            long_[i], short[i], trend[i] = new_long, new_short, 1.0
        level[i] = long_[i] if trend[i] > 0 else short[i]


@indicator("momentum", lines=("rsi_ma", "level", "trend", "rsi", "dar", "long_band", "short_band"),
           reference="Roman Ignatov, QQE (Quantitative Qualitative Estimation), MetaTrader c. 2006; "
                     "TradingView 'QQE' (FastAtrRsiTL) formulation")
def qqe(ctx, start, rsi_period=6, smoothing=5, factor=4.236):
    """QQE: a smoothed RSI with a volatility-scaled trailing level.

    ``rsi_ma = EMA_smoothing(RSI_rsi_period(close))``; ``w = 2 rsi_period - 1``;
    ``dar = factor * EMA_w(EMA_w(|rsi_ma - rsi_ma[-1]|))``. Bands ``long = rsi_ma - dar`` (ratchets
    up while rsi_ma stays above the previous long band), ``short = rsi_ma + dar`` (ratchets down
    while below the previous short band). ``trend`` = +1 when rsi_ma closes above the previous
    short band, -1 when below the previous long band, else unchanged (+1 at the start);
    ``level`` (the "fast ATR RSI" trailing line) = long band in an up-trend, short band otherwise.
    Units: RSI points (0..100); trend ±1. Warm-up: rsi_ma from bar ``rsi_period + smoothing - 1``,
    level/trend ``2 (w - 1) + 1`` bars later (bar 31 for 6, 5). Intermediate lines: ``rsi`` (the
    raw RSI), ``dar`` (the band half-width: the smoothed "ATR of the RSI" × factor), ``long_band``
    and ``short_band`` (both trailing bands; ``level`` picks one). All in RSI points.
    """
    ag, al = rsi_averages(ctx, start, ctx.close, rsi_period)
    r = ctx.out("rsi")
    r[start:] = P.safe_div(100.0 * ag[start:], ag[start:] + al[start:], fill=50.0)
    rm = ctx.out("rsi_ma")
    P.ema(r, smoothing, rm, start)
    dr = ctx.tmp("abs_change")
    P.diff(rm, 1, dr, start)
    dr[start:] = np.abs(dr[start:])
    w = 2 * rsi_period - 1
    e1, e2 = ctx.tmp("atr_rsi"), ctx.tmp("ma_atr_rsi")
    P.ema(dr, w, e1, start)
    P.ema(e1, w, e2, start)
    dar = ctx.out("dar")
    dar[start:] = factor * e2[start:]
    _qqe_bands(rm, dar, ctx.out("long_band"), ctx.out("short_band"), ctx.out("trend"), ctx.out("level"), start)


@indicator("momentum", lines=("rmi",),
           reference="Roger Altman, 'Relative Momentum Index: Modifying RSI', Technical Analysis of "
                     "Stocks & Commodities, Feb 1993")
def rmi(ctx, start, period=20, momentum=5):
    """RMI: RSI of the ``momentum``-bar change: ``100 * U / (U + D)`` with ``U``, ``D`` the Wilder
    averages (``period``) of ``max(±(close - close[-momentum]), 0)``; 50 when both are 0.
    ``momentum=1`` is RSI. First value at bar ``momentum + period - 1``.
    """
    ag, al = rsi_averages(ctx, start, ctx.close, period, lag=momentum)
    ctx.out("rmi")[start:] = P.safe_div(100.0 * ag[start:], ag[start:] + al[start:], fill=50.0)


@indicator("momentum", lines=("wt1", "wt2", "ci"),
           reference="LazyBear, 'WaveTrend Oscillator [WT]', TradingView, 2014")
def wavetrend(ctx, start, channel=10, average=21, signal=4):
    """WaveTrend: ``ap = (h+l+c)/3``; ``esa = EMA_channel(ap)``; ``d = EMA_channel(|ap - esa|)``;
    ``ci = (ap - esa) / (0.015 d)`` (0 where ``d = 0``); ``wt1 = EMA_average(ci)``;
    ``wt2 = SMA_signal(wt1)``. EMAs seeded by the SMA of their first ``period`` inputs.
    Units: CCI-like points (typically ±60). First wt1 at bar ``2 (channel-1) + average - 1``;
    ``ci`` (the unsmoothed channel index) at bar ``2 (channel - 1)``.
    """
    ap = ctx.tmp("ap")
    ap[start:] = (ctx.high[start:] + ctx.low[start:] + ctx.close[start:]) / 3.0
    esa, dev, d = ctx.tmp("esa"), ctx.tmp("absdev"), ctx.tmp("d")
    P.ema(ap, channel, esa, start)
    dev[start:] = np.abs(ap[start:] - esa[start:])
    P.ema(dev, channel, d, start)
    ci = ctx.out("ci")
    ci[start:] = P.safe_div(ap[start:] - esa[start:], 0.015 * d[start:])
    wt1 = ctx.out("wt1")
    P.ema(ci, average, wt1, start)
    P.sma(wt1, signal, ctx.out("wt2"), start)


@indicator("momentum", lines=("lrsi",),
           reference="John F. Ehlers, Cybernetic Analysis for Stocks and Futures, 2004 (Laguerre RSI)")
def laguerre_rsi(ctx, start, gamma=0.5):
    """Laguerre RSI on a 4-element Laguerre filter with damping ``gamma``.

    ``L0 = (1-γ) c + γ L0[-1]``; ``Lk = -γ L(k-1) + L(k-1)[-1] + γ Lk[-1]`` (k = 1..3);
    ``CU = Σ max(Lk - Lk+1, 0)``, ``CD = Σ max(Lk+1 - Lk, 0)`` over k = 0..2;
    ``lrsi = CU / (CU + CD)``, 0.5 when both are 0. Units: 0..1 (Ehlers' scale).
    ``L0`` starts at the first close and each ``Lk`` equals its input for its first two bars
    (``P.iir2`` initialisation), so the first value is at bar 0 and early bars converge.
    """
    g = gamma
    ls = [ctx.tmp("l0")]
    P.ema_alpha(ctx.close, 1.0 - g, 1, ls[0], start)
    for k in (1, 2, 3):
        lk = ctx.tmp(f"l{k}")
        P.iir2(ls[-1], -g, 1.0, 0.0, g, 0.0, lk, start)
        ls.append(lk)
    cu = np.zeros(ctx.n - start)
    cd = np.zeros(ctx.n - start)
    for a, b in zip(ls[:-1], ls[1:]):
        d = a[start:] - b[start:]
        cu += np.maximum(d, 0.0)
        cd += np.maximum(-d, 0.0)
    nan = np.isnan(ls[-1][start:])
    ctx.out("lrsi")[start:] = np.where(nan, np.nan, P.safe_div(cu, cu + cd, fill=0.5))


@njit(**_NB)
def _rolling_pct_rank(x, w, out, start):
    """100 × share of the previous ``w`` values below ``x[i]`` (ties count half); NaN in window → NaN."""
    for i in range(start, x.shape[0]):
        ok = i - w >= 0
        if ok:
            for j in range(i - w, i + 1):
                if not np.isfinite(x[j]):
                    ok = False
                    break
        if not ok:
            out[i] = np.nan
            continue
        below = 0.0
        for j in range(i - w, i):
            if x[j] < x[i]:
                below += 1.0
            elif x[j] == x[i]:
                below += 0.5
        out[i] = 100.0 * below / w


@indicator("momentum", lines=("dv2", "ratio_avg"),
           reference="David Varadi, 'DV2', CSS Analytics blog, 2009")
def dv2(ctx, start, lookback=252):
    """DV2: percent rank of the 2-bar mean of ``close / ((high + low) / 2) - 1`` against the
    previous ``lookback`` values (100 × share below, ties half). Units 0..100; mean-reversion
    reading (low = oversold). First value at bar ``lookback + 1``; ``ratio_avg`` (the ranked 2-bar
    mean, dimensionless) from bar 1.
    """
    mid = (ctx.high[start:] + ctx.low[start:]) / 2.0
    ratio = ctx.tmp("ratio")
    ratio[start:] = P.safe_div(ctx.close[start:], mid, fill=1.0) - 1.0
    avg = ctx.out("ratio_avg")
    P.sma(ratio, 2, avg, start)
    _rolling_pct_rank(avg, lookback, ctx.out("dv2"), start)


SPECS = [rsx(period=14), qqe(), rmi(period=20, momentum=5), wavetrend(), laguerre_rsi(gamma=0.5), dv2()]

"""Volume indicators (see :mod:`.base` for the kernel contract).

Zero volume (a halted or empty bar) and flat bars (``high == low``) are handled through
:func:`primitives.safe_div`; each docstring names the fill. Only ``vwap`` is price-like.
Cumulative lines (``obv``, ``ad``) depend on where the history starts (a constant offset);
their differences (``obv_ratio``, ``adosc``, ``cmf``) do not.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .base import indicator
from .momentum import percentage_oscillator
from .volume_flow import SPECS as _FLOW_SPECS
from .volume_flow import cumulative_flow

__all__ = ["cmf", "klinger", "vo", "obv", "mfi", "ad", "adosc", "volume_ratio", "vwap", "force_index",
           "money_flow_multiplier", "SUITE"]

_NB = dict(cache=True, nogil=True)


def money_flow_multiplier(ctx, start):
    """Chaikin's close location value ``((c - l) - (h - c)) / (h - l)`` in -1..1 into
    ``tmp('clv')``; 0 on a bar with ``high == low`` (TA-Lib AD adds nothing there)."""
    h, lo, c = ctx.high[start:], ctx.low[start:], ctx.close[start:]
    clv = ctx.tmp("clv")
    clv[start:] = P.safe_div((c - lo) - (h - c), h - lo)
    return clv


@indicator("volume", lines=("ad",), reference="Marc Chaikin, Accumulation/Distribution line, 1980s (TA-Lib AD)")
def ad(ctx, start):
    """Accumulation/Distribution: running sum of ``clv · volume`` (see
    :func:`money_flow_multiplier`) from the first bar (TA-Lib AD). Units: volume."""
    clv = money_flow_multiplier(ctx, start)
    flow = ctx.tmp("flow")
    flow[start:] = clv[start:] * ctx.volume[start:]
    P.cumsum(flow, ctx.out("ad"), start)


@indicator("volume", lines=("adosc",), reference="Marc Chaikin, Chaikin Oscillator, 1980s (TA-Lib ADOSC)")
def adosc(ctx, start, fast=3, slow=10):
    """Chaikin A/D oscillator ``EMA_fast(AD) - EMA_slow(AD)`` (TA-Lib ADOSC): both EMAs start at
    the first AD value (not an SMA) and the line is shown from bar ``max(fast, slow) - 1``.
    A constant offset in AD cancels, so the value does not depend on where AD started. Units: volume.
    """
    ad.fn(ctx, start)
    line = ctx.out("ad")
    f, s = ctx.tmp("ema_fast"), ctx.tmp("ema_slow")
    P.ema(line, fast, f, start, seed="first")
    P.ema(line, slow, s, start, seed="first")
    bars = np.arange(start, ctx.n)  # a bar index < 512 only occurs before any streaming compaction
    ctx.out("adosc")[start:] = np.where(bars >= max(fast, slow) - 1, f[start:] - s[start:], np.nan)


@indicator("volume", lines=("cmf",), reference="Marc Chaikin, Chaikin Money Flow, 1980s")
def cmf(ctx, start, period=20):
    """Chaikin Money Flow ``Σ_period (clv · v) / Σ_period v`` in -1..1; 0 when the window has no
    volume. First value at bar ``period - 1``."""
    clv = money_flow_multiplier(ctx, start)
    flow = ctx.tmp("flow")
    flow[start:] = clv[start:] * ctx.volume[start:]
    sf, sv = ctx.tmp("sum_flow"), ctx.tmp("sum_vol")
    P.rolling_sum(flow, period, sf, start)
    P.rolling_sum(ctx.volume, period, sv, start)
    ctx.out("cmf")[start:] = P.safe_div(sf[start:], sv[start:])


@njit(**_NB)
def _klinger_cm(dm, trend, cm, start):
    """Klinger's cumulative measurement: ``cm[-1] + dm`` while the trend holds, ``dm[-1] + dm``
    when it flips; ``dm`` on the first bar with a trend."""
    for i in range(start, dm.shape[0]):
        if not (np.isfinite(dm[i]) and np.isfinite(trend[i])):
            cm[i] = np.nan
        elif i > 0 and np.isfinite(cm[i - 1]) and np.isfinite(trend[i - 1]):
            cm[i] = cm[i - 1] + dm[i] if trend[i] == trend[i - 1] else dm[i - 1] + dm[i]
        else:
            cm[i] = dm[i]


@indicator("volume", lines=("kvo", "signal", "vf"),
           reference="Stephen J. Klinger, 'Identifying Trends with Volume Analysis', Technical Analysis "
                     "of Stocks & Commodities, Dec 1997")
def klinger(ctx, start, fast=34, slow=55, signal=13):
    """Klinger volume oscillator: ``trend = +1`` if ``h+l+c`` rose from the previous bar else -1;
    ``dm = h - l``; ``cm`` = :func:`_klinger_cm`; ``vf = 100 · v · |2 (dm/cm - 1)| · trend``
    (``dm/cm`` taken as 1, so ``vf = 0``, when ``cm = 0``: no range, no force);
    ``kvo = EMA_fast(vf) - EMA_slow(vf)``, ``signal = EMA_signal(kvo)`` (SMA-seeded EMAs).
    Units: volume × 100. First kvo at bar ``slow``; ``vf`` (the raw volume force) from bar 1."""
    hlc = ctx.tmp("hlc")
    hlc[start:] = ctx.high[start:] + ctx.low[start:] + ctx.close[start:]
    d = ctx.tmp("hlc_change")
    P.diff(hlc, 1, d, start)
    tr = ctx.tmp("trend")
    tr[start:] = np.where(np.isnan(d[start:]), np.nan, np.where(d[start:] > 0, 1.0, -1.0))
    dm = ctx.tmp("dm")
    dm[start:] = ctx.high[start:] - ctx.low[start:]
    cm = ctx.tmp("cm")
    _klinger_cm(dm, tr, cm, start)
    ratio = P.safe_div(dm[start:], cm[start:], fill=1.0)
    vf = ctx.out("vf")
    vf[start:] = 100.0 * ctx.volume[start:] * np.abs(2.0 * (ratio - 1.0)) * tr[start:]
    f, s = ctx.tmp("ema_fast"), ctx.tmp("ema_slow")
    P.ema(vf, fast, f, start)
    P.ema(vf, slow, s, start)
    k = ctx.out("kvo")
    k[start:] = f[start:] - s[start:]
    P.ema(k, signal, ctx.out("signal"), start)


@indicator("volume", lines=("vo",), reference="Volume oscillator (classical); percentage form as the "
                                               "Percentage Volume Oscillator (StockCharts)")
def vo(ctx, start, fast=5, slow=10):
    """Volume oscillator on EMAs: ``100 (EMA_fast(v) - EMA_slow(v)) / EMA_slow(v)`` (= TA-Lib PPO
    of volume with ``matype=1``; SMA-seeded EMAs); 0 when the slow EMA is 0. Percent. First value
    at bar ``slow - 1``."""
    percentage_oscillator(ctx, start, ctx.volume, fast, slow, ctx.out("vo"))


@indicator("volume", lines=("obv", "obv_ratio"),
           reference="Joseph Granville, Granville's New Key to Stock Market Profits, 1963 (On-Balance Volume)")
def obv(ctx, start, period=20):
    """On-Balance Volume (TA-Lib OBV): starts at ``v[0]``, then adds ``+v`` on an up close, ``-v``
    on a down close, nothing on an unchanged one. ``obv_ratio = (obv - obv[-period]) / Σ_period v``
    (in -1..1, start-independent; 0 when the window has no volume), first at bar ``period``.
    Units: obv volume, obv_ratio dimensionless."""
    d = ctx.tmp("delta")
    P.diff(ctx.close, 1, d, start)
    ds, vs = d[start:], ctx.volume[start:]
    sv = ctx.tmp("signed_volume")
    sv[start:] = np.where(np.isnan(ds), vs, np.sign(ds) * vs)
    cumulative_flow(ctx, start, sv, "obv", "obv_ratio", period)


@indicator("volume", lines=("mfi",),
           reference="Gene Quong & Avrum Soudack, 'Volume-Weighted RSI: Money Flow', Technical Analysis "
                     "of Stocks & Commodities, 1989")
def mfi(ctx, start, period=14):
    """Money Flow Index (TA-Lib MFI): ``tp = (h+l+c)/3``, flow ``tp · v`` counted positive when tp
    rose, negative when it fell (neither when unchanged); ``100 Σ pos / (Σ pos + Σ neg)`` over
    ``period`` bars; 50 when both sums are 0 (TA-Lib: 0 when the total is below 1). Units 0..100.
    First value at bar ``period``."""
    tp = ctx.tmp("tp")
    tp[start:] = (ctx.high[start:] + ctx.low[start:] + ctx.close[start:]) / 3.0
    d = ctx.tmp("tp_change")
    P.diff(tp, 1, d, start)
    ds = d[start:]
    flow = tp[start:] * ctx.volume[start:]
    pos, neg = ctx.tmp("pos"), ctx.tmp("neg")
    pos[start:] = np.where(np.isnan(ds), np.nan, np.where(ds > 0, flow, 0.0))
    neg[start:] = np.where(np.isnan(ds), np.nan, np.where(ds < 0, flow, 0.0))
    sp, sn = ctx.tmp("sum_pos"), ctx.tmp("sum_neg")
    P.rolling_sum(pos, period, sp, start)
    P.rolling_sum(neg, period, sn, start)
    ctx.out("mfi")[start:] = P.safe_div(100.0 * sp[start:], sp[start:] + sn[start:], fill=50.0)


@indicator("volume", lines=("ratio",), reference="Relative volume (classical): volume / its simple moving average")
def volume_ratio(ctx, start, period=20):
    """``v / SMA_period(v)``; 1 when the window has no volume (the bar is as empty as its window).
    Dimensionless. First value at bar ``period - 1``."""
    m = ctx.tmp("sma")
    P.sma(ctx.volume, period, m, start)
    ctx.out("ratio")[start:] = P.safe_div(ctx.volume[start:], m[start:], fill=1.0)


@indicator("volume", lines=("vwap",), price_like=("vwap",),
           reference="Volume-weighted average price (Berkowitz, Logue & Noser, 'The Total Cost of "
                     "Transactions on the NYSE', Journal of Finance, 1988), rolling window")
def vwap(ctx, start, period=20):
    """Rolling VWAP ``Σ_period (tp · v) / Σ_period v`` with ``tp = (h+l+c)/3``; the plain mean of
    tp when the window has no volume. Price units. First value at bar ``period - 1``."""
    tp = ctx.tmp("tp")
    tp[start:] = (ctx.high[start:] + ctx.low[start:] + ctx.close[start:]) / 3.0
    pv = ctx.tmp("pv")
    pv[start:] = tp[start:] * ctx.volume[start:]
    spv, sv, mtp = ctx.tmp("sum_pv"), ctx.tmp("sum_vol"), ctx.tmp("mean_tp")
    P.rolling_sum(pv, period, spv, start)
    P.rolling_sum(ctx.volume, period, sv, start)
    P.sma(tp, period, mtp, start)
    empty = np.abs(sv[start:]) <= 1e-12
    ctx.out("vwap")[start:] = np.where(empty, mtp[start:], P.safe_div(spv[start:], sv[start:]))


@indicator("volume", lines=("fi", "raw"), reference="Alexander Elder, Trading for a Living, 1993 (Force Index)")
def force_index(ctx, start, period=13):
    """Elder's force index ``EMA_period((close - close[-1]) · v)`` (SMA-seeded). Units: price ×
    volume (scales with both). First value at bar ``period``; ``raw`` (the 1-bar force) from bar 1."""
    d = ctx.tmp("delta")
    P.diff(ctx.close, 1, d, start)
    raw = ctx.out("raw")
    raw[start:] = d[start:] * ctx.volume[start:]
    P.ema(raw, period, ctx.out("fi"), start)


SUITE = [
    cmf(period=20), klinger(), vo(fast=5, slow=10), obv(), mfi(period=14), ad(), adosc(),
    volume_ratio(period=20), vwap(period=20), force_index(period=13),
    *_FLOW_SPECS,
]

"""Volume-weighted price flows: Ease of Movement, Price-Volume Trend, Negative/Positive Volume Index.

Part of the ``volume`` family: :mod:`.volume` adds :data:`SPECS` to its ``SUITE``. Cumulative
lines (``pvt``, ``nvi``, ``pvi``) depend on where the history starts (an additive offset for
pvt, a factor for the indices) like OBV; their ``*_ratio`` / EMA companions are what compares
across histories. Zero-volume bars: see each docstring.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .barops import lagged
from .base import indicator

__all__ = ["eom", "pvt", "volume_index", "SPECS"]


def cumulative_flow(ctx, start, flow, line, ratio_line, period):
    """``line`` = running total of ``flow``; ``ratio_line`` = its change over ``period`` bars divided by
    the volume traded in them (0 without volume): the start-independent view of a cumulative line."""
    total = ctx.out(line)
    P.cumsum(flow, total, start)
    change, vol = ctx.tmp(f"{line}_change"), ctx.tmp("sum_vol")
    P.diff(total, period, change, start)
    P.rolling_sum(ctx.volume, period, vol, start)
    ctx.out(ratio_line)[start:] = P.safe_div(change[start:], vol[start:])


@indicator("volume", lines=("eom", "emv"),
           reference="Richard W. Arms Jr., Volume Cycles in the Stock Market, 1994 (Ease of Movement)")
def eom(ctx, start, period=14, scale=10_000.0):
    """Ease of Movement: ``emv = scale · distance · (h − l) / v`` with ``distance = (h+l)/2 −
    (h[1]+l[1])/2`` (Arms' distance moved over his box ratio ``(v / scale) / (h − l)``); 0 on a
    bar without volume (no box to move). ``eom = SMA_period(emv)``. Units: price² per volume ×
    scale (scales with both). First emv at bar 1, eom at bar ``period``."""
    mid = ctx.tmp("mid")
    mid[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    dist = mid[start:] - lagged(mid, start, 1)
    e = ctx.out("emv")
    e[start:] = P.safe_div(scale * dist * (ctx.high[start:] - ctx.low[start:]), ctx.volume[start:])
    P.sma(e, period, ctx.out("eom"), start)


@indicator("volume", lines=("pvt", "pvt_ratio"),
           reference="Price-Volume Trend (Steven B. Achelis, Technical Analysis from A to Z, 1995)")
def pvt(ctx, start, period=20):
    """Price-Volume Trend: ``pvt = Σ v · (c − c[1]) / c[1]`` from bar 1 (volume × return; 0 return
    where c[1] is 0). ``pvt_ratio = (pvt − pvt[-period]) / Σ_period v`` = the volume-weighted mean
    return over the window (0 when it has no volume), start-independent; from bar ``period + 1``."""
    c = ctx.close
    r = ctx.tmp("ret")
    r[start:] = P.safe_div(c[start:], lagged(c, start, 1), fill=1.0) - 1.0
    flow = ctx.tmp("flow")
    flow[start:] = r[start:] * ctx.volume[start:]
    cumulative_flow(ctx, start, flow, "pvt", "pvt_ratio", period)


@indicator("volume", lines=("nvi", "pvi", "nvi_ema", "pvi_ema"),
           reference="Paul L. Dysart (1930s); Norman G. Fosback, Stock Market Logic, 1976 "
                     "(Negative and Positive Volume Index)")
def volume_index(ctx, start, period=255):
    """Negative / Positive Volume Index, both starting at 1000 on bar 0: ``nvi`` compounds the
    close's return ``c / c[1]`` only on bars whose volume fell (``v < v[1]``), ``pvi`` only on bars
    whose volume rose (``v > v[1]``); unchanged otherwise (so a zero-volume stretch leaves both
    flat). Kept as ``1000 · exp(Σ ln(c / c[1]))`` over the selected bars (the same product).
    ``nvi_ema`` / ``pvi_ema`` = EMA_period of each index (Fosback's one-year signal: the index
    above its EMA). Units: index points. First ema at bar ``period − 1``."""
    c, v = ctx.close, ctx.volume
    lr = np.log(P.safe_div(c[start:], lagged(c, start, 1), fill=1.0))
    vprev = lagged(v, start, 1)
    first = np.isnan(lr) & np.isfinite(c[start:])  # bar 0: the index starts at 1000
    for name, pick in (("nvi", v[start:] < vprev), ("pvi", v[start:] > vprev)):
        step, acc = ctx.tmp(name + "_step"), ctx.tmp(name + "_log")
        step[start:] = np.where(first, 0.0, np.where(pick, lr, np.where(np.isnan(lr), np.nan, 0.0)))
        P.cumsum(step, acc, start)
        idx = ctx.out(name)
        idx[start:] = 1000.0 * np.exp(acc[start:])
        P.ema(idx, period, ctx.out(name + "_ema"), start)


SPECS = [eom(period=14), pvt(period=20), volume_index()]

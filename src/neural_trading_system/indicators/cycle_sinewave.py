"""Ehlers' Fisher transform and Even Better Sinewave (family ``cycle``).

:mod:`.cycle` adds :data:`SPECS` to its ``SUITE`` (the suite loader only imports the modules in
``suite.FAMILY_MODULES``). Kernels follow :mod:`.base`: causal, recursive state in buffers read
at ``i - 1``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import primitives as P
from .barops import lagged
from .base import indicator

__all__ = ["fisher_transform", "even_better_sinewave", "SPECS"]


@njit(cache=True, nogil=True)
def _fisher(pos, value, fish, start):
    """Ehlers' recursion: ``v = .33·2(pos − .5) + .67 v[-1]``, set to ±.999 beyond ±.99;
    ``fish = .5 ln((1+v)/(1−v)) + .5 fish[-1]``; earlier values taken as 0 (his initialisation)."""
    for i in range(start, pos.shape[0]):
        if not np.isfinite(pos[i]):
            value[i] = fish[i] = np.nan
            continue
        pv = value[i - 1] if i > 0 and np.isfinite(value[i - 1]) else 0.0
        pf = fish[i - 1] if i > 0 and np.isfinite(fish[i - 1]) else 0.0
        v = 0.66 * (pos[i] - 0.5) + 0.67 * pv
        if v > 0.99:
            v = 0.999
        elif v < -0.99:
            v = -0.999
        value[i] = v
        fish[i] = 0.5 * math.log((1.0 + v) / (1.0 - v)) + 0.5 * pf


@indicator("cycle", lines=("fisher", "trigger", "value"),
           reference="John F. Ehlers, 'Using the Fisher Transform', Technical Analysis of Stocks & "
                     "Commodities, Nov. 2002")
def fisher_transform(ctx, start, period=10):
    """Fisher transform of the median price's position in its ``period``-bar range.

    ``pos = (m − LL) / (HH − LL)`` with ``m = (h+l)/2`` and HH/LL the highest / lowest median price
    over ``period`` bars (0.5 on a flat range); ``value`` = Ehlers' smoothed, clipped position in
    (−1, 1) (see :func:`_fisher`); ``fisher = ½ ln((1+value)/(1−value)) + ½ fisher[-1]`` (unbounded,
    roughly ±3); ``trigger = fisher[-1]``. First value at bar ``period − 1`` (trigger one later).
    """
    m = ctx.tmp("median")
    m[start:] = 0.5 * (ctx.high[start:] + ctx.low[start:])
    hh, ll = ctx.tmp("hh"), ctx.tmp("ll")
    P.rolling_max(m, period, hh, start)
    P.rolling_min(m, period, ll, start)
    pos = ctx.tmp("pos")
    pos[start:] = P.safe_div(m[start:] - ll[start:], hh[start:] - ll[start:], fill=0.5)
    f = ctx.out("fisher")
    _fisher(pos, ctx.out("value"), f, start)
    ctx.out("trigger")[start:] = lagged(f, start, 1)


@indicator("cycle", lines=("wave", "filt"),
           reference="John F. Ehlers, Cycle Analytics for Traders, Wiley, 2013, ch. 12 (Even Better Sinewave)")
def even_better_sinewave(ctx, start, duration=40, ss_period=10):
    """Even Better Sinewave: a one-pole high-pass of the close, SuperSmoothed, normalised by its power.

    ``α = (1 − sin(2π/duration)) / cos(2π/duration)``; ``HP = ½(1+α)(c − c[1]) + α HP[1]``;
    ``filt = SuperSmoother_ss_period(HP)`` (price change units, not price-like);
    ``wave = mean_3(filt) / sqrt(mean_3(filt²))`` over the last three bars, in [−1, 1] (0 where the
    power is 0). HP and the SuperSmoother start at their input (:func:`primitives.iir2`
    initialisation), so the first ~``duration`` bars converge; first wave at bar 3.
    """
    arg = 2.0 * math.pi / duration
    alpha = (1.0 - math.sin(arg)) / math.cos(arg)
    d = ctx.tmp("delta")
    P.diff(ctx.close, 1, d, start)
    hp = ctx.tmp("hp")
    P.iir2(d, 0.5 * (1.0 + alpha), 0.0, 0.0, alpha, 0.0, hp, start)
    a1 = math.exp(-1.414 * math.pi / ss_period)  # SuperSmoother coefficients (see cycle.super_smoother)
    c2 = 2.0 * a1 * math.cos(1.414 * math.pi / ss_period)
    c3 = -a1 * a1
    c1 = 1.0 - c2 - c3
    f = ctx.out("filt")
    P.iir2(hp, c1 / 2.0, c1 / 2.0, 0.0, c2, c3, f, start)
    f0, f1, f2 = f[start:], lagged(f, start, 1), lagged(f, start, 2)
    wave = (f0 + f1 + f2) / 3.0
    pwr = (f0 ** 2 + f1 ** 2 + f2 ** 2) / 3.0
    ctx.out("wave")[start:] = P.safe_div(wave, np.sqrt(pwr), fill=0.0, eps=1e-300)


SPECS = [fisher_transform(period=10), even_better_sinewave()]

"""Momentum oscillators (one module per family; see :mod:`.base` for the kernel contract)."""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .base import indicator


@indicator("momentum", lines=("rsi",), reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978")
def rsi(ctx, start, period=14):
    """Relative Strength Index: ``100 - 100 / (1 + RS)``, RS = Wilder-smoothed gains / losses.

    Warm-up: ``period`` bars (first value at bar ``period``, as TA-Lib).
    """
    c = ctx.close
    d = ctx.tmp("delta")
    P.diff(c, 1, d, start)
    up, dn = ctx.tmp("up"), ctx.tmp("down")
    up[start:] = np.where(np.isnan(d[start:]), np.nan, np.maximum(d[start:], 0.0))
    dn[start:] = np.where(np.isnan(d[start:]), np.nan, np.maximum(-d[start:], 0.0))
    ag, al = ctx.tmp("avg_up"), ctx.tmp("avg_down")
    P.wilder(up, period, ag, start)
    P.wilder(dn, period, al, start)
    total = ag[start:] + al[start:]
    ctx.out("rsi")[start:] = P.safe_div(100.0 * ag[start:], total, fill=50.0)


SUITE = [rsi(period=7), rsi(period=14), rsi(period=21)]

"""Statistical position of the close in its own recent distribution: z-score, percent rank.

Part of the ``misc`` family: :mod:`.misc` adds :data:`SPECS` to its ``SUITE``. Both lines are
scale-free (not price-like).
"""

from __future__ import annotations

from . import primitives as P
from .barops import rank_below
from .base import indicator

__all__ = ["zscore", "pct_rank", "SPECS"]


@indicator("misc", lines=("zscore",),
           reference="Standard score (Karl Pearson, 1890s); applied to prices as a Bollinger-band "
                     "position, John Bollinger, Bollinger on Bollinger Bands, 2001")
def zscore(ctx, start, period=20):
    """``(close − SMA_period(close)) / σ_period(close)`` (population σ; 0 on a flat window):
    how many standard deviations the close sits from its mean. First value at bar ``period − 1``."""
    m, sd = ctx.tmp("mean"), ctx.tmp("std")
    P.sma(ctx.close, period, m, start)
    P.rolling_std(ctx.close, period, 0, sd, start)
    ctx.out("zscore")[start:] = P.safe_div(ctx.close[start:] - m[start:], sd[start:])


@indicator("misc", lines=("pct_rank",),
           reference="Percentile rank of the close (as the PercentRank of Larry Connors & Cesar Alvarez, "
                     "Short Term Trading Strategies That Work, 2008)")
def pct_rank(ctx, start, period=100):
    """Percent (0..100) of the previous ``period`` closes strictly below this close
    (:func:`barops.rank_below`). First value at bar ``period``."""
    ctx.out("pct_rank")[start:] = rank_below(ctx.close, start, period)


SPECS = [zscore(period=20), pct_rank(period=100)]

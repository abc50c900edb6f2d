"""Range-based volatility estimators, drawdown and range-expansion measures, volatility stops.

Part of the ``volatility`` family: :mod:`.volatility` adds :data:`SPECS` to its ``SUITE`` (the
suite loader only imports the modules named in ``suite.FAMILY_MODULES``). Kernels follow
:mod:`.base`: causal, state in buffers, divisions through :func:`primitives.safe_div`.
NATR equals TA-Lib ``NATR``; the others are checked against slow reference loops.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .base import indicator

__all__ = ["natr", "garman_klass", "rogers_satchell", "ulcer", "mass_index", "chande_kroll", "SPECS"]


def true_range(ctx, start):
    """:func:`.volatility.true_range`, imported at call time: :mod:`.volatility` imports this module
    to build its ``SUITE``, so a top-level import would be circular whichever module loads first."""
    from .volatility import true_range as tr

    return tr(ctx, start)


def _log_ratio(ctx, start, a, b, key):
    """``ln(a / b)`` over ``start … n-1`` into ``ctx.tmp(key)`` (0 where ``b`` is 0)."""
    out = ctx.tmp(key)
    out[start:] = np.log(P.safe_div(a[start:], b[start:], fill=1.0))
    return out


@indicator("volatility", lines=("natr",),
           reference="J. Welles Wilder, New Concepts in Technical Trading Systems, 1978 (ATR); normalized "
                     "as TA-Lib NATR")
def natr(ctx, start, period=14):
    """Normalized ATR ``100 · ATR_period / close`` (Wilder ATR, TA-Lib seeding; 0 where the close is
    0): the average bar range in percent of price. First value at bar ``period`` (TA-Lib ``NATR``)."""
    a = ctx.tmp("atr")
    P.wilder(true_range(ctx, start), period, a, start)
    ctx.out("natr")[start:] = 100.0 * P.safe_div(a[start:], ctx.close[start:])


@indicator("volatility", lines=("gk",),
           reference="Mark B. Garman & Michael J. Klass, 'On the Estimation of Security Price Volatilities "
                     "from Historical Data', Journal of Business 53(1), 1980")
def garman_klass(ctx, start, period=20):
    """Garman–Klass volatility per bar in percent (not annualized):
    ``100 · sqrt(mean_period(½ ln(h/l)² − (2 ln 2 − 1) ln(c/o)²))``. Each term is ≥ 0 because
    ``|ln(c/o)| ≤ ln(h/l)``; 0 on flat bars. First value at bar ``period − 1``."""
    hl = _log_ratio(ctx, start, ctx.high, ctx.low, "log_hl")
    co = _log_ratio(ctx, start, ctx.close, ctx.open, "log_co")
    term = ctx.tmp("term")
    term[start:] = 0.5 * hl[start:] ** 2 - (2.0 * np.log(2.0) - 1.0) * co[start:] ** 2
    m = ctx.tmp("mean")
    P.sma(term, period, m, start)
    ctx.out("gk")[start:] = 100.0 * np.sqrt(np.maximum(m[start:], 0.0))


@indicator("volatility", lines=("rs",),
           reference="L. C. G. Rogers & S. E. Satchell, 'Estimating Variance from High, Low and Closing "
                     "Prices', Annals of Applied Probability 1(4), 1991")
def rogers_satchell(ctx, start, period=20):
    """Rogers–Satchell volatility per bar in percent (not annualized, drift-independent):
    ``100 · sqrt(mean_period(ln(h/c)·ln(h/o) + ln(l/c)·ln(l/o)))`` (each product ≥ 0 since
    ``l ≤ o, c ≤ h``). First value at bar ``period − 1``."""
    h, lo, c, o = ctx.high, ctx.low, ctx.close, ctx.open
    hc, ho = _log_ratio(ctx, start, h, c, "log_hc"), _log_ratio(ctx, start, h, o, "log_ho")
    lc, lo_ = _log_ratio(ctx, start, lo, c, "log_lc"), _log_ratio(ctx, start, lo, o, "log_lo")
    term = ctx.tmp("term")
    term[start:] = hc[start:] * ho[start:] + lc[start:] * lo_[start:]
    m = ctx.tmp("mean")
    P.sma(term, period, m, start)
    ctx.out("rs")[start:] = 100.0 * np.sqrt(np.maximum(m[start:], 0.0))


@indicator("volatility", lines=("ulcer", "drawdown"),
           reference="Peter G. Martin & Byron B. McCann, The Investor's Guide to Fidelity Funds, 1989 "
                     "(Ulcer Index)")
def ulcer(ctx, start, period=14):
    """Ulcer Index: ``drawdown = 100 (close − max_period close) / max_period close`` (percent, ≤ 0,
    the max over the last ``period`` closes including this one; 0 where that max is 0);
    ``ulcer = sqrt(mean_period(drawdown²))``. First drawdown at bar ``period − 1``, ulcer at
    ``2 period − 2``."""
    mx = ctx.tmp("max_close")
    P.rolling_max(ctx.close, period, mx, start)
    dd = ctx.out("drawdown")
    dd[start:] = 100.0 * P.safe_div(ctx.close[start:] - mx[start:], mx[start:])
    sq, m = ctx.tmp("dd_sq"), ctx.tmp("dd_sq_mean")
    sq[start:] = dd[start:] ** 2
    P.sma(sq, period, m, start)
    ctx.out("ulcer")[start:] = np.sqrt(m[start:])


@indicator("volatility", lines=("mass", "ratio"),
           reference="Donald Dorsey, 'The Mass Index', Technical Analysis of Stocks & Commodities, June 1992")
def mass_index(ctx, start, ema_period=9, sum_period=25):
    """Mass Index: ``e1 = EMA_9(h − l)``, ``e2 = EMA_9(e1)`` (SMA-seeded), ``ratio = e1 / e2`` (1
    where e2 is 0), ``mass = Σ_25 ratio`` (around 25; Dorsey's "reversal bulge" rises above 27 and
    falls back below 26.5). First ratio at bar ``2 (ema_period − 1)``, mass ``sum_period − 1``
    bars later."""
    rng = ctx.tmp("range")
    rng[start:] = ctx.high[start:] - ctx.low[start:]
    e1, e2 = ctx.tmp("ema1"), ctx.tmp("ema2")
    P.ema(rng, ema_period, e1, start)
    P.ema(e1, ema_period, e2, start)
    r = ctx.out("ratio")
    r[start:] = P.safe_div(e1[start:], e2[start:], fill=1.0)
    P.rolling_sum(r, sum_period, ctx.out("mass"), start)


@indicator("volatility", lines=("stop_long", "stop_short", "first_low", "first_high"),
           price_like=("stop_long", "stop_short", "first_low", "first_high"),
           reference="Tushar Chande & Stanley Kroll, The New Technical Trader, 1994 (Chande Kroll Stop)")
def chande_kroll(ctx, start, period=10, mult=1.0, stop_period=9):
    """Chande Kroll volatility stops: ``first_high = HH_period(high) − mult · ATR_period``,
    ``first_low = LL_period(low) + mult · ATR_period`` (Wilder ATR); ``stop_short =
    HH_stop_period(first_high)`` (the stop above price for shorts), ``stop_long =
    LL_stop_period(first_low)`` (the stop for longs). Price units. First values at bar ``period``
    (first_*) and ``period + stop_period − 1`` (stops)."""
    a = ctx.tmp("atr")
    P.wilder(true_range(ctx, start), period, a, start)
    hh, ll = ctx.tmp("hh"), ctx.tmp("ll")
    P.rolling_max(ctx.high, period, hh, start)
    P.rolling_min(ctx.low, period, ll, start)
    fh, fl = ctx.out("first_high"), ctx.out("first_low")
    fh[start:] = hh[start:] - mult * a[start:]
    fl[start:] = ll[start:] + mult * a[start:]
    P.rolling_max(fh, stop_period, ctx.out("stop_short"), start)
    P.rolling_min(fl, stop_period, ctx.out("stop_long"), start)


SPECS = [natr(period=14), garman_klass(period=20), rogers_satchell(period=20), ulcer(period=14), mass_index(),
         chande_kroll()]

"""Market-regime indicators (family ``regime``): persistence, volatility state, squeezes.

Every kernel follows :mod:`.base`: causal, state in ``ctx.tmp`` buffers, at most
:data:`~.base.MAX_LOOKBACK` bars back, divisions through :func:`primitives.safe_div`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import primitives as P
from .base import indicator
from .volatility import true_range

_NB = dict(cache=True, nogil=True)


def log_returns(ctx, start):
    """``ln(close / close[1])`` into ``ctx.tmp('log_ret')`` (NaN at bar 0; 0 when close[1] is 0)."""
    c = ctx.close
    prev = ctx.tmp("prev_close_lr")
    P.shift(c, 1, prev, start)
    r = ctx.tmp("log_ret")
    r[start:] = np.log(P.safe_div(c[start:], prev[start:], fill=1.0))
    return r


def hurst_chunk_sizes(window: int, min_size: int = 10) -> np.ndarray:
    """Chunk lengths for R/S: ``window / √2^k`` rounded, down to ``min_size`` (100 → 100, 71, 50,
    35, 25, 18, 12)."""
    sizes = []
    k = 0
    while True:
        s = int(round(window / 2 ** (k / 2)))
        if s < min_size:
            break
        if s not in sizes:
            sizes.append(s)
        k += 1
    return np.asarray(sizes, dtype=np.int64)


@njit(**_NB)
def _hurst_rs(r, window, sizes, out, start):
    """Rolling rescaled-range Hurst exponent of the last ``window`` values of ``r``."""
    ns = sizes.shape[0]
    lx = np.empty(ns)
    ly = np.empty(ns)
    for i in range(start, r.shape[0]):
        out[i] = np.nan
        if i - window + 1 < 0:
            continue
        ok = True
        for j in range(i - window + 1, i + 1):
            if not np.isfinite(r[j]):
                ok = False
                break
        if not ok:
            continue
        m = 0
        for s_idx in range(ns):
            n = sizes[s_idx]
            chunks = window // n
            total = 0.0
            valid = 0
            for c in range(chunks):  # chunks end at bar i, newest first
                hi = i - c * n
                lo = hi - n + 1
                mu = 0.0
                for j in range(lo, hi + 1):
                    mu += r[j]
                mu /= n
                y = 0.0
                ymax = 0.0
                ymin = 0.0
                var = 0.0
                for j in range(lo, hi + 1):
                    d = r[j] - mu
                    y += d
                    ymax = max(ymax, y)
                    ymin = min(ymin, y)
                    var += d * d
                sd = np.sqrt(var / n)
                if sd > 1e-12:
                    total += (ymax - ymin) / sd
                    valid += 1
            if valid > 0 and total > 0.0:
                lx[m] = np.log(n)
                ly[m] = np.log(total / valid)
                m += 1
        if m < 3:
            out[i] = 0.5  # too few measurable scales (a flat window): the random-walk value
            continue
        xm = 0.0
        ym = 0.0
        for k in range(m):
            xm += lx[k]
            ym += ly[k]
        xm /= m
        ym /= m
        sxy = 0.0
        sxx = 0.0
        for k in range(m):
            sxy += (lx[k] - xm) * (ly[k] - ym)
            sxx += (lx[k] - xm) ** 2
        out[i] = sxy / sxx


@njit(**_NB)
def _lag_suppressed(x, k, out, start):
    """``out = x + k·(out[1] − out[3])`` with missing earlier values as 0 (Pine's ``nz``)."""
    for i in range(start, x.shape[0]):
        if not np.isfinite(x[i]):
            out[i] = np.nan
            continue
        s1 = out[i - 1] if i >= 1 and np.isfinite(out[i - 1]) else 0.0
        s3 = out[i - 3] if i >= 3 and np.isfinite(out[i - 3]) else 0.0
        out[i] = x[i] + k * (s1 - s3)


@indicator("regime", lines=("hurst",),
           reference="H. E. Hurst, 'Long-term storage capacity of reservoirs', Trans. ASCE, 1951; "
                     "B. Mandelbrot & J. Wallis, 'Robustness of the rescaled range R/S', Water Resources Research, 1969")
def hurst(ctx, start, period=100):
    """Rolling Hurst exponent of log returns by rescaled range (R/S) over the last ``period`` returns.

    For chunk lengths n (:func:`hurst_chunk_sizes`, chunks aligned to the newest bar):
    ``R/S(n)`` = mean over chunks of (range of cumulative deviations from the chunk mean) /
    (population σ of the chunk); ``hurst`` = OLS slope of ``ln R/S(n)`` on ``ln n``. > 0.5:
    persistent (trending) returns, < 0.5: anti-persistent (mean-reverting). Uncorrected R/S reads
    ~0.55–0.6 for independent returns on 100 bars (small-sample bias; compare values, not 0.5).
    Chunks with σ = 0 are skipped; with fewer than 3 measurable scales the value is 0.5.
    First value at bar ``period``.
    """
    r = log_returns(ctx, start)
    _hurst_rs(r, period, hurst_chunk_sizes(period), ctx.out("hurst"), start)


@indicator("regime", lines=("vol", "anti", "threshold", "is_trending", "atr_fast", "atr_slow", "std_fast", "std_slow"),
           reference="Luis Damiani, Damiani Volatmeter (MetaTrader indicator, mid-2000s), as ported to TradingView")
def damiani(ctx, start, atr_fast=13, atr_slow=40, std_fast=20, std_slow=100, threshold=1.4, lag_suppress=True):
    """Damiani Volatmeter: is volatility high enough to trade?

    ``vol = ATR(atr_fast)/ATR(atr_slow) + 0.5·(vol[1] − vol[3])`` (the lag suppressor; without it
    just the ratio), ``anti = σ(close, std_fast)/σ(close, std_slow)`` (population σ),
    ``threshold = threshold − anti``, ``is_trending = 1 if vol > threshold else 0``. ATRs are
    Wilder's. First values at bar ``std_slow - 1`` (anti) and ``atr_slow`` (vol). The two ATRs
    and two σ are lines too (price units, spreads: not price-like).
    """
    tr = true_range(ctx, start)
    af, asl = ctx.out("atr_fast"), ctx.out("atr_slow")
    P.wilder(tr, atr_fast, af, start)
    P.wilder(tr, atr_slow, asl, start)
    ratio = ctx.tmp("atr_ratio")
    ratio[start:] = P.safe_div(af[start:], asl[start:], fill=1.0)
    vol = ctx.out("vol")
    if lag_suppress:
        _lag_suppressed(ratio, 0.5, vol, start)
    else:
        vol[start:] = ratio[start:]
    c = ctx.close
    sf, ss = ctx.out("std_fast"), ctx.out("std_slow")
    P.rolling_std(c, std_fast, 0, sf, start)
    P.rolling_std(c, std_slow, 0, ss, start)
    anti = ctx.out("anti")
    anti[start:] = P.safe_div(sf[start:], ss[start:], fill=1.0)
    t = ctx.out("threshold")
    t[start:] = threshold - anti[start:]
    v, ts = vol[start:], t[start:]
    ctx.out("is_trending")[start:] = np.where(np.isfinite(v) & np.isfinite(ts), (v > ts).astype(np.float64), np.nan)


@indicator("regime", lines=("on", "momentum", "bb_upper", "bb_lower", "kc_upper", "kc_lower"),
           price_like=("bb_upper", "bb_lower", "kc_upper", "kc_lower"),
           reference="John F. Carter, Mastering the Trade, 2005 (TTM Squeeze); momentum: LazyBear, "
                     "'Squeeze Momentum Indicator [LazyBear]', TradingView, 2014")
def squeeze(ctx, start, bb_period=20, bb_mult=2.0, kc_period=20, kc_mult=1.5):
    """Squeeze: Bollinger Bands inside the Keltner Channel.

    BB = SMA(close, bb_period) ± bb_mult·σ (population); KC = SMA(close, kc_period) ±
    kc_mult·SMA(true range, kc_period) (LazyBear's KC). ``on = 1`` when lower BB > lower KC and
    upper BB < upper KC, else 0. (LazyBear's script multiplies σ by the KC factor 1.5 — a known
    slip; here BB is 2σ as Carter's.) ``momentum`` = LazyBear's value: the end point of the
    least-squares line over ``kc_period`` bars of ``close − ((highest(high) + lowest(low))/2 +
    SMA(close))/2`` (price units, around 0). First values at bar ``kc_period`` and ``2·kc_period − 2``.
    The four bands compared (``bb_upper``, ``bb_lower``, ``kc_upper``, ``kc_lower``) are lines too.
    """
    c, h, lo = ctx.close, ctx.high, ctx.low
    mid, sd = ctx.tmp("bb_mid"), ctx.tmp("bb_std")
    P.sma(c, bb_period, mid, start)
    P.rolling_std(c, bb_period, 0, sd, start)
    kmid, rng = ctx.tmp("kc_mid"), ctx.tmp("kc_range")
    P.sma(c, kc_period, kmid, start)
    P.sma(true_range(ctx, start), kc_period, rng, start)
    ub, lb = mid[start:] + bb_mult * sd[start:], mid[start:] - bb_mult * sd[start:]
    uk, lk = kmid[start:] + kc_mult * rng[start:], kmid[start:] - kc_mult * rng[start:]
    for line, v in (("bb_upper", ub), ("bb_lower", lb), ("kc_upper", uk), ("kc_lower", lk)):
        ctx.out(line)[start:] = v
    ready = np.isfinite(ub) & np.isfinite(uk)
    ctx.out("on")[start:] = np.where(ready, ((lb > lk) & (ub < uk)).astype(np.float64), np.nan)
    hh, ll = ctx.tmp("highest"), ctx.tmp("lowest")
    P.rolling_max(h, kc_period, hh, start)
    P.rolling_min(lo, kc_period, ll, start)
    y = ctx.tmp("detrended")
    y[start:] = c[start:] - 0.5 * (0.5 * (hh[start:] + ll[start:]) + kmid[start:])
    ym, slope = ctx.tmp("y_mean"), ctx.tmp("y_slope")
    P.sma(y, kc_period, ym, start)
    P.rolling_slope(y, kc_period, slope, start)
    ctx.out("momentum")[start:] = ym[start:] + slope[start:] * (kc_period - 1) / 2.0


@indicator("regime", lines=("ratio", "z", "atr", "atr_mean", "atr_std"),
           reference="Standardized ATR: Wilder's ATR (New Concepts in Technical Trading Systems, 1978) "
                     "relative to its own moving average and standard deviation")
def std_atr(ctx, start, atr_period=14, period=20):
    """Standardized ATR: where today's volatility sits in its recent distribution.

    ``ratio = ATR / SMA(ATR, period)`` (1 = typical) and ``z = (ATR − SMA(ATR, period)) /
    σ(ATR, period)`` (population σ; 0 when σ = 0). ATR is Wilder's ``atr_period``. (The original
    system divided SMA(ATR) by σ(close), mixing two scales; both lines here are scale-free.)
    First value at bar ``atr_period + period − 1``. ``atr``, its mean and σ are lines too (price
    ranges, not price-like).
    """
    a = ctx.out("atr")
    P.wilder(true_range(ctx, start), atr_period, a, start)
    m, sd = ctx.out("atr_mean"), ctx.out("atr_std")
    P.sma(a, period, m, start)
    P.rolling_std(a, period, 0, sd, start)
    ctx.out("ratio")[start:] = P.safe_div(a[start:], m[start:], fill=1.0)
    ctx.out("z")[start:] = P.safe_div(a[start:] - m[start:], sd[start:], fill=0.0)


@indicator("regime", lines=("cvi", "ema_range"),
           reference="Marc Chaikin, Chaikin Volatility; in S. B. Achelis, Technical Analysis from A to Z, 1995")
def chaikin_volatility(ctx, start, ema_period=10, roc_period=10):
    """Chaikin Volatility: percent change over ``roc_period`` bars of the EMA(``ema_period``) of
    ``high − low``: ``cvi = 100·(E − E[roc]) / E[roc]`` (0 when E[roc] is 0). EMA seeded by the
    SMA of its first values (TA-Lib). First value at bar ``ema_period + roc_period − 1``;
    ``ema_range`` = E (price range, not price-like) from bar ``ema_period − 1``."""
    hl = ctx.tmp("hl")
    hl[start:] = ctx.high[start:] - ctx.low[start:]
    e, ep = ctx.out("ema_range"), ctx.tmp("ema_hl_prev")
    P.ema(hl, ema_period, e, start)
    P.shift(e, roc_period, ep, start)
    ctx.out("cvi")[start:] = 100.0 * P.safe_div(e[start:] - ep[start:], ep[start:])


@indicator("regime", lines=("chop",),
           reference="E. W. (Bill) Dreiss, Choppiness Index (early 1990s; after his work on chaos and fractal "
                     "dimension in markets)")
def choppiness(ctx, start, period=14):
    """Choppiness Index ``100 · log10(Σ_period TR / (HH − LL)) / log10(period)``, HH/LL the highest
    high / lowest low over ``period`` bars: near 100 when price wanders inside its range (choppy),
    near 0 when the path is one straight move (trending). On a window with no range the ratio is
    taken as ``period`` (chop 100: nothing trends). First value at bar ``period`` (TR starts at bar 1)."""
    s = ctx.tmp("sum_tr")
    P.rolling_sum(true_range(ctx, start), period, s, start)
    hh, ll = ctx.tmp("hh"), ctx.tmp("ll")
    P.rolling_max(ctx.high, period, hh, start)
    P.rolling_min(ctx.low, period, ll, start)
    ratio = P.safe_div(s[start:], hh[start:] - ll[start:], fill=float(period))
    ctx.out("chop")[start:] = 100.0 * np.log10(np.maximum(ratio, 1.0)) / np.log10(period)


SUITE = [
    hurst(period=100),
    damiani(),
    squeeze(),
    std_atr(),
    chaikin_volatility(),
    choppiness(period=14),
]

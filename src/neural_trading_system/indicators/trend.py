"""Trend and structure indicators."""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .base import indicator


@indicator("trend", lines=("sma",), price_like=("sma",), reference="Simple moving average (classical)")
def sma(ctx, start, period=20):
    """Arithmetic mean of the last ``period`` closes."""
    P.sma(ctx.close, period, ctx.out("sma"), start)


@indicator("trend", lines=("ema",), price_like=("ema",),
           reference="R. G. Brown, Smoothing, Forecasting and Prediction, 1963 (exponential smoothing)")
def ema(ctx, start, period=20):
    """``ema = ema[-1] + 2/(period+1) * (close - ema[-1])``, seeded by the SMA of the first period."""
    P.ema(ctx.close, period, ctx.out("ema"), start)


@indicator("trend", lines=("macd", "signal", "hist"),
           reference="Gerald Appel, The Moving Average Convergence-Divergence Method, 1979")
def macd(ctx, start, fast=12, slow=26, signal=9):
    """MACD = EMA(fast) - EMA(slow); signal = EMA(signal) of MACD; hist = MACD - signal.

    As TA-Lib: both EMAs start at bar ``slow - 1`` (the fast EMA is seeded by the SMA of the
    ``fast`` closes ending there), so values equal TA-Lib's exactly after warm-up.
    """
    c = ctx.close
    f, s = ctx.tmp("ema_fast"), ctx.tmp("ema_slow")
    # TA-Lib seeds the fast EMA at the slow EMA's first bar: mask earlier closes
    masked = ctx.tmp("close_from_slow")
    bars = np.arange(start, ctx.n)
    masked[start:] = np.where(bars >= slow - fast, c[start:], np.nan)
    P.ema(masked, fast, f, start)
    P.ema(c, slow, s, start)
    m = ctx.out("macd")
    m[start:] = f[start:] - s[start:]
    sig = ctx.out("signal")
    P.ema(m, signal, sig, start)
    ctx.out("hist")[start:] = m[start:] - sig[start:]


SUITE = [sma(period=20), sma(period=50), sma(period=200), ema(period=12), ema(period=26), macd()]

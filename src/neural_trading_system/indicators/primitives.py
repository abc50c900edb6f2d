"""Causal building blocks shared by every indicator kernel.

Each primitive fills ``out[start:n]`` from inputs at the same or earlier bars, and from its own
earlier outputs (recursive state) — never from later bars. Called with ``start=0`` it computes a
whole history; called with ``start=n-1`` after one bar was appended it computes that bar from
the same state, with the same arithmetic (bulk/streaming parity by construction).

Rolling windows are summed per bar (not as a running sum), so a value does not depend on where
the computation started. NaN semantics: a window containing NaN gives NaN; a recursion is NaN
until it can seed, then seeds (first value, or the mean of the first ``period`` values as TA-Lib
does) and runs on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "sma", "wma", "rolling_sum", "rolling_std", "rolling_max", "rolling_min",
    "rolling_argmax_age", "rolling_argmin_age", "rolling_slope", "ema", "ema_alpha", "wilder",
    "adaptive_ema", "iir2", "cumsum", "diff", "shift", "safe_div", "ema_period_alpha", "bar_array",
]

_NB = dict(cache=True, nogil=True)
_F8 = np.dtype(np.float64)
_empty = np.empty


def bar_array(value: float) -> np.ndarray:
    """A streamed bar's value as a ``(1,)`` float64 array (half the cost of ``np.array([value])``)."""
    out = _empty(1)
    out[0] = value
    return out


@njit(**_NB)
def _window_ok(x, i, w):
    if i - w + 1 < 0:
        return False
    for j in range(i - w + 1, i + 1):
        if not np.isfinite(x[j]):
            return False
    return True


@njit(**_NB)
def sma(x, w, out, start):
    """Simple moving average over ``w`` bars."""
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            s = 0.0
            for j in range(i - w + 1, i + 1):
                s += x[j]
            out[i] = s / w
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_sum(x, w, out, start):
    """Sum over ``w`` bars."""
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            s = 0.0
            for j in range(i - w + 1, i + 1):
                s += x[j]
            out[i] = s
        else:
            out[i] = np.nan


@njit(**_NB)
def wma(x, w, out, start):
    """Linearly weighted moving average (weights 1..w, newest heaviest)."""
    denom = w * (w + 1) / 2.0
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            s = 0.0
            for k in range(w):
                s += (k + 1) * x[i - w + 1 + k]
            out[i] = s / denom
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_std(x, w, ddof, out, start):
    """Standard deviation over ``w`` bars (two-pass, ``ddof`` 0 = population)."""
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w) and w - ddof > 0:
            m = 0.0
            for j in range(i - w + 1, i + 1):
                m += x[j]
            m /= w
            v = 0.0
            for j in range(i - w + 1, i + 1):
                v += (x[j] - m) ** 2
            out[i] = np.sqrt(v / (w - ddof))
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_max(x, w, out, start):
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            m = x[i - w + 1]
            for j in range(i - w + 2, i + 1):
                if x[j] > m:
                    m = x[j]
            out[i] = m
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_min(x, w, out, start):
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            m = x[i - w + 1]
            for j in range(i - w + 2, i + 1):
                if x[j] < m:
                    m = x[j]
            out[i] = m
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_argmax_age(x, w, out, start):
    """Bars since the highest value of the last ``w`` bars (0 = this bar; ties: the newest)."""
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            m = x[i - w + 1]
            k = i - w + 1
            for j in range(i - w + 2, i + 1):
                if x[j] >= m:
                    m = x[j]
                    k = j
            out[i] = i - k
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_argmin_age(x, w, out, start):
    """Bars since the lowest value of the last ``w`` bars (0 = this bar; ties: the newest)."""
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w):
            m = x[i - w + 1]
            k = i - w + 1
            for j in range(i - w + 2, i + 1):
                if x[j] <= m:
                    m = x[j]
                    k = j
            out[i] = i - k
        else:
            out[i] = np.nan


@njit(**_NB)
def rolling_slope(x, w, out, start):
    """Least-squares slope of the last ``w`` values against bar index (units per bar)."""
    xm = (w - 1) / 2.0
    sxx = 0.0
    for k in range(w):
        sxx += (k - xm) ** 2
    for i in range(start, x.shape[0]):
        if _window_ok(x, i, w) and sxx > 0:
            ym = 0.0
            for k in range(w):
                ym += x[i - w + 1 + k]
            ym /= w
            sxy = 0.0
            for k in range(w):
                sxy += (k - xm) * (x[i - w + 1 + k] - ym)
            out[i] = sxy / sxx
        else:
            out[i] = np.nan


@njit(**_NB)
def ema_alpha(x, alpha, seed_period, out, start):
    """Exponential smoothing ``out = out[-1] + alpha * (x - out[-1])``.

    Seeds with the mean of the first ``seed_period`` finite values (``seed_period=1``: the first
    value). A NaN input after seeding gives NaN and the recursion seeds again afterwards.
    """
    for i in range(start, x.shape[0]):
        prev = out[i - 1] if i > 0 else np.nan
        xi = x[i]
        if not np.isfinite(xi):
            out[i] = np.nan
        elif np.isfinite(prev):
            out[i] = prev + alpha * (xi - prev)
        elif _window_ok(x, i, seed_period):
            s = 0.0
            for j in range(i - seed_period + 1, i + 1):
                s += x[j]
            out[i] = s / seed_period
        else:
            out[i] = np.nan


def ema_period_alpha(period: float) -> float:
    """The usual EMA smoothing factor 2 / (period + 1)."""
    return 2.0 / (period + 1.0)


def ema(x: np.ndarray, period: int, out: np.ndarray, start: int, seed: str = "sma") -> None:
    """EMA with alpha = 2/(period+1); seeded by the SMA of the first ``period`` values (TA-Lib)."""
    ema_alpha(x, 2.0 / (period + 1.0), period if seed == "sma" else 1, out, start)


def wilder(x: np.ndarray, period: int, out: np.ndarray, start: int) -> None:
    """Wilder's smoothing (RMA): alpha = 1/period, seeded by the SMA of the first ``period``."""
    ema_alpha(x, 1.0 / period, period, out, start)


@njit(**_NB)
def adaptive_ema(x, alpha, out, start):
    """Exponential smoothing with a per-bar ``alpha`` array (KAMA, VIDYA, adaptive filters).

    Seeds with the first bar where both ``x`` and ``alpha`` are finite (value ``x``).
    """
    for i in range(start, x.shape[0]):
        prev = out[i - 1] if i > 0 else np.nan
        if not (np.isfinite(x[i]) and np.isfinite(alpha[i])):
            out[i] = np.nan
        elif np.isfinite(prev):
            out[i] = prev + alpha[i] * (x[i] - prev)
        else:
            out[i] = x[i]


@njit(**_NB)
def iir2(x, b0, b1, b2, a1, a2, out, start):
    """Second-order IIR filter (Ehlers' filters, Butterworth, high-pass).

    ``out[i] = b0*x[i] + b1*x[i-1] + b2*x[i-2] + a1*out[i-1] + a2*out[i-2]``; until two earlier
    inputs and outputs exist, ``out[i] = x[i]`` (Ehlers' initialisation).
    """
    for i in range(start, x.shape[0]):
        if not np.isfinite(x[i]):
            out[i] = np.nan
        elif i >= 2 and np.isfinite(x[i - 1]) and np.isfinite(x[i - 2]) and np.isfinite(out[i - 1]) \
                and np.isfinite(out[i - 2]):
            out[i] = b0 * x[i] + b1 * x[i - 1] + b2 * x[i - 2] + a1 * out[i - 1] + a2 * out[i - 2]
        else:
            out[i] = x[i]


@njit(**_NB)
def cumsum(x, out, start):
    """Running sum; starts at the first finite value, NaN inputs add nothing afterwards."""
    for i in range(start, x.shape[0]):
        prev = out[i - 1] if i > 0 else np.nan
        if np.isfinite(prev):
            out[i] = prev + (x[i] if np.isfinite(x[i]) else 0.0)
        else:
            out[i] = x[i]


@njit(**_NB)
def diff(x, k, out, start):
    """``x[i] - x[i-k]`` (NaN for the first ``k`` bars)."""
    for i in range(start, x.shape[0]):
        out[i] = x[i] - x[i - k] if i >= k else np.nan


@njit(**_NB)
def shift(x, k, out, start):
    """``x[i-k]``: the value ``k`` bars ago (``k >= 0`` only: never a future bar)."""
    for i in range(start, x.shape[0]):
        out[i] = x[i - k] if i >= k else np.nan


def safe_div(a: np.ndarray, b: np.ndarray, fill: float = 0.0, eps: float = 1e-12) -> np.ndarray:
    """``a / b`` elementwise with ``fill`` where ``|b| <= eps`` (NaN in a or b stays NaN).

    One-element arrays (every streamed bar) take a scalar path: the same IEEE division in
    Python floats, about 10x cheaper than six ufunc calls and an ``errstate`` on one element.
    """
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype is _F8 and b.dtype is _F8 \
            and a.shape == (1,) and b.shape == (1,) and type(fill) is float:
        x, y = a.item(0), b.item(0)
        if x != x or y != y:
            return bar_array(np.nan)
        return bar_array(fill if abs(y) <= eps else x / y)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    small = np.abs(b) <= eps
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a / np.where(small, 1.0, b)
    r = np.where(small, fill, r)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, r)

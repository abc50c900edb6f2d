"""Slow, obvious reference loops (one bar at a time, no numba, no primitives) for the kernel tests."""

from __future__ import annotations

import numpy as np


def sma(x, p):
    out = np.full(len(x), np.nan)
    for i in range(p - 1, len(x)):
        w = x[i - p + 1: i + 1]
        if np.all(np.isfinite(w)):
            out[i] = sum(w) / p
    return out


def wma(x, p):
    out = np.full(len(x), np.nan)
    for i in range(p - 1, len(x)):
        w = x[i - p + 1: i + 1]
        if np.all(np.isfinite(w)):
            out[i] = sum((k + 1) * w[k] for k in range(p)) / (p * (p + 1) / 2)
    return out


def smooth(x, alpha, p):
    """Exponential smoothing seeded by the mean of the first ``p`` finite values."""
    out = np.full(len(x), np.nan)
    run = []
    for i, v in enumerate(x):
        if not np.isfinite(v):
            run = []
            continue
        if i > 0 and np.isfinite(out[i - 1]):
            out[i] = out[i - 1] + alpha * (v - out[i - 1])
        else:
            run.append(v)
            if len(run) >= p:
                out[i] = sum(run[-p:]) / p
    return out


def ema(x, p):
    return smooth(x, 2.0 / (p + 1), p)


def rma(x, p):
    return smooth(x, 1.0 / p, p)


def true_range(h, l, c):
    tr = np.full(len(c), np.nan)
    for i in range(1, len(c)):
        tr[i] = max(h[i] - l[i], abs(h[i] - c[i - 1]), abs(l[i] - c[i - 1]))
    return tr


def highest(x, p):
    out = np.full(len(x), np.nan)
    for i in range(p - 1, len(x)):
        out[i] = max(x[i - p + 1: i + 1])
    return out


def lowest(x, p):
    out = np.full(len(x), np.nan)
    for i in range(p - 1, len(x)):
        out[i] = min(x[i - p + 1: i + 1])
    return out


def cross(a, b, up=True):
    out = np.full(len(a), np.nan)
    for i in range(1, len(a)):
        if np.isfinite(a[i]) and np.isfinite(b[i]) and np.isfinite(a[i - 1]) and np.isfinite(b[i - 1]):
            out[i] = float(a[i] > b[i] and a[i - 1] <= b[i - 1]) if up else float(a[i] < b[i] and a[i - 1] >= b[i - 1])
    return out


def close_to(ours, ref, rtol=1e-9, atol=1e-9, name=""):
    np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(ref), err_msg=f"{name}: warm-up differs")
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)

"""The embedded synthetic market: a regime-switching generator, and a null market with nothing in it.

**Structured market.** A hidden regime follows a sticky Markov chain over six named regimes
(:data:`REGIMES`: uptrend, range, high volatility, breakdown, recovery, downtrend); regime ``k`` lasts ``duration[k]`` bars on average (geometric), then jumps to
another regime with the probabilities of :data:`NEXT`. Within a regime the per-bar log return is

    r_t = drift[k] + ar[k] * (r_{t-1} - drift[k]) - revert[k] * (log p_{t-1} - a_{t-1}) + sigma_t * eps_t

with ``ar > 0`` (momentum) in trends, ``revert > 0`` (mean reversion toward the anchor ``a``, an
EMA of log price over ~50 bars) in the range, ``sigma_t = vol[k] * exp(h_t)`` and ``h_t`` a slow
AR(1) log-volatility (clustering). Volume is log-normal with a regime level (higher in high
volatility and breakdowns) plus a term in ``|r_t|`` (volume rises with the size of the move).
Each bar's OHLC comes from a Brownian bridge of ``SUBSTEPS`` intrabar steps from the previous
close to the close: open = first point, close = last, high / low = extremes of the path.
Parameters are per bar (calibrated for 4h bars: per-bar volatility 0.7-2.6% before clustering), whatever the
interval. Mean regime durations are 60-250 bars; the long-run drift is ~2e-5 per bar.

**Null market.** A driftless Gaussian random walk (constant 1.5% per-bar volatility), i.i.d.
log-normal volume, the same intrabar construction; no regime, momentum, reversion or
volume-return link. A pipeline that finds an edge here has a leak.

Both are deterministic given the seed (one ``np.random.default_rng(seed)`` stream).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numba import njit

__all__ = ["REGIMES", "RegimeParams", "PARAMS", "NEXT", "SUBSTEPS", "DEFAULT_START_MS",
           "transition_matrix", "generate_market"]

REGIMES: tuple[str, ...] = ("uptrend", "range", "high_volatility", "breakdown", "recovery", "downtrend")
SUBSTEPS = 12
DEFAULT_START_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
_ANCHOR_ALPHA = 1.0 / 50.0
_NULL_VOL = 0.015
_BASE_VOLUME = 1_000.0
_CHUNK = 1 << 17


@dataclass(frozen=True)
class RegimeParams:
    """One regime's per-bar dynamics (log-return units)."""

    drift: float
    """Mean log return per bar."""
    vol: float
    """Standard deviation of the return shock per bar."""
    ar: float
    """AR(1) coefficient of the return around the drift (> 0: momentum)."""
    revert: float
    """Pull per bar toward the moving anchor, as a fraction of the log distance."""
    volume: float
    """Log-volume level relative to the base volume."""
    duration: float
    """Mean bars spent in the regime."""


PARAMS: tuple[RegimeParams, ...] = (
    RegimeParams(drift=0.0010, vol=0.010, ar=0.15, revert=0.0, volume=0.0, duration=250.0),    # uptrend
    RegimeParams(drift=0.0, vol=0.007, ar=-0.05, revert=0.05, volume=-0.3, duration=200.0),    # range
    RegimeParams(drift=0.0, vol=0.026, ar=-0.05, revert=0.0, volume=0.6, duration=60.0),       # high_volatility
    RegimeParams(drift=-0.0035, vol=0.022, ar=0.20, revert=0.0, volume=0.8, duration=60.0),    # breakdown
    RegimeParams(drift=0.0015, vol=0.014, ar=0.10, revert=0.0, volume=0.3, duration=120.0),    # recovery
    RegimeParams(drift=-0.0012, vol=0.012, ar=0.15, revert=0.0, volume=0.1, duration=200.0),   # downtrend
)

#: where a regime goes when it ends (rows: from, columns: to, in REGIMES order; zero diagonal, rows
#: sum to 1). Chosen so the long-run mean drift is small and positive (~2e-5 log per bar).
NEXT = np.array([
    # up   range  hivol  brkdn  recov  down
    [0.00, 0.55, 0.15, 0.15, 0.00, 0.15],  # uptrend
    [0.30, 0.00, 0.15, 0.15, 0.05, 0.35],  # range
    [0.05, 0.25, 0.00, 0.35, 0.25, 0.10],  # high_volatility
    [0.00, 0.20, 0.30, 0.00, 0.50, 0.00],  # breakdown
    [0.45, 0.45, 0.10, 0.00, 0.00, 0.00],  # recovery
    [0.10, 0.45, 0.15, 0.20, 0.10, 0.00],  # downtrend
])


def transition_matrix() -> np.ndarray:
    """Per-bar transition matrix ``(K, K) float64``: stay with 1 - 1/duration, else move by :data:`NEXT`."""
    leave = np.array([1.0 / p.duration for p in PARAMS])
    m = NEXT * leave[:, None]
    m[np.diag_indices_from(m)] = 1.0 - leave
    return m


def _stationary(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eig(m.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1.0))])
    return pi / pi.sum()


@njit(cache=True, nogil=True)
def _markov_chain(u, cum, first):  # pragma: no cover - compiled
    n = u.shape[0]
    out = np.empty(n, np.int8)
    k = first
    for t in range(n):
        if t > 0:
            row = cum[k]
            j = 0
            while j < row.shape[0] - 1 and u[t] > row[j]:
                j += 1
            k = j
        out[t] = k
    return out


@njit(cache=True, nogil=True)
def _ar1(x, phi):  # pragma: no cover - compiled
    out = np.empty_like(x)
    s = 0.0
    for t in range(x.shape[0]):
        s = phi * s + x[t]
        out[t] = s
    return out


@njit(cache=True, nogil=True)
def _returns(regime, eps, sig, drift, ar, revert, alpha):  # pragma: no cover - compiled
    n = regime.shape[0]
    r = np.empty(n)
    logp = 0.0
    anchor = 0.0
    prev = 0.0
    for t in range(n):
        k = regime[t]
        x = drift[k] + ar[k] * (prev - drift[k]) - revert[k] * (logp - anchor) + sig[t] * eps[t]
        r[t] = x
        logp += x
        anchor += alpha * (logp - anchor)
        prev = x
    return r


def _ohlc(rng: np.random.Generator, r: np.ndarray, sig: np.ndarray, p0: float) -> tuple[np.ndarray, ...]:
    """Bar log returns ``r (N,)`` and per-bar volatility ``sig (N,)`` → open, high, low, close ``(N,) float64``.

    Each bar is a Brownian bridge of SUBSTEPS steps from the previous close to the close.
    """
    logc = np.log(p0) + np.cumsum(r)
    close = np.exp(logc)
    open_ = np.empty_like(close)
    open_[0] = p0
    open_[1:] = close[:-1]
    up = np.empty_like(r)
    down = np.empty_like(r)
    frac = np.arange(1, SUBSTEPS + 1) / SUBSTEPS                  # (S,)
    for a in range(0, r.shape[0], _CHUNK):                        # chunks bound memory, not per-bar work
        b = min(a + _CHUNK, r.shape[0])
        w = np.cumsum(rng.standard_normal((b - a, SUBSTEPS)), axis=1) * (sig[a:b] / np.sqrt(SUBSTEPS))[:, None]
        path = w - frac * w[:, -1:] + frac * r[a:b, None]          # (m, S) log moves from the open; last = r
        up[a:b] = np.maximum(path.max(axis=1), 0.0)
        down[a:b] = np.minimum(path.min(axis=1), 0.0)
    high = np.maximum(np.maximum(open_, close), open_ * np.exp(up))
    low = np.minimum(np.minimum(open_, close), open_ * np.exp(down))
    return open_, high, low, close


def generate_market(n_bars: int, seed: int, *, interval_ms: int = 4 * 3_600_000,
                    start_ms: int = DEFAULT_START_MS, null: bool = False,
                    start_price: float = 100.0) -> tuple[pl.DataFrame, np.ndarray, tuple[str, ...]]:
    """Generate ``n_bars`` bars → (OHLCV frame, regime ``(N,) int8``, regime names).

    The frame follows the OHLCV contract (``timestamp`` Datetime(ms, UTC) from ``start_ms`` every
    ``interval_ms``; float64 prices and volume). The null market has the single regime ``'null'``.
    """
    if n_bars < 1:
        raise ValueError(f"n_bars must be >= 1, found {n_bars}")
    rng = np.random.default_rng(seed)
    if null:
        regime = np.zeros(n_bars, np.int8)
        names: tuple[str, ...] = ("null",)
        sig = np.full(n_bars, _NULL_VOL)
        r = sig * rng.standard_normal(n_bars)
        log_vol = 0.4 * rng.standard_normal(n_bars)
    else:
        names = REGIMES
        m = transition_matrix()
        cum = np.cumsum(m, axis=1)
        u = rng.random(n_bars)
        first = int(np.searchsorted(np.cumsum(_stationary(m)), u[0]))
        regime = _markov_chain(u, cum, min(first, len(PARAMS) - 1))
        field = {f: np.array([getattr(p, f) for p in PARAMS]) for f in ("drift", "vol", "ar", "revert", "volume")}
        h = _ar1(0.1 * rng.standard_normal(n_bars), 0.97)          # log-vol clustering, stationary var ~0.17
        sig = field["vol"][regime] * np.exp(h - 0.5 * 0.01 / (1 - 0.97**2))
        r = _returns(regime, rng.standard_normal(n_bars), sig, field["drift"], field["ar"], field["revert"],
                     _ANCHOR_ALPHA)
        log_vol = field["volume"][regime] + 0.3 * np.abs(r) / 0.01 + 0.3 * rng.standard_normal(n_bars)
    open_, high, low, close = _ohlc(rng, r, sig, start_price)
    ts = start_ms + np.arange(n_bars, dtype=np.int64) * int(interval_ms)
    frame = pl.DataFrame({
        "timestamp": pl.Series(ts).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        "open": open_, "high": high, "low": low, "close": close,
        "volume": _BASE_VOLUME * np.exp(log_vol),
    })
    return frame, regime, names

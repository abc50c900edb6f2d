"""``make_labels``: the causal context columns and the forward-looking targets of every bar.

Notation for bar t, with h = ``prediction_horizon``:

- ``vol`` = ``ctx_vol[t]`` floored at ``min_vol`` (per-bar log-return std, bars <= t);
  ``sigma_h = vol * sqrt(h)`` the horizon-scaled volatility; ``scale`` the regime's barrier multiplier.
- Barriers of a long entry at ``close[t]``: ``tp = close*exp(tp_mult*scale*sigma_h)``,
  ``sl = close*exp(-sl_mult*scale*sigma_h)`` (``ctx_barrier_tp`` / ``ctx_barrier_sl``, causal).
- ``fwd = log(close[t+h] / close[t])``, ``z = fwd / sigma_h`` (risk-adjusted forward return).

Targets (NaN where ``t + h > N - 1``; the vol-based ones also where ``ctx_vol`` is still warming up):

- ``target_tp`` / ``target_sl`` / ``target_hold``: one-hot, which barrier bars t+1 … t+h touch first
  (high >= tp, low <= sl; both in one bar counts as SL, see :mod:`.barriers`); hold if neither.
- ``target_hit_bars``: 1 … h, bars after t of the hit; NaN for hold.
- ``target_barrier_weight``: soft weight of the barrier target: ``1 - (1 - late_hit_weight) *
  (k - 1) / (h - 1)`` for a hit at t+k (1.0 at t+1, ``late_hit_weight`` at t+h; 1.0 when h = 1);
  1.0 for hold.
- ``target_entry``: ``sigmoid((z - entry_threshold) / entry_temperature)`` in [0, 1].
- ``target_exit``: 1.0 when a held long should be closed: the stop-loss is hit first, or
  ``z < -exit_threshold``; else 0.0.
- ``target_return``: ``fwd``.  ``target_volatility``: population std (ddof=0) of the log returns of
  bars t+1 … t+h (0 when h = 1).
- ``target_size``: ``max_position * clip(z_trade / size_full_z, 0, 1)``, where ``z_trade`` is the
  risk-adjusted return of the barrier-managed trade (``tp_mult*scale`` on a TP, ``-sl_mult*scale``
  on an SL, ``z`` on a hold). Kelly-like: Kelly's fraction mu/sigma^2, expressed per unit of the
  bet's own volatility, is the edge z, so the size grows linearly with it; no edge, no position
  (long only), full size at ``size_full_z``.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from ..config import LabelConfig
from ..errors import DataValidationError
from ..indicators.primitives import rolling_std
from .barriers import BARRIER_HOLD, BARRIER_SL, BARRIER_TP, first_barrier_hit
from .regime import volatility_context

__all__ = ["make_labels", "TARGET_COLUMNS", "CONTEXT_COLUMNS"]

log = logging.getLogger(__name__)

CONTEXT_COLUMNS = ("ctx_vol", "ctx_vol_ratio", "ctx_vol_regime", "ctx_barrier_tp", "ctx_barrier_sl")
TARGET_COLUMNS = (
    "target_tp", "target_sl", "target_hold", "target_hit_bars", "target_barrier_weight",
    "target_entry", "target_exit", "target_return", "target_volatility", "target_size",
)


def make_labels(ohlcv: pl.DataFrame, cfg: LabelConfig) -> pl.DataFrame:
    """Context (``ctx_*``, bars <= t) and target (``target_*``, bars t+1 … t+h) columns per bar.

    Args:
        ohlcv: OHLCV frame (see DESIGN.md); needs ``high``, ``low``, ``close`` (finite, > 0, high >= low).
            ``timestamp`` is carried over when present.
        cfg: the label section of the config.

    Returns:
        One row per input bar: ``timestamp`` (if given), :data:`CONTEXT_COLUMNS` then
        :data:`TARGET_COLUMNS`, all float64; see the module docstring for each formula.
    """
    high, low, close = _prices(ohlcv)
    n, h = close.shape[0], cfg.prediction_horizon
    ctx = volatility_context(close, cfg)

    vol = np.maximum(ctx.vol, cfg.min_vol)  # NaN stays NaN (np.maximum propagates it)
    sigma_h = vol * np.sqrt(h)
    tp_dist = cfg.tp_mult * ctx.scale * sigma_h  # log distance of the take-profit, (N,)
    sl_dist = cfg.sl_mult * ctx.scale * sigma_h
    up = close * np.exp(tp_dist)
    dn = close * np.exp(-sl_dist)

    outcome, hit_bars = first_barrier_hit(high, low, up, dn, h)
    has_fwd = np.arange(n) + h <= n - 1
    defined = has_fwd & np.isfinite(vol)

    fwd = np.full(n, np.nan)
    fwd_vol = np.full(n, np.nan)
    if n > h:
        fwd[: n - h] = np.log(close[h:] / close[: n - h])
        realized = np.empty(n)
        rolling_std(ctx.log_return, h, 0, realized, 0)  # realized[j]: std of returns j-h+1 … j
        fwd_vol[: n - h] = realized[h:]  # at t: returns t+1 … t+h

    z = fwd / sigma_h
    is_tp, is_sl, is_hold = (outcome == BARRIER_TP), (outcome == BARRIER_SL), (outcome == BARRIER_HOLD)
    k = hit_bars.astype(np.float64)
    ramp = (k - 1) / (h - 1) if h > 1 else np.zeros(n)
    weight = np.where(is_hold, 1.0, 1.0 - (1.0 - cfg.late_hit_weight) * ramp)
    entry = 0.5 * (1.0 + np.tanh(0.5 * (z - cfg.entry_threshold) / cfg.entry_temperature))  # stable sigmoid
    exit_ = (is_sl | (z < -cfg.exit_threshold)).astype(np.float64)
    z_trade = np.where(is_tp, tp_dist, np.where(is_sl, -sl_dist, fwd)) / sigma_h
    size = cfg.max_position * np.clip(z_trade / cfg.size_full_z, 0.0, 1.0)

    nan_unless = lambda v, ok: np.where(ok, v, np.nan)  # noqa: E731
    targets = {
        "target_tp": nan_unless(is_tp.astype(np.float64), defined),
        "target_sl": nan_unless(is_sl.astype(np.float64), defined),
        "target_hold": nan_unless(is_hold.astype(np.float64), defined),
        "target_hit_bars": nan_unless(k, defined & ~is_hold),
        "target_barrier_weight": nan_unless(weight, defined),
        "target_entry": nan_unless(entry, defined),
        "target_exit": nan_unless(exit_, defined),
        "target_return": fwd,
        "target_volatility": fwd_vol,
        "target_size": nan_unless(size, defined),
    }
    columns: dict[str, pl.Series | np.ndarray] = {}
    if "timestamp" in ohlcv.columns:
        columns["timestamp"] = ohlcv["timestamp"]
    columns.update({
        "ctx_vol": ctx.vol,
        "ctx_vol_ratio": ctx.ratio,
        "ctx_vol_regime": ctx.regime,
        "ctx_barrier_tp": up,
        "ctx_barrier_sl": dn,
    })
    columns.update(targets)
    out = pl.DataFrame(columns)
    log.debug("labels: %d bars, %d with targets, TP %.3f SL %.3f hold %.3f", n, int(defined.sum()),
              float(is_tp[defined].mean()) if defined.any() else float("nan"),
              float(is_sl[defined].mean()) if defined.any() else float("nan"),
              float(is_hold[defined].mean()) if defined.any() else float("nan"))
    return out


def _prices(ohlcv: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``high``, ``low``, ``close`` as float64 arrays, checked finite, positive and high >= low."""
    if not isinstance(ohlcv, pl.DataFrame):
        raise DataValidationError("make_labels expects a polars DataFrame", expected="pl.DataFrame (OHLCV)",
                                  found=type(ohlcv).__name__, fix="pass MarketData.frame")
    cols = {}
    for name in ("high", "low", "close"):
        if name not in ohlcv.columns:
            raise DataValidationError("OHLCV frame lacks a price column", column=name,
                                      expected="columns high, low, close", found=str(ohlcv.columns),
                                      fix="load the data through data.load_market")
        try:
            v = ohlcv[name].cast(pl.Float64).to_numpy()
        except Exception as exc:  # polars raises several types for uncastable data
            raise DataValidationError("price column is not numeric", column=name, expected="float64",
                                      found=str(ohlcv[name].dtype), fix="cast prices to float") from exc
        bad = np.flatnonzero(~np.isfinite(v) | (v <= 0))
        if bad.size:
            r = int(bad[0])
            raise DataValidationError("price is not finite and positive", row=r, column=name,
                                      expected="a finite price > 0", found=repr(float(v[r])),
                                      fix="drop or repair the row (data.validate) before labelling")
        cols[name] = np.ascontiguousarray(v)
    inverted = np.flatnonzero(cols["high"] < cols["low"])
    if inverted.size:
        r = int(inverted[0])
        raise DataValidationError("high below low", row=r, column="high", expected="high >= low",
                                  found=f"high {cols['high'][r]!r} < low {cols['low'][r]!r}",
                                  fix="repair the bar (swapped columns?)")
    return cols["high"], cols["low"], cols["close"]

"""A slow, obvious per-bar reference of make_labels (plain loops, one formula per line)."""

from __future__ import annotations

import math

import numpy as np

from neural_trading_system.config import LabelConfig


def reference_labels(high, low, close, cfg: LabelConfig) -> dict[str, np.ndarray]:
    n, h = len(close), cfg.prediction_horizon
    r = np.full(n, np.nan)
    for t in range(1, n):
        r[t] = math.log(close[t] / close[t - 1])
    vol = np.full(n, np.nan)
    for t in range(cfg.vol_window, n):
        vol[t] = np.std(r[t - cfg.vol_window + 1: t + 1], ddof=1)
    regime = np.full(n, np.nan)
    for t in range(n):
        if t - cfg.vol_long_window + 1 >= 0:
            win = vol[t - cfg.vol_long_window + 1: t + 1]
            if np.all(np.isfinite(win)):
                m = win.mean()
                ratio = vol[t] / m if m > 0 else 1.0
                regime[t] = 0 if ratio < cfg.regime_low else (2 if ratio > cfg.regime_high else 1)
    cols = {k: np.full(n, np.nan) for k in (
        "target_tp", "target_sl", "target_hold", "target_hit_bars", "target_barrier_weight", "target_entry",
        "target_exit", "target_return", "target_volatility", "target_size")}
    cols["ctx_vol"], cols["ctx_vol_regime"] = vol, regime
    for t in range(n):
        if t + h > n - 1:
            continue
        fwd = math.log(close[t + h] / close[t])
        cols["target_return"][t] = fwd
        cols["target_volatility"][t] = np.std(r[t + 1: t + h + 1], ddof=0)
        if not np.isfinite(vol[t]):
            continue
        scale = {0.0: cfg.low_vol_scale, 2.0: cfg.high_vol_scale}.get(regime[t], 1.0)
        sig = max(vol[t], cfg.min_vol) * math.sqrt(h)
        up = close[t] * math.exp(cfg.tp_mult * scale * sig)
        dn = close[t] * math.exp(-cfg.sl_mult * scale * sig)
        outcome, k_hit = "hold", None
        for k in range(1, h + 1):
            if low[t + k] <= dn:
                outcome, k_hit = "sl", k
                break
            if high[t + k] >= up:
                outcome, k_hit = "tp", k
                break
        cols["target_tp"][t] = float(outcome == "tp")
        cols["target_sl"][t] = float(outcome == "sl")
        cols["target_hold"][t] = float(outcome == "hold")
        if k_hit is not None:
            cols["target_hit_bars"][t] = k_hit
            frac = (k_hit - 1) / (h - 1) if h > 1 else 0.0
            cols["target_barrier_weight"][t] = 1 - (1 - cfg.late_hit_weight) * frac
        else:
            cols["target_barrier_weight"][t] = 1.0
        z = fwd / sig
        cols["target_entry"][t] = 1 / (1 + math.exp(-(z - cfg.entry_threshold) / cfg.entry_temperature))
        cols["target_exit"][t] = float(outcome == "sl" or z < -cfg.exit_threshold)
        z_trade = {"tp": cfg.tp_mult * scale, "sl": -cfg.sl_mult * scale}.get(outcome, z)
        cols["target_size"][t] = cfg.max_position * min(max(z_trade / cfg.size_full_z, 0.0), 1.0)
    return cols

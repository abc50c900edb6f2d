"""The causal volatility context of each bar: rolling return std and its regime against a long mean.

Everything here at bar t uses bars <= t only (the ``ctx_`` columns of the label frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import LabelConfig
from ..indicators.primitives import rolling_std, sma

__all__ = ["VolatilityContext", "volatility_context", "REGIME_LOW", "REGIME_NORMAL", "REGIME_HIGH"]

REGIME_LOW, REGIME_NORMAL, REGIME_HIGH = 0, 1, 2


@dataclass(frozen=True)
class VolatilityContext:
    """Per-bar causal volatility context, all ``(N,)`` float64.

    log_return: ``log(close[t] / close[t-1])`` (NaN at bar 0).
    vol: sample std (ddof=1) of ``log_return`` over bars ``t-vol_window+1 … t``, per bar, in log units
        (NaN for ``t < vol_window``).
    ratio: ``vol[t]`` divided by the mean of ``vol`` over bars ``t-vol_long_window+1 … t``
        (NaN for ``t < vol_window + vol_long_window - 1``).
    regime: 0 low (ratio < regime_low), 1 normal, 2 high (ratio > regime_high); NaN where ``ratio`` is.
    scale: barrier multiplier of the regime (low_vol_scale, 1.0, high_vol_scale; 1.0 while the regime is
        still warming up).
    """

    log_return: np.ndarray
    vol: np.ndarray
    ratio: np.ndarray
    regime: np.ndarray
    scale: np.ndarray


def volatility_context(close: np.ndarray, cfg: LabelConfig) -> VolatilityContext:
    """Rolling log-return std, its ratio to the long mean, the regime and the barrier scale.

    Args:
        close: ``(N,)`` float64 close prices (> 0, finite).
        cfg: ``vol_window``, ``vol_long_window``, ``regime_low``, ``regime_high``, ``low_vol_scale``,
            ``high_vol_scale``.
    """
    close = np.ascontiguousarray(close, dtype=np.float64)
    n = close.shape[0]
    log_ret = np.full(n, np.nan)
    if n > 1:
        log_ret[1:] = np.diff(np.log(close))
    vol = np.empty(n)
    rolling_std(log_ret, cfg.vol_window, 1, vol, 0)
    long_mean = np.empty(n)
    sma(vol, cfg.vol_long_window, long_mean, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # long_mean is 0 only on a fully flat history; ratio 1 (normal) is the honest reading there
        ratio = np.where(long_mean > 0, vol / np.where(long_mean > 0, long_mean, 1.0), 1.0)
    ratio[~np.isfinite(long_mean)] = np.nan
    regime = np.where(ratio < cfg.regime_low, REGIME_LOW,
                      np.where(ratio > cfg.regime_high, REGIME_HIGH, REGIME_NORMAL)).astype(np.float64)
    regime[np.isnan(ratio)] = np.nan
    scale = np.where(regime == REGIME_LOW, cfg.low_vol_scale,
                     np.where(regime == REGIME_HIGH, cfg.high_vol_scale, 1.0))
    return VolatilityContext(log_ret, vol, ratio, regime, scale)

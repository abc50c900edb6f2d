"""Batched inference in eval mode; the backtest, the analysis and the live predictor use it."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import SchemaMismatchError
from ..model.network import LOGIT_HEADS, ModelOutput, NeuralTradingModel
from ..model.regime import REGIME_CHANGE_NAMES

__all__ = ["predict", "predict_windows", "PREDICTION_KEYS"]

#: keys of :func:`predict`'s result (besides ``end_bars``)
PREDICTION_KEYS = tuple(f"{h}_prob" for h in LOGIT_HEADS) + (
    "expected_return", "volatility", "position_size", "regime_mu", "regime_logvar") + REGIME_CHANGE_NAMES


def _check_width(model: NeuralTradingModel, n_features: int, seq_len: int, what: str) -> None:
    if n_features != model.n_features:
        raise SchemaMismatchError(
            f"{what} has {n_features} features but the model was trained on {model.n_features}; "
            "build the windows with the run's own extractor (extractor.json) or retrain on the new features"
        )
    if seq_len > model.cfg.seq_len:
        raise SchemaMismatchError(
            f"{what} has windows of {seq_len} bars but the model takes at most model.seq_len={model.cfg.seq_len}; "
            "build the windows with the run's config"
        )


def _to_numpy(out: ModelOutput) -> dict[str, np.ndarray]:
    res = {f"{h}_prob": torch.sigmoid(getattr(out, f"{h}_logit").float()) for h in LOGIT_HEADS}
    res.update(expected_return=out.expected_return, volatility=out.volatility, position_size=out.position_size,
               regime_mu=out.regime_mu, regime_logvar=out.regime_logvar)
    res.update(out.regime_change)
    return {k: v.float().cpu().numpy() for k, v in res.items()}


@torch.inference_mode()
def predict_windows(model: NeuralTradingModel, x: np.ndarray, batch_size: int = 512) -> dict[str, np.ndarray]:
    """Predictions for ``x`` ``(B, T, F)`` float32 windows; see :func:`predict` for the keys."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise SchemaMismatchError(f"windows: expected a (B, T, F) array, found shape {x.shape}")
    _check_width(model, x.shape[2], x.shape[1], "the windows")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        parts = [_to_numpy(model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size])).to(device)))
                 for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return _concat(parts, len(x), model.cfg.latent_dim)


@torch.inference_mode()
def predict(model: NeuralTradingModel, ds: Any, batch_size: int = 512) -> dict[str, np.ndarray]:
    """Predict every window of a ``SequenceDataset`` in eval mode (dropout off, ``z = mu``).

    Returns ``{key: array}`` float32: ``entry_prob``, ``exit_prob``, ``tp_prob``, ``sl_prob``,
    ``hold_prob`` (sigmoids of the logits), ``expected_return`` (log return over the horizon),
    ``volatility``, ``position_size`` (0..1), each ``(N,)``; ``regime_mu`` and ``regime_logvar``
    ``(N, latent_dim)``; the six regime-change scores (``volatility_change`` …
    ``regime_change``) ``(N,)``; and ``end_bars`` ``(N,)`` int64, the bar each row belongs to.
    """
    _check_width(model, ds.n_features, ds.seq_len, "the dataset")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    n = len(ds)
    try:
        parts = []
        for i in range(0, n, batch_size):
            x, _ = ds.batch(np.arange(i, min(i + batch_size, n)))  # (B, T, F)
            parts.append(_to_numpy(model(torch.from_numpy(x).to(device))))
    finally:
        model.train(was_training)
    res = _concat(parts, n, model.cfg.latent_dim)
    res["end_bars"] = np.asarray(ds.end_bars, dtype=np.int64).copy()
    return res


def _concat(parts: list[dict[str, np.ndarray]], n: int, latent_dim: int) -> dict[str, np.ndarray]:
    if parts:
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return {k: np.zeros((0, latent_dim) if k.startswith("regime_") and k in ("regime_mu", "regime_logvar")
                        else (0,), np.float32) for k in PREDICTION_KEYS}

"""Inference in eval mode: windows (training metrics, analysis) and streamed series (backtest, live).

``predict`` / ``predict_windows`` run the model's windowed ``forward``. ``predict_bars`` runs its
``stream``: one token per bar, the same function (see ``model/network.py``); the live predictor
steps the same stream one bar at a time (``model.step.BarStepper``). All agree to float rounding
(parity tests hold them within 1e-5).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import SchemaMismatchError
from ..model.network import LOGIT_HEADS, ModelOutput, NeuralTradingModel
from ..model.regime import REGIME_CHANGE_NAMES

__all__ = ["predict", "predict_windows", "predict_bars", "PREDICTION_KEYS"]

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


@torch.inference_mode()
def predict_bars(model: NeuralTradingModel, X: np.ndarray, bars: np.ndarray, seq_len: int | None = None,
                 chunk: int = 1024) -> dict[str, np.ndarray]:
    """Predictions at ``bars`` ``(S,)`` (window end bars) of the feature matrix ``X`` ``(N, F)``.

    Equal to :func:`predict_windows` on the windows ``X[t-seq_len+1 : t+1]`` but computed by
    streaming each run of consecutive bars once, from ``seq_len - 1`` bars before its first bar:
    one token per bar instead of ``seq_len`` (a model without ``stream`` gets the windows). Keys as
    :func:`predict`, each ``(S,)`` / ``(S, latent_dim)``, in the order of ``bars``.
    """
    T = int(seq_len or model.cfg.seq_len)
    bars = np.asarray(bars, dtype=np.int64)
    X = np.asarray(X)
    _check_width(model, X.shape[1], T, "the feature matrix")
    if bars.size and (bars.min() < T - 1 or bars.max() >= len(X)):
        raise ValueError(f"window end bars must lie in [seq_len-1={T - 1}, {len(X) - 1}], "
                         f"found {bars.min()}..{bars.max()}")
    if not hasattr(model, "stream"):  # an architecture without a streaming form: one window per bar
        windows = np.lib.stride_tricks.sliding_window_view(X, (T, X.shape[1]))[:, 0]  # (N-T+1, T, F) view
        parts = [predict_windows(model, windows[bars[i:i + chunk] - T + 1], chunk) for i in range(0, len(bars), chunk)]
        return _concat(parts, len(bars), model.cfg.latent_dim)
    order = np.argsort(bars, kind="stable")
    sb = bars[order]
    breaks = np.flatnonzero(np.diff(sb) > 1) + 1
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    parts: list[dict[str, np.ndarray]] = []
    try:
        for run in np.split(sb, breaks) if sb.size else []:
            first, last = int(run[0]), int(run[-1])
            rows = np.arange(first - T + 1, last + 1)
            state, outs = None, []
            for i in range(0, len(rows), chunk):
                x = torch.from_numpy(np.ascontiguousarray(X[rows[i:i + chunk]], dtype=np.float32)).to(device)
                out, state = model.stream(x, state)
                outs.append(_to_numpy(out))
            res = _concat(outs, len(rows), model.cfg.latent_dim)
            parts.append({k: v[run - rows[0]] for k, v in res.items()})  # duplicates in `run` repeat rows
    finally:
        model.train(was_training)
    res = _concat(parts, len(bars), model.cfg.latent_dim)
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    return {k: v[inv] for k, v in res.items()}


def _concat(parts: list[dict[str, np.ndarray]], n: int, latent_dim: int) -> dict[str, np.ndarray]:
    if parts:
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return {k: np.zeros((0, latent_dim) if k.startswith("regime_") and k in ("regime_mu", "regime_logvar")
                        else (0,), np.float32) for k in PREDICTION_KEYS}

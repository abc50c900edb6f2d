"""Attention read back from the encoder: per layer and head, averaged maps, lag profiles, one bar's map.

Every function takes the model in eval mode (dropout off) and windows ``(S, T, F)`` float32;
nothing here draws (see :mod:`.draw.attention`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AttentionSummary", "attention_maps", "summarize_attention", "lag_profile", "sample_indices"]


@dataclass
class AttentionSummary:
    """Attention averaged over a sample of windows.

    ``per_head``: ``(L, H, T, T)`` float64, query bar × key bar, mean over the sampled windows
    (each row sums to 1); ``mean``: ``(L, T, T)``, additionally averaged over heads;
    ``lag_profile``: ``(L, T)`` attention of the last query (the decision bar) to the key ``lag``
    bars back (index 0 = the decision bar itself), averaged over heads; ``n_windows``: windows averaged.
    """

    per_head: np.ndarray
    mean: np.ndarray
    lag_profile: np.ndarray
    n_windows: int

    def to_json(self) -> dict:
        """Small JSON summary: lag profiles per layer and the most attended lags."""
        top = {f"layer_{i + 1}": [int(k) for k in np.argsort(-p)[:5]] for i, p in enumerate(self.lag_profile)}
        return {"n_windows": self.n_windows, "layers": int(self.per_head.shape[0]),
                "heads": int(self.per_head.shape[1]), "seq_len": int(self.per_head.shape[2]),
                "lag_profile": self.lag_profile.round(6).tolist(), "top_lags": top}


def sample_indices(n: int, k: int) -> np.ndarray:
    """``min(n, k)`` evenly spaced indices into ``range(n)`` (deterministic, spans the whole split)."""
    if n <= 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if n <= k:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def attention_maps(model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Attention of every layer and head for windows ``x`` ``(S, T, F)``: ``(S, L, H, T, T)`` float32."""
    import torch

    x = np.ascontiguousarray(x, dtype=np.float32)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    parts = []
    try:
        with torch.inference_mode():
            for i in range(0, len(x), batch_size):
                out = model(torch.from_numpy(x[i:i + batch_size]).to(device), return_attention=True)
                parts.append(torch.stack([a.float() for a in out.attention], dim=1).cpu().numpy())  # (B, L, H, T, T)
    finally:
        model.train(was_training)
    if not parts:
        return np.zeros((0, 0, 0, x.shape[1], x.shape[1]), dtype=np.float32)
    return np.concatenate(parts)


def lag_profile(maps: np.ndarray) -> np.ndarray:
    """Attention of the last query to each lag: ``(..., T, T)`` → ``(..., T)``, index = lag (0 = last bar)."""
    return maps[..., -1, ::-1]


def summarize_attention(model, x: np.ndarray, batch_size: int = 64) -> AttentionSummary:
    """Average the attention of windows ``x`` ``(S, T, F)`` into an :class:`AttentionSummary`."""
    if len(x) == 0:
        raise ValueError("summarize_attention: no windows to average (the test split is empty)")
    maps = attention_maps(model, x, batch_size).astype(np.float64)  # (S, L, H, T, T)
    per_head = maps.mean(axis=0)  # (L, H, T, T)
    mean = per_head.mean(axis=1)  # (L, T, T)
    return AttentionSummary(per_head, mean, lag_profile(mean), int(len(x)))

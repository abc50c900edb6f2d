"""Causal sliding-window self-attention whose weights can be read back for the analysis report.

Each bar attends to itself and the ``span - 1`` bars before it, never to a later bar, with a
learned bias per head and lag (relative positions; no absolute position anywhere). The
attention of bar ``t`` therefore depends on bars ``t-span+1 … t`` only, wherever the window
that holds them starts: a stack of ``L`` such layers gives bar ``t`` a receptive field of
``L·(span-1)+1`` bars. That is what makes the model *streamable*: a whole series is encoded
in one pass at the cost of one token per bar (:meth:`MultiHeadSelfAttention.stream`), a live
bar costs one token, and both equal the windowed forward pass used in training whenever the
window covers the receptive field (``ModelConfig`` checks that it does).

Dropout is applied to the output projection only, not to the attention probabilities: on a CPU
each dropout mask costs about as much as a matmul, and without it the fused kernel can run.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MultiHeadSelfAttention", "KVCache"]

#: one layer's trailing keys and values ``(m, H, hd)`` each, ``m <= span - 1``
KVCache = tuple[torch.Tensor, torch.Tensor]


def _alibi_slopes(num_heads: int) -> torch.Tensor:
    """Per-head recency slopes ``2^(-8(h+1)/H)`` (Press et al., ALiBi, 2022): the bias's start value."""
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / num_heads) for h in range(num_heads)])


class MultiHeadSelfAttention(nn.Module):
    """Scaled dot-product self-attention (Vaswani et al., 2017), ``num_heads`` heads, causal band ``span``.

    ``forward(x)`` with ``x`` ``(B, T, D)`` (bars in time order) returns ``(y, weights)``: ``y``
    ``(B, T, D)`` and ``weights`` ``(B, H, T, T)`` (rows sum to 1, zero outside the band) when
    ``need_weights``, else ``None``. ``stream(x, cache)`` computes the same function for ``n``
    consecutive bars ``(n, D)`` of one series given the keys and values of the bars before them.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float, span: int) -> None:
        super().__init__()
        assert d_model % num_heads == 0, "d_model must be divisible by num_heads (checked by ModelConfig)"
        assert span >= 1, "span must be >= 1 (checked by ModelConfig)"
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.span = int(span)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.resid_dropout = nn.Dropout(dropout)
        # rel_bias[h, lag]: the score bias of a key `lag` bars before the query
        self.rel_bias = nn.Parameter(-_alibi_slopes(num_heads)[:, None] * torch.arange(self.span, dtype=torch.float32))

    def band_bias(self, T: int) -> torch.Tensor:
        """``(H, T, T)`` additive score bias: ``rel_bias[h, i-j]`` inside the causal band, ``-inf`` outside."""
        pos = torch.arange(T, device=self.rel_bias.device)
        lag = pos[:, None] - pos[None, :]  # (T, T)
        inside = (lag >= 0) & (lag < self.span)
        bias = self.rel_bias[:, lag.clamp(0, self.span - 1)]  # (H, T, T)
        return bias.masked_fill(~inside, float("-inf"))

    def forward(self, x: torch.Tensor, need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)  # 3 × (B, T, D)
        q = q.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        k = k.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        v = v.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        bias = self.band_bias(T).to(q.dtype)  # (H, T, T)
        weights = None
        if need_weights:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim) + bias  # (B, H, T, T)
            weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)  # (B, H, T, T)
            y = weights @ v  # (B, H, T, hd)
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # (B, H, T, hd)
        y = y.transpose(1, 2).contiguous().view(B, T, D)  # (B, T, D)
        return self.resid_dropout(self.proj(y)), weights

    def stream(self, x: torch.Tensor, cache: KVCache | None) -> tuple[torch.Tensor, KVCache]:
        """``n`` consecutive bars ``x`` ``(n, D)`` of one series → ``(y (n, D), new cache)``.

        ``cache``: the keys and values of the (up to ``span - 1``) bars just before them, as the
        previous call returned (``None`` at the series' start). Bar ``i`` attends to the cached and
        new bars ``i-span+1 … i``; the returned cache holds the last ``span - 1`` of them.
        """
        n, D = x.shape
        H, hd, W = self.num_heads, self.head_dim, self.span
        q, k, v = self.qkv(x).split(D, dim=-1)  # 3 × (n, D)
        q, k, v = q.view(n, H, hd), k.view(n, H, hd), v.view(n, H, hd)  # (n, H, hd)
        m = 0 if cache is None else cache[0].shape[0]
        if m:
            k, v = torch.cat([cache[0], k]), torch.cat([cache[1], v])  # (m+n, H, hd)
        pad = x.new_zeros(W - 1, H, hd)
        kw = torch.cat([pad, k]).unfold(0, W, 1)[m:]  # (n, H, hd, W): bar i's keys, oldest first
        vw = torch.cat([pad, v]).unfold(0, W, 1)[m:]  # (n, H, hd, W)
        scores = torch.einsum("nhd,nhdw->nhw", q, kw) / math.sqrt(hd)  # (n, H, W)
        scores = scores + self.rel_bias.flip(-1).to(scores.dtype)  # column w is lag W-1-w
        first = torch.arange(n, device=x.device)[:, None] + m - (W - 1) + torch.arange(W, device=x.device)
        scores = scores.masked_fill((first < 0)[:, None, :], float("-inf"))  # keys before the series' start
        p = torch.softmax(scores.float(), dim=-1).to(q.dtype)  # (n, H, W)
        y = torch.einsum("nhw,nhdw->nhd", p, vw).reshape(n, D)  # (n, D)
        keep = max(0, W - 1)
        new_cache = (k[k.shape[0] - min(keep, k.shape[0]):], v[v.shape[0] - min(keep, v.shape[0]):])
        return self.resid_dropout(self.proj(y)), new_cache

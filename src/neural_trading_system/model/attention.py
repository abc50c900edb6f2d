"""Multi-head self-attention whose weights can be read back for the analysis report.

No causal mask: a window holds bars ``t-seq_len+1 … t`` only, every one of them already in the
past of the prediction at bar ``t``, so letting bar ``t-5`` attend to bar ``t-2`` reads nothing
from the future. Causality is enforced where windows are cut (features/sequences.py, splits).

Dropout is applied to the output projection only, not to the attention probabilities: on a CPU
each dropout mask costs about as much as a matmul (the ``(B, H, T, T)`` mask was a third of a
training step), and with ``dropout_p = 0`` the fused kernel can run.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MultiHeadSelfAttention"]


class MultiHeadSelfAttention(nn.Module):
    """Scaled dot-product self-attention (Vaswani et al., 2017), ``num_heads`` heads.

    ``forward(x)`` with ``x`` ``(B, T, D)`` returns ``(y, weights)``: ``y`` ``(B, T, D)`` and
    ``weights`` ``(B, H, T, T)`` (rows sum to 1) when ``need_weights``, else ``None``. Without
    weights the fused ``F.scaled_dot_product_attention`` kernel runs; with them an explicit
    softmax path computes the same function.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        assert d_model % num_heads == 0, "d_model must be divisible by num_heads (checked by ModelConfig)"
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)  # 3 × (B, T, D)
        q = q.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        k = k.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        v = v.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        weights = None
        if need_weights:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # (B, H, T, T)
            weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)  # (B, H, T, T)
            y = weights @ v  # (B, H, T, hd)
        else:
            y = F.scaled_dot_product_attention(q, k, v)  # (B, H, T, hd)
        y = y.transpose(1, 2).contiguous().view(B, T, D)  # (B, T, D)
        return self.resid_dropout(self.proj(y)), weights

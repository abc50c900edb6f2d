"""The transformer encoder: input projection, learned positions, pre-norm blocks.

Positional encoding is *learned*, one vector per position in the window, aligned to the
window's end: the current bar always gets the last position vector, so a shorter window
(``T < seq_len``) still means "the last T bars" to the model.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import MultiHeadSelfAttention

__all__ = ["EncoderBlock", "SequenceEncoder"]


class LayerScale(nn.Module):
    """Per-channel learnable scale of a residual branch (Touvron et al., CaiT, 2021)."""

    def __init__(self, dim: int, init: float) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class EncoderBlock(nn.Module):
    """Pre-norm block: ``x + LS(Attn(LN(x)))`` then ``x + LS(FFN(LN(x)))`` with a GELU FFN.

    Dropout sits at the end of each residual branch (attention output, FFN output) only: each
    mask is costly on a CPU, and these two are where it regularizes.
    """

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int, dropout: float,
                 layer_scale_init: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, dropout)
        self.ls_1 = LayerScale(d_model, layer_scale_init)
        self.ln_2 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, dim_feedforward),
            nn.GELU(),
            nn.Linear(dim_feedforward, d_model),
            nn.Dropout(dropout),
        )
        self.ls_2 = LayerScale(d_model, layer_scale_init)

    def forward(self, x: torch.Tensor, need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        a, weights = self.attn(self.ln_1(x), need_weights)  # (B, T, D), (B, H, T, T) | None
        x = x + self.ls_1(a)  # (B, T, D)
        x = x + self.ls_2(self.ffn(self.ln_2(x)))  # (B, T, D)
        return x, weights


class SequenceEncoder(nn.Module):
    """``(B, T, F)`` features → ``(B, T, D)`` hidden states (+ per-layer attention weights).

    The projected input is layer-normalized before positions are added, which keeps the
    residual stream at unit scale even for extreme inputs (±1e4), so every output stays finite.
    """

    def __init__(self, n_features: int, seq_len: int, d_model: int, num_heads: int, num_layers: int,
                 dim_feedforward: int, dropout: float, layer_scale_init: float) -> None:
        super().__init__()
        self.seq_len = seq_len
        self.input_proj = nn.Linear(n_features, d_model)
        self.input_norm = nn.LayerNorm(d_model)
        self.pos_emb = nn.Parameter(torch.zeros(seq_len, d_model))
        nn.init.normal_(self.pos_emb, std=0.02)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, num_heads, dim_feedforward, dropout, layer_scale_init) for _ in range(num_layers)
        )
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, need_weights: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        T = x.shape[1]
        h = self.input_norm(self.input_proj(x))  # (B, T, D)
        h = h + self.pos_emb[self.seq_len - T:]  # (B, T, D), positions aligned to the last bar
        attention: list[torch.Tensor] = []
        for block in self.blocks:
            h, w = block(h, need_weights)  # (B, T, D), (B, H, T, T) | None
            if w is not None:
                attention.append(w)
        return self.ln_f(h), attention

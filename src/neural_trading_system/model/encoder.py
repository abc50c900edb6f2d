"""The transformer encoder: input projection, pre-norm blocks of causal sliding-window attention.

Positions are *relative*: each attention layer learns a bias per head and lag (see
``attention.py``); there is no absolute position vector, so a bar's hidden state does not depend
on where the window that holds it starts once the window covers its receptive field. That lets
:meth:`SequenceEncoder.stream` encode a whole series, or one new live bar, at one token per bar.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import KVCache, MultiHeadSelfAttention

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
                 layer_scale_init: float, span: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, dropout, span)
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

    def stream(self, x: torch.Tensor, cache: KVCache | None) -> tuple[torch.Tensor, KVCache]:
        """``forward`` for ``n`` consecutive bars ``(n, D)`` of one series given the attention cache."""
        a, cache = self.attn.stream(self.ln_1(x), cache)  # (n, D)
        x = x + self.ls_1(a)
        x = x + self.ls_2(self.ffn(self.ln_2(x)))
        return x, cache


class SequenceEncoder(nn.Module):
    """``(B, T, F)`` features → ``(B, T, D)`` hidden states (+ per-layer attention weights).

    The projected input is layer-normalized, which keeps the residual stream at unit scale even
    for extreme inputs (±1e4), so every output stays finite. ``span``: bars each attention layer
    looks back (itself included).
    """

    def __init__(self, n_features: int, d_model: int, num_heads: int, num_layers: int,
                 dim_feedforward: int, dropout: float, layer_scale_init: float, span: int) -> None:
        super().__init__()
        self.span = int(span)
        self.input_proj = nn.Linear(n_features, d_model)
        self.input_norm = nn.LayerNorm(d_model)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, num_heads, dim_feedforward, dropout, layer_scale_init, span)
            for _ in range(num_layers)
        )
        self.ln_f = nn.LayerNorm(d_model)

    @property
    def receptive_field(self) -> int:
        """Bars the last layer's state of a bar depends on (itself included)."""
        return len(self.blocks) * (self.span - 1) + 1

    def forward(self, x: torch.Tensor, need_weights: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        h = self.input_norm(self.input_proj(x))  # (B, T, D)
        attention: list[torch.Tensor] = []
        for block in self.blocks:
            h, w = block(h, need_weights)  # (B, T, D), (B, H, T, T) | None
            if w is not None:
                attention.append(w)
        return self.ln_f(h), attention

    def stream(self, x: torch.Tensor, caches: list[KVCache] | None) -> tuple[torch.Tensor, list[KVCache]]:
        """``n`` consecutive bars ``(n, F)`` of one series → ``(h (n, D), caches)``.

        ``caches``: one :data:`KVCache` per layer as the previous call returned (``None`` at the
        series' start). Bar ``i``'s state equals ``forward`` on any window that ends at bar ``i``
        and holds its ``receptive_field`` bars.
        """
        h = self.input_norm(self.input_proj(x))  # (n, D)
        out: list[KVCache] = []
        for i, block in enumerate(self.blocks):
            h, c = block.stream(h, None if caches is None else caches[i])  # (n, D)
            out.append(c)
        return self.ln_f(h), out

"""The multi-task trading transformer: encoder → representation → regime model → task heads.

Data flow (shapes for a batch of ``B`` windows of ``T`` bars and ``F`` features)::

    x (B, T, F) ─ SequenceEncoder (causal, span S) ─▶ h (B, T, D)
    current = h[:, -1] (B, D)   history = mean(h[:, -P:]) (B, D)   P = min(history_pool, T)
    r = LN(W [current, history]) (B, D)                       sequence representation
    RegimeVAE(r) ─▶ mu, logvar, z (B, L), recon (B, D)
    RegimeChangeDetector(current, history, mu, mu_history) ─▶ 6 scores (B,)
    heads([r, z, scores]) ─▶ 5 logits, expected return, volatility > 0, size in (0, 1)

The same function runs two ways. ``forward`` takes windows (training, evaluation, attention
maps). ``stream`` takes consecutive bars of one series with a :class:`StreamState` and costs one
token per bar: the backtest encodes its whole period in one pass and the live predictor one bar
per call. For every bar whose ``seq_len``-bar window lies inside the streamed bars the two agree
to float rounding: the attention is causal with relative positions, and ``ModelConfig`` keeps
``num_layers·(span-1) + history_pool <= seq_len`` so a window covers what each pooled state reads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from ..config import ModelConfig
from ..errors import SchemaMismatchError
from .attention import KVCache
from .encoder import SequenceEncoder
from .regime import REGIME_CHANGE_NAMES, RegimeChangeDetector, RegimeVAE

__all__ = ["ModelOutput", "NeuralTradingModel", "StreamState", "LOGIT_HEADS", "VALUE_HEADS", "VOL_EPS"]

#: heads that output a logit (probability after a sigmoid)
LOGIT_HEADS = ("entry", "exit", "tp", "sl", "hold")
#: heads that output a value
VALUE_HEADS = ("expected_return", "volatility", "position_size")
#: floor of the volatility head (softplus + eps), in return units per bar
VOL_EPS = 1e-6


@dataclass
class ModelOutput:
    """Everything one forward pass produces. Scalars per window are ``(B,)`` float tensors.

    ``entry_logit`` … ``hold_logit``: logits of the entry, exit, take-profit, stop-loss and hold
    targets; ``expected_return`` (log return over the horizon), ``volatility`` (> 0),
    ``position_size`` (0..1); ``regime_mu`` / ``regime_logvar`` / ``regime_z`` ``(B, L)``;
    ``recon`` and ``representation`` ``(B, D)``; ``regime_change``: dict of
    :data:`REGIME_CHANGE_NAMES` → ``(B,)``; ``attention``: one ``(B, H, T, T)`` per layer when
    asked for, else ``None``.
    """

    entry_logit: torch.Tensor
    exit_logit: torch.Tensor
    tp_logit: torch.Tensor
    sl_logit: torch.Tensor
    hold_logit: torch.Tensor
    expected_return: torch.Tensor
    volatility: torch.Tensor
    position_size: torch.Tensor
    regime_mu: torch.Tensor
    regime_logvar: torch.Tensor
    regime_z: torch.Tensor
    recon: torch.Tensor
    representation: torch.Tensor
    regime_change: dict[str, torch.Tensor]
    attention: list[torch.Tensor] | None = None

    def tensors(self) -> dict[str, torch.Tensor]:
        """Flat ``{name: tensor}`` of every tensor field (regime-change scores by their names)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("regime_change", "attention")}
        out.update(self.regime_change)
        return out


@dataclass
class StreamState:
    """What :meth:`NeuralTradingModel.stream` carries from one call to the next for one series:
    each layer's attention cache, the last ``pool - 1`` final hidden states ``(m, D)``, and the bars
    streamed so far."""

    caches: list[KVCache] | None = None
    recent: torch.Tensor | None = None
    bars: int = 0


class TaskHeads(nn.Module):
    """``n`` independent two-layer GELU MLPs (``in → hidden → 1``) evaluated as one batched matmul.

    ``forward(h (B, in)) -> (B, n)``: column ``k`` is head ``k``'s raw output. Equivalent to ``n``
    separate ``nn.Sequential`` heads (the second layer is block-diagonal), with far fewer kernel
    launches, which is what a small model on a CPU spends its time on.
    """

    def __init__(self, d_in: int, hidden: int, n: int, dropout: float) -> None:
        super().__init__()
        self.n, self.hidden = n, hidden
        self.fc = nn.Linear(d_in, n * hidden)
        self.drop = nn.Dropout(dropout)
        self.out_weight = nn.Parameter(torch.randn(n, hidden) * 0.02)
        self.out_bias = nn.Parameter(torch.zeros(n))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        a = self.drop(F.gelu(self.fc(h))).view(h.shape[0], self.n, self.hidden)  # (B, n, hidden)
        return torch.einsum("bnh,nh->bn", a, self.out_weight) + self.out_bias  # (B, n)


class NeuralTradingModel(nn.Module):
    """``NeuralTradingModel(cfg, n_features)(x (B, T, F), return_attention=False) -> ModelOutput``.

    ``T`` may be at most ``cfg.seq_len``. Positions are relative (see ``attention.py``).
    """

    def __init__(self, cfg: ModelConfig, n_features: int) -> None:
        super().__init__()
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, found {n_features}")
        self.cfg = cfg
        self.n_features = int(n_features)
        D, L = cfg.d_model, cfg.latent_dim
        self.pool = cfg.pool
        self.encoder = SequenceEncoder(n_features, D, cfg.num_heads, cfg.num_layers, cfg.dim_feedforward,
                                       cfg.dropout, cfg.layer_scale_init, cfg.span)
        self.rep_proj = nn.Sequential(nn.Linear(2 * D, D), nn.GELU(), nn.Linear(D, D))
        self.rep_norm = nn.LayerNorm(D)
        self.vae = RegimeVAE(D, L, cfg.logvar_min, cfg.logvar_max)
        self.detector = RegimeChangeDetector(D, L)
        self.head_names = LOGIT_HEADS + VALUE_HEADS
        self.heads = TaskHeads(D + L + len(REGIME_CHANGE_NAMES), max(16, D // 2), len(self.head_names), cfg.dropout)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def represent(self, current: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        """``(B, D)`` current and history states → ``(B, D)`` representation."""
        return self.rep_norm(self.rep_proj(torch.cat([current, history], dim=-1)))

    def forward(self, x: torch.Tensor, return_attention: bool = False) -> ModelOutput:
        B, T, Fdim = x.shape
        if Fdim != self.n_features or T > self.cfg.seq_len:
            raise SchemaMismatchError(
                f"model input: expected (B, T <= {self.cfg.seq_len}, F = {self.n_features}), found {tuple(x.shape)}; "
                "feed windows built by the run's own extractor (extractor.json) with at most seq_len bars, "
                "or retrain on the new features"
            )
        h, attention = self.encoder(x, need_weights=return_attention)  # (B, T, D), [(B, H, T, T)]
        current = h[:, -1]  # (B, D)
        history = h[:, -min(self.pool, T):].mean(dim=1)  # (B, D)
        return self._outputs(current, history, attention if return_attention else None)

    def stream(self, x: torch.Tensor, state: StreamState | None = None) -> tuple[ModelOutput, StreamState]:
        """Outputs for ``n`` consecutive bars ``x`` ``(n, F)`` of one series, one row per bar.

        ``state``: what the previous call on the same series returned (``None`` at its start). Row
        ``i`` equals ``forward`` on the window of ``seq_len`` bars ending at that bar once
        ``seq_len`` bars have been streamed. Call in eval mode (no dropout, ``z = mu``).
        """
        n, Fdim = x.shape
        if Fdim != self.n_features:
            raise SchemaMismatchError(
                f"model input: expected (n, F = {self.n_features}) bars, found {tuple(x.shape)}; "
                "feed rows built by the run's own extractor (extractor.json), or retrain on the new features"
            )
        state = state or StreamState()
        h, caches = self.encoder.stream(x, state.caches)  # (n, D)
        m = 0 if state.recent is None else state.recent.shape[0]
        hs = h if not m else torch.cat([state.recent, h])  # (m+n, D)
        P = self.pool
        padded = torch.cat([hs.new_zeros(P - 1, hs.shape[1]), hs])  # (P-1+m+n, D)
        sums = padded.unfold(0, P, 1)[m:].sum(dim=-1)  # (n, D): each bar's last P states (zeros before start)
        count = (torch.arange(n, device=x.device) + state.bars + 1).clamp(max=P).to(h.dtype)  # (n,)
        history = sums / count[:, None]  # (n, D)
        keep = min(P - 1, hs.shape[0])
        new = StreamState(caches=caches, recent=hs[hs.shape[0] - keep:].clone() if keep else None,
                          bars=state.bars + n)
        return self._outputs(h, history, None), new

    def _outputs(self, current: torch.Tensor, history: torch.Tensor,
                 attention: list[torch.Tensor] | None) -> ModelOutput:
        """Representation, regime model and heads from the ``(B, D)`` current and history states."""
        r = self.represent(current, history)  # (B, D)
        mu, logvar, z, recon = self.vae(r)  # (B, L) ×3, (B, D)
        mu_history, _ = self.vae.encode(self.represent(history, history))  # (B, L)
        change = self.detector(current, history, mu, mu_history)  # {name: (B,)}
        head_in = torch.cat([r, z, torch.stack([change[n] for n in REGIME_CHANGE_NAMES], dim=-1)], dim=-1)
        raw = dict(zip(self.head_names, self.heads(head_in).unbind(-1)))  # {name: (B,)}
        return ModelOutput(
            entry_logit=raw["entry"], exit_logit=raw["exit"], tp_logit=raw["tp"], sl_logit=raw["sl"],
            hold_logit=raw["hold"],
            expected_return=raw["expected_return"],
            volatility=F.softplus(raw["volatility"]) + VOL_EPS,
            position_size=torch.sigmoid(raw["position_size"]),
            regime_mu=mu, regime_logvar=logvar, regime_z=z, recon=recon, representation=r,
            regime_change=change,
            attention=attention,
        )

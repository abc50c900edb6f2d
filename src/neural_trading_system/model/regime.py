"""The regime model: a VAE over the sequence representation and a regime-change detector.

The VAE (Kingma & Welling, 2014) compresses the representation ``r`` ``(B, D)`` into a small
latent ``z`` ``(B, L)``: the "regime" coordinates the analysis report clusters and plots.

The detector scores how much the current bar departs from its recent history. Each of its four
named scores is a monotone function of a *distance* between the current-bar state and the pooled
history state in its own learned subspace, so a larger score always means "more change in that
subspace". The names say which kind of change each subspace is meant to capture; no target
supervises them directly: they learn through the task heads, which read them as inputs.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["RegimeVAE", "RegimeChangeDetector", "REGIME_CHANGE_NAMES", "CHANGE_SCORES"]

#: the four subspace scores, in order
CHANGE_SCORES = ("volatility_change", "volume_anomaly", "trend_break", "liquidity_shift")
#: every key of ``ModelOutput.regime_change``
REGIME_CHANGE_NAMES = CHANGE_SCORES + ("stability_index", "regime_change")


class RegimeVAE(nn.Module):
    """Gaussian VAE over ``(B, D)`` representations with a ``latent_dim`` latent.

    ``encode(r) -> (mu, logvar)`` each ``(B, L)``, log-variance clamped to
    ``[logvar_min, logvar_max]``; ``forward(r) -> (mu, logvar, z, recon)`` where ``z`` is
    sampled by reparameterization in training and equals ``mu`` in eval mode, and ``recon``
    ``(B, D)`` is the decoded representation.
    """

    def __init__(self, d_model: int, latent_dim: int, logvar_min: float, logvar_max: float) -> None:
        super().__init__()
        self.logvar_min, self.logvar_max = float(logvar_min), float(logvar_max)
        self.enc = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU())
        self.mu = nn.Linear(d_model, latent_dim)
        self.logvar = nn.Linear(d_model, latent_dim)
        self.dec = nn.Sequential(nn.Linear(latent_dim, d_model), nn.GELU(), nn.Linear(d_model, d_model))

    def encode(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        e = self.enc(r)  # (B, D)
        logvar = self.logvar(e).clamp(self.logvar_min, self.logvar_max)  # (B, L)
        return self.mu(e), logvar

    def forward(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(r)  # (B, L) each
        if self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)  # (B, L) reparameterization
        else:
            z = mu
        return mu, logvar, z, self.dec(z)  # recon (B, D)


def _inv_softplus(y: float) -> float:
    return math.log(math.expm1(y))


class RegimeChangeDetector(nn.Module):
    """Regime-change scores from the current-bar state, the pooled history and the latent.

    Inputs: ``current`` and ``history`` ``(B, D)`` (last hidden state, mean of the last
    ``history_pool`` hidden states), ``mu`` and ``mu_history`` ``(B, L)`` (latent means of the
    full representation and of a history-only representation). Output: dict of ``(B,)`` scores
    in (0, 1) named :data:`REGIME_CHANGE_NAMES`:

    - the four :data:`CHANGE_SCORES`: ``sigmoid(g_k · d_k + b_k)`` with ``d_k`` the RMS
      distance between ``P_k current`` and ``P_k history`` in subspace ``k`` and ``g_k > 0``;
    - ``stability_index``: ``sigmoid(b - g · drift)``, ``drift`` the RMS distance between
      ``mu`` and ``mu_history`` (1 = the latent regime is where history put it);
    - ``regime_change``: sigmoid of a positively weighted sum of the four score logits and the
      latent drift (combined score).
    """

    def __init__(self, d_model: int, latent_dim: int) -> None:
        super().__init__()
        self.k = max(4, d_model // 8)
        self.proj = nn.Linear(d_model, len(CHANGE_SCORES) * self.k, bias=False)
        n = len(CHANGE_SCORES)
        self.gain = nn.Parameter(torch.full((n,), _inv_softplus(1.0)))
        self.bias = nn.Parameter(torch.full((n,), -1.0))
        self.stab_gain = nn.Parameter(torch.tensor(_inv_softplus(1.0)))
        self.stab_bias = nn.Parameter(torch.tensor(1.0))
        self.mix = nn.Parameter(torch.full((n,), _inv_softplus(1.0 / n)))
        self.drift_gain = nn.Parameter(torch.tensor(_inv_softplus(0.5)))
        self.comb_bias = nn.Parameter(torch.tensor(0.0))

    def forward(self, current: torch.Tensor, history: torch.Tensor, mu: torch.Tensor,
                mu_history: torch.Tensor) -> dict[str, torch.Tensor]:
        B = current.shape[0]
        diff = (self.proj(current) - self.proj(history)).view(B, len(CHANGE_SCORES), self.k)  # (B, 4, k)
        dist = (diff.pow(2).mean(-1) + 1e-6).sqrt()  # (B, 4)
        logits = F.softplus(self.gain) * dist + self.bias  # (B, 4)
        drift = ((mu - mu_history).pow(2).mean(-1) + 1e-6).sqrt()  # (B,)
        out = {name: torch.sigmoid(logits[:, i]) for i, name in enumerate(CHANGE_SCORES)}
        out["stability_index"] = torch.sigmoid(self.stab_bias - F.softplus(self.stab_gain) * drift)
        combined = (F.softplus(self.mix) * logits).sum(-1) + F.softplus(self.drift_gain) * drift + self.comb_bias
        out["regime_change"] = torch.sigmoid(combined)  # (B,)
        return out

"""The multi-task loss with learned uncertainty weights.

Per task ``i`` a masked loss ``L_i`` (NaN targets are left out):

- entry, exit, tp, sl, hold: BCE on logits, soft targets allowed (entry), positive-class weight
  ``neg / pos`` of *this batch's* valid (weighted) targets, clamped to
  ``[1/pos_weight_max, pos_weight_max]``; tp, sl and hold are weighted per sample by the barrier
  weight (``weights[target_tp]`` … as ``SequenceDataset.batch_weights`` gives them, or a
  ``target_barrier_weight`` column among the targets);
- return: SmoothL1 (Huber, ``beta`` in log-return units); volatility and size: MSE.

They are combined with learned log-variances ``s_i`` (Kendall, Gal & Cipolla, CVPR 2018, in the
common simplified form)::

    total = Σ_i [exp(-s_i) · L_i + s_i] + recon + kl_weight · KL

The VAE term is added with fixed weights (outside the uncertainty weighting) so that
``kl_weight`` means what it says. The reconstruction target is the *detached* representation:
the decoder learns to reproduce the representation, but cannot pull the representation toward
something easy to reconstruct (the task heads alone shape it). A task with no valid target in
the batch contributes nothing, not even its ``s_i``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..model.network import ModelOutput

__all__ = ["MultiTaskLoss", "TASKS", "CLASSIFICATION_TASKS", "REGRESSION_TASKS", "BARRIER_TASKS"]

#: classification task → (logit field, target column)
CLASSIFICATION_TASKS: dict[str, tuple[str, str]] = {
    "entry": ("entry_logit", "target_entry"),
    "exit": ("exit_logit", "target_exit"),
    "tp": ("tp_logit", "target_tp"),
    "sl": ("sl_logit", "target_sl"),
    "hold": ("hold_logit", "target_hold"),
}
#: regression task → (output field, target column, loss kind)
REGRESSION_TASKS: dict[str, tuple[str, str, str]] = {
    "return": ("expected_return", "target_return", "smooth_l1"),
    "volatility": ("volatility", "target_volatility", "mse"),
    "size": ("position_size", "target_size", "mse"),
}
#: tasks weighted per sample by ``target_barrier_weight``
BARRIER_TASKS = ("tp", "sl", "hold")
BARRIER_WEIGHT = "target_barrier_weight"
#: the uncertainty-weighted tasks, in the order of ``MultiTaskLoss.log_vars``
TASKS = tuple(CLASSIFICATION_TASKS) + tuple(REGRESSION_TASKS)


def _masked(y: torch.Tensor, w: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(B,)`` targets (NaN = missing) and optional weights → (finite targets, weights × mask)."""
    valid = torch.isfinite(y)
    if w is not None:
        valid = valid & torch.isfinite(w)
        weight = torch.where(valid, w, torch.zeros_like(w))
    else:
        weight = valid.to(y.dtype)
    return torch.where(valid, y, torch.zeros_like(y)), weight


class MultiTaskLoss(nn.Module):
    """``loss(out, targets) -> (total, logs)``.

    ``targets``: ``{column: (B,) float}`` with NaN for missing values; a task whose target
    column is absent is skipped. ``weights``: optional ``{target column: (B,) float}`` per-sample
    loss weights (NaN = leave the sample out), applied to the task of that column. ``logs``: detached scalars ``loss_<task>``, ``weight_<task>``
    (``exp(-s_i)``), ``logvar_<task>`` for each of :data:`TASKS`, plus ``loss_recon``,
    ``loss_kl`` and ``loss_vae``.
    """

    def __init__(self, kl_weight: float = 1e-3, pos_weight_max: float = 20.0, return_beta: float = 0.05) -> None:
        super().__init__()
        self.kl_weight = float(kl_weight)
        self.pos_weight_max = float(pos_weight_max)
        self.return_beta = float(return_beta)
        self.log_vars = nn.Parameter(torch.zeros(len(TASKS)))  # s_i, one per task

    def _bce(self, logit: torch.Tensor, y: torch.Tensor, w: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        y, weight = _masked(y, w)  # (B,), (B,)
        pos = (weight * y).sum()
        neg = (weight * (1 - y)).sum()
        pos_weight = (neg / pos.clamp_min(1e-12)).clamp(1 / self.pos_weight_max, self.pos_weight_max).detach()
        per = F.binary_cross_entropy_with_logits(logit, y, pos_weight=pos_weight, reduction="none")  # (B,)
        total_w = weight.sum()
        return (per * weight).sum() / total_w.clamp_min(1e-12), total_w

    def _regression(self, pred: torch.Tensor, y: torch.Tensor, w: torch.Tensor | None,
                    kind: str) -> tuple[torch.Tensor, torch.Tensor]:
        y, weight = _masked(y, w)
        if kind == "smooth_l1":
            per = F.smooth_l1_loss(pred, y, reduction="none", beta=self.return_beta)
        else:
            per = (pred - y).pow(2)
        total_w = weight.sum()
        return (per * weight).sum() / total_w.clamp_min(1e-12), total_w

    def forward(self, out: ModelOutput, targets: dict[str, torch.Tensor],
                weights: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        losses: list[torch.Tensor] = []
        present: list[torch.Tensor] = []
        weights = dict(weights or {})
        if BARRIER_WEIGHT in targets:
            for task in BARRIER_TASKS:
                weights.setdefault(CLASSIFICATION_TASKS[task][1], targets[BARRIER_WEIGHT])
        tasks = [(field, col, lambda yh, y, w: self._bce(yh, y, w)) for field, col in CLASSIFICATION_TASKS.values()]
        tasks += [(field, col, lambda yh, y, w, k=kind: self._regression(yh, y, w, k))
                  for field, col, kind in REGRESSION_TASKS.values()]
        for field, col, task_loss in tasks:  # classification tasks first, then regression (log_vars order)
            y = targets.get(col)
            if y is None:
                losses.append(self.log_vars.new_zeros(()))
                present.append(self.log_vars.new_zeros(()))
                continue
            w = weights.get(col)
            loss, n = task_loss(getattr(out, field).float(), y.float(), None if w is None else w.float())
            losses.append(loss)
            present.append((n > 0).float())
        L = torch.stack(losses)  # (n_tasks,)
        has = torch.stack(present)  # (n_tasks,)
        s = self.log_vars
        weighted = (has * (torch.exp(-s) * L + s)).sum()

        mu, logvar = out.regime_mu.float(), out.regime_logvar.float()
        recon = F.mse_loss(out.recon.float(), out.representation.detach().float())
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)).mean()
        vae = recon + self.kl_weight * kl
        total = weighted + vae

        logs: dict[str, torch.Tensor] = {}
        weights = torch.exp(-s.detach())
        for i, task in enumerate(TASKS):
            logs[f"loss_{task}"] = L[i].detach()
            logs[f"weight_{task}"] = weights[i]
            logs[f"logvar_{task}"] = s[i].detach()
        logs["loss_recon"] = recon.detach()
        logs["loss_kl"] = kl.detach()
        logs["loss_vae"] = vae.detach()
        return total, logs

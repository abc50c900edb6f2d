"""Validation: the whole set in eval mode, one loss over all of it, the entry AUC."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import torch

from ..model.network import ModelOutput
from .metrics import entry_auc

__all__ = ["evaluate", "to_device", "concat_outputs"]


def to_device(x: np.ndarray, targets: dict[str, np.ndarray], weights: dict[str, np.ndarray],
              device: torch.device) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """A ``SequenceDataset`` batch as tensors on ``device`` (no copy on the CPU)."""
    nb = device.type == "cuda"
    return (torch.from_numpy(x).to(device, non_blocking=nb),
            {k: torch.from_numpy(v).to(device, non_blocking=nb) for k, v in targets.items()},
            {k: torch.from_numpy(v).to(device, non_blocking=nb) for k, v in weights.items()})


def concat_outputs(parts: list[ModelOutput]) -> ModelOutput:
    """Concatenate per-batch outputs along the batch axis (attention dropped), as float32."""
    kw: dict[str, Any] = {}
    for f in fields(ModelOutput):
        if f.name == "attention":
            continue
        if f.name == "regime_change":
            kw[f.name] = {k: torch.cat([p.regime_change[k].float() for p in parts]) for k in parts[0].regime_change}
        else:
            kw[f.name] = torch.cat([getattr(p, f.name).float() for p in parts])
    return ModelOutput(**kw)


@torch.no_grad()
def evaluate(objective: torch.nn.Module, ds: Any, device: torch.device, rt: Any, batch_size: int) -> dict[str, Any]:
    """Loss of the whole ``ds`` (eval mode: no dropout, ``z = mu``), per-task losses and entry AUC.

    The loss is computed once over all windows, so the per-batch positive-class weights are
    those of the whole set and the figure does not depend on ``batch_size``.
    """
    was_training = objective.training
    objective.eval()
    outs: list[ModelOutput] = []
    ys: dict[str, list[torch.Tensor]] = {}
    ws: dict[str, list[torch.Tensor]] = {}
    n = len(ds)
    try:
        for i in range(0, n, batch_size):
            ids = np.arange(i, min(i + batch_size, n))
            x, y = ds.batch(ids)
            x, y, w = to_device(x, y, ds.batch_weights(ids), device)
            with rt.autocast():
                out = objective.model(x)  # ModelOutput of (B, ...) tensors
            out.attention = None
            outs.append(out)
            for k, v in y.items():
                ys.setdefault(k, []).append(v)
            for k, v in w.items():
                ws.setdefault(k, []).append(v)
        out = concat_outputs(outs)
        targets = {k: torch.cat(v) for k, v in ys.items()}
        weights = {k: torch.cat(v) for k, v in ws.items()}
        total, logs = objective.loss(out, targets, weights)
    finally:
        objective.train(was_training)
    res: dict[str, Any] = {"loss": float(total)}
    res.update({k: float(v) for k, v in logs.items() if k.startswith("loss_")})
    if "target_entry" in targets:
        prob = torch.sigmoid(out.entry_logit).cpu().numpy()
        res["entry_auc"] = entry_auc(prob, targets["target_entry"].float().cpu().numpy())
    else:
        res["entry_auc"] = None
    return res

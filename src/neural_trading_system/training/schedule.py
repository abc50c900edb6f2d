"""Learning-rate schedule: linear warm-up, then cosine annealing to zero, by optimizer step."""

from __future__ import annotations

import math

import torch

__all__ = ["warmup_cosine", "make_scheduler"]


def warmup_cosine(step: int, total_steps: int, warmup_steps: int) -> float:
    """LR multiplier at optimizer step ``step`` (0-based): ``(step+1)/warmup`` during warm-up,
    then ``0.5·(1 + cos(π·progress))`` with ``progress`` from 0 to 1 over the remaining steps."""
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    remaining = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / remaining)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def make_scheduler(optimizer: torch.optim.Optimizer, total_steps: int,
                   warmup_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` stepping :func:`warmup_cosine`; its ``state_dict`` is plain numbers."""

    def factor(step: int) -> float:
        return warmup_cosine(step, total_steps, warmup_steps)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

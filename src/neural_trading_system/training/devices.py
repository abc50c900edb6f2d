"""Device, precision and multi-process strategy, resolved from the config.

Precision names follow Lightning's: '32-true', 'bf16-mixed', '16-mixed' (fp16 autocast with a
gradient scaler).
"""

from __future__ import annotations

import os
from typing import Any

import torch

from ..config import TrainingConfig
from ..errors import ConfigError

__all__ = ["device_settings", "externally_launched"]


def externally_launched() -> bool:
    """True when an external launcher (torchrun, SLURM via Lightning) started this process."""
    return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ


def _accelerator(device: str) -> str:
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    acc = {"cpu": "cpu", "cuda": "cuda", "gpu": "cuda", "mps": "mps"}[device]
    if acc == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"training.device='{device}' but torch sees no CUDA GPU (torch {torch.__version__}); "
            "set training.device=auto or cpu, or install a CUDA build of torch"
        )
    return acc


def _precision(precision: str, accelerator: str) -> str:
    if precision == "32":
        return "32-true"
    if precision == "bf16":
        if accelerator == "cuda" and not torch.cuda.is_bf16_supported():
            raise ConfigError("training.precision='bf16' but this GPU does not support bfloat16; use fp16 or 32")
        return "bf16-mixed"
    if precision == "fp16":
        if accelerator == "cpu":
            raise ConfigError("training.precision='fp16' is not supported on CPU; use bf16 or 32 (or 'auto')")
        return "16-mixed"
    # auto: bf16 where the GPU has it, fp16 (with a gradient scaler) on older GPUs, fp32 elsewhere
    if accelerator == "cuda":
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


def device_settings(tc: TrainingConfig) -> dict[str, Any]:
    """``{accelerator, devices, strategy, precision}`` for :func:`.runtime.launch`.

    ``devices > 1`` runs DDP: 'ddp_spawn' (``train_model`` spawns the workers, gloo on CPU, NCCL
    on GPUs) unless an external launcher started this process, where it joins the group ('ddp').
    """
    accelerator = _accelerator(tc.device)
    if accelerator == "cuda" and tc.devices > torch.cuda.device_count():
        raise ConfigError(
            f"training.devices={tc.devices} but only {torch.cuda.device_count()} CUDA GPU(s) are visible; "
            "lower training.devices"
        )
    if tc.devices == 1:
        strategy = "auto"
    elif tc.strategy == "auto":
        strategy = "ddp" if externally_launched() else "ddp_spawn"
    else:
        strategy = tc.strategy
    return {"accelerator": accelerator, "devices": tc.devices, "strategy": strategy,
            "precision": _precision(tc.precision, accelerator)}

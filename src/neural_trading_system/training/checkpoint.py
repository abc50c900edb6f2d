"""Checkpoints for exact resume: plain containers of tensors and numbers, never pickled objects.

``checkpoints/last.pt`` (after every epoch) holds the model and loss parameters, optimizer,
scheduler, gradient-scaler state, every rank's torch RNG state, Python's and NumPy's global RNG
states, the epoch and step counters, the early-stopping state, the history and the shuffle seed.
``checkpoints/best.pt`` holds the best epoch's model weights. Both are written with
``torch.save`` to a temp file renamed over the target, and read with ``weights_only=True``.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..artifacts import atomic_path
from ..config import Config
from ..errors import ArtifactError

__all__ = ["save_checkpoint", "load_checkpoint", "rng_state", "restore_rng_state", "resume_fingerprint",
           "fingerprint_diff", "LAST", "BEST"]

LAST = Path("checkpoints") / "last.pt"
BEST = Path("checkpoints") / "best.pt"

# Training keys that do not change the arithmetic of a run (a resume may change them).
_COSMETIC = {"progress_bar", "use_wandb", "use_tensorboard", "num_workers", "threads"}


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """``torch.save`` a dict of tensors and plain containers, atomically."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` onto the CPU; a corrupt file is an ArtifactError."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for truncated or foreign files
        raise ArtifactError(
            f"checkpoint {path} could not be read ({type(exc).__name__}: {exc}); delete it to start the "
            "run over, or pass resume=False"
        ) from None


def rng_state() -> dict[str, Any]:
    """This process's torch (CPU and CUDA), Python and NumPy-global RNG states as plain values."""
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state() if torch.cuda.is_available() and torch.cuda.is_initialized() else None,
        "python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]],
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
    }


def restore_rng_state(state: dict[str, Any], torch_state: torch.Tensor | None = None) -> None:
    """Restore :func:`rng_state`'s output (``torch_state``: this rank's torch CPU state, if given)."""
    torch.set_rng_state(torch_state if torch_state is not None else state["torch"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))


def _fingerprint_source(cfg: Config, n_features: int, n_train: int, n_val: int) -> dict[str, Any]:
    training = {k: v for k, v in cfg.training.model_dump(mode="json").items() if k not in _COSMETIC}
    return {"seed": cfg.seed, "model": cfg.model.model_dump(mode="json"), "training": training,
            "n_features": n_features, "n_train": n_train, "n_val": n_val}


def resume_fingerprint(cfg: Config, n_features: int, n_train: int, n_val: int) -> tuple[str, str]:
    """``(sha256, json)`` of everything that must match for a resume to be exact."""
    text = json.dumps(_fingerprint_source(cfg, n_features, n_train, n_val), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest(), text


def fingerprint_diff(old_json: str, new_json: str) -> list[str]:
    """Keys (dotted) whose values differ between two fingerprint sources."""
    old, new = json.loads(old_json), json.loads(new_json)
    out: list[str] = []

    def walk(a: Any, b: Any, prefix: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                walk(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)
        elif a != b:
            out.append(f"{prefix}: {a!r} -> {b!r}")

    walk(old, new, "")
    return out

"""Training: the multi-task loss, the loop (devices and DDP in plain torch.distributed), checkpoints,
resume, inference and the run's model artifacts. Importing this package imports torch."""

from __future__ import annotations

from .artifacts import (LoadedRun, check_feature_compat, load_run, load_weights, read_manifest,
                        read_weights_metadata, save_weights, write_manifest)
from .engine import Objective, TrainResult, epoch_order, train_model
from .loss import TASKS, MultiTaskLoss
from .predict import PREDICTION_KEYS, predict, predict_bars, predict_windows
from .schedule import warmup_cosine

__all__ = [
    "train_model",
    "TrainResult",
    "Objective",
    "epoch_order",
    "MultiTaskLoss",
    "TASKS",
    "predict",
    "predict_windows",
    "predict_bars",
    "PREDICTION_KEYS",
    "save_weights",
    "load_weights",
    "read_weights_metadata",
    "load_run",
    "LoadedRun",
    "write_manifest",
    "read_manifest",
    "check_feature_compat",
    "warmup_cosine",
]

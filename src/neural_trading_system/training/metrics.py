"""Epoch metrics: ``metrics.jsonl`` in the run directory, optional wandb and TensorBoard.

One JSON object per epoch: ``epoch``, ``step``, ``lr``, ``train_loss``, ``val_loss``,
``train_loss_<task>`` / ``val_loss_<task>``, ``weight_<task>`` (``exp(-s_i)``),
``logvar_<task>``, ``val_entry_auc``, ``epoch_seconds``, ``samples_per_s``, ``time`` (unix s),
``world_size``. The trackers are imported only when their flag is set.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import write_text_atomic
from ..config import Config
from ..errors import ConfigError

__all__ = ["MetricsLog", "entry_auc"]

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"


def entry_auc(prob: np.ndarray, target: np.ndarray) -> float | None:
    """ROC AUC of entry probabilities against ``target_entry > 0.5`` (NaN targets left out);
    None when the valid targets hold a single class."""
    from sklearn.metrics import roc_auc_score

    valid = np.isfinite(target) & np.isfinite(prob)
    y = target[valid] > 0.5
    if y.size == 0 or y.all() or not y.any():
        return None
    return float(roc_auc_score(y, prob[valid]))


class MetricsLog:
    """Writes epoch records (rank 0 only) to ``metrics.jsonl`` and the optional trackers."""

    def __init__(self, run_dir: Path, cfg: Config, enabled: bool = True) -> None:
        self.path = Path(run_dir) / METRICS_FILE
        self.enabled = enabled
        self._wandb = None
        self._tb = None
        if not enabled:
            return
        if cfg.training.use_wandb:
            try:
                import wandb
            except ImportError:
                raise ConfigError("training.use_wandb=true but wandb is not installed; "
                                  "pip install wandb (or the [tracking] extra) or set use_wandb=false") from None
            self._wandb = wandb.init(project="neural-trading-system", name=Path(run_dir).name,
                                     config=cfg.to_dict(), dir=str(run_dir), reinit=True)
        if cfg.training.use_tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise ConfigError("training.use_tensorboard=true but tensorboard is not installed; "
                                  "pip install tensorboard (or the [tracking] extra) or set use_tensorboard=false") from None
            self._tb = SummaryWriter(log_dir=str(Path(run_dir) / "tensorboard"))

    def rewrite(self, history: list[dict[str, Any]]) -> None:
        """Replace the file with ``history`` (on resume: drops lines of an unfinished epoch)."""
        if self.enabled:
            write_text_atomic(self.path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in history))

    def append(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
        numeric = {k: v for k, v in record.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if self._wandb is not None:
            self._wandb.log(numeric, step=int(record["step"]))
        if self._tb is not None:
            for k, v in numeric.items():
                self._tb.add_scalar(k, v, global_step=int(record["step"]))
            self._tb.flush()

    def close(self) -> None:
        if self._wandb is not None:
            self._wandb.finish()
        if self._tb is not None:
            self._tb.close()

"""The training loop: devices, precision and DDP (``runtime.py``); exact resume; early stopping.

Read it top to bottom: :func:`train_model` resolves the devices and (for several processes)
spawns the workers; :func:`_fit` is the whole loop of one process.

Determinism: the model is initialized from ``seed``; each epoch's sample order is a permutation
drawn by ``np.random.default_rng(seed + epoch)`` (so it needs no saved state); dropout and the
VAE's noise come from torch's RNG seeded once per rank and saved in every checkpoint.
Under DDP each rank takes every ``world``-th sample of that permutation and ``batch_size`` is
per process; every rank evaluates the whole validation set, so early stopping agrees everywhere.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..config import Config, save_config
from ..errors import ConfigError, SchemaMismatchError
from ..model.network import NeuralTradingModel
from .artifacts import MANIFEST_FILE, WEIGHTS_FILE, read_manifest, save_weights
from .checkpoint import (BEST, LAST, fingerprint_diff, load_checkpoint, restore_rng_state, resume_fingerprint,
                         rng_state, save_checkpoint)
from .devices import device_settings
from .evaluation import evaluate, to_device
from .loss import MultiTaskLoss
from .metrics import MetricsLog
from .runtime import Runtime, launch
from .schedule import make_scheduler

__all__ = ["TrainResult", "train_model", "Objective", "epoch_order"]

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What :func:`train_model` returns (rank 0's view under DDP)."""

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    history: list[dict[str, Any]]
    weights_path: Path
    stopped_early: bool
    world_size: int = 1
    replica_param_spread: float = 0.0
    """Max |param difference| between ranks after training (0.0 when DDP kept them in sync)."""
    resumed_from_epoch: int | None = None
    run_dir: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


class Objective(nn.Module):
    """The model and its loss as one module, so DDP synchronizes the loss's learned weights too."""

    def __init__(self, model: NeuralTradingModel, loss: MultiTaskLoss) -> None:
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, x: torch.Tensor, targets: dict[str, torch.Tensor],
                weights: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return self.loss(self.model(x), targets, weights)  # x (B, T, F)


def epoch_order(n: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> np.ndarray:
    """Sample positions this rank visits in ``epoch``: a permutation by ``default_rng(seed + epoch)``,
    trimmed to a multiple of ``world`` (equal step counts on every rank), every ``world``-th from ``rank``."""
    perm = np.random.default_rng(seed + epoch).permutation(n)
    perm = perm[: (n // world) * world]
    return perm[rank::world]


def _check_datasets(cfg: Config, train_ds: Any, val_ds: Any) -> None:
    if train_ds.n_features != val_ds.n_features:
        raise SchemaMismatchError(
            f"train dataset has {train_ds.n_features} features, validation {val_ds.n_features}; build both from "
            "one feature matrix"
        )
    for name, ds in (("train", train_ds), ("validation", val_ds)):
        if ds.seq_len != cfg.model.seq_len:
            raise ConfigError(f"{name} dataset windows are {ds.seq_len} bars but model.seq_len={cfg.model.seq_len}; "
                              "build the datasets with the config's seq_len")
        if len(ds) == 0:
            raise ConfigError(f"{name} dataset is empty; use more data or smaller seq_len / horizon / embargo")
    if len(train_ds) < cfg.training.devices:
        raise ConfigError(f"{len(train_ds)} training samples cannot be shared by training.devices={cfg.training.devices}")


def train_model(cfg: Config, train_ds: Any, val_ds: Any, run_dir: str | Path, resume: bool = True, *,
                progress: bool | None = None,
                on_epoch_end: Callable[[dict[str, Any]], None] | None = None) -> TrainResult:
    """Train ``NeuralTradingModel`` on ``train_ds``, early-stopping on ``val_ds``; artifacts into ``run_dir``.

    Writes ``config.json``, ``checkpoints/last.pt`` and ``best.pt``, ``metrics.jsonl`` and (best
    weights) ``model.safetensors``. With ``resume`` and an existing ``checkpoints/last.pt`` of the
    same config, training continues from the epoch after it, reproducing an uninterrupted run
    exactly. ``progress`` overrides ``training.progress_bar``. ``on_epoch_end(record)`` runs on
    rank 0 after each epoch's checkpoint (raise ``KeyboardInterrupt`` in it to stop; under spawned
    DDP it must be a module-level function).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _check_datasets(cfg, train_ds, val_ds)
    save_config(cfg, run_dir / "config.json")
    settings = device_settings(cfg.training)
    log.info("training on %s ×%d (%s, %s)", settings["accelerator"], settings["devices"], settings["strategy"],
             settings["precision"])
    show = cfg.training.progress_bar if progress is None else progress
    return launch(settings, _fit, cfg, train_ds, val_ds, run_dir, resume, show, on_epoch_end)


def _param_groups(objective: Objective, weight_decay: float) -> list[dict[str, Any]]:
    """Decay matrices only (nanoGPT): biases, norms, layer scales and the loss's log-variances do not decay."""
    decay = [p for p in objective.parameters() if p.dim() >= 2]
    no_decay = [p for p in objective.parameters() if p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _fit(rt: Runtime, cfg: Config, train_ds: Any, val_ds: Any, run_dir: Path, resume: bool, show: bool,
         on_epoch_end: Callable[[dict[str, Any]], None] | None) -> TrainResult:
    tc = cfg.training
    rank, world = rt.global_rank, rt.world_size
    is_main = rank == 0
    prev_threads = torch.get_num_threads()
    prev_det = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    if tc.threads:
        torch.set_num_threads(tc.threads)
    elif world > 1 and rt.device.type == "cpu":
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    if tc.deterministic:
        if rt.device.type == "cuda":
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        return _loop(rt, cfg, train_ds, val_ds, run_dir, resume, show and is_main, on_epoch_end, rank, world)
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_det[0], warn_only=prev_det[1])


def _loop(rt: Runtime, cfg: Config, train_ds: Any, val_ds: Any, run_dir: Path, resume: bool, show: bool,
          on_epoch_end: Callable[[dict[str, Any]], None] | None, rank: int, world: int) -> TrainResult:
    tc = cfg.training
    is_main = rank == 0
    t_start = time.perf_counter()
    torch.manual_seed(cfg.seed)  # identical initialization on every rank
    model = NeuralTradingModel(cfg.model, train_ds.n_features)
    objective = Objective(model, MultiTaskLoss(tc.kl_weight, tc.pos_weight_max))
    optimizer = torch.optim.AdamW(_param_groups(objective, tc.weight_decay), lr=tc.lr, betas=(0.9, 0.95))

    n_local = len(train_ds) // world
    micro_per_epoch = math.ceil(n_local / tc.batch_size)
    if tc.max_steps_per_epoch is not None:
        micro_per_epoch = min(micro_per_epoch, tc.max_steps_per_epoch * tc.grad_accum)
    steps_per_epoch = math.ceil(micro_per_epoch / tc.grad_accum)
    total_steps = steps_per_epoch * tc.num_epochs
    scheduler = make_scheduler(optimizer, total_steps, int(tc.warmup_frac * total_steps))
    train_obj = rt.setup(objective)  # on the device; DDP-wrapped when world > 1
    torch.manual_seed(cfg.seed + 1 + rank)  # dropout / VAE noise stream of this rank

    fp, fp_json = resume_fingerprint(cfg, train_ds.n_features, len(train_ds), len(val_ds))
    start_epoch, step, history = 0, 0, []
    best = {"val_loss": math.inf, "epoch": -1, "bad_epochs": 0}
    stopped_early, finished, resumed_from = False, False, None
    last_path, best_path = run_dir / LAST, run_dir / BEST
    if resume and last_path.is_file():
        ck = load_checkpoint(last_path)
        if ck.get("fingerprint") != fp:
            from ..errors import ArtifactError

            diff = fingerprint_diff(ck.get("fingerprint_json", "{}"), fp_json)
            raise ArtifactError(
                f"{last_path} was written by a run with a different setup ({'; '.join(diff) or 'unknown'}); "
                "resume with the same config and data, pass resume=False to start over, or use a new run directory"
            )
        if ck["world_size"] != world:
            from ..errors import ArtifactError

            raise ArtifactError(f"{last_path} was written with {ck['world_size']} process(es), this run has {world}; "
                                f"resume with training.devices={ck['world_size']} or pass resume=False")
        objective.load_state_dict(ck["objective"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        rt.load_state_dict(ck["precision"])
        restore_rng_state(ck["rng"], ck["torch_rng_per_rank"][rank])
        start_epoch, step, history = ck["epoch"] + 1, ck["step"], list(ck["history"])
        best = dict(ck["early_stopping"])
        stopped_early, finished, resumed_from = ck["stopped_early"], ck["finished"], ck["epoch"]
        log.info("resumed %s after epoch %d (step %d)", run_dir, ck["epoch"], step)

    metrics = MetricsLog(run_dir, cfg, enabled=is_main)
    metrics.rewrite(history)
    device = rt.device
    epoch = start_epoch - 1
    try:
        for epoch in range(start_epoch, tc.num_epochs):
            if finished:
                break
            t0 = time.perf_counter()
            objective.train()
            ids = epoch_order(len(train_ds), cfg.seed, epoch, rank, world)
            batches = [ids[i:i + tc.batch_size] for i in range(0, len(ids), tc.batch_size)][:micro_per_epoch]
            sums: dict[str, torch.Tensor] = {}
            n_micro = 0
            bar = _progress(show, steps_per_epoch, epoch, tc.num_epochs)
            for g in range(0, len(batches), tc.grad_accum):
                group = batches[g:g + tc.grad_accum]
                for j, b in enumerate(group):
                    x, y = train_ds.batch(b)  # (B, T, F), {name: (B,)}
                    x, y, w = to_device(x, y, train_ds.batch_weights(b), device)
                    with rt.no_backward_sync(train_obj, enabled=j < len(group) - 1):
                        with rt.autocast():
                            total, logs = train_obj(x, y, w)
                        rt.backward(total / len(group))
                    logs["loss"] = total.detach()
                    for k, v in logs.items():
                        sums[k] = sums.get(k, 0.0) + v.float()
                    n_micro += 1
                rt.clip_gradients(objective, optimizer, tc.grad_clip)
                rt.step(optimizer)
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{float(total):.4f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
            train = {k: v / max(n_micro, 1) for k, v in sums.items()}
            if world > 1:
                train = {k: rt.all_reduce_mean(v) for k, v in train.items()}
            val = evaluate(objective, val_ds, device, rt, 2 * tc.batch_size)
            seconds = time.perf_counter() - t0
            record = _record(epoch, step, scheduler.get_last_lr()[0], train, val, seconds,
                             world * sum(len(b) for b in batches), world)
            history.append(record)
            improved = math.isfinite(record["val_loss"]) and record["val_loss"] < best["val_loss"]
            if improved:
                best = {"val_loss": record["val_loss"], "epoch": epoch, "bad_epochs": 0}
                if is_main:
                    save_checkpoint(best_path, {"epoch": epoch, "val_loss": record["val_loss"],
                                                "model": model.state_dict()})
            else:
                best["bad_epochs"] += 1
            stopped_early = best["bad_epochs"] >= tc.patience
            finished = stopped_early or epoch == tc.num_epochs - 1
            if bar is not None:
                bar.set_postfix(train=f"{record['train_loss']:.4f}", val=f"{record['val_loss']:.4f}",
                                auc=record["val_entry_auc"])
                bar.close()
            _save_last(rt, last_path, objective, optimizer, scheduler, epoch, step, history, best,
                       stopped_early, finished, fp, fp_json, cfg.seed, world)
            if is_main:
                metrics.append(record)
                log.info("epoch %d: train %.4f val %.4f auc %s (%.1fs)", epoch, record["train_loss"],
                         record["val_loss"], record["val_entry_auc"], seconds)
                if on_epoch_end is not None:
                    on_epoch_end(record)
            if stopped_early:
                if is_main:
                    log.info("early stop after epoch %d: no validation improvement for %d epochs", epoch, tc.patience)
                break
    finally:
        metrics.close()

    spread = _replica_spread(rt, objective) if world > 1 else 0.0
    weights_path = run_dir / WEIGHTS_FILE
    if is_main:
        state = load_checkpoint(best_path)["model"] if best_path.is_file() else model.state_dict()
        schema = None
        if (run_dir / MANIFEST_FILE).is_file():
            schema = read_manifest(run_dir).get("feature_schema_hash")
        save_weights(model, weights_path, feature_schema_hash=schema, state_dict=state)
    rt.barrier()
    return TrainResult(best_epoch=int(best["epoch"]), best_val_loss=float(best["val_loss"]), epochs_run=len(history),
                       history=history, weights_path=weights_path, stopped_early=bool(stopped_early), world_size=world,
                       replica_param_spread=spread, resumed_from_epoch=resumed_from, run_dir=run_dir,
                       timings={"train_s": round(time.perf_counter() - t_start, 3)})


def _record(epoch: int, step: int, lr: float, train: dict[str, torch.Tensor], val: dict[str, Any],
            seconds: float, samples: int, world: int) -> dict[str, Any]:
    rec: dict[str, Any] = {"epoch": epoch, "step": step, "lr": float(lr), "train_loss": float(train["loss"]),
                           "val_loss": float(val["loss"])}
    for k, v in train.items():
        if k.startswith("loss_"):
            rec[f"train_{k}"] = float(v)
        elif k.startswith(("weight_", "logvar_")):
            rec[k] = float(v)
    for k, v in val.items():
        if k.startswith("loss_"):
            rec[f"val_{k}"] = float(v)
    rec["val_entry_auc"] = val["entry_auc"]
    rec.update(epoch_seconds=round(seconds, 3), samples_per_s=round(samples / max(seconds, 1e-9), 1),
               time=round(time.time(), 3), world_size=world)
    return rec


def _save_last(rt: Runtime, path: Path, objective: Objective, optimizer: torch.optim.Optimizer, scheduler: Any,
               epoch: int, step: int, history: list[dict[str, Any]], best: dict[str, Any], stopped_early: bool,
               finished: bool, fp: str, fp_json: str, seed: int, world: int) -> None:
    """Every rank contributes its torch RNG state; rank 0 writes the file."""
    torch_rng = torch.get_rng_state()  # (5056,) uint8
    per_rank = [t.cpu().clone() for t in rt.all_gather(torch_rng.to(rt.device))]  # world × (5056,)
    if rt.global_rank == 0:
        save_checkpoint(path, {
            "format": 1, "fingerprint": fp, "fingerprint_json": fp_json, "epoch": epoch, "step": step,
            "objective": objective.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "precision": rt.state_dict(),
            "rng": rng_state(), "torch_rng_per_rank": per_rank, "early_stopping": dict(best),
            "history": history, "shuffle_seed": seed, "world_size": world,
            "stopped_early": stopped_early, "finished": finished,
        })
    rt.barrier()


def _replica_spread(rt: Runtime, objective: Objective) -> float:
    flat = torch.cat([p.detach().float().reshape(-1) for p in objective.parameters()])  # (P,)
    gathered = torch.stack(rt.all_gather(flat))  # (world, P)
    return float((gathered - gathered[0:1]).abs().max())


def _progress(show: bool, total: int, epoch: int, epochs: int) -> Any:
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"epoch {epoch + 1}/{epochs}", unit="step", leave=True, dynamic_ncols=True)

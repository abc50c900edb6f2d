"""train_model: exact resume, determinism by seed, artifacts and metrics, accumulation, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.torch import load_file

from neural_trading_system.errors import ArtifactError, ConfigError
from neural_trading_system.training import epoch_order, train_model
from neural_trading_system.training.schedule import warmup_cosine

from .conftest import tiny_config

LOSS_KEYS = ("train_loss", "val_loss", "train_loss_entry", "val_loss_tp", "val_loss_vae", "weight_entry", "lr", "step")


class Interrupt(KeyboardInterrupt):
    pass


def _stop_after_first_epoch(record):
    if record["epoch"] == 0:
        raise Interrupt


def test_resume_equals_uninterrupted(tmp_path, datasets):
    cfg = tiny_config()
    full = train_model(cfg, *datasets, tmp_path / "full")

    with pytest.raises(KeyboardInterrupt):
        train_model(cfg, *datasets, tmp_path / "cut", on_epoch_end=_stop_after_first_epoch)
    lines = (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 1 and (tmp_path / "cut" / "checkpoints" / "last.pt").is_file()
    resumed = train_model(cfg, *datasets, tmp_path / "cut")

    assert resumed.resumed_from_epoch == 0
    assert len(full.history) == len(resumed.history) == 3
    for a, b in zip(full.history, resumed.history):
        for k in a:
            if k.startswith(("train_", "val_", "weight_", "logvar_")) or k in ("lr", "step", "epoch"):
                assert a[k] == b[k], (a["epoch"], k, a[k], b[k])  # exact, not approximate
    wa, wb = load_file(full.weights_path), load_file(resumed.weights_path)
    assert all(np.array_equal(wa[k].numpy(), wb[k].numpy()) for k in wa)
    assert len((tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()) == 3
    # resuming a finished run trains nothing more and returns the same result
    again = train_model(cfg, *datasets, tmp_path / "cut")
    assert again.history == resumed.history and again.best_epoch == resumed.best_epoch


def test_same_seed_same_weights_other_seed_other_weights(tmp_path, datasets):
    cfg = tiny_config(**{"training.num_epochs": 2})
    a = train_model(cfg, *datasets, tmp_path / "a")
    b = train_model(cfg, *datasets, tmp_path / "b")
    c = train_model(cfg.with_overrides({"seed": 8}), *datasets, tmp_path / "c")
    wa, wb, wc = (load_file(r.weights_path) for r in (a, b, c))
    assert all(np.array_equal(wa[k].numpy(), wb[k].numpy()) for k in wa)
    assert not all(np.array_equal(wa[k].numpy(), wc[k].numpy()) for k in wa)
    assert [h["train_loss"] for h in a.history] == [h["train_loss"] for h in b.history]


def test_run_files_metrics_and_best_epoch(trained_run):
    run_dir, result = trained_run
    for name in ("config.json", "metrics.jsonl", "model.safetensors", "checkpoints/last.pt", "checkpoints/best.pt"):
        assert (run_dir / name).is_file(), name
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [0, 1] == [h["epoch"] for h in result.history]
    for key in ("step", "lr", "train_loss", "val_loss", "val_entry_auc", "epoch_seconds", "time",
                "train_loss_entry", "val_loss_return", "weight_volatility", "logvar_size", "train_loss_kl"):
        assert key in records[0], key
    assert 0.0 <= records[-1]["val_entry_auc"] <= 1.0
    best = min(range(2), key=lambda i: records[i]["val_loss"])
    assert result.best_epoch == best and result.best_val_loss == records[best]["val_loss"]
    assert result.epochs_run == 2 and not result.stopped_early


def test_grad_accumulation_and_step_cap(tmp_path, datasets):
    train, _ = datasets  # 219 samples → 7 micro-batches of 32
    r = train_model(tiny_config(**{"training.num_epochs": 1, "training.grad_accum": 2}), *datasets, tmp_path / "a")
    assert r.history[-1]["step"] == 4  # ceil(7 / 2)
    r = train_model(tiny_config(**{"training.num_epochs": 2, "training.max_steps_per_epoch": 2}), *datasets,
                    tmp_path / "b")
    assert [h["step"] for h in r.history] == [2, 4]
    assert len(train) == 219


def test_resume_with_other_config_is_refused(tmp_path, datasets):
    with pytest.raises(KeyboardInterrupt):
        train_model(tiny_config(), *datasets, tmp_path, on_epoch_end=_stop_after_first_epoch)
    with pytest.raises(ArtifactError, match=r"training\.lr: 0\.003 -> 0\.001.*resume=False"):
        train_model(tiny_config(**{"training.lr": 1e-3}), *datasets, tmp_path)
    fresh = train_model(tiny_config(**{"training.lr": 1e-3, "training.num_epochs": 1}), *datasets, tmp_path,
                        resume=False)
    assert fresh.resumed_from_epoch is None and fresh.epochs_run == 1


def test_wrong_seq_len_is_refused(tmp_path, datasets):
    with pytest.raises(ConfigError, match="seq_len"):
        train_model(tiny_config(**{"model.seq_len": 16}), *datasets, tmp_path)


def test_epoch_order_is_seeded_and_sharded():
    a = epoch_order(10, seed=3, epoch=1)
    assert np.array_equal(a, epoch_order(10, seed=3, epoch=1))
    assert not np.array_equal(a, epoch_order(10, seed=3, epoch=2))
    assert np.array_equal(np.sort(a), np.arange(10))
    r0, r1 = epoch_order(11, 3, 1, rank=0, world=2), epoch_order(11, 3, 1, rank=1, world=2)
    assert len(r0) == len(r1) == 5 and not set(r0) & set(r1)


def test_warmup_then_cosine():
    lrs = [warmup_cosine(s, total_steps=10, warmup_steps=2) for s in range(10)]
    assert lrs[0] == 0.5 and lrs[1] == 1.0 and lrs[2] == 1.0
    assert all(x >= y for x, y in zip(lrs[2:], lrs[3:])) and lrs[-1] < 0.05


def test_bf16_autocast_on_cpu_and_fp16_refused(tmp_path, datasets):
    r = train_model(tiny_config(**{"training.num_epochs": 1, "training.precision": "bf16"}), *datasets, tmp_path)
    assert np.isfinite(r.history[0]["train_loss"]) and np.isfinite(r.best_val_loss)
    with pytest.raises(ConfigError, match="fp16.*CPU"):
        train_model(tiny_config(**{"training.precision": "fp16"}), *datasets, tmp_path / "b")

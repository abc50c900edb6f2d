"""Tiny datasets and configs for the training tests (d_model 16, 1 layer, seq_len 8, F 12)."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.config import Config, load_config
from neural_trading_system.features import SequenceDataset
from tests.torch_threads import one_torch_thread  # noqa: F401  (autouse fixture)

SEQ_LEN, N_FEATURES = 8, 12


def tiny_config(**overrides) -> Config:
    base = {
        "seed": 7,
        "model.seq_len": SEQ_LEN, "model.d_model": 16, "model.num_heads": 2, "model.num_layers": 1,
        "model.dim_feedforward": 32, "model.latent_dim": 4, "model.history_pool": 4, "model.dropout": 0.1,
        "training.batch_size": 32, "training.num_epochs": 3, "training.lr": 3e-3, "training.patience": 10,
        "training.device": "cpu", "training.devices": 1, "training.progress_bar": False,
        "training.warmup_frac": 0.1,
    }
    base.update(overrides)
    return load_config("debug", overrides=base)


def make_market_targets(n: int, n_features: int = N_FEATURES, seed: int = 0) -> tuple[np.ndarray, dict, dict]:
    """``X (n, F)`` float32 with a learnable signal in column 0, all ten-style targets, barrier weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    sig = X[:, 0]
    t = {
        "target_entry": 1 / (1 + np.exp(-3 * sig)),
        "target_exit": (sig < -0.5),
        "target_tp": (sig > 0.5),
        "target_sl": (sig < -0.5),
        "target_hold": (np.abs(sig) <= 0.5),
        "target_return": 0.01 * sig,
        "target_volatility": 0.02 + 0.01 * np.abs(X[:, 1]),
        "target_size": np.clip(sig, 0, 1),
    }
    t = {k: np.asarray(v, dtype=np.float32) for k, v in t.items()}
    t["target_return"][-6:] = np.nan  # the horizon runs past the data
    t["target_tp"][-6:] = np.nan
    bw = rng.uniform(0.5, 1.0, n).astype(np.float32)
    w = {k: bw for k in ("target_tp", "target_sl", "target_hold")}
    return X, t, w


def make_datasets(n: int = 300, seed: int = 0, n_features: int = N_FEATURES) -> tuple[SequenceDataset, SequenceDataset]:
    X, t, w = make_market_targets(n, n_features, seed)
    idx = np.arange(SEQ_LEN - 1, n)
    cut = int(len(idx) * 0.75)
    return (SequenceDataset(X, t, idx[:cut], SEQ_LEN, weights=w), SequenceDataset(X, t, idx[cut:], SEQ_LEN, weights=w))


@pytest.fixture(scope="session")
def datasets() -> tuple[SequenceDataset, SequenceDataset]:
    return make_datasets()


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, datasets):
    """One tiny finished run directory (2 epochs) shared by the artifact tests."""
    from neural_trading_system.training import train_model, write_manifest

    run_dir = tmp_path_factory.mktemp("run")
    write_manifest(run_dir, n_features=N_FEATURES, feature_schema_hash="schema-aaa", seed=7)
    result = train_model(tiny_config(**{"training.num_epochs": 2}), *datasets, run_dir)
    return run_dir, result



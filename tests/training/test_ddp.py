"""Two-process DDP on CPU (gloo) through Lightning Fabric: both ranks train, parameters stay equal."""

from __future__ import annotations

import json

import pytest

from neural_trading_system.training import train_model

from .conftest import tiny_config


@pytest.mark.slow
def test_two_process_ddp_on_cpu(tmp_path, datasets):
    train, _ = datasets
    cfg = tiny_config(**{"training.devices": 2, "training.num_epochs": 2, "training.threads": 1})
    result = train_model(cfg, *datasets, tmp_path)
    # two processes joined one gloo group ...
    assert result.world_size == 2
    # ... each rank took its own half of every epoch's permutation: ceil((219 // 2) / 32) = 4 steps per epoch
    assert len(train) == 219 and [h["step"] for h in result.history] == [4, 8]
    # ... and gradients were all-reduced: after 8 steps on different shards, with a different dropout
    # stream per rank, every parameter is bit-identical across the two processes
    assert result.replica_param_spread == 0.0
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["world_size"] for r in records] == [2, 2]
    assert result.weights_path.is_file()

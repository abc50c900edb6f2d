"""The model can memorize one batch: the supervised task losses fall by more than 90%."""

from __future__ import annotations

import numpy as np
import torch

from neural_trading_system.model import NeuralTradingModel
from neural_trading_system.training.loss import TASKS, MultiTaskLoss

from .conftest import N_FEATURES, make_datasets, tiny_config


def test_overfits_one_batch():
    torch.manual_seed(0)
    cfg = tiny_config(**{"model.dropout": 0.0})
    train, _ = make_datasets()
    x, y = train.batch(np.arange(32))
    y = {k: torch.from_numpy(v) for k, v in y.items()}
    y["target_entry"] = (y["target_entry"] > 0.5).float()  # hard targets: a soft BCE cannot reach 0
    x = torch.from_numpy(x)
    model = NeuralTradingModel(cfg.model, N_FEATURES)
    loss_fn = MultiTaskLoss(kl_weight=1e-3)
    opt = torch.optim.AdamW(list(model.parameters()) + list(loss_fn.parameters()), lr=3e-3, weight_decay=0.0)

    def supervised(logs) -> float:
        return sum(float(logs[f"loss_{t}"]) for t in TASKS)

    first = None
    for _ in range(200):
        model.train()
        total, logs = loss_fn(model(x), y)
        first = supervised(logs) if first is None else first
        opt.zero_grad()
        total.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        _, logs = loss_fn(model(x), y)
    last = supervised(logs)
    assert last < 0.1 * first, (first, last)

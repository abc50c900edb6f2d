"""MultiTaskLoss: NaN masks, per-batch positive-class weights, barrier weights, Kendall combination."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from neural_trading_system.model import REGIME_CHANGE_NAMES, ModelOutput
from neural_trading_system.training.loss import TASKS, MultiTaskLoss

B, L, D = 10, 3, 5


def fake_output(seed: int = 0, requires_grad: bool = False) -> ModelOutput:
    g = torch.Generator().manual_seed(seed)
    r = lambda *s, scale=1.0: (torch.randn(*s, generator=g) * scale).requires_grad_(requires_grad)  # noqa: E731
    return ModelOutput(
        entry_logit=r(B), exit_logit=r(B), tp_logit=r(B), sl_logit=r(B), hold_logit=r(B),
        expected_return=r(B, scale=0.01), volatility=torch.rand(B, generator=g) * 0.05 + 0.01,
        position_size=torch.rand(B, generator=g),
        regime_mu=r(B, L), regime_logvar=r(B, L, scale=0.5), regime_z=r(B, L), recon=r(B, D), representation=r(B, D),
        regime_change={k: torch.rand(B, generator=g) for k in REGIME_CHANGE_NAMES},
    )


def fake_targets(seed: int = 1) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    t = {c: (torch.rand(B, generator=g) > 0.6).float() for c in ("target_exit", "target_tp", "target_sl", "target_hold")}
    t["target_entry"] = torch.rand(B, generator=g)  # soft
    t["target_return"] = torch.randn(B, generator=g) * 0.02
    t["target_volatility"] = torch.rand(B, generator=g) * 0.03 + 0.01
    t["target_size"] = torch.rand(B, generator=g)
    return t


def subset(out: ModelOutput, keep: torch.Tensor) -> ModelOutput:
    kw = {k: v[keep] for k, v in vars(out).items() if isinstance(v, torch.Tensor)}
    return ModelOutput(**kw, regime_change={k: v[keep] for k, v in out.regime_change.items()})


def test_nan_targets_are_masked_out():
    out, t = fake_output(), fake_targets()
    loss = MultiTaskLoss()
    nan_rows = torch.tensor([1, 4, 7])
    keep = torch.ones(B, dtype=torch.bool)
    keep[nan_rows] = False
    t_nan = {k: v.clone() for k, v in t.items()}
    for k in t_nan:
        t_nan[k][nan_rows] = float("nan")
    total, logs = loss(out, t_nan)
    _, ref = loss(subset(out, keep), {k: v[keep] for k, v in t.items()})
    assert torch.isfinite(total)
    for task in TASKS:
        assert float(logs[f"loss_{task}"]) == pytest.approx(float(ref[f"loss_{task}"]), rel=1e-6), task


def test_nan_target_gives_finite_gradients():
    out, t = fake_output(requires_grad=True), fake_targets()
    t["target_return"][:3] = float("nan")
    total, _ = MultiTaskLoss()(out, t)
    total.backward()
    assert torch.isfinite(out.expected_return.grad).all()
    assert (out.expected_return.grad[:3] == 0).all()


def test_all_nan_task_contributes_nothing():
    out, t = fake_output(), fake_targets()
    loss = MultiTaskLoss()
    with torch.no_grad():
        loss.log_vars.fill_(0.7)
    t_none = dict(t)
    t_none["target_size"] = torch.full((B,), float("nan"))
    with torch.no_grad():
        full, logs_full = loss(out, t)
        none, logs_none = loss(out, t_none)
    assert float(logs_none["loss_size"]) == 0.0
    expected = float(full) - (math.exp(-0.7) * float(logs_full["loss_size"]) + 0.7)
    assert float(none) == pytest.approx(expected, rel=1e-6)


def test_pos_weight_recomputed_per_batch_and_barrier_weights():
    out, t = fake_output(), fake_targets()
    w = torch.rand(B) * 0.5 + 0.5
    loss = MultiTaskLoss(pos_weight_max=20.0)
    _, logs = loss(out, t, {"target_tp": w})
    y = t["target_tp"]
    pw = ((w * (1 - y)).sum() / (w * y).sum()).clamp(1 / 20, 20)
    per = F.binary_cross_entropy_with_logits(out.tp_logit, y, pos_weight=pw, reduction="none")
    assert float(logs["loss_tp"]) == pytest.approx(float((per * w).sum() / w.sum()), rel=1e-6)
    # another batch with another class balance gets another weight
    y2 = torch.zeros(B)
    y2[0] = 1.0
    _, logs2 = loss(out, {**t, "target_exit": y2})
    per2 = F.binary_cross_entropy_with_logits(out.exit_logit, y2, pos_weight=torch.tensor(9.0), reduction="none")
    assert float(logs2["loss_exit"]) == pytest.approx(float(per2.mean()), rel=1e-6)
    # a barrier weight column among the targets works the same way
    _, logs3 = loss(out, {**t, "target_barrier_weight": w})
    assert float(logs3["loss_tp"]) == pytest.approx(float(logs["loss_tp"]), rel=1e-6)


def test_pos_weight_is_clamped():
    out, t = fake_output(), fake_targets()
    y = torch.zeros(B)
    y[0] = 1.0  # neg/pos = 9, clamp at 2
    _, logs = MultiTaskLoss(pos_weight_max=2.0)(out, {**t, "target_sl": y})
    per = F.binary_cross_entropy_with_logits(out.sl_logit, y, pos_weight=torch.tensor(2.0), reduction="none")
    assert float(logs["loss_sl"]) == pytest.approx(float(per.mean()), rel=1e-6)


def test_kendall_combination_and_vae_terms():
    out, t = fake_output(), fake_targets()
    loss = MultiTaskLoss(kl_weight=0.5)
    s = torch.linspace(-1, 1, len(TASKS))
    with torch.no_grad():
        loss.log_vars.copy_(s)
    with torch.no_grad():
        total, logs = loss(out, t)
    Ls = torch.stack([logs[f"loss_{k}"] for k in TASKS])
    kl = (-0.5 * (1 + out.regime_logvar - out.regime_mu ** 2 - out.regime_logvar.exp()).sum(-1)).mean()
    recon = F.mse_loss(out.recon, out.representation)
    expected = (torch.exp(-s) * Ls + s).sum() + recon + 0.5 * kl
    assert float(total) == pytest.approx(float(expected), rel=1e-6)
    assert float(logs["weight_entry"]) == pytest.approx(math.exp(1.0), rel=1e-6)
    assert float(logs["loss_kl"]) == pytest.approx(float(kl), rel=1e-6)
    ref = F.smooth_l1_loss(out.expected_return, t["target_return"], beta=0.05)
    assert float(logs["loss_return"]) == pytest.approx(float(ref), rel=1e-6)
    assert float(logs["loss_volatility"]) == pytest.approx(float(F.mse_loss(out.volatility, t["target_volatility"])), rel=1e-6)


def test_reconstruction_target_is_detached():
    out = fake_output(requires_grad=True)
    loss = MultiTaskLoss()
    _, logs = loss(out, {})  # no supervised targets: only the VAE term
    total, _ = loss(out, {})
    total.backward()
    assert out.representation.grad is None  # the representation is only a target here
    assert out.recon.grad is not None and out.recon.grad.abs().sum() > 0
    assert float(logs["loss_entry"]) == 0.0

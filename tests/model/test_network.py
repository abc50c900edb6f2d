"""NeuralTradingModel: shapes, ranges, finiteness on extreme inputs, visible attention."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from neural_trading_system.config import ModelConfig
from neural_trading_system.errors import SchemaMismatchError
from neural_trading_system.model import REGIME_CHANGE_NAMES, ModelOutput, NeuralTradingModel

F = 12


def tiny(**kw) -> ModelConfig:
    base = dict(seq_len=8, d_model=16, num_heads=2, num_layers=1, dim_feedforward=32, latent_dim=4, history_pool=4)
    base.update(kw)
    return ModelConfig(**base)


@pytest.fixture
def model() -> NeuralTradingModel:
    torch.manual_seed(0)
    return NeuralTradingModel(tiny(num_layers=2), F)


def test_output_fields_shapes_and_ranges(model):
    x = torch.randn(5, 8, F)
    out = model(x)
    assert isinstance(out, ModelOutput)
    for name in ("entry_logit", "exit_logit", "tp_logit", "sl_logit", "hold_logit", "expected_return",
                 "volatility", "position_size"):
        assert getattr(out, name).shape == (5,), name
    assert out.regime_mu.shape == out.regime_logvar.shape == out.regime_z.shape == (5, 4)
    assert out.recon.shape == out.representation.shape == (5, 16)
    assert set(out.regime_change) == set(REGIME_CHANGE_NAMES) and len(REGIME_CHANGE_NAMES) == 6
    for v in out.regime_change.values():
        assert v.shape == (5,) and bool(((v > 0) & (v < 1)).all())
    assert bool((out.volatility > 0).all())
    assert bool(((out.position_size > 0) & (out.position_size < 1)).all())
    assert out.attention is None


@pytest.mark.parametrize("value", [1e4, -1e4, 0.0])
def test_finite_on_extreme_inputs(model, value):
    x = torch.full((3, 8, F), value)
    x[1] = torch.randn(8, F) * value  # mixed signs at the same magnitude
    for train_mode in (True, False):
        model.train(train_mode)
        out = model(x, return_attention=True)
        for name, t in out.tensors().items():
            assert torch.isfinite(t).all(), (name, value, train_mode)
        assert all(torch.isfinite(a).all() for a in out.attention)
        assert bool((out.volatility > 0).all())


def test_logvar_is_clamped():
    torch.manual_seed(0)
    m = NeuralTradingModel(tiny(logvar_min=-0.01, logvar_max=0.01), F)
    with torch.no_grad():
        m.vae.logvar.bias.fill_(50.0)
    out = m(torch.randn(4, 8, F))
    assert float(out.regime_logvar.detach().max()) == pytest.approx(0.01)


def test_attention_weights_per_layer_rows_sum_to_one(model):
    model.eval()
    x = torch.randn(4, 8, F)
    out = model(x, return_attention=True)
    assert len(out.attention) == 2  # one per layer
    for a in out.attention:
        assert a.shape == (4, 2, 8, 8)  # (B, heads, T, T)
        assert torch.allclose(a.sum(-1), torch.ones(4, 2, 8), atol=1e-5)
        assert bool((a >= 0).all())
    # the explicit-softmax path computes the same function as the fused kernel
    plain = model(x)
    assert torch.allclose(plain.entry_logit, out.entry_logit, atol=1e-5)
    assert torch.allclose(plain.representation, out.representation, atol=1e-5)


def test_eval_uses_mu_train_samples(model):
    x = torch.randn(4, 8, F)
    model.eval()
    out = model(x)
    assert torch.equal(out.regime_z, out.regime_mu)
    model.train()
    torch.manual_seed(1)
    out = model(x)
    assert not torch.allclose(out.regime_z, out.regime_mu)


def test_shorter_window_and_width_mismatch(model):
    out = model(torch.randn(2, 5, F))  # 5 bars < seq_len: positions aligned to the last bar
    assert out.entry_logit.shape == (2,)
    with pytest.raises(SchemaMismatchError, match=r"F = 12.*found \(2, 8, 11\)"):
        model(torch.randn(2, 8, F - 1))
    with pytest.raises(SchemaMismatchError, match="seq_len"):
        model(torch.randn(2, 9, F))


def test_every_parameter_gets_a_gradient(model):
    """Needed by DDP (no unused parameters): the detector and VAE feed the heads or the loss."""
    from neural_trading_system.training.loss import MultiTaskLoss

    loss_fn = MultiTaskLoss()
    x = torch.randn(6, 8, F)
    targets = {c: torch.rand(6).round() for c in ("target_entry", "target_exit", "target_tp", "target_sl", "target_hold")}
    targets.update(target_return=torch.randn(6) * 0.01, target_volatility=torch.rand(6) * 0.02 + 0.01,
                   target_size=torch.rand(6))
    total, _ = loss_fn(model(x), targets)
    total.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []


def test_package_import_does_not_import_torch():
    code = "import sys, neural_trading_system; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)

"""The model streamed bar by bar equals the windowed forward pass: causal band, relative positions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from neural_trading_system.config import ModelConfig
from neural_trading_system.model import NeuralTradingModel
from neural_trading_system.training import predict_bars, predict_windows

from tests.model.test_network import F, tiny


def cfg(**kw) -> ModelConfig:
    return tiny(**{"seq_len": 12, "num_layers": 2, **kw})


@pytest.fixture
def model() -> NeuralTradingModel:
    torch.manual_seed(0)
    m = NeuralTradingModel(cfg(), F).eval()
    with torch.no_grad():  # a trained-looking bias, not the init: every lag weighs differently
        for b in m.encoder.blocks:
            b.attn.rel_bias.normal_(0, 1)
    return m


def test_default_span_fills_the_window():
    c = cfg()
    assert c.span == (12 - 4) // 2 + 1 == 5
    assert c.num_layers * (c.span - 1) + c.pool <= c.seq_len
    assert ModelConfig().span == 25  # default preset: 2 layers, history 16, seq_len 64


def test_span_too_wide_is_a_clear_error():
    with pytest.raises(ValidationError, match=r"attention_span=9 .* needs windows of .* = 20 bars, but seq_len=12"):
        cfg(attention_span=9)


def test_attention_is_causal_within_the_band(model):
    with torch.no_grad():
        out = model(torch.randn(3, 12, F), return_attention=True)
    span = model.cfg.span
    lag = torch.arange(12)[:, None] - torch.arange(12)[None, :]
    outside = (lag < 0) | (lag >= span)
    for a in out.attention:
        assert float(a[..., outside].abs().max()) == 0.0  # no future bar, nothing beyond the span
        assert torch.allclose(a.sum(-1), torch.ones_like(a.sum(-1)), atol=1e-5)


def test_stream_equals_windows_and_chunking_does_not_matter(model):
    torch.manual_seed(1)
    x = torch.randn(60, F)
    T = model.cfg.seq_len
    with torch.inference_mode():
        windows = model(x.unfold(0, T, 1).permute(0, 2, 1).contiguous())  # windows ending at bars T-1 … 59
        whole, _ = model.stream(x)
        parts, state = [], None
        for a, b in ((0, 1), (1, 7), (7, 30), (30, 31), (31, 60)):
            o, state = model.stream(x[a:b], state)
            parts.append(o)
    assert state.bars == 60
    for k in ("entry_logit", "exit_logit", "expected_return", "volatility", "regime_mu", "representation"):
        w, s = getattr(windows, k), getattr(whole, k)[T - 1:]
        c = torch.cat([getattr(p, k) for p in parts])[T - 1:]
        assert torch.allclose(w, s, atol=1e-5), k
        assert torch.allclose(c, s, atol=1e-5), k


def test_a_bar_reads_no_later_bar(model):
    torch.manual_seed(2)
    x = torch.randn(40, F)
    with torch.inference_mode():
        a, _ = model.stream(x)
        x2 = x.clone()
        x2[25:] = torch.randn(15, F) * 100  # rewrite the future of bar 24
        b, _ = model.stream(x2)
    assert torch.equal(a.entry_logit[:25], b.entry_logit[:25])
    assert not torch.allclose(a.entry_logit[25:], b.entry_logit[25:])


def test_predict_bars_equals_predict_windows_in_any_order(model):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, F)).astype(np.float32)
    T = model.cfg.seq_len
    bars = np.array([70, 11, 12, 13, 40, 41, 41, 79, 55])  # unsorted, gaps, a duplicate
    got = predict_bars(model, X, bars, T, chunk=7)
    want = predict_windows(model, np.stack([X[t - T + 1:t + 1] for t in bars]))
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], atol=1e-5, err_msg=k)
    with pytest.raises(ValueError, match="window end bars must lie in"):
        predict_bars(model, X, np.array([5]), T)


def test_bar_stepper_equals_the_torch_stream(model):
    from neural_trading_system.model.step import BarStepper

    with torch.no_grad():  # move every weight off its init so each term of the kernel matters
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, F)).astype(np.float32)
    with torch.inference_mode():
        ref, _ = model.stream(torch.from_numpy(X))
    want = {**ref.tensors(), **{f"{h}_prob": torch.sigmoid(getattr(ref, f"{h}_logit")) for h in
                                ("entry", "exit", "tp", "sl", "hold")}}
    s = BarStepper(model)
    for round_ in range(2):  # reset() starts the series over
        got = [s.step(x) for x in X]
        for k in ("entry_prob", "hold_prob", "expected_return", "volatility", "position_size", "regime_mu",
                  "regime_logvar", "trend_break", "stability_index", "regime_change"):
            np.testing.assert_allclose(np.stack([g[k] for g in got]), want[k].numpy(), atol=1e-5, err_msg=k)
        s.reset()


class Windowed(torch.nn.Module):
    """A user's architecture: ``forward`` on windows only, no ``stream`` (wraps a model)."""

    def __init__(self, inner: NeuralTradingModel) -> None:
        super().__init__()
        self.inner, self.cfg, self.n_features = inner, inner.cfg, inner.n_features

    def forward(self, x, return_attention=False):
        return self.inner(x, return_attention)


def test_an_architecture_without_stream_gets_windows(model):
    X = np.random.default_rng(5).normal(size=(40, F)).astype(np.float32)
    bars = np.array([20, 11, 39])
    got = predict_bars(Windowed(model), X, bars, model.cfg.seq_len)
    want = predict_bars(model, X, bars, model.cfg.seq_len)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], atol=1e-5, err_msg=k)

"""Streaming predictions equal the offline batch predictions over the whole test period."""

from __future__ import annotations

import numpy as np
import pytest

KEYS = ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob", "expected_return", "volatility",
        "position_size", "regime_change")


@pytest.mark.slow
def test_streaming_equals_batch_over_test_split(tiny_bundle):
    from neural_trading_system.live import StreamingPredictor, stack_decisions
    from neural_trading_system.training import predict

    rb = tiny_bundle
    streamed = stack_decisions(StreamingPredictor(rb).warm_up(rb.bundle.captured.frame))  # from the first bar
    batch = predict(rb.model, rb.bundle.test)
    bars = batch["end_bars"]
    assert len(bars) > 300 and streamed["is_warm"][bars].all()
    for k in KEYS:
        np.testing.assert_allclose(streamed[k][bars], batch[k], atol=1e-5, rtol=0, err_msg=k)
    np.testing.assert_allclose(streamed["regime_mu"][bars], batch["regime_mu"], atol=1e-5, rtol=0)
    # nothing is scored before the first full window of finite features
    first = rb.bundle.first_valid + rb.config.model.seq_len - 1
    assert not streamed["is_warm"][:first].any() and streamed["is_warm"][first]


@pytest.mark.slow
def test_an_architecture_without_a_stepper_streams_its_windows(tiny_bundle):
    import copy

    from neural_trading_system.live import StreamingPredictor, stack_decisions
    from neural_trading_system.training import predict
    from tests.model.test_streaming import Windowed

    rb = copy.copy(tiny_bundle)
    rb.model = Windowed(tiny_bundle.model).eval()
    p = StreamingPredictor(rb)
    assert p._stepper is None
    batch = predict(tiny_bundle.model, rb.bundle.test)
    bars = batch["end_bars"][:40]
    frame, first = rb.bundle.captured.frame, int(bars[0])
    p.warm_up(frame.slice(0, first), score=False)
    streamed = stack_decisions(p.warm_up(frame.slice(first, int(bars[-1]) + 1 - first)))
    for k in KEYS:
        np.testing.assert_allclose(streamed[k][bars - first], batch[k][:40], atol=1e-5, rtol=0, err_msg=k)


def test_streaming_atr_and_vol_regime_equal_bulk(tiny_bundle):
    from neural_trading_system.backtest.predictions import atr_bulk, vol_regime_bulk
    from neural_trading_system.live import StreamingPredictor, stack_decisions

    rb = tiny_bundle
    f = rb.bundle.captured.frame.slice(0, 400)
    s = stack_decisions(StreamingPredictor(rb).warm_up(f))
    a = {k: f[k].to_numpy() for k in ("open", "high", "low", "close")}
    np.testing.assert_allclose(s["atr"], atr_bulk(a["open"], a["high"], a["low"], a["close"]), rtol=1e-10,
                               equal_nan=True)
    np.testing.assert_array_equal(s["vol_regime"], vol_regime_bulk(a["close"], rb.config))

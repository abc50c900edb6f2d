"""Bulk ``collect`` equals the bt.Indicator wrappers inside Cerebro, in runonce and bar-by-bar mode."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.capture import DataCollectionStrategy, bt_indicator, collect, record
from neural_trading_system.capture.btindicators import BT_INDICATORS, bt_line_name
from neural_trading_system.indicators import REGISTRY, default_suite, minimal_suite
from tests.conftest import make_ohlcv


def _assert_same(bulk, cerebro, specs):
    expected = [c for s in specs for c in s.columns()]
    assert bulk.columns == expected
    assert cerebro.columns == expected
    assert (cerebro.frame["timestamp"] == bulk.frame["timestamp"]).all()
    for col in expected:
        np.testing.assert_allclose(cerebro.frame[col].to_numpy(), bulk.frame[col].to_numpy(), rtol=1e-9,
                                   atol=1e-9, equal_nan=True, err_msg=col)
        assert cerebro.meta[col].warmup == bulk.meta[col].warmup, col
        assert cerebro.meta[col].kind == bulk.meta[col].kind


@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
def test_minimal_suite_bulk_equals_cerebro(runonce):
    frame = make_ohlcv(400, seed=5, flat_from=200, flat_len=6)
    specs = minimal_suite()
    bulk = collect(frame, specs)
    got = record(DataCollectionStrategy, frame, runonce=runonce, specs=specs)
    _assert_same(bulk, got, specs)
    assert np.isfinite(bulk.frame["rsi_14.rsi"].to_numpy()[20:]).all()  # the comparison is not NaN == NaN


@pytest.mark.slow
@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
def test_default_suite_bulk_equals_cerebro(runonce):
    frame = make_ohlcv(320, seed=9, flat_from=150, flat_len=5)
    specs = default_suite()
    assert len(specs) >= 20
    bulk = collect(frame, specs)
    got = record(DataCollectionStrategy, frame, runonce=runonce, specs=specs)
    _assert_same(bulk, got, specs)


def test_every_kind_has_a_wrapper_with_its_lines_and_params():
    for kind, d in REGISTRY.items():
        cls = bt_indicator(kind)
        assert BT_INDICATORS[kind] is cls and cls.__name__ == kind.upper()
        assert cls.lines.getlinealiases() == tuple(bt_line_name(x) for x in d.lines)
        assert dict(cls.params._getitems()) == d.defaults


def test_wrapper_in_a_user_strategy_on_a_single_line():
    """``nts_bt.SMA(self.data.close)``: a single line is the close; values equal the kernel's."""
    from neural_trading_system.capture import bt
    from neural_trading_system.capture import btindicators as nts_bt
    from neural_trading_system.indicators import trend

    class User(bt.Strategy):
        def __init__(self):
            self.fast = nts_bt.SMA(self.data.close, period=10)
            self.rsi = nts_bt.RSI(self.data, period=7)

    frame = make_ohlcv(200, seed=2)
    got = record(User, frame)
    want_sma = trend.sma(period=10).run({k: frame[k].to_numpy() for k in ("open", "high", "low", "close", "volume")})
    np.testing.assert_allclose(got.frame["fast.sma"].to_numpy(), want_sma["sma"], equal_nan=True)
    assert got.meta["fast.sma"].kind == "sma" and got.meta["fast.sma"].params == {"period": 10}
    assert got.meta["rsi.rsi"].warmup == 7

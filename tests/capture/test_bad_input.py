"""Bad input: an indicator raising mid-run, NaN after warm-up, a frame without OHLCV."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from neural_trading_system.capture import DataCollectionStrategy, collect, record
from neural_trading_system.errors import DataValidationError, IndicatorError
from neural_trading_system.indicators import IndicatorDef, minimal_suite
from tests.conftest import make_ohlcv


def _boom(ctx, start, at=120):
    if start <= at < ctx.n:
        raise ZeroDivisionError("bad bar")
    ctx.out("x")[start:] = ctx.close[start:]


def _holes(ctx, start):
    x = ctx.out("x")
    x[start:] = ctx.close[start:]
    bars = np.arange(start, ctx.n)
    x[start:][(bars >= 200) & (bars < 205)] = np.nan
    x[start:][bars == 250] = np.inf


# built directly (not registered) so the registry and default suite stay clean
BOOM = IndicatorDef("boom", _boom, "test", ("x",), frozenset(), "test kernel", {"at": 120})
HOLES = IndicatorDef("holes", _holes, "test", ("x",), frozenset(), "test kernel", {})


def test_indicator_raising_names_itself_and_the_bar():
    frame = make_ohlcv(300, seed=1)
    with pytest.raises(IndicatorError, match=r"'boom'.*bar 120 \(2021-01-21 00:00:00") as info:
        collect(frame, [*minimal_suite(), BOOM()])
    assert "ZeroDivisionError: bad bar" in str(info.value)


@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
def test_indicator_raising_inside_cerebro_names_itself_and_the_bar(runonce):
    from neural_trading_system.capture.btindicators import NTSIndicator

    frame = make_ohlcv(300, seed=1)
    cls = type("BOOM", (NTSIndicator,), {"lines": ("x",), "params": (("at", 120),), "_nts_def": BOOM,
                                          "_nts_lines": ("x",)})

    class S(DataCollectionStrategy):
        def __init__(self):
            self.boom = cls(self.data, at=150)

    with pytest.raises(IndicatorError, match=r"'boom_150'.*bar 150, 2021-01-26"):
        record(S, frame, runonce=runonce, specs=[])


def test_nan_after_warmup_is_reported_by_column_and_count_never_filled(caplog):
    frame = make_ohlcv(300, seed=1)
    with caplog.at_level(logging.WARNING):
        cap = collect(frame, [*minimal_suite(), HOLES()])
    assert cap.report["nonfinite_after_warmup"] == {"holes.x": 6}
    assert "holes.x (6 bars)" in caplog.text
    v = cap.frame["holes.x"].to_numpy()
    assert np.isnan(v[200:205]).all() and np.isinf(v[250])
    assert cap.meta["holes.x"].warmup == 0


def test_frame_without_ohlcv_is_refused():
    frame = make_ohlcv(50).drop("volume")
    with pytest.raises(DataValidationError, match="volume"):
        collect(frame, minimal_suite())

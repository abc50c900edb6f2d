"""The recorder on users' own strategies: names, values, duplicates, look-ahead, streaming."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from neural_trading_system.capture import Recorder, bt, capture_patch, make_cerebro, record
from neural_trading_system.errors import LookaheadError
from tests.conftest import make_ohlcv

FRAME = make_ohlcv(260, seed=4)


class Builtins(bt.Strategy):
    def __init__(self):
        self.rsi_14 = bt.ind.RSI(self.data, period=14)
        self.macd = bt.ind.MACD(self.data)
        self.bb = bt.ind.BollingerBands(self.data, period=20)
        self.stoch = bt.ind.Stochastic(self.data)
        self.spread = self.data.close - self.bb.mid


class WithIchimoku(bt.Strategy):
    def __init__(self):
        self.ichi = bt.ind.Ichimoku(self.data)
        self.sma = bt.ind.SMA(self.data, period=5)


def _run_plain(strategy):
    """The same strategy without the recorder: Backtrader's own line values."""
    cerebro = make_cerebro(FRAME, strategy)
    return cerebro.run()[0]


def test_builtin_names_and_values_equal_backtraders_own():
    cap = record(Builtins, FRAME)
    cols = cap.columns
    for want in ("rsi_14.rsi", "macd.macd", "macd.signal", "bb.mid", "bb.top", "bb.bot", "stoch.percK",
                 "stoch.percD", "spread.value"):
        assert want in cols
    # nested sub-indicators, named by attribute or shortest class alias, suffixed in creation order
    for nested in ("macd.ema.ema", "macd.ema_2.ema", "macd.ema_3.ema", "rsi_14.upday.upday", "bb.stddev.stddev"):
        assert nested in cols
    assert len(cols) == len(set(cols))
    strat = _run_plain(Builtins)
    own = {
        "rsi_14.rsi": strat.rsi_14.lines.rsi, "macd.signal": strat.macd.lines.signal, "bb.top": strat.bb.lines.top,
        "stoch.percD": strat.stoch.lines.percD, "spread.value": strat.spread,
    }
    for col, line in own.items():
        want = np.array(line.array[: len(FRAME)])
        assert np.isfinite(want[-50:]).all()
        np.testing.assert_array_equal(cap.frame[col].to_numpy(), want, err_msg=col)
    np.testing.assert_array_equal(cap.frame["close"].to_numpy(), FRAME["close"].to_numpy())
    assert (cap.frame["timestamp"] == FRAME["timestamp"]).all()
    m = cap.meta["bb.top"]
    assert (m.family, m.kind, m.params["period"], m.price_like, m.warmup) == ("backtrader", "BollingerBands", 20,
                                                                           True, 19)
    assert cap.meta["rsi_14.rsi"].price_like is False


def test_same_attribute_name_gives_distinct_columns():
    class Dupes(bt.Strategy):
        def __init__(self):
            self.rsis = [bt.ind.RSI(self.data, period=p) for p in (7, 21)]
            self.ma = bt.ind.SMA(self.data, period=5)
            self.ma = bt.ind.SMA(self.data, period=30)  # reassigned: the first SMA is still computed

    cap = record(Dupes, FRAME)
    cols = cap.columns
    assert {"rsis.rsi", "rsis_2.rsi", "ma.sma", "sma.sma"} <= set(cols)
    assert cap.meta["rsis.rsi"].params["period"] == 7 and cap.meta["rsis_2.rsi"].params["period"] == 21
    assert cap.meta["ma.sma"].params["period"] == 30 and cap.meta["sma.sma"].params["period"] == 5
    assert record(Dupes, FRAME).columns == cols  # deterministic

    patched = capture_patch(type("DupesPatched", (Dupes,), {}))
    cap2 = record(patched, FRAME)
    assert {"ma.sma", "ma_2.sma"} <= set(cap2.columns)  # both SMAs named by their attribute
    assert cap2.meta["ma.sma"].params["period"] == 5 and cap2.meta["ma_2.sma"].params["period"] == 30


def test_ichimoku_chikou_is_detected_and_refused(caplog):
    with caplog.at_level(logging.WARNING):
        cap = record(WithIchimoku, FRAME)
    assert "ichi.chikou_span" not in cap.columns
    assert {"ichi.tenkan_sen", "ichi.kijun_sen", "ichi.senkou_span_a", "ichi.senkou_span_b", "sma.sma"} <= set(
        cap.columns)
    assert cap.report["lookahead"] == ["ichi.chikou_span"]
    assert "ichi.chikou_span" in caplog.text and "future" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        kept = record(WithIchimoku, FRAME, allow_lookahead=True)
    assert "ichi.chikou_span" in kept.columns and "ichi.chikou_span" in caplog.text
    # it really is close 26 bars ahead
    np.testing.assert_array_equal(kept.frame["ichi.chikou_span"].to_numpy()[:-26], FRAME["close"].to_numpy()[26:])

    with pytest.raises(LookaheadError, match="ichi.chikou_span"):
        record(WithIchimoku, FRAME, strict=True)


def test_causal_strategy_reports_no_lookahead():
    cap = record(Builtins, FRAME, strict=True)
    assert cap.report["lookahead"] == []


@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
def test_streaming_equals_bulk(runonce):
    rows = []
    streamed = record(Builtins, FRAME, runonce=runonce, mode="stream", on_bar=rows.append)
    bulk = record(Builtins, FRAME, runonce=runonce)
    assert streamed.frame.columns == bulk.frame.columns
    assert streamed.frame.equals(bulk.frame, null_equal=True) or all(
        np.array_equal(streamed.frame[c].to_numpy(), bulk.frame[c].to_numpy(), equal_nan=True)
        for c in bulk.frame.columns if c != "timestamp")
    assert (streamed.frame["timestamp"] == bulk.frame["timestamp"]).all()
    assert len(rows) == len(FRAME)
    last = rows[-1]
    assert last["timestamp"] == FRAME["timestamp"].dt.epoch("ms")[-1]
    assert last["macd.signal"] == bulk.frame["macd.signal"][-1]
    assert streamed.meta == bulk.meta


def test_recorder_attaches_to_a_users_cerebro():
    cerebro = make_cerebro(FRAME, Builtins)
    rec = Recorder().attach(cerebro)
    cerebro.run()
    assert rec.captured is not None and rec.captured.n_bars == len(FRAME)
    assert "rsi_14.rsi" in rec.captured.columns


def test_bulk_mode_refuses_truncated_buffers():
    from neural_trading_system.errors import NTSError

    cerebro = make_cerebro(FRAME, Builtins)
    Recorder().attach(cerebro)
    with pytest.raises(NTSError, match="exactbars"):
        cerebro.run(exactbars=1)


class PeekAhead(bt.Indicator):
    """A user's indicator that reads tomorrow's close by index (invisible to the structure walk)."""

    lines = ("peek",)

    def next(self):
        self.lines.peek[0] = self.data.close[0]

    def once(self, start, end):
        dst, src = self.lines.peek.array, self.data.close.array
        for i in range(start, end):
            dst[i] = src[i + 1] if i + 1 < end else float("nan")


def test_truncation_check_catches_reads_the_structure_cannot_see():
    from neural_trading_system.capture.recorder import check_truncation

    class Sneaky(WithIchimoku):
        def __init__(self):
            super().__init__()
            self.peek = PeekAhead(self.data)

    found = check_truncation(Sneaky, FRAME)
    assert set(found) == {"ichi.chikou_span", "peek.peek"}
    assert check_truncation(Builtins, FRAME) == []

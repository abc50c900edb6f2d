"""Execution semantics: hand-built costs, zero signal, simulate == Backtrader, errors propagate."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from neural_trading_system.backtest.engine import simulate
from neural_trading_system.backtest.policy import CASH_BUFFER, Decisions, Policy
from neural_trading_system.backtest.strategy import DecisionStrategy, NeuralStrategy, run_cerebro
from neural_trading_system.config import BacktestConfig
from tests.conftest import make_ohlcv


def _frame(open_, close):
    n = len(close)
    t = (np.datetime64("2022-01-01T00:00", "ms").astype(np.int64) + np.arange(n) * 3_600_000)
    o, c = np.asarray(open_, float), np.asarray(close, float)
    return pl.DataFrame({"timestamp": pl.Series(t).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
                         "open": o, "high": np.maximum(o, c) * 1.01, "low": np.minimum(o, c) * 0.99, "close": c,
                         "volume": np.ones(n)})


def test_costs_on_a_hand_built_two_trade_case():
    # bars:        0      1      2      3      4      5
    open_ = [100.0, 101.0, 104.0, 110.0, 108.0, 115.0]
    close = [100.0, 103.0, 109.0, 107.0, 112.0, 116.0]
    n = len(close)
    # enter at 0 (fills at open 1), exit signal at 2 (fills at open 3), enter at 3 (fills open 4),
    # the end rule exits at n-2 = 4 (fills open 5)
    d = Decisions(np.array([1, 0, 0, 1, 0, 0], bool), np.array([0, 0, 1, 0, 0, 0], bool), np.full(n, 0.5),
                  np.full(n, np.inf), np.array(close))
    c, s, cash = 0.001, 0.0005, 10_000.0
    cfg = BacktestConfig(cash=cash, commission=c, slippage=s)
    # by hand
    u1 = 0.5 * cash * (1 - CASH_BUFFER) / (100.0 * (1 + s) * (1 + c))
    buy1, sell1 = 101.0 * (1 + s), 110.0 * (1 - s)
    cash1 = cash - u1 * buy1 * (1 + c) + u1 * sell1 * (1 - c)
    equity3 = cash1  # flat at bar 3's close
    u2 = 0.5 * equity3 * (1 - CASH_BUFFER) / (107.0 * (1 + s) * (1 + c))
    buy2, sell2 = 108.0 * (1 + s), 115.0 * (1 - s)
    final = cash1 - u2 * buy2 * (1 + c) + u2 * sell2 * (1 - c)
    free = BacktestConfig(cash=cash, commission=0.0, slippage=0.0)
    u1f = 0.5 * cash * (1 - CASH_BUFFER) / 100.0
    cash1f = cash + u1f * (110.0 - 101.0)
    final_free = cash1f + 0.5 * cash1f * (1 - CASH_BUFFER) / 107.0 * (115.0 - 108.0)

    sim = simulate(np.array(open_), np.array(close), d, cfg)
    bt, _ = run_cerebro(_frame(open_, close), d, cfg)
    sim_free = simulate(np.array(open_), np.array(close), d, free)
    for r in (sim, bt):
        assert [(t["entry_bar"], t["exit_bar"], t["reason"]) for t in r.trades] == [(1, 3, "signal"), (4, 5, "end")]
        assert r.equity[-1] == pytest.approx(final, rel=1e-12)
        assert r.trades[0]["pnl"] == pytest.approx(u1 * (sell1 * (1 - c) - buy1 * (1 + c)), rel=1e-10)
    assert sim_free.equity[-1] == pytest.approx(final_free, rel=1e-12)
    # the costs took exactly the difference
    assert final < final_free
    assert sim_free.equity[-1] - sim.equity[-1] == pytest.approx(final_free - final, rel=1e-9)


def test_zero_signal_makes_zero_trades():
    f = make_ohlcv(300, seed=4)
    close = f["close"].to_numpy()
    n = len(close)
    preds = {"entry_prob": np.zeros(n), "exit_prob": np.zeros(n), "sl_prob": np.zeros(n),
             "expected_return": np.full(n, 0.05), "volatility": np.full(n, 0.01)}
    d = Policy(BacktestConfig(entry_threshold=0.5), 2.0).decisions(preds, close, np.full(n, 1.0), np.ones(n), None)
    assert not d.entry.any()
    res, _ = run_cerebro(f, d, BacktestConfig())
    assert res.trades == [] and np.all(res.equity == BacktestConfig().cash) and res.traded_notional == 0


def test_simulate_gives_the_backtrader_trades():
    f = make_ohlcv(800, seed=7)
    rng = np.random.default_rng(1)
    n, close = 800, f["close"].to_numpy()
    d = Decisions(rng.random(n) < 0.08, rng.random(n) < 0.15, rng.uniform(0.1, 1.0, n), 0.02 * close, close)
    cfg = BacktestConfig()
    a = simulate(f["open"].to_numpy(), close, d, cfg)
    b, _ = run_cerebro(f, d, cfg)
    assert len(a.trades) > 20 and any(t["reason"] == "stop" for t in a.trades)
    assert [(t["entry_bar"], t["exit_bar"], t["reason"]) for t in a.trades] == \
           [(t["entry_bar"], t["exit_bar"], t["reason"]) for t in b.trades]
    np.testing.assert_allclose(a.equity, b.equity, rtol=1e-12)
    np.testing.assert_allclose([t["pnl"] for t in a.trades], [t["pnl"] for t in b.trades], rtol=1e-9, atol=1e-9)


def test_policy_sizes_by_vol_target_kelly_and_regime():
    cfg = BacktestConfig(entry_threshold=0.5, return_threshold=0.0, target_vol=0.02, kelly_fraction=0.5,
                         max_position=1.0, high_vol_scale=0.5, atr_stop_mult=2.0)
    p = np.array([0.7, 0.7, 0.7, 0.4, 0.7])
    preds = {"entry_prob": p, "exit_prob": np.zeros(5), "sl_prob": np.zeros(5),
             "expected_return": np.array([0.01, 0.01, 0.01, 0.01, -0.01]),
             "volatility": np.array([0.1, 0.01, 0.01, 0.01, 0.01])}
    allowed = np.array([True, False])
    d = Policy(cfg, 2.0, allowed).decisions(preds, np.full(5, 100.0), np.full(5, 3.0),
                                            np.array([1, 1, 2, 1, 1.0]), np.array([0, 1, 0, 0, 0]))
    kelly = 0.5 * (0.7 * 2 - 0.3) / 2  # 0.275
    assert d.entry.tolist() == [True, False, True, False, False]  # bar 1: skipped regime; 3: p; 4: return
    assert d.size[0] == pytest.approx(0.2)  # vol target 0.02 / 0.1 beats Kelly
    assert d.size[2] == pytest.approx(kelly * 0.5)  # Kelly, halved in the high-volatility regime
    assert d.stop_distance[0] == pytest.approx(6.0)


class _Boom:
    def update(self, bar):
        raise RuntimeError("predictor exploded")


def test_an_error_inside_the_strategy_stops_the_run():
    f = make_ohlcv(50, seed=2)
    n = 50
    d = Decisions(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n), np.full(n, np.inf), f["close"].to_numpy())
    with pytest.raises(RuntimeError, match="predictor exploded") as info:
        run_cerebro(f, d, BacktestConfig(), strategy=NeuralStrategy, streaming=True, predictor=_Boom(), policy=None)
    assert any("bar 0" in note for note in getattr(info.value, "__notes__", []))

    class Bad(DecisionStrategy):
        def decide(self, t):
            if t == 7:
                raise ValueError("bad decision")

    with pytest.raises(ValueError, match="bad decision"):
        run_cerebro(f, d, BacktestConfig(), strategy=Bad)

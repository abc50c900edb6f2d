"""Paper broker: the backtest simulator's trades exactly, a restart after any bar, no duplicate events."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neural_trading_system.backtest.engine import simulate
from neural_trading_system.backtest.policy import Decisions
from neural_trading_system.config import BacktestConfig
from neural_trading_system.errors import ArtifactError
from neural_trading_system.live.broker import (PaperBroker, closed_trades, drop_torn_tail, read_trade_log)

H4 = 4 * 3600_000


def _market(n=200, seed=0):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, 0.002, n - 1))])
    open_[150] = close[149] * 1.2  # a gap up: an entry decided at 149 costs more than the cash
    entry = rng.random(n) < 0.25
    exit_ = rng.random(n) < 0.2
    entry[140:149], exit_[140:149] = False, True  # flat by 149
    entry[149] = True
    size = np.where(entry, rng.uniform(0.2, 1.0, n), 0.0)
    size[149] = 1.0
    stop = np.where(rng.random(n) < 0.5, close * 0.01, np.inf)
    return open_, close, Decisions(entry, exit_, size, stop, close)


def _one(d: Decisions, t: int) -> Decisions:
    s = slice(t, t + 1)
    return Decisions(d.entry[s], d.exit[s], d.size[s], d.stop_distance[s], d.close[s])


def _drive(state_dir, open_, close, d, cfg, restart_every=None, crash_at=()):
    """Trade bars one at a time like the engine; optionally a fresh broker from disk every k bars, and a
    'crash' (events logged, no snapshot) at the bars in ``crash_at``."""
    n = len(close)
    b = PaperBroker(state_dir, cfg)
    t = b.state.traded_bars
    while t < n:
        ts = t * H4
        b.fill_pending(ts, t, open_[t])
        b.decide(ts, t, _one(d, t), n - t)
        if t in crash_at:
            crash_at = tuple(x for x in crash_at if x != t)
            b = PaperBroker(state_dir, cfg)  # the process died before the snapshot: bar t again
            t = b.state.traded_bars
            continue
        b.mark(ts, True)
        b.commit()
        if restart_every and t % restart_every == 0:
            b = PaperBroker(state_dir, cfg)
        t += 1
    return b


def test_broker_trades_equal_the_backtest_simulator(tmp_path):
    open_, close, d = _market()
    cfg = BacktestConfig()
    sim = simulate(open_, close, d, cfg)
    b = _drive(tmp_path, open_, close, d, cfg)
    assert len(sim.trades) > 10 and sim.rejected == 1
    assert b.book.trades == sim.trades  # identical floats: the same arithmetic
    assert closed_trades(read_trade_log(tmp_path / "trades.jsonl")) == sim.trades
    assert b.rejected == 1
    assert b.cash == pytest.approx(sim.equity[-1], rel=0, abs=1e-9)  # flat at the end: equity is cash
    assert b.book.units == 0.0


def test_restarts_and_crashes_lose_or_duplicate_nothing(tmp_path):
    open_, close, d = _market(seed=1)
    cfg = BacktestConfig(commission=0.002, slippage=0.001)
    sim = simulate(open_, close, d, cfg)
    fills = [t["entry_bar"] for t in sim.trades] + [t["exit_bar"] for t in sim.trades]
    crash = tuple(sorted({fills[0], fills[1], fills[2] - 1, 150}))  # crash on fill bars and decision bars
    b = _drive(tmp_path, open_, close, d, cfg, restart_every=7, crash_at=crash)
    events = read_trade_log(tmp_path / "trades.jsonl")
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    assert closed_trades(events) == sim.trades
    assert b.book.trades == sim.trades


def test_torn_trade_log_line_is_dropped_and_state_errors_are_clear(tmp_path):
    log = tmp_path / "trades.jsonl"
    log.write_text(json.dumps({"id": "1|fill", "kind": "fill"}) + "\n" + '{"id": "2|fi')
    drop_torn_tail(log)
    assert log.read_text().endswith("\n") and [e["id"] for e in read_trade_log(log)] == ["1|fill"]
    log.write_text('not json\n{"id": "x"}\n')
    with pytest.raises(ArtifactError, match="line 1"):
        read_trade_log(log)
    (tmp_path / "state.json").write_text("{broken")
    log.unlink()
    with pytest.raises(ArtifactError, match="state.json"):
        PaperBroker(tmp_path, BacktestConfig())

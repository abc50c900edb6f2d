"""run_backtest on the tiny run: out-of-sample guard, determinism, outputs on disk, streaming mode."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neural_trading_system.errors import OutOfSampleError


def _keys(res):
    return {k: [(t["entry_bar"], t["exit_bar"], t["units"], t["pnl"]) for t in s.sim.trades]
            for k, s in res.strategies.items()}


def test_default_backtest_trades_the_test_split_and_writes_files(tiny_result, tiny_bundle):
    res = tiny_result
    m = tiny_bundle.manifest
    assert res.window.start == m["splits"]["test"]["first_bar"] and not res.window.in_sample
    assert res.window.end == m["n_bars"] - 1
    assert set(res.strategies) == {"neural", "buy_hold", "sma_cross", "lightgbm"}
    assert res.strategies["neural"].metrics.n_trades > 0
    saved = json.loads((res.out_dir / "metrics.json").read_text())
    assert saved["in_sample"] is False
    assert saved["metrics"]["neural"]["n_trades"] == res.strategies["neural"].metrics.n_trades
    lines = (res.out_dir / "trades.csv").read_text().strip().splitlines()
    assert len(lines) - 1 == sum(len(s.sim.trades) for s in res.strategies.values())
    html = res.dashboard.read_text()
    assert "IN-SAMPLE" not in html and "http://" not in html and "https://" not in html


def test_same_run_and_seed_give_identical_trades(tiny_result, tiny_run):
    from neural_trading_system.backtest import run_backtest

    again = run_backtest(tiny_run, dashboard=False)
    assert _keys(again) == _keys(tiny_result)
    for k in again.strategies:
        np.testing.assert_array_equal(again.equity[k], tiny_result.equity[k])


def test_simulate_engine_matches_backtrader(tiny_result, tiny_run):
    from neural_trading_system.backtest import run_backtest

    fast = run_backtest(tiny_run, dashboard=False, engine="simulate")
    assert {k: [(a, b) for a, b, *_ in v] for k, v in _keys(fast).items()} == \
           {k: [(a, b) for a, b, *_ in v] for k, v in _keys(tiny_result).items()}


@pytest.mark.slow
def test_streaming_mode_makes_the_batch_trades(tiny_result, tiny_run):
    from neural_trading_system.backtest import run_backtest

    st = run_backtest(tiny_run, dashboard=False, streaming=True, baselines=False)
    assert [(t["entry_bar"], t["exit_bar"]) for t in st.strategies["neural"].sim.trades] == \
           [(t["entry_bar"], t["exit_bar"]) for t in tiny_result.strategies["neural"].sim.trades]
    np.testing.assert_allclose(st.predictions["entry_prob"], tiny_result.predictions["entry_prob"], atol=1e-5)


def test_data_inside_the_training_period_is_refused_then_allowed_and_stamped(tiny_run, tiny_bundle):
    from neural_trading_system.backtest import run_backtest

    data = tiny_bundle.config.data.model_copy(update={"synthetic_bars": 2000})  # ends before validation ends
    with pytest.raises(OutOfSampleError, match="allow-in-sample") as info:
        run_backtest(tiny_run, data_cfg=data, dashboard=False)
    assert "overlap" in str(info.value)
    res = run_backtest(tiny_run, data_cfg=data, allow_in_sample=True, baselines=False)
    assert res.window.in_sample
    assert 'id="in-sample-stamp"' in res.dashboard.read_text()
    assert json.loads((res.out_dir / "metrics.json").read_text())["in_sample"] is True


def test_data_overlapping_the_run_trades_only_after_validation(tiny_run, tiny_bundle):
    from neural_trading_system.backtest import run_backtest

    data = tiny_bundle.config.data.model_copy(update={"synthetic_bars": 3000})
    res = run_backtest(tiny_run, data_cfg=data, dashboard=False, baselines=False)
    cutoff_bar = tiny_bundle.manifest["splits"]["val"]["last_bar"] + tiny_bundle.manifest["horizon"]
    assert res.window.start == cutoff_bar + 1 and not res.window.in_sample
    assert res.timestamps[0] > res.window.cutoff


def test_guard_windows_by_hand():
    import polars as pl

    from neural_trading_system.backtest.guard import data_window, run_window

    from datetime import datetime

    ts = pl.datetime_range(datetime(2020, 1, 1), datetime(2020, 1, 5, 3), "1h", eager=True)
    assert len(ts) == 100
    manifest = {"horizon": 5, "splits": {"val": {"last_bar": 69}, "test": {"first_bar": 85}}}
    w = run_window(manifest, ts, 30, allow_in_sample=False)
    assert (w.start, w.end, w.in_sample) == (85, 99, False)
    w = run_window(manifest, ts, 30, allow_in_sample=True)
    assert (w.start, w.in_sample) == (30, True)
    w = data_window(manifest, ts, ts[50:], 10, False, "d")  # cutoff = bar 74 → data row 25
    assert (w.start, w.in_sample) == (25, False)
    with pytest.raises(OutOfSampleError, match="2020-01-04 02:00"):
        data_window(manifest, ts, ts[:76], 10, False, "d")
    assert data_window(manifest, ts, ts[:76], 10, True, "d").in_sample

"""check-leakage: passes on the honest pipeline, fails on an injected look-ahead column, and each check can fail."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from neural_trading_system.capture import Captured, ColumnMeta, collect
from neural_trading_system.evaluation.leakage import (CheckResult, null_market_check, run_leakage_checks,
                                                      split_hygiene)
from neural_trading_system.indicators import get_suite
from neural_trading_system.splits import Split

from .conftest import TINY


def _truncation(results: list[CheckResult]) -> dict[str, CheckResult]:
    """The truncation rows by their stage (``capture``, ``features``, ``labels``, ``predictions``)."""
    return {r.name.split(":")[0]: r for r in results if r.group == "truncation"}


@pytest.mark.slow
def test_honest_pipeline_passes_through_the_cli(tmp_path):
    from neural_trading_system.cli import app

    sets = [f"--set={k}={json.dumps(v)}" for k, v in TINY.items()]
    res = CliRunner().invoke(app, ["check-leakage", "--synthetic", "--bars", "1500", "--skip-null", "--points", "2",
                                   "--preset", "debug", f"--set=runs_dir={tmp_path}",
                                   f"--set=data.data_dir={tmp_path / 'cache'}", *sets])
    assert res.exit_code == 0, res.output
    assert "FAIL" not in res.output and res.output.count("PASS") >= 8
    assert "0 check(s) failed" in res.output


@pytest.mark.slow
def test_injected_next_bar_return_fails_truncation(tiny_cfg):
    specs = get_suite("minimal")

    def leaky(frame: pl.DataFrame) -> Captured:
        cap = collect(frame, specs)
        c = frame["close"].to_numpy()
        nxt = np.concatenate([c[1:] / c[:-1] - 1.0, [np.nan]])  # the NEXT bar's return at bar t
        meta = {**cap.meta, "leak.next_ret": ColumnMeta("misc", "leak", "leak", "next_ret", {}, 0, False)}
        return Captured(cap.frame.with_columns(pl.Series("leak.next_ret", nxt)), meta)

    results = _truncation(run_leakage_checks(tiny_cfg, n_points=2, capture_fn=leaky, skip_null=True))
    cap = results["capture"]
    assert cap.passed is False and "leak.next_ret" in cap.detail
    assert results["features"].passed is False and "leak.next_ret" in results["features"].detail
    assert results["predictions"].passed is False
    assert results["labels"].passed is True  # labels do not read the capture


def test_split_hygiene_catches_a_crossing_window():
    good = Split(np.arange(10, 40), np.arange(60, 80), np.arange(100, 120),
                 segments={"train": (0, 50), "val": (50, 90), "test": (90, 130)})
    assert split_hygiene(good, seq_len=8, horizon=5).passed is True
    bad = Split(np.arange(10, 48), np.arange(60, 80), np.arange(79, 120),  # train targets cross 50; val/test share 79
                segments={"train": (0, 50), "val": (50, 90), "test": (90, 130)})
    r = split_hygiene(bad, seq_len=8, horizon=5)
    assert r.passed is False and "1 shared" in r.figure


def test_cli_exits_nonzero_when_a_check_fails(monkeypatch):
    from neural_trading_system.cli import app
    from neural_trading_system.evaluation import leakage

    monkeypatch.setattr(leakage, "run_leakage_checks",
                        lambda *a, **k: [CheckResult("truncation", "capture: x", False, "max rel diff 1"),
                                         CheckResult("parity", "live: y", None, "n/a")])
    res = CliRunner().invoke(app, ["check-leakage", "--synthetic", "--skip-null"])
    assert res.exit_code == 1
    assert "FAIL" in res.output and "1 check(s) failed" in res.output


@pytest.mark.slow
def test_null_market_has_no_edge(tiny_cfg):
    results = null_market_check(tiny_cfg, null_bars=20_000)
    assert [r.passed for r in results] == [True, True], results
    assert all("test samples" in r.figure for r in results)

"""The live loop: same trades as the backtest, robust to bad feeds, resumable after SIGKILL, `nts live`."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from neural_trading_system.live.broker import closed_trades, read_trade_log
from neural_trading_system.live.engine import LiveEngine
from neural_trading_system.live.feeds import ReplayFeed

ROOT = Path(__file__).resolve().parents[2]
SHORT = 300  # bars of the short replay (warm-up + 100 traded bars)
TRADE_FROM_BAR = 200


def _short_csv(replay_csv: Path, tmp: Path, n: int = SHORT) -> tuple[Path, int]:
    f = pl.read_csv(replay_csv).head(n)
    path = tmp / f"short{n}.csv"
    f.write_csv(path)
    return path, int(f["timestamp"][TRADE_FROM_BAR])


def _run(bundle, feed, state_dir, **kw):
    eng = LiveEngine(bundle, feed, state_dir, **kw)
    return eng, eng.run()


class ListFeed:
    """A feed of given bars (duplicates, disorder, gaps as the test wants)."""

    def __init__(self, bars, interval_ms, total=None):
        self.bars, self.interval_ms, self.total, self.source = bars, interval_ms, total, "list"

    def __iter__(self):
        return iter(self.bars)


@pytest.mark.slow
def test_replay_trades_equal_the_backtest_on_the_same_file(live_run, live_bundle, replay_csv, tmp_path):
    """`nts live --replay FILE` and `nts backtest RUN --data FILE` trade the same bars, same fills."""
    from neural_trading_system.backtest import run_backtest
    from neural_trading_system.config import DataConfig

    _, s = _run(live_bundle, ReplayFeed(replay_csv), tmp_path / "state")
    live = closed_trades(read_trade_log(tmp_path / "state" / "trades.jsonl"))
    res = run_backtest(live_run, data_cfg=DataConfig(source="file", path=str(replay_csv),
                                                     data_dir=str(tmp_path / "cache")),
                       dashboard=False, baselines=False)
    bt = res.trades["neural"]
    assert s.traded_bars == res.window.end - res.window.start + 1
    assert len(bt) >= 3 and len(live) == len(bt)
    for a, b in zip(live, bt):
        assert (a["entry_bar"], a["exit_bar"], a["reason"]) == (b["entry_bar"], b["exit_bar"], b["reason"])
        for k in ("entry_price", "exit_price"):  # open * (1 ± slip); Backtrader rounds its own way (1 ulp)
            assert a[k] == pytest.approx(b[k], rel=1e-12), k
        for k in ("units", "pnl", "commission"):  # sizes come from streamed vs batched model outputs (1e-5)
            assert a[k] == pytest.approx(b[k], rel=1e-4), k
    assert s.equity == pytest.approx(res.strategies["neural"].sim.equity[-1], rel=1e-6)


def test_duplicates_out_of_order_and_gaps_are_logged_and_skipped(live_bundle, replay_csv, tmp_path, caplog):
    path, tf = _short_csv(replay_csv, tmp_path)
    clean = ReplayFeed(path)
    _run(live_bundle, clean, tmp_path / "clean", trade_from=tf)
    ref = read_trade_log(tmp_path / "clean" / "trades.jsonl")
    assert any(e["kind"] == "fill" for e in ref)

    bars = list(clean.bars)
    dirty = list(bars)
    for i in (250, 230, 210, 120):  # a duplicate and an older bar after each of these
        dirty[i + 1: i + 1] = [bars[i], bars[i - 5]]
    with caplog.at_level(logging.WARNING, logger="neural_trading_system.live.engine"):
        _, s = _run(live_bundle, ListFeed(dirty, clean.interval_ms, total=len(dirty)), tmp_path / "dirty",
                    trade_from=tf)
    assert s.skipped == 8 and s.bars == len(bars) and s.gaps == 0
    assert caplog.text.count("a duplicate of") == 4 and caplog.text.count("out of order") == 4
    got = read_trade_log(tmp_path / "dirty" / "trades.jsonl")
    assert got == ref  # the same decisions and fills, as if the bad bars never came

    caplog.clear()
    gappy = bars[:150] + bars[154:220]  # 4 bars missing
    with caplog.at_level(logging.WARNING, logger="neural_trading_system.live.engine"):
        _, s = _run(live_bundle, ListFeed(gappy, clean.interval_ms), tmp_path / "gap", trade_from=bars[160].ts)
    assert s.gaps == 1 and s.missing_bars == 4 and s.bars == len(gappy)
    assert "gap: 4 bar(s) missing" in caplog.text


def _live_cmd(run, csv, state, tf_iso):
    return [sys.executable, "-c", "from neural_trading_system.cli import main; main()", "-q", "live", str(run),
            "--replay", str(csv), "--state-dir", str(state), "--trade-from", tf_iso]


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_gives_the_uninterrupted_trade_log(live_run, live_bundle, replay_csv, tmp_path):
    path, tf = _short_csv(replay_csv, tmp_path)
    tf_iso = pl.Series([tf]).cast(pl.Datetime("ms")).dt.strftime("%Y-%m-%dT%H:%M:%S")[0]
    _run(live_bundle, ReplayFeed(path), tmp_path / "ref", trade_from=tf)
    ref = read_trade_log(tmp_path / "ref" / "trades.jsonl")
    assert len(closed_trades(ref)) >= 2

    state = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(_live_cmd(live_run, path, state, tf_iso), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log_file = state / "trades.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:  # kill once a few events are on disk
        if log_file.is_file() and len(read_trade_log(log_file)) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = len(read_trade_log(log_file))
    assert 3 <= killed_at < len(ref)

    done = subprocess.run(_live_cmd(live_run, path, state, tf_iso), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    got = read_trade_log(log_file)
    assert [e["id"] for e in got] == [e["id"] for e in ref]  # nothing lost, nothing twice
    assert got == ref


def test_nts_live_prints_a_line_per_traded_bar_and_stops_at_max_bars(live_run, replay_csv, tmp_path):
    from typer.testing import CliRunner

    from neural_trading_system.cli import app

    path, tf = _short_csv(replay_csv, tmp_path, n=230)
    tf_iso = pl.Series([tf]).cast(pl.Datetime("ms")).dt.strftime("%Y-%m-%dT%H:%M:%S")[0]
    r = CliRunner().invoke(app, ["live", str(live_run), "--replay", str(path), "--state-dir", str(tmp_path / "s"),
                                 "--trade-from", tf_iso, "--max-bars", "210"])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if " entry " in ln and "pnl" in ln]
    assert len(lines) == 10  # bars 200..209 traded
    assert "210 bars processed (10 traded" in r.output
    # the same state directory continues where it stopped
    r = CliRunner().invoke(app, ["live", str(live_run), "--replay", str(path), "--state-dir", str(tmp_path / "s"),
                                 "--trade-from", tf_iso])
    assert r.exit_code == 0, r.output
    assert "20 bars processed (20 traded" in r.output
    r = CliRunner().invoke(app, ["live", str(live_run), "--state-dir", str(tmp_path / "s")])
    assert r.exit_code == 2 and "exactly one feed" in r.output
    r = CliRunner().invoke(app, ["live", str(live_run), "--replay", str(path), "--state-dir", str(tmp_path / "s"),
                                 "--set", "backtest.commission=0.01"])
    assert r.exit_code == 2 and "another backtest" in r.output


def test_exchange_feed_through_the_engine_survives_errors_and_trades_from_start_up(live_bundle, replay_csv,
                                                                                  tmp_path, caplog):
    import ccxt

    from neural_trading_system.live.feeds import ExchangeFeed

    f = pl.read_csv(replay_csv).head(360)
    rows = f.select(["timestamp", "open", "high", "low", "close", "volume"]).rows()
    step = int(rows[1][0] - rows[0][0])
    start = 330  # bars 0..329 are history at start-up; 330.. close one per poll
    clock = {"ms": rows[start][0] + 1}

    class Fake:
        id = "fake"

        def __init__(self):
            self.n = 0

        def fetch_ohlcv(self, symbol, timeframe, since, limit):
            self.n += 1
            if self.n in (3, 4):
                raise ccxt.RequestTimeout("read timed out")
            closed = [list(r) for r in rows if since <= r[0] and r[0] + step <= clock["ms"]]
            return closed[-limit:] + [list(rows[-1])]  # plus a candle still forming (or a repeat)

    def sleep(s):
        if s == 60:  # a poll wait: one more bar closes
            clock["ms"] += step

    feed = ExchangeFeed(Fake(), "SYN/USD", "4h", history_bars=start, poll_seconds=60, backoff_s=0.1,
                        max_polls=40, sleep=sleep, now_ms=lambda: clock["ms"])
    with caplog.at_level(logging.WARNING):
        eng, s = _run(live_bundle, feed, tmp_path / "x")
    assert eng.trade_from == rows[start][0]
    assert s.bars == 360 and s.traded_bars == 360 - start and s.skipped == 0
    assert caplog.text.count("RequestTimeout") == 2
    # the same bars replayed from the file with the same first traded bar: the same events
    path = tmp_path / "same.csv"
    f.write_csv(path)
    _run(live_bundle, ListFeed(ReplayFeed(path).bars, step), tmp_path / "y", trade_from=rows[start][0])
    assert read_trade_log(tmp_path / "x" / "trades.jsonl") == read_trade_log(tmp_path / "y" / "trades.jsonl")


def test_nts_backtest_takes_data_as_its_second_argument(live_run, replay_csv, tmp_path):
    from typer.testing import CliRunner

    from neural_trading_system.cli import app

    r = CliRunner().invoke(app, ["backtest", str(live_run), str(replay_csv), "--data", str(tmp_path / "other.csv")])
    assert r.exit_code == 2 and "name two files" in r.output
    r = CliRunner().invoke(app, ["backtest", str(live_run), str(replay_csv)])
    assert r.exit_code == 0, r.output
    assert "out of sample" in r.output and replay_csv.name in r.output.replace("\n", "")

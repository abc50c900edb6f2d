"""``nts live``: paper-trade a trained run on a replayed file or an exchange feed (resumable)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import typer

from ..cli import SetOpt, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("live")
    def live_cmd(
        run_dir: Optional[Path] = typer.Argument(None, help="Trained run directory (default: the most recent run)."),
        replay: Optional[Path] = typer.Option(None, "--replay", help="Replay this CSV/Parquet file bar by bar."),
        speed: float = typer.Option(0.0, "--speed", help="Replay speed: times faster than real time; 0 = as fast "
                                                          "as possible."),
        exchange: Optional[str] = typer.Option(None, "--exchange", help="ccxt exchange id to poll closed candles "
                                                                         "from (keys: NTS_EXCHANGE_API_KEY/_SECRET)."),
        symbol: Optional[str] = typer.Option(None, "--symbol", help="Exchange symbol, e.g. BTC/USDT."),
        interval: Optional[str] = typer.Option(None, "--interval", help="Bar interval, e.g. 4h (exchange; a replay "
                                                                         "infers it)."),
        history_bars: int = typer.Option(1000, "--history-bars", help="Exchange: closed bars fetched first to warm "
                                                                      "the predictor up."),
        state_dir: Optional[Path] = typer.Option(None, "--state-dir", help="Paper account, trade log and bar history "
                                                                           "(default: RUN_DIR/<live.state_dir>). "
                                                                           "Start again with the same one to resume."),
        max_bars: Optional[int] = typer.Option(None, "--max-bars", help="Stop after this many new bars."),
        trade_from: Optional[str] = typer.Option(None, "--trade-from", help="First bar that may trade (ISO time); "
                                                                            "default: a replay trades what `nts "
                                                                            "backtest RUN --data FILE` would, an "
                                                                            "exchange from start-up."),
        set_: Optional[list[str]] = SetOpt,
    ) -> None:
        """Paper-trade RUN_DIR bar by bar: incremental indicators → the run's extractor and model → the
        backtest's policy and costs → a paper account with an append-only trade log. Kill it at any
        point and run the same command again: it resumes with no trade lost or duplicated."""
        from ..pipeline import load_run_bundle

        if (replay is None) == (exchange is None):
            _fail("give exactly one feed: --replay FILE or --exchange NAME --symbol S --interval I")
        rb = run_command(load_run_bundle, run_dir)
        overrides = _backtest_overrides(set_ or [])
        feed = run_command(_make_feed, rb, replay, speed, exchange, symbol, interval, history_bars)
        sdir = state_dir or (Path(rb.run_dir) / rb.config.live.state_dir)
        tf = None
        if trade_from is not None:
            from ..data.intervals import parse_date_ms

            tf = run_command(parse_date_ms, trade_from, "--trade-from")
        summary = run_command(_run, rb, feed, sdir, tf, overrides, max_bars)
        console.print(f"[bold]{summary.bars}[/] bars processed ({summary.traded_bars} traded, {summary.skipped} "
                      f"duplicate/out-of-order skipped, {summary.gaps} gaps), equity {summary.equity:,.2f}; "
                      f"state in {sdir}", soft_wrap=True)


def _fail(msg: str) -> None:
    from ..cli import err_console

    err_console.print(f"[bold red]error:[/] {msg}")
    raise typer.Exit(2)


def _backtest_overrides(sets: list[str]) -> dict[str, Any]:
    from ..cli import _parse_sets
    from ..errors import ConfigError

    out = {}
    for k, v in _parse_sets(sets).items():
        if not k.startswith("backtest."):
            raise ConfigError(f"--set {k}: nts live only takes backtest.* keys (the run's policy and costs)")
        out[k.split(".", 1)[1]] = v
    return out


def _make_feed(rb, replay, speed, exchange, symbol, interval, history_bars):
    from ..live.feeds import ExchangeFeed, ReplayFeed, make_live_exchange

    if replay is not None:
        from ..data.intervals import parse_interval

        return ReplayFeed(replay, speed=speed, interval_ms=parse_interval(interval, "--interval") if interval else None)
    from ..errors import ConfigError

    if not symbol or not interval:
        raise ConfigError("--exchange needs --symbol (e.g. BTC/USDT) and --interval (e.g. 4h)")
    lc = rb.config.live
    return ExchangeFeed(make_live_exchange(exchange, lc.timeout_seconds), symbol, interval, history_bars=history_bars,
                        poll_seconds=lc.poll_seconds, max_retries=lc.max_retries)


def _run(rb, feed, sdir, trade_from, overrides, max_bars):
    from ..live.engine import LiveEngine

    engine = LiveEngine(rb, feed, sdir, trade_from=trade_from, overrides=overrides, on_bar=_print_bar)
    return engine.run(max_bars=max_bars)


def _p(x: float) -> str:
    return "  -  " if not math.isfinite(x) else f"{x:.3f}"


def _print_bar(info: dict[str, Any]) -> None:
    """One line per traded bar: time, probabilities, position, PnL, and what the broker did."""
    if not info["traded"]:
        return
    d = info["decision"]
    acts = " ".join(f"[cyan]{e['kind']} {e.get('side', '')} {e.get('units', 0):.6g}"
                    + (f" @ {e['price']:.2f}" if "price" in e else "") + "[/]" for e in info["events"])
    pnl = info["pnl"]
    colour = "green" if pnl >= 0 else "red"
    console.print(f"{info['time']}  close {info['close']:>10.2f}  entry {_p(d.entry_prob)} exit {_p(d.exit_prob)} "
                  f"tp {_p(d.tp_prob)} sl {_p(d.sl_prob)} hold {_p(d.hold_prob)}  pos {info['position']:.6g}  "
                  f"equity {info['equity']:,.2f}  pnl [{colour}]{pnl:+,.2f}[/]  {acts}",
                  highlight=False, soft_wrap=True)

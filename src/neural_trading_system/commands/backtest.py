"""``nts backtest``: the neural strategy against buy & hold, SMA crossover and LightGBM, out of sample."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..cli import (
    BarsOpt, DataOpt, EndOpt, ExchangeOpt, IntervalOpt, NullOpt, RepairOpt, ResampleOpt, SeedOpt, SetOpt, StartOpt,
    SymbolOpt, SyntheticOpt, _parse_sets, console, data_overrides, run_command,
)


def register(app: typer.Typer) -> None:
    @app.command("backtest")
    def backtest_cmd(
        run_dir: Optional[Path] = typer.Argument(None, help="Run directory (default: the most recent run under runs/)."),
        data_file: Optional[Path] = typer.Argument(None, metavar="[DATA]",
                                                   help="CSV or Parquet file to trade after the run's validation end "
                                                        "(same as --data)."),
        data: Optional[Path] = DataOpt, synthetic: bool = SyntheticOpt, bars: Optional[int] = BarsOpt,
        seed: Optional[int] = SeedOpt, null: bool = NullOpt, exchange: Optional[str] = ExchangeOpt,
        symbol: Optional[str] = SymbolOpt, interval: Optional[str] = IntervalOpt, start: Optional[str] = StartOpt,
        end: Optional[str] = EndOpt, resample: Optional[str] = ResampleOpt, repair: bool = RepairOpt,
        allow_in_sample: bool = typer.Option(False, "--allow-in-sample",
                                             help="Trade bars that trained or validated the model (stamped IN-SAMPLE)."),
        streaming: bool = typer.Option(False, "--streaming",
                                       help="Predict bar by bar with the streaming predictor (slower, as live)."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where to look for the most recent run."),
        set_: Optional[list[str]] = SetOpt,
    ) -> None:
        """Backtest a trained run on its test split (or on DATA after its validation end).

        nts backtest [RUN_DIR] [DATA]: RUN_DIR left out is the most recent run.

        Writes backtest/metrics.json, backtest/trades.csv and dashboard.html into the run directory.
        --set takes keys of the backtest section: --set backtest.entry_threshold=0.6.
        """
        from ..backtest import run_backtest

        if data_file is not None and data is not None and data_file != data:
            console.print(f"[red]error:[/] DATA {data_file} and --data {data} name two files; give one")
            raise typer.Exit(2)
        data = data if data is not None else data_file
        data_cfg = None
        if any(x is not None for x in (data, exchange)) or synthetic or null:
            data_cfg = run_command(_data_config, run_dir, runs_dir, data_overrides(
                data, synthetic, bars, seed, null, exchange, symbol, interval, start, end, resample, repair))
        overrides = run_command(_backtest_overrides, set_ or [])
        res = run_command(run_backtest, run_dir, data_cfg, allow_in_sample, streaming, runs_dir, overrides)
        print_backtest(res)


def _data_config(run_dir: Optional[Path], runs_dir: Path, extra: dict):
    from ..artifacts import latest_run_dir
    from ..config import load_config

    rd = run_dir if run_dir is not None else latest_run_dir(runs_dir, require="model.safetensors")
    cfg = load_config("default", rd / "config.json")
    return cfg.with_overrides(extra).data


def _backtest_overrides(sets: list[str]) -> dict:
    from ..errors import ConfigError

    out = {}
    for k, v in _parse_sets(sets).items():
        if not k.startswith("backtest."):
            raise ConfigError(f"--set {k}: nts backtest takes keys of the backtest section only "
                              "(e.g. --set backtest.entry_threshold=0.6); retrain to change others")
        out[k.split(".", 1)[1]] = v
    return out


def print_backtest(res) -> None:
    from ..backtest import STRATEGY_LABELS

    title = f"Backtest {res.run_dir}" + ("  [IN-SAMPLE]" if res.window.in_sample else "")
    t = Table(title=title, show_header=True)
    t.add_column("metric")
    names = list(res.strategies)
    for n in names:
        t.add_column(STRATEGY_LABELS.get(n, n), justify="right")
    pct = {"total_return", "annualized_return", "max_drawdown", "win_rate", "avg_trade", "exposure"}
    for key in res.strategies[names[0]].metrics.to_dict():
        row = []
        for n in names:
            v = res.strategies[n].metrics.to_dict()[key]
            row.append("n/a" if v is None else (f"{100 * v:.2f}%" if key in pct else
                                                 (str(v) if isinstance(v, int) else f"{v:.3f}")))
        t.add_row(key, *row)
    console.print(t)
    console.print(f"{res.window.note}\nmetrics: {res.out_dir / 'metrics.json'}  trades: {res.out_dir / 'trades.csv'}"
                  f"  dashboard: {res.dashboard}")

"""``nts train``: collect, features and labels, training, into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..cli import (
    BarsOpt, ConfigOpt, DataOpt, EndOpt, ExchangeOpt, ForceOpt, IntervalOpt, NullOpt, PresetOpt, RepairOpt,
    ResampleOpt, SeedOpt, SetOpt, StartOpt, SymbolOpt, SyntheticOpt, build_config, console, data_overrides,
    run_command,
)


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_cmd(
        data: Optional[Path] = DataOpt, synthetic: bool = SyntheticOpt, bars: Optional[int] = BarsOpt,
        seed: Optional[int] = SeedOpt, null: bool = NullOpt, exchange: Optional[str] = ExchangeOpt,
        symbol: Optional[str] = SymbolOpt, interval: Optional[str] = IntervalOpt, start: Optional[str] = StartOpt,
        end: Optional[str] = EndOpt, resample: Optional[str] = ResampleOpt, repair: bool = RepairOpt,
        force_recollect: bool = ForceOpt, preset: str = PresetOpt, config: Optional[Path] = ConfigOpt,
        set_: Optional[list[str]] = SetOpt,
        run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Run directory (default runs/<timestamp>-<preset>)."),
    ) -> None:
        """Train the multi-task transformer: capture → features + labels → purged splits → training.

        Writes config.json, manifest.json, indicators.parquet, extractor.json, model.safetensors,
        checkpoints/ and metrics.jsonl into the run directory.
        """
        from .. import api

        extra = data_overrides(data, synthetic, bars, seed, null, exchange, symbol, interval, start, end, resample,
                               repair, force_recollect)
        if run_dir is not None:
            extra.update({"runs_dir": str(run_dir.parent), "run_name": run_dir.name})
        cfg = run_command(build_config, preset, config, set_, extra)
        out = run_command(api.train, cfg)
        print_train_summary(out)


def print_train_summary(out) -> None:
    t = Table(title=f"Training run {out.run_dir}", show_header=True)
    t.add_column("item")
    t.add_column("value", overflow="fold")
    s = out.summary
    t.add_row("features", str(s["features"]))
    t.add_row("split sizes", ", ".join(f"{k} {v}" for k, v in s["split_sizes"].items()))
    t.add_row("purged", ", ".join(f"{k} {v}" for k, v in s["purged"].items()))
    t.add_row("label balance (train)", ", ".join(f"{k} {v:.3f}" for k, v in s["label_balance_train"].items()))
    r = out.result
    t.add_row("best epoch / epochs run", f"{getattr(r, 'best_epoch', '?')} / {getattr(r, 'epochs_run', '?')}")
    t.add_row("best val loss", f"{getattr(r, 'best_val_loss', float('nan')):.5f}")
    t.add_row("stage times (s)", ", ".join(f"{k} {v:.1f}" for k, v in out.timings.items()))
    console.print(t)

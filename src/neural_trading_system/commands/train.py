"""``nts train``: collect, features and labels, training, into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..cli import ConfigArgs, RunDirOpt, config_options, console, run_command, run_dir_overrides


def register(app: typer.Typer) -> None:
    @app.command("train")
    @config_options
    def train_cmd(
        cfg_args: ConfigArgs,
        run_dir: Optional[Path] = RunDirOpt,
    ) -> None:
        """Train the multi-task transformer: capture → features + labels → purged splits → training.

        Writes config.json, manifest.json, indicators.parquet, extractor.json, model.safetensors,
        checkpoints/ and metrics.jsonl into the run directory.
        """
        from .. import api

        cfg = cfg_args.config(extra=run_dir_overrides(run_dir))
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

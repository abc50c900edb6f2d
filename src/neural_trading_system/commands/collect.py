"""``nts collect``: capture every indicator line of a suite to Parquet (+ Arrow IPC)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..cli import ConfigArgs, config_options, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("collect")
    @config_options
    def collect_cmd(
        cfg_args: ConfigArgs,
        out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default runs/collect-<timestamp>)."),
        suite: Optional[str] = typer.Option(None, "--suite", help="Indicator suite: default or minimal."),
    ) -> None:
        """Capture every line of the indicator suite to indicators.parquet (zstd) + indicators.arrow."""
        from ..capture.job import collect_to_dir

        cfg = cfg_args.config(extra={"capture.suite": suite} if suite is not None else None)
        s = run_command(collect_to_dir, cfg, out)
        console.print(f"[bold]collected[/] {s.indicators} indicators, {s.lines} lines, {s.bars:,} bars "
                      f"from {s.source} in {s.seconds:.2f} s ({s.bars_per_s:,.0f} bars/s)")
        console.print(f"longest warm-up: {s.warmup_max} bars ({s.warmup_max_column or '-'})")
        if s.nonfinite_after_warmup:
            worst = sorted(s.nonfinite_after_warmup.items(), key=lambda kv: -kv[1])[:10]
            console.print(f"[yellow]NaN/Inf after warm-up in {len(s.nonfinite_after_warmup)} column(s):[/] "
                          + ", ".join(f"{c} ({k})" for c, k in worst))
        else:
            console.print("NaN/Inf after warm-up: none")
        console.print(f"wrote {s.parquet} and {s.arrow}")

"""``nts collect``: capture every indicator line of a suite to Parquet (+ Arrow IPC)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..cli import (BarsOpt, ConfigOpt, DataOpt, EndOpt, ExchangeOpt, ForceOpt, IntervalOpt, NullOpt, PresetOpt,
                   RepairOpt, ResampleOpt, SeedOpt, SetOpt, StartOpt, SymbolOpt, SyntheticOpt, build_config,
                   console, data_overrides, run_command)


def register(app: typer.Typer) -> None:
    @app.command("collect")
    def collect_cmd(
        data: Optional[Path] = DataOpt,
        synthetic: bool = SyntheticOpt,
        bars: Optional[int] = BarsOpt,
        seed: Optional[int] = SeedOpt,
        null: bool = NullOpt,
        exchange: Optional[str] = ExchangeOpt,
        symbol: Optional[str] = SymbolOpt,
        interval: Optional[str] = IntervalOpt,
        start: Optional[str] = StartOpt,
        end: Optional[str] = EndOpt,
        resample: Optional[str] = ResampleOpt,
        repair: bool = RepairOpt,
        force_recollect: bool = ForceOpt,
        out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default runs/collect-<timestamp>)."),
        suite: Optional[str] = typer.Option(None, "--suite", help="Indicator suite: default or minimal."),
        preset: str = PresetOpt,
        config: Optional[Path] = ConfigOpt,
        set_: Optional[list[str]] = SetOpt,
    ) -> None:
        """Capture every line of the indicator suite to indicators.parquet (zstd) + indicators.arrow."""
        from ..capture.job import collect_to_dir

        extra = data_overrides(data, synthetic, bars, seed, null, exchange, symbol, interval, start, end, resample,
                               repair, force_recollect)
        if suite is not None:
            extra["capture.suite"] = suite
        cfg = run_command(build_config, preset, config, set_, extra)
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

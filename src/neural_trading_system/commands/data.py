"""``nts data``: load, validate and summarize a market data source."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from ..cli import ConfigArgs, config_options, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("data")
    @config_options
    def data_cmd(
        cfg_args: ConfigArgs,
    ) -> None:
        """Validate a data source and print its summary: rows, range, gaps, returns, regimes, repairs.

        Bad data exits with status 2 and a message naming the file, row and column.
        """
        from ..data import load_market, summarize

        cfg = cfg_args.config()
        md = run_command(load_market, cfg.data, cfg.seed)
        print_summary(summarize(md), md.report)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def print_summary(s: dict[str, Any], report: Any = None) -> None:
    """Print the :func:`~..data.summarize` dict, the gap examples and every repair as rich tables."""
    t = Table(title=f"Market data: {s['source']}", show_header=True)
    t.add_column("item")
    t.add_column("value", overflow="fold")
    for key, value in s.items():
        if key in {"source", "regime_shares"}:
            continue
        t.add_row(key.replace("_", " "), _fmt(value))
    console.print(t)
    if "regime_shares" in s:
        rt = Table(title="True regimes (share of bars)")
        rt.add_column("regime")
        rt.add_column("share", justify="right")
        for name, share in s["regime_shares"].items():
            rt.add_row(name, f"{share:.1%}")
        console.print(rt)
    if report is not None and report.gap_examples:
        console.print(f"gaps (first {len(report.gap_examples)} of {report.gaps}):")
        for line in report.gap_examples:
            console.print(f"  {line}", highlight=False)
    if report is not None and report.changes:
        console.print(f"[bold yellow]repairs ({len(report.changes)} changes):[/]")
        for line in report.changes:
            console.print(f"  {line}", highlight=False, markup=False)

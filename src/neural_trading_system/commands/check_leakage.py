"""``nts check-leakage``: null market, truncation across the pipeline, streaming/batch parity, split hygiene."""

from __future__ import annotations


import typer
from rich.table import Table

from ..cli import ConfigArgs, config_options, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("check-leakage")
    @config_options
    def check_leakage_cmd(
        cfg_args: ConfigArgs,
        null_bars: int = typer.Option(30_000, "--null-bars", help="Bars of the null market for the no-edge check."),
        points: int = typer.Option(4, "--points", help="Random end bars t of the truncation checks (plus the last "
                                                       "validation and test bars)."),
        skip_null: bool = typer.Option(False, "--skip-null", help="Skip the null-market check (a)."),
    ) -> None:
        """Leakage checks with a pass/fail table; exits 1 when any check fails.

        (a) no edge on the null market (entry AUC within 0.5 ± 0.03, neural and LightGBM); (b) capture,
        features, labels and predictions at bar t unchanged when bars after t are cut; (c) streaming
        indicators and transform_last equal the batch path; (d) disjoint, purged splits and an extractor
        state unaffected by validation/test rows. The models are trained briefly (2 epochs of <= 30 steps
        unless --set says otherwise).
        """
        from ..evaluation.leakage import LEAKAGE_DEFAULTS, run_leakage_checks

        cfg = cfg_args.config(defaults=LEAKAGE_DEFAULTS)
        results = run_command(run_leakage_checks, cfg, null_bars=null_bars, n_points=points, skip_null=skip_null,
                              progress=lambda msg: console.print(f"[dim]… {msg}[/]"))
        console.print(results_table(results))
        failed = [r for r in results if r.passed is False]
        console.print(f"[bold {'red' if failed else 'green'}]{len(failed)} check(s) failed[/] of "
                      f"{sum(r.passed is not None for r in results)} run")
        if failed:
            raise typer.Exit(1)


def results_table(results) -> Table:
    t = Table(title="Leakage checks", show_lines=False)
    for col in ("group", "check", "result", "measured", "detail"):
        t.add_column(col, overflow="fold")
    for r in results:
        mark = "[green]PASS[/]" if r.passed else ("[dim]n/a[/]" if r.passed is None else "[bold red]FAIL[/]")
        t.add_row(r.group, r.name, mark, r.figure, r.detail)
    return t

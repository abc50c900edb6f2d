"""``nts analyze``: the HTML report of a trained run (attention, attribution, regimes, calibration, exits)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..cli import console, run_command


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_cmd(
        run_dir: Optional[Path] = typer.Argument(None, help="Run directory (default: the most recent run)."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where to look for the most recent run."),
        bar: Optional[str] = typer.Option(None, "--bar", help="Bar whose decision is drawn: index or ISO timestamp "
                                                              "(default: the test bar with the highest entry probability)."),
        clusters: int = typer.Option(5, "--clusters", "-k", min=2, max=50, help="KMeans regimes fitted on train latents."),
        windows: int = typer.Option(64, "--attribution-windows", min=1, help="Test windows attributed."),
        steps: int = typer.Option(16, "--ig-steps", min=1, max=512, help="Integrated-gradients steps."),
        method: str = typer.Option("ig", "--method", help="Attribution: ig (integrated gradients) or grad_x_input."),
        top_k: int = typer.Option(20, "--top-k", min=1, max=200, help="Features in the top-features chart."),
    ) -> None:
        """Analyse a trained run: writes report.html, analysis/*.png and analysis_metrics.json into RUN_DIR."""
        from .. import api
        from ..errors import ConfigError

        def go():
            if method not in ("ig", "grad_x_input"):
                raise ConfigError(f"--method '{method}': expected ig or grad_x_input")
            return api.analyze(run_dir, runs_dir=runs_dir, bar=bar, k_regimes=clusters, attribution_windows=windows,
                               ig_steps=steps, attribution_method=method, top_k=top_k)

        out = run_command(go)
        print_analysis_summary(out)


def _f(v, fmt: str = "{:.4f}") -> str:
    return "n/a" if v is None else fmt.format(v)


def print_analysis_summary(out) -> None:
    m = out.metrics
    t = Table(title=f"Analysis of {out.run_dir}", show_header=True)
    t.add_column("item")
    t.add_column("value", overflow="fold")
    c, g = m["calibration"], m["regimes"]
    t.add_row("entry AUC / ECE / Brier", f"{_f(c['auc'], '{:.3f}')} / {_f(c['ece'])} / {_f(c['brier'])} "
                                         f"(event target_entry > 0.5, n={c['n']})")
    t.add_row("NMI vs true regimes", _f(g["nmi_true_regimes"], "{:.3f}"))
    t.add_row("NMI vs volatility regime", _f(g["nmi_vol_regime"], "{:.3f}"))
    top = ", ".join(r["feature"] for r in m["attribution"]["top_features"][:5])
    t.add_row("top features (entry logit)", top)
    t.add_row("report", str(out.report_path))
    t.add_row("figures", f"{len(out.png_paths)} PNGs in {out.report_path.parent / 'analysis'}")
    t.add_row("metrics", str(out.metrics_path))
    console.print(t)

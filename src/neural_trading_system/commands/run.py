"""``nts run``: the main job, end to end, with one summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ..cli import ConfigArgs, RunDirOpt, config_options, console, run_command, run_dir_overrides


def register(app: typer.Typer) -> None:
    @app.command("run")
    @config_options
    def run_cmd(
        cfg_args: ConfigArgs,
        run_dir: Optional[Path] = RunDirOpt,
    ) -> None:
        """The main job: data → capture → features + labels → training → analysis → backtest → summary.

        With no DATA option it runs on the embedded synthetic market. The summary table holds the
        out-of-sample metrics of the neural strategy beside buy & hold, a classic rule and LightGBM,
        and the paths of report.html and dashboard.html.
        """
        from .. import api

        cfg = cfg_args.config(extra=run_dir_overrides(run_dir))
        out = run_command(api.run_main, cfg)
        print_run_summary(out)


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v * 100:.1f}%" if pct else f"{v:.2f}"
    return str(v)


def print_run_summary(out) -> None:
    """One rich table: data, model quality, backtest metrics per strategy, artifacts, timings."""
    tr = out.train
    s = tr.summary
    info = Table(title=f"nts run: {out.run_dir}", show_header=False)
    info.add_column("item", style="bold")
    info.add_column("value", overflow="fold")
    info.add_row("data", f"{tr.market.source}: {tr.market.frame.height} bars ({tr.market.interval})")
    info.add_row("features / splits", f"{s['features']} features; " + ", ".join(f"{k} {v}" for k, v in s["split_sizes"].items()))
    r = tr.result
    info.add_row("training", f"best epoch {getattr(r, 'best_epoch', '?')} of {getattr(r, 'epochs_run', '?')}, "
                             f"val loss {getattr(r, 'best_val_loss', float('nan')):.4f}")
    am = getattr(out.analysis, "metrics", {}) or {}
    quality = [f"{k} {am[k]:.3f}" for k in ("test_entry_auc", "ece", "brier", "nmi_true_regimes") if
               isinstance(am.get(k), (int, float))]
    if quality:
        info.add_row("model quality (test)", ", ".join(quality))
    info.add_row("report", str(getattr(out.analysis, "report_path", "-")))
    info.add_row("dashboard", str(getattr(out.backtest, "dashboard", None) or "-"))
    info.add_row("stage times (s)", ", ".join(f"{k} {v:.1f}" for k, v in out.timings.items()))
    console.print(info)
    metrics = getattr(out.backtest, "metrics", None) or {}
    if metrics:
        t = Table(title="Backtest on the test split (out of sample, after costs)")
        cols = [("total_return", True, "return"), ("annualized_return", True, "ann."), ("sharpe", False, "Sharpe"),
                ("sortino", False, "Sortino"), ("max_drawdown", True, "max DD"), ("win_rate", True, "win"),
                ("profit_factor", False, "PF"), ("n_trades", False, "trades"), ("exposure", True, "exposure")]
        t.add_column("strategy", no_wrap=True)
        for _, _, head in cols:
            t.add_column(head, justify="right", no_wrap=True)
        for name, m in metrics.items():
            md = m.to_dict() if hasattr(m, "to_dict") else dict(m)
            t.add_row(name, *[_fmt(md.get(c), pct) for c, pct, _ in cols])
        console.print(t)

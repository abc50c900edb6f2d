"""``nts evaluate``: walk-forward folds × seeds, the neural model against LightGBM, the classic rule and buy & hold."""

from __future__ import annotations

from typing import Optional

import typer

from ..cli import ConfigArgs, config_options, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    @config_options
    def evaluate_cmd(
        cfg_args: ConfigArgs,
        folds: int = typer.Option(4, "--folds", "-k", help="Walk-forward folds (test blocks in time order)."),
        seeds: int = typer.Option(3, "--seeds", "-n", help="Seeds per fold (neural init/order, LightGBM bagging)."),
        mode: str = typer.Option("expanding", "--mode", help="expanding (all earlier bars) or rolling (one block)."),
        workers: int = typer.Option(1, "--workers", "-w", help="Parallel processes over fold × seed jobs."),
        name: Optional[str] = typer.Option(None, "--name", help="Directory name under runs/ (default <time>-eval)."),
    ) -> None:
        """Walk-forward evaluation (purged, embargoed): AUC, log-loss, ECE, Sharpe, max drawdown, return.

        Training is capped for evaluation (training.num_epochs=4, training.max_steps_per_epoch=12,
        training.patience=2) unless --set gives those keys. Writes evaluation.md / .html / .json / .png
        into runs/<name>/.
        """
        from ..evaluation import EVAL_DEFAULTS, markdown_table, run_evaluation, summarize, write_report

        cfg = cfg_args.config(defaults=EVAL_DEFAULTS, extra={"run_name": name} if name is not None else None)
        out = run_command(run_evaluation, cfg, folds, seeds, mode, workers)
        t = cfg.training
        meta = {"data": str(cfg_args.data) if cfg_args.data else cfg.data.source, "n_folds": folds, "n_seeds": seeds, "mode": mode,
                "folds": out.folds, "timings_s": out.timings,
                "settings": (f"preset {cfg.preset}, seq_len {cfg.model.seq_len}, d_model {cfg.model.d_model}, "
                             f"epochs {t.num_epochs}, max steps/epoch {t.max_steps_per_epoch}, batch {t.batch_size}, "
                             f"horizon {cfg.labels.prediction_horizon}, embargo {cfg.splits.embargo}, "
                             f"commission {cfg.backtest.commission}, slippage {cfg.backtest.slippage}")}
        paths = run_command(write_report, out.eval_dir, out.records, meta)
        console.print(markdown_table(summarize(out.records)), markup=False, highlight=False, soft_wrap=True)
        console.print(f"wrote {paths['md']}, {paths['html']}, {paths['json']}, {paths['png']}")

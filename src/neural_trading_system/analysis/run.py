"""``analyze_run``: load a trained run, compute every analysis on its TEST split, draw, write the report.

Outputs in the run directory: ``report.html`` (self-contained), ``analysis/*.png`` and
``analysis_metrics.json``. Only the test windows are analysed; the regime model (PCA, KMeans)
is fitted on training-split latents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataValidationError

__all__ = ["AnalysisOptions", "AnalysisOutcome", "analyze_run", "compute_analysis"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisOptions:
    """Sample sizes and settings of the analysis (all on the test split unless said)."""

    bar: str | int | None = None
    """bar whose decision is drawn: index, ISO timestamp, or None (highest test entry probability)"""
    attention_windows: int = 256
    """test windows averaged into the attention maps"""
    attribution_windows: int = 64
    """test windows attributed"""
    attribution_method: str = "ig"
    """``ig`` (integrated gradients) or ``grad_x_input``"""
    ig_steps: int = 16
    """integration steps of integrated gradients"""
    top_k: int = 20
    """features in the top-features chart"""
    k_regimes: int = 5
    """KMeans clusters of the regime latent"""
    train_latent_windows: int = 5000
    """training windows (evenly spaced) the PCA and KMeans are fitted on"""
    event_window: int = 10
    """bars before and after each exit event in the event study"""
    batch_size: int = 256


@dataclass
class AnalysisOutcome:
    """What :func:`analyze_run` wrote: the report, the PNGs, the metrics."""

    run_dir: Path
    report_path: Path
    metrics_path: Path
    png_paths: dict[str, Path]
    metrics: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict, repr=False)


def _regime_names(cfg) -> list[str] | None:
    if cfg.data.source != "synthetic":
        return None
    if cfg.data.null_market:
        return ["null"]
    from ..data.synthetic import REGIMES

    return list(REGIMES)


def compute_analysis(rb, opts: AnalysisOptions) -> dict[str, Any]:
    """Every computed result of a loaded run (``pipeline.RunBundle``), nothing drawn."""
    from ..training import predict, predict_windows
    from .attention import attention_maps, sample_indices, summarize_attention
    from .attribution import attribute, entry_logit_fn, group_attribution
    from .bars import resolve_bar
    from .calibration import binned_mean, rank_correlation, reliability
    from .exits import event_study, exit_events, hold_durations, label_distribution
    from .regimes import analyze_regimes

    b, model, cfg = rb.bundle, rb.model, rb.config
    model.eval()
    test, lab = b.test, b.labels
    if len(test) < max(opts.k_regimes, 2):
        raise DataValidationError("too few test windows to analyse", source=str(rb.run_dir / "manifest.json"),
                                  column="splits.test", expected=f">= {max(opts.k_regimes, 2)} windows",
                                  found=f"{len(test)}", fix="train on more bars or lower splits.train_frac")
    horizon, seq_len = cfg.labels.prediction_horizon, cfg.model.seq_len
    n_bars = b.X.shape[0]
    log.info("analysis: predicting %d test windows", len(test))
    preds = predict(model, test, opts.batch_size)
    bars = preds["end_bars"]
    r: dict[str, Any] = {"preds": preds, "horizon": horizon, "seq_len": seq_len}

    # 1. attention
    ids = sample_indices(len(test), opts.attention_windows)
    r["attention"] = summarize_attention(model, test.batch(ids)[0], opts.batch_size)
    ts = b.captured.frame["timestamp"].dt.epoch("ms").to_numpy()
    bar = resolve_bar(opts.bar, ts, bars, preds["entry_prob"], b.first_valid + seq_len - 1)
    window = b.X[bar - seq_len + 1: bar + 1][None]  # (1, T, F)
    r["bar_given"] = opts.bar is not None
    r["bar"] = {"bar": bar, "timestamp": str(b.captured.frame["timestamp"][bar]),
                "split": _split_of(bar, b.split), "maps": attention_maps(model, window)[0],
                "entry_prob": float(predict_windows(model, window)["entry_prob"][0]),
                "target_return": float(lab["target_return"][bar]) if lab["target_return"][bar] is not None else None}

    # 2. attribution on the entry logit
    ids = sample_indices(len(test), opts.attribution_windows)
    log.info("analysis: %s attribution on %d test windows", opts.attribution_method, len(ids))
    att = attribute(entry_logit_fn(model), test.batch(ids)[0], b.extractor.feature_names_, opts.attribution_method,
                    opts.ig_steps)
    r["attribution"] = att
    if opts.attribution_method == "ig" and att.delta > 0.05:
        log.warning("integrated gradients: the attributions miss logit(x) - logit(0) by %.1f%% with %d steps; "
                    "raise --ig-steps for a converged integral", 100 * att.delta, opts.ig_steps)
    r["by_indicator"] = group_attribution(att, b.captured.meta, "indicator")
    r["by_family"] = group_attribution(att, b.captured.meta, "family")

    # 3. regimes (fitted on training latents)
    tr_ids = sample_indices(len(b.train), opts.train_latent_windows)
    train_mu = predict_windows(model, b.train.batch(tr_ids)[0], opts.batch_size)["regime_mu"]
    r["regimes"] = analyze_regimes(train_mu, preds["regime_mu"], bars, lab, rb.true_regimes, opts.k_regimes, cfg.seed)
    r["regime_names"] = _regime_names(cfg)

    # 4. calibration against target_entry > 0.5
    y_entry = lab["target_entry"].to_numpy().astype(np.float64)[bars]
    fwd = lab["target_return"].to_numpy().astype(np.float64)[bars]
    r["event"] = (y_entry > 0.5)
    r["reliability"] = reliability(preds["entry_prob"], np.where(np.isfinite(y_entry), r["event"], np.nan))
    r["binned"] = binned_mean(preds["entry_prob"], fwd)
    r["rank_ic"] = rank_correlation(preds["entry_prob"], fwd)
    r["fwd"] = fwd

    # 5. exits
    probs = {k: preds[k] for k in ("exit_prob", "tp_prob", "sl_prob")}
    r["event_study"] = event_study(exit_events(lab), bars, probs, n_bars, opts.event_window)
    r["durations"] = hold_durations(lab, bars, horizon)
    r["label_dist"] = label_distribution(lab, {"train": b.split.train, "val": b.split.val, "test": b.split.test})
    r["entry_test"] = y_entry
    return r


def _split_of(bar: int, split) -> str:
    for name in ("train", "val", "test"):
        if np.isin(bar, getattr(split, name)):
            return name
    return "none (purged or embargoed)"


def analyze_run(run_dir: str | Path | None = None, runs_dir: str | Path = "runs",
                options: AnalysisOptions | None = None) -> AnalysisOutcome:
    """Analyse a run directory (None: the most recent run under ``runs_dir``) and write the report.

    Raises ArtifactError (missing or mismatched run files, named), ConfigError (bad ``bar``).
    """
    from ..pipeline import load_run_bundle
    from .report import write_outputs

    opts = options or AnalysisOptions()
    rb = load_run_bundle(run_dir, runs_dir)
    log.info("analysing run %s", rb.run_dir)
    results = compute_analysis(rb, opts)
    return write_outputs(rb, results, opts)

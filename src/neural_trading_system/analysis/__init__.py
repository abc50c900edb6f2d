"""Analysis of a trained run: attention, attribution, regimes, calibration, exits; the HTML report.

Computing (the modules here) is kept apart from drawing (:mod:`.draw`). Entry point:
``analyze_run(run_dir) -> AnalysisOutcome`` writes ``report.html``, ``analysis/*.png`` and
``analysis_metrics.json``. Importing this package imports neither torch nor matplotlib.
"""

from __future__ import annotations

from .attention import AttentionSummary, attention_maps, lag_profile, sample_indices, summarize_attention
from .attribution import Attribution, attribute, entry_logit_fn, feature_source, group_attribution
from .bars import resolve_bar
from .calibration import (Reliability, binned_mean, brier_score, expected_calibration_error, rank_correlation,
                          reliability, roc_auc)
from .exits import event_study, exit_events, hold_durations, label_distribution
from .regimes import RegimeAnalysis, analyze_regimes, regime_table
from .run import AnalysisOptions, AnalysisOutcome, analyze_run, compute_analysis

__all__ = [
    "analyze_run", "compute_analysis", "AnalysisOptions", "AnalysisOutcome",
    "AttentionSummary", "attention_maps", "summarize_attention", "lag_profile", "sample_indices",
    "Attribution", "attribute", "entry_logit_fn", "feature_source", "group_attribution",
    "resolve_bar",
    "Reliability", "reliability", "expected_calibration_error", "brier_score", "roc_auc", "binned_mean",
    "rank_correlation",
    "event_study", "exit_events", "hold_durations", "label_distribution",
    "RegimeAnalysis", "analyze_regimes", "regime_table",
]

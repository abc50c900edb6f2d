"""Evaluation: walk-forward folds × seeds against baselines, probability scores, and the leakage checks.

``run_evaluation(cfg, n_folds, n_seeds, mode, workers)`` -> ``EvalOutcome``; ``write_report`` writes
evaluation.md/.html/.json/.png; ``run_leakage_checks(cfg)`` -> list of ``CheckResult``.
"""

from __future__ import annotations

from .report import markdown_table, summarize, write_report
from .scores import expected_calibration_error, log_loss, probability_scores, roc_auc
from .walkforward import EVAL_DEFAULTS, MODELS, EvalOutcome, run_evaluation

__all__ = [
    "run_evaluation", "EvalOutcome", "EVAL_DEFAULTS", "MODELS",
    "summarize", "markdown_table", "write_report",
    "roc_auc", "log_loss", "expected_calibration_error", "probability_scores",
]

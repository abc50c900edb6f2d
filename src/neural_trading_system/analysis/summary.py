"""The analysis figures as one JSON-ready dict (``analysis_metrics.json``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["build_metrics", "jsonable"]


def jsonable(obj: Any) -> Any:
    """Plain JSON types, NaN/Inf as None (strict JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    return obj


def run_info(rb) -> dict[str, Any]:
    """Header facts of the run: where, what data, what model, split sizes, training summary."""
    m, cfg = rb.manifest, rb.config
    tr = m.get("training", {})
    return {
        "run_dir": str(rb.run_dir),
        "data_source": m.get("data_source"), "symbol": m.get("symbol"), "interval": m.get("interval"),
        "bars": m.get("n_bars"), "features": m.get("n_features"), "seq_len": cfg.model.seq_len,
        "horizon_bars": cfg.labels.prediction_horizon, "preset": cfg.preset, "seed": cfg.seed,
        "model": f"d_model {cfg.model.d_model}, {cfg.model.num_layers} layer(s), {cfg.model.num_heads} head(s), "
                 f"latent {cfg.model.latent_dim}",
        "splits": {k: {"samples": v.get("samples"), "start": v.get("start"), "end": v.get("end")}
                   for k, v in m.get("splits", {}).items()},
        "best_epoch": tr.get("best_epoch"), "epochs_run": tr.get("epochs_run"), "best_val_loss": tr.get("best_val_loss"),
        "package_version": m.get("package_version"),
    }


def build_metrics(rb, r: dict[str, Any], opts) -> dict[str, Any]:
    """Every headline number of the analysis, JSON-ready."""
    rel, att, reg = r["reliability"], r["attribution"], r["regimes"]
    es = r["event_study"]
    off = es["offsets"]
    pre, at = off < 0, off == 0
    out = {
        "run": run_info(rb),
        "calibration": {
            "event": "target_entry > 0.5 (risk-adjusted forward return above labels.entry_threshold)",
            "n": rel.n, "base_rate": rel.base_rate, "ece": rel.ece, "ece_bins": 10, "brier": rel.brier, "auc": rel.auc,
            "bins": {"edges": rel.edges, "count": rel.count, "mean_prob": rel.mean_prob, "event_rate": rel.event_rate},
        },
        "decision": {"rank_ic_entry_vs_forward_return": r["rank_ic"],
                     "mean_return_by_prob_decile": r["binned"]["mean"], "prob_decile_center": r["binned"]["center"]},
        "regimes": {"k": reg.k, "latent_dim": reg.latent_dim, "fitted_on": "train latents", "nmi_true_regimes": reg.nmi,
                    "nmi_vol_regime": reg.nmi_vol_regime,
                    "pca_explained_variance": None if reg.explained is None else reg.explained,
                    "table": reg.table, "crosstab_true": reg.crosstab},
        "attribution": {"target": "entry logit", "method": att.method, "ig_steps": opts.ig_steps,
                        "baseline": "zeros", "n_windows": att.n_samples, "relative_convergence_delta": att.delta,
                        "top_features": [{"feature": n, "score": s} for n, s in att.top(opts.top_k)],
                        "by_indicator": r["by_indicator"], "by_family": r["by_family"]},
        "attention": r["attention"].to_json(),
        "chosen_bar": {k: v for k, v in r["bar"].items() if k != "maps"},
        "exits": {"n_events": es["n_events"], "offsets": off,
                  **{k: es[k] for k in ("exit_prob", "tp_prob", "sl_prob")},
                  **{f"{k}_baseline": es[f"{k}_baseline"] for k in ("exit_prob", "tp_prob", "sl_prob")},
                  "exit_prob_before_mean": float(np.nanmean(es["exit_prob"][pre])) if pre.any() else None,
                  "exit_prob_at_event": float(es["exit_prob"][at][0]) if at.any() else None},
        "hold_durations": {k: v for k, v in r["durations"].items()},
        "labels": r["label_dist"],
    }
    return jsonable(out)

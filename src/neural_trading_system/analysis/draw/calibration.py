"""Calibration charts of the entry head: reliability diagram, decision boundary, probability histogram."""

from __future__ import annotations

import numpy as np

from .figure import new_figure

__all__ = ["draw_reliability", "draw_decision_boundary", "draw_probability_histogram"]


def draw_reliability(rel, event: str):
    """Reliability diagram (top) and bin counts (bottom) of a :class:`..calibration.Reliability`."""
    fig = new_figure(7.0, 6.2)
    a1, a2 = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    centers = (rel.edges[:-1] + rel.edges[1:]) / 2
    width = rel.edges[1] - rel.edges[0]
    ok = rel.count > 0
    a1.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect calibration")
    a1.bar(centers[ok], rel.event_rate[ok], width=width * 0.9, color="tab:blue", alpha=0.35, label="event rate per bin")
    a1.plot(rel.mean_prob[ok], rel.event_rate[ok], marker="o", color="tab:blue", label="model (mean p, event rate)")
    a1.axhline(rel.base_rate, color="tab:red", ls=":", lw=1, label=f"base rate {rel.base_rate:.2f}")
    a1.set_xlim(0, 1)
    a1.set_ylim(0, 1)
    a1.set_ylabel(f"observed frequency of {event}")
    auc = "n/a" if rel.auc is None else f"{rel.auc:.3f}"
    a1.set_title(f"Reliability of the entry probability (test, n={rel.n}): ECE {rel.ece:.3f}, "
                 f"Brier {rel.brier:.3f}, AUC {auc}", fontsize=10)
    a1.legend(fontsize=8, loc="upper left")
    a1.grid(alpha=0.3)
    a2.bar(centers, rel.count, width=width * 0.9, color="tab:gray", label="windows per bin")
    a2.set_xlabel("predicted entry probability (10 equal-width bins)")
    a2.set_ylabel("windows")
    a2.legend(fontsize=8)
    return fig


def draw_decision_boundary(prob: np.ndarray, fwd: np.ndarray, binned: dict, horizon: int, ic: float):
    """Entry probability against realized forward return: the scatter and the mean return per probability decile."""
    fig = new_figure(8.0, 4.8)
    ax = fig.subplots()
    ax.scatter(prob, 100 * np.asarray(fwd), s=6, alpha=0.35, color="tab:gray", edgecolors="none",
               label="test window")
    ax.errorbar(binned["center"], 100 * binned["mean"], yerr=100 * binned["sem"], color="tab:red", marker="o",
                capsize=3, lw=1.8, label="mean per probability decile (± s.e.)")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("predicted entry probability")
    ax.set_ylabel(f"realized forward log return over {horizon} bars (%)")
    ax.set_title(f"Decision boundary: entry probability vs realized return (rank IC {ic:+.3f})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    lo, hi = np.nanpercentile(100 * np.asarray(fwd), [1, 99]) if len(fwd) else (-1, 1)
    pad = 0.2 * (hi - lo + 1e-9)
    ax.set_ylim(lo - pad, hi + pad)
    return fig


def _bins(p: np.ndarray, n: int = 40) -> np.ndarray:
    """Bins over [0, 1], or over the data's range when the probabilities crowd into a tenth of it."""
    p = p[np.isfinite(p)]
    if p.size == 0:
        return np.linspace(0, 1, n + 1)
    lo, hi = float(p.min()), float(p.max())
    if hi - lo > 0.1:
        return np.linspace(0, 1, n + 1)
    pad = max(0.1 * (hi - lo), 1e-4)
    return np.linspace(max(lo - pad, 0.0), min(hi + pad, 1.0), n + 1)


def draw_probability_histogram(probs: dict[str, np.ndarray], event: np.ndarray):
    """Histogram of the entry probability split by the event, and of the other heads' probabilities."""
    fig = new_figure(12.0, 4.2)
    a1, a2 = fig.subplots(1, 2)
    p = probs["entry_prob"]
    bins = _bins(p)
    a1.hist(p[event], bins=bins, alpha=0.6, color="tab:green", label=f"event (n={int(event.sum())})")
    a1.hist(p[~event], bins=bins, alpha=0.6, color="tab:red", label=f"no event (n={int((~event).sum())})")
    a1.set_xlabel("predicted entry probability")
    a1.set_ylabel("test windows")
    a1.set_title("Entry probability by outcome (event: target_entry > 0.5)")
    a1.legend(fontsize=8)
    others = [probs[k] for k in ("exit_prob", "tp_prob", "sl_prob", "hold_prob") if k in probs]
    bins = _bins(np.concatenate(others)) if others else bins
    for key, color in (("exit_prob", "tab:orange"), ("tp_prob", "tab:green"), ("sl_prob", "tab:red"),
                       ("hold_prob", "tab:blue")):
        if key in probs:
            a2.hist(probs[key], bins=bins, histtype="step", lw=1.6, color=color, label=key.replace("_prob", ""))
    a2.set_xlabel("predicted probability")
    a2.set_ylabel("test windows")
    a2.set_title("Other heads' probabilities")
    a2.legend(fontsize=8, title="head")
    return fig

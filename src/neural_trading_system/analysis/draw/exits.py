"""Exit-awareness charts: event study around exits, hold durations, label balance."""

from __future__ import annotations

import numpy as np

from .figure import new_figure

__all__ = ["draw_event_study", "draw_hold_durations", "draw_label_distribution"]

_HEADS = (("exit_prob", "exit", "tab:orange"), ("tp_prob", "take-profit", "tab:green"),
          ("sl_prob", "stop-loss", "tab:red"))


def draw_event_study(study: dict):
    """Mean head probabilities at offsets around exit events, with each head's unconditional mean dashed."""
    fig = new_figure(8.5, 5.2)
    ax = fig.subplots()
    off = study["offsets"]
    for key, name, color in _HEADS:
        if key in study:
            ax.plot(off, study[key], marker="o", ms=3, color=color, label=f"{name} probability")
            ax.axhline(float(study[f"{key}_baseline"]), color=color, ls="--", lw=1, alpha=0.7,
                       label=f"{name}: mean over all test windows")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xticks(off[::2] if len(off) > 11 else off)
    ax.set_xlabel("bars relative to the exit event (0 = first bar where target_exit or target_sl is 1)")
    ax.set_ylabel("mean predicted probability")
    ax.set_title(f"Exit awareness: head probabilities around {int(study['n_events'])} exit events (test)")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=3, fontsize=8)
    return fig


def draw_hold_durations(d: dict):
    """Bars until the first barrier hit, for take-profit and stop-loss outcomes (test split)."""
    fig = new_figure(7.5, 4.2)
    ax = fig.subplots()
    x = d["duration"]
    ax.bar(x - 0.2, d["tp"], width=0.4, color="tab:green", label=f"take-profit (mean {d['mean_tp']:.1f} bars)")
    ax.bar(x + 0.2, d["sl"], width=0.4, color="tab:red", label=f"stop-loss (mean {d['mean_sl']:.1f} bars)")
    ax.set_xticks(x)
    ax.set_xlabel("bars until the barrier is hit (target_hit_bars)")
    ax.set_ylabel("test windows")
    ax.set_title(f"Hold duration to the first barrier hit ({int(d['hold'])} windows hit neither: hold)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def draw_label_distribution(dist: dict, entry_test: np.ndarray):
    """Left: outcome shares per split; right: histogram of the soft entry target on the test split."""
    fig = new_figure(12.0, 4.2)
    a1, a2 = fig.subplots(1, 2)
    keys = ("tp", "sl", "hold", "exit", "entry>0.5")
    splits = list(dist)
    x = np.arange(len(keys))
    w = 0.8 / max(len(splits), 1)
    for i, s in enumerate(splits):
        a1.bar(x + (i - (len(splits) - 1) / 2) * w, [100 * dist[s][k] for k in keys], width=w,
               label=f"{s} (n={dist[s]['n']})")
    a1.set_xticks(x, ["take-profit", "stop-loss", "hold", "exit", "entry > 0.5"])
    a1.set_xlabel("label")
    a1.set_ylabel("share of windows (%)")
    a1.set_title("Label distribution per split")
    a1.legend(fontsize=8, title="split")
    a1.grid(axis="y", alpha=0.3)
    e = entry_test[np.isfinite(entry_test)]
    a2.hist(e, bins=np.linspace(0, 1, 26), color="tab:blue", label="target_entry")
    a2.axvline(0.5, color="black", ls="--", lw=1, label="event threshold 0.5")
    a2.set_xlabel("target_entry (soft entry target, 0..1)")
    a2.set_ylabel("test windows")
    a2.set_title("Entry target histogram (test)")
    a2.legend(fontsize=8)
    return fig

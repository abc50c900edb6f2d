"""Attribution charts: top features, totals per indicator and family, attribution by bar in the window."""

from __future__ import annotations

import numpy as np

from .figure import new_figure

__all__ = ["draw_top_features", "draw_attribution_groups", "draw_attribution_time"]


def _unit(method: str) -> str:
    return "integrated gradients" if method == "ig" else "gradient × input"


def draw_top_features(top: list[tuple[str, float]], method: str, n_samples: int):
    """Horizontal bars of the ``top`` (name, score) pairs, largest on top."""
    k = len(top)
    fig = new_figure(9.0, max(3.0, 0.28 * k + 1.3))
    ax = fig.subplots()
    names = [n for n, _ in top][::-1]
    vals = [v for _, v in top][::-1]
    ax.barh(np.arange(k), vals, color="tab:blue", label=f"{_unit(method)}, entry logit")
    ax.set_yticks(np.arange(k), names, fontsize=8)
    ax.set_xlabel("mean over windows of Σ_t |attribution| (entry-logit units)")
    ax.set_ylabel("feature (<indicator>.<line>|<transform>)")
    ax.set_title(f"Top {k} features for the entry decision ({n_samples} test windows)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def draw_attribution_groups(by_indicator: list[dict], by_family: list[dict], top_k: int = 20):
    """Two panels: total attribution per indicator (top ``top_k``) and per family, as shares of the total."""
    ind = by_indicator[:top_k]
    fig = new_figure(12.0, max(3.5, 0.3 * max(len(ind), len(by_family)) + 1.5))
    a1, a2 = fig.subplots(1, 2, width_ratios=[1.3, 1])
    for ax, rows, what in ((a1, ind, "indicator"), (a2, by_family, "family")):
        rows = rows[::-1]
        y = np.arange(len(rows))
        ax.barh(y, [100 * r["share"] for r in rows], color="tab:orange" if what == "family" else "tab:green",
                label="share of total attribution")
        ax.set_yticks(y, [f"{r['name']} ({r['n_features']})" for r in rows], fontsize=8)
        ax.set_xlabel("share of total |attribution| (%)")
        ax.set_ylabel(f"{what} (number of features)")
        ax.set_title(f"By {what}" + (f" (top {len(rows)})" if what == "indicator" else ""))
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Entry-logit attribution aggregated by indicator and by family")
    return fig


def draw_attribution_time(by_time: np.ndarray, method: str):
    """``by_time`` ``(T,)``: attribution summed over features, by bar in the window (last = decision bar)."""
    T = len(by_time)
    fig = new_figure(8.0, 3.8)
    ax = fig.subplots()
    ax.bar(np.arange(-(T - 1), 1), by_time, color="tab:purple", label=_unit(method))
    ax.set_xlabel("bar in the window (bars relative to the decision bar)")
    ax.set_ylabel("mean Σ_f |attribution| (logit units)")
    ax.set_title("Where in the window the entry attribution comes from")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    return fig

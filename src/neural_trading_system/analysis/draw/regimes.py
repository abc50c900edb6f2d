"""Regime charts: the latent space of the test windows, the regimes' realized outcomes."""

from __future__ import annotations

import numpy as np

from .figure import new_figure

__all__ = ["draw_regime_scatter", "draw_regime_summary"]


def _axis_labels(ax, explained: np.ndarray | None) -> None:
    if explained is None:
        ax.set_xlabel("latent dimension 1 (regime_mu)")
        ax.set_ylabel("latent dimension 2 (regime_mu)")
    else:
        ax.set_xlabel(f"PC1 of regime_mu ({100 * explained[0]:.1f}% of train variance)")
        ax.set_ylabel(f"PC2 of regime_mu ({100 * explained[1]:.1f}% of train variance)")


def draw_regime_scatter(coords: np.ndarray, target_return: np.ndarray, explained: np.ndarray | None,
                        horizon: int, true_regimes: np.ndarray | None = None, regime_names: list[str] | None = None):
    """Test windows in the 2-D regime space, coloured by forward return (and by true regime when known)."""
    panels = 2 if true_regimes is not None else 1
    fig = new_figure(6.4 * panels, 5.0)
    axes = np.atleast_1d(fig.subplots(1, panels))
    ax = axes[0]
    r = np.asarray(target_return, dtype=np.float64)
    lim = float(np.nanpercentile(np.abs(r), 98)) if np.isfinite(r).any() else 1.0
    lim = lim if lim > 0 else 1.0
    sc = ax.scatter(coords[:, 0], coords[:, 1], c=r, cmap="RdYlGn", vmin=-lim, vmax=lim, s=9, alpha=0.8,
                    edgecolors="none")
    fig.colorbar(sc, ax=ax, label=f"forward log return over {horizon} bars (clipped at ±{lim:.3f})")
    _axis_labels(ax, explained)
    ax.set_title(f"Regime space of {len(coords)} test windows, by future return")
    ax.grid(alpha=0.3)
    if true_regimes is not None:
        ax2 = axes[1]
        truth = np.asarray(true_regimes).astype(np.int64)
        for t in np.unique(truth):
            m = truth == t
            name = regime_names[t] if regime_names and t < len(regime_names) else f"regime {t}"
            ax2.scatter(coords[m, 0], coords[m, 1], s=9, alpha=0.7, label=f"{name} ({m.sum()})", edgecolors="none")
        _axis_labels(ax2, explained)
        ax2.set_title("Same windows, by TRUE synthetic regime")
        ax2.legend(title="true regime (windows)", fontsize=8, markerscale=2)
        ax2.grid(alpha=0.3)
    return fig


def draw_regime_summary(coords: np.ndarray, labels: np.ndarray, table: list[dict], explained: np.ndarray | None,
                        horizon: int):
    """Left: test windows by KMeans regime; right: mean forward return per regime, win rate annotated."""
    fig = new_figure(13.0, 5.0)
    a1, a2 = fig.subplots(1, 2)
    k = len(table)
    colors = [f"C{c}" for c in range(k)]
    for c in range(k):
        m = labels == c
        a1.scatter(coords[m, 0], coords[m, 1], s=9, alpha=0.7, color=colors[c], label=f"regime {c} ({m.sum()})",
                   edgecolors="none")
    _axis_labels(a1, explained)
    a1.set_title("Test windows by KMeans regime (fitted on train latents)")
    a1.legend(title="regime (windows)", fontsize=8, markerscale=2)
    a1.grid(alpha=0.3)
    x = np.arange(k)
    mr = np.array([r["mean_return"] for r in table], dtype=np.float64) * 100
    a2.bar(x, np.nan_to_num(mr), color=colors, label="mean forward return")
    for xi, row, v in zip(x, table, mr):
        if row["count"]:
            a2.annotate(f"win {100 * row['win_rate']:.0f}%\nn={row['count']}", (xi, np.nan_to_num(v)),
                        ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    a2.axhline(0, color="black", lw=0.8)
    a2.set_xticks(x, [f"regime {c}" for c in range(k)])
    a2.set_xlabel("regime (KMeans cluster)")
    a2.set_ylabel(f"mean forward log return over {horizon} bars (%)")
    a2.set_title("Realized outcome per regime (test split)")
    a2.legend(fontsize=8)
    a2.grid(axis="y", alpha=0.3)
    lo, hi = a2.get_ylim()
    pad = 0.25 * (hi - lo)
    a2.set_ylim(lo - pad, hi + pad)
    return fig

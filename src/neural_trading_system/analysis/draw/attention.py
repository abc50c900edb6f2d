"""Attention charts: mean query × key heatmaps, per-head maps, the lag profile, one bar's decision."""

from __future__ import annotations

import numpy as np

from .figure import new_figure

__all__ = ["draw_attention_mean", "draw_attention_heads", "draw_lag_profile", "draw_bar_attention"]

_XLABEL = "key bar (bars relative to the decision bar)"
_YLABEL = "query bar (bars relative to the decision bar)"


def _heatmap(fig, ax, m: np.ndarray, title: str, cbar_label: str | None = "attention weight") -> None:
    m = np.asarray(m, dtype=np.float64)
    """Query × key map with both axes in bars relative to the decision bar (0 = last bar of the window)."""
    T = m.shape[-1]
    ext = (-(T - 1) - 0.5, 0.5, 0.5, -(T - 1) - 0.5)  # left, right, bottom, top: row 0 (oldest query) on top
    lo, hi = _range(m)
    im = ax.imshow(m, cmap="viridis", extent=ext, aspect="auto", interpolation="nearest", vmin=lo, vmax=hi)
    ax.set_xlabel(_XLABEL)
    ax.set_ylabel(_YLABEL)
    ax.set_title(title)
    if cbar_label:
        fig.colorbar(im, ax=ax, label=cbar_label)


def _range(m: np.ndarray) -> tuple[float, float]:
    """Colour range of the data (1st-99th percentile): near-uniform attention still shows its structure."""
    lo, hi = (float(v) for v in np.percentile(m, [1, 99])) if m.size else (0.0, 1.0)
    min_span = 1e-3 * max(abs(hi), 1e-6)  # Agg's resampling fails on a span near float32 resolution
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    return lo, hi


def draw_attention_mean(mean: np.ndarray, n_windows: int):
    """``mean`` ``(L, T, T)``: one heatmap per layer, averaged over heads and ``n_windows`` test windows."""
    L = mean.shape[0]
    fig = new_figure(min(max(5.2 * L, 8.0), 16), 4.8)
    axes = np.atleast_1d(fig.subplots(1, L))
    for i, ax in enumerate(axes):
        _heatmap(fig, ax, mean[i], f"layer {i + 1}", "attention weight (mean over heads)")
    fig.suptitle(f"Attention, query bar × key bar\n(mean over heads and {n_windows} test windows; colour range = data range)")
    return fig


def draw_attention_heads(per_head: np.ndarray, n_windows: int):
    """``per_head`` ``(L, H, T, T)``: a grid of layer × head heatmaps on a shared colour scale."""
    L, H = per_head.shape[:2]
    fig = new_figure(min(3.2 * H + 1.2, 16), 3.0 * L + 0.8)
    axes = np.asarray(fig.subplots(L, H, squeeze=False))
    T = per_head.shape[-1]
    ext = (-(T - 1) - 0.5, 0.5, 0.5, -(T - 1) - 0.5)
    vmin, vmax = _range(per_head)
    im = None
    for li in range(L):
        for hi in range(H):
            ax = axes[li, hi]
            im = ax.imshow(per_head[li, hi], cmap="viridis", extent=ext, aspect="auto", interpolation="nearest",
                           vmin=vmin, vmax=vmax)
            ax.set_title(f"layer {li + 1}, head {hi + 1}", fontsize=9)
            ax.set_xlabel("key bar (rel.)", fontsize=8)
            ax.set_ylabel("query bar (rel.)", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.colorbar(im, ax=axes, label="attention weight (shared scale)", shrink=0.8)
    fig.suptitle(f"Attention per layer and head (mean over {n_windows} test windows)")
    return fig


def draw_lag_profile(profile: np.ndarray, n_windows: int):
    """``profile`` ``(L, T)``: attention of the decision bar's query to the key ``lag`` bars back, per layer."""
    L, T = profile.shape
    fig = new_figure(8.0, 4.2)
    ax = fig.subplots()
    lags = np.arange(T)
    for i in range(L):
        ax.plot(lags, profile[i], marker="o", ms=3, lw=1.5, label=f"layer {i + 1}")
    ax.axhline(1.0 / T, color="grey", ls="--", lw=1, label=f"uniform (1/{T})")
    ax.set_xlabel("lag (bars before the decision bar; 0 = the decision bar)")
    ax.set_ylabel("attention weight of the last query")
    ax.set_title(f"Which past bars matter: last-query attention by lag\n(mean over heads, {n_windows} test windows)")
    ax.set_xlim(-0.5, T - 0.5)  # y keeps the data's range: near-uniform attention still shows its shape
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def draw_bar_attention(maps: np.ndarray, title: str):
    """``maps`` ``(L, H, T, T)`` of one window: per layer the head-mean heatmap, and the last-query profile."""
    L, _, T, _ = maps.shape
    mean = np.asarray(maps, dtype=np.float64).mean(axis=1)  # (L, T, T)
    fig = new_figure(min(4.8 * L + 5.0, 18), 4.6)
    axes = np.atleast_1d(fig.subplots(1, L + 1))
    for i in range(L):
        _heatmap(fig, axes[i], mean[i], f"layer {i + 1} (mean over heads)", "attention weight" if i == L - 1 else None)
    ax = axes[-1]
    offs = np.arange(-(T - 1), 1)
    for i in range(L):
        ax.plot(offs, mean[i, -1], marker="o", ms=3, label=f"layer {i + 1}")
    ax.axhline(1.0 / T, color="grey", ls="--", lw=1, label="uniform")
    ax.set_xlabel("key bar (bars relative to the decision bar)")
    ax.set_ylabel("attention weight of the decision bar")
    ax.set_title("decision bar's attention")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig

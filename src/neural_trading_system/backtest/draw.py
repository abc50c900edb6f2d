"""Dashboard figures (matplotlib Figure + Agg canvas, no pyplot): each function returns PNG bytes.

Inputs are plain arrays: ``x`` ``(N,)`` datetime64 bar times, curves ``(N,)`` float64.
"""

from __future__ import annotations

import numpy as np

from ..analysis.draw.figure import new_figure, png_bytes
from .metrics import drawdown_curve, rolling_sharpe

__all__ = ["equity_png", "drawdown_png", "trades_png", "rolling_sharpe_png", "calibration_png", "regimes_png"]

_COLORS = {"neural": "#1f77b4", "buy_hold": "#7f7f7f", "sma_cross": "#ff7f0e", "lightgbm": "#2ca02c"}


def _style(ax, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def equity_png(x: np.ndarray, equity: dict[str, np.ndarray], labels: dict[str, str], cash: float) -> bytes:
    fig = new_figure(10, 4.5)
    ax = fig.add_subplot()
    for k, e in equity.items():
        ax.plot(x, e / cash, label=labels.get(k, k), color=_COLORS.get(k), lw=1.6 if k == "neural" else 1.1)
    ax.axhline(1.0, color="black", lw=0.6, ls=":")
    _style(ax, "Equity of every strategy (net of commission and slippage)", "time (UTC)", "equity / starting cash")
    ax.legend(loc="best")
    return png_bytes(fig)


def drawdown_png(x: np.ndarray, equity: dict[str, np.ndarray], labels: dict[str, str]) -> bytes:
    fig = new_figure(10, 3.6)
    ax = fig.add_subplot()
    for k, e in equity.items():
        ax.plot(x, 100 * drawdown_curve(e), label=labels.get(k, k), color=_COLORS.get(k), lw=1.1)
    _style(ax, "Drawdown from the running peak", "time (UTC)", "drawdown (%)")
    ax.legend(loc="lower left")
    return png_bytes(fig)


def trades_png(x: np.ndarray, close: np.ndarray, trades: list[dict], stop_hits: int) -> bytes:
    fig = new_figure(10, 4.5)
    ax = fig.add_subplot()
    ax.plot(x, close, color="black", lw=0.9, label="close")
    if trades:
        eb = np.array([t["entry_bar"] for t in trades])
        xb = np.array([t["exit_bar"] for t in trades])
        win = np.array([t["pnl"] > 0 for t in trades])
        ax.scatter(x[eb], [t["entry_price"] for t in trades], marker="^", color="#2ca02c", s=36, zorder=3,
                   label=f"entry ({len(trades)})")
        ax.scatter(x[xb][win], np.array([t["exit_price"] for t in trades])[win], marker="v", color="#1f77b4", s=36,
                   zorder=3, label=f"exit, winner ({int(win.sum())})")
        ax.scatter(x[xb][~win], np.array([t["exit_price"] for t in trades])[~win], marker="v", color="#d62728", s=36,
                   zorder=3, label=f"exit, loser ({int((~win).sum())}; {stop_hits} by the ATR stop)")
    _style(ax, "Neural strategy trades on the price (fills at the next open)", "time (UTC)", "price")
    ax.legend(loc="best")
    return png_bytes(fig)


def rolling_sharpe_png(x: np.ndarray, equity: dict[str, np.ndarray], labels: dict[str, str], window: int,
                       bars_year: float) -> bytes:
    fig = new_figure(10, 3.6)
    ax = fig.add_subplot()
    w = min(window, max(len(x) // 3, 10))
    for k, e in equity.items():
        ax.plot(x, rolling_sharpe(e, w, bars_year), label=labels.get(k, k), color=_COLORS.get(k), lw=1.1)
    ax.axhline(0.0, color="black", lw=0.6, ls=":")
    _style(ax, f"Rolling Sharpe ({w} bars, annualized)", "time (UTC)", "Sharpe")
    ax.legend(loc="best")
    return png_bytes(fig)


def calibration_png(prob: np.ndarray, outcome: np.ndarray, threshold: float, bins: int = 10) -> bytes:
    """Reliability of the entry probability: mean predicted vs realized frequency per bin, and counts."""
    fig = new_figure(10, 4.0)
    ax, ax2 = fig.subplots(1, 2)
    ok = np.isfinite(prob) & np.isfinite(outcome)
    p, y = prob[ok], outcome[ok]
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    cnt = np.bincount(idx, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mp = np.bincount(idx, weights=p, minlength=bins) / cnt
        my = np.bincount(idx, weights=y, minlength=bins) / cnt
    ax.plot([0, 1], [0, 1], color="gray", ls=":", label="perfect calibration")
    ax.plot(mp[cnt > 0], my[cnt > 0], marker="o", color="#1f77b4", label="entry head")
    ax.axvline(threshold, color="#d62728", lw=0.8, ls="--", label=f"entry threshold {threshold:g}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _style(ax, "Signal calibration (traded bars)", "predicted entry probability", "realized entry label rate")
    ax.legend(loc="upper left", fontsize=8)
    ax2.bar((edges[:-1] + edges[1:]) / 2, cnt, width=0.9 / bins, color="#1f77b4")
    ax2.axvline(threshold, color="#d62728", lw=0.8, ls="--")
    _style(ax2, "How often each probability occurs", "predicted entry probability", "bars")
    return png_bytes(fig)


def regimes_png(x: np.ndarray, close: np.ndarray, regime: np.ndarray, allowed: np.ndarray | None,
                vol_regime: np.ndarray) -> bytes:
    fig = new_figure(10, 4.8)
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    ax.plot(x, close, color="black", lw=0.7, label="close")
    cmap = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    for c in np.unique(regime[regime >= 0]):
        m = regime == c
        ok = "traded" if allowed is None or (c < len(allowed) and allowed[c]) else "skipped"
        ax.scatter(x[m], close[m], s=6, color=cmap[int(c) % len(cmap)], label=f"regime {int(c)} ({ok})", zorder=3)
    _style(ax, "Regime timeline: VAE-latent cluster of each bar (fitted on training windows)", "", "price")
    ax.legend(loc="best", fontsize=8, markerscale=2)
    ax2.step(x, vol_regime, where="post", color="#9467bd", lw=1.0)
    ax2.set_yticks([0, 1, 2], ["low", "normal", "high"])
    _style(ax2, "Volatility regime (ctx_vol_regime)", "time (UTC)", "volatility")
    return png_bytes(fig)

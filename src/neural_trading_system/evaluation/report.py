"""The evaluation's tables and plot: mean ± std per fold and overall, as Markdown, HTML, JSON and PNG.

Per fold, mean and std run over the seeds; overall, over every (fold, seed) record (so the overall
std carries both the seed and the period-to-period spread). Std is the sample std (ddof=1; 0 for a
single value). A metric a model does not have (log-loss of a 0/1 rule, anything probabilistic of
buy & hold) is shown as "—".
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import atomic_path, write_json_atomic, write_text_atomic

__all__ = ["METRICS", "summarize", "markdown_table", "write_report"]

METRICS = (("auc", "entry AUC", 3), ("log_loss", "log-loss", 3), ("ece", "ECE", 3), ("sharpe", "Sharpe", 2),
           ("max_drawdown", "max DD", 3), ("return", "return", 3), ("n_trades", "trades", 1))
"""(record key, column title, decimals)."""

EVENT_NOTE = ("Entry AUC, log-loss and ECE (10 equal-width bins) score the event target_entry > 0.5 "
              "(the risk-adjusted 5-bar forward return above the entry threshold). Sharpe (annualized), max drawdown "
              "and return come from the backtest engine (backtest.simulate) on the fold's test bars after commission + "
              "slippage per side (decision at close t, fill at open t+1): the neural model and LightGBM through the "
              "same Policy (no regime filter), the classic rule = SMA(20/50) crossover, and buy & hold. The classic "
              "rule's AUC is that of its 0/1 long state.")


def _stat(values: list[Any]) -> tuple[float, float, int]:
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return float("nan"), float("nan"), 0
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0, int(v.size)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """``{'per_fold': {model: {fold: {metric: {mean, std, n}}}}, 'overall': {model: {metric: {...}}}}``."""
    models = list(dict.fromkeys(r["model"] for r in records))
    folds = sorted({r["fold"] for r in records})
    out: dict[str, Any] = {"per_fold": {}, "overall": {}}
    for m in models:
        rm = [r for r in records if r["model"] == m]
        out["overall"][m] = {k: dict(zip(("mean", "std", "n"), _stat([r.get(k) for r in rm]))) for k, _, _ in METRICS}
        out["per_fold"][m] = {
            str(f): {k: dict(zip(("mean", "std", "n"), _stat([r.get(k) for r in rm if r["fold"] == f])))
                     for k, _, _ in METRICS} for f in folds}
    return out


def _cell(s: dict[str, float], dec: int) -> str:
    if not s["n"]:
        return "—"
    return f"{s['mean']:.{dec}f} ± {s['std']:.{dec}f}"


def _rows(summary: dict[str, Any]) -> list[list[str]]:
    rows = []
    for m, per in summary["overall"].items():
        rows.append([m, "all"] + [_cell(per[k], d) for k, _, d in METRICS])
    for m, folds in summary["per_fold"].items():
        for f, per in folds.items():
            rows.append([m, f] + [_cell(per[k], d) for k, _, d in METRICS])
    return rows


def markdown_table(summary: dict[str, Any]) -> str:
    """One Markdown table: the overall rows per model first, then every fold."""
    head = ["model", "fold"] + [t for _, t, _ in METRICS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in _rows(summary)]
    return "\n".join(lines)


def plot_png(summary: dict[str, Any], title: str) -> bytes:
    """Per-fold entry AUC and Sharpe by model with ±std error bars (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    models = list(summary["per_fold"])
    folds = list(next(iter(summary["per_fold"].values())))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / max(len(models), 1)
    x = np.arange(len(folds))
    for ax, key, label in ((axes[0], "auc", "entry AUC (target_entry > 0.5)"), (axes[1], "sharpe", "Sharpe (annualized)")):
        for i, m in enumerate(models):
            mean = [summary["per_fold"][m][f][key]["mean"] for f in folds]
            std = [summary["per_fold"][m][f][key]["std"] for f in folds]
            if all(not math.isfinite(v) for v in mean):
                continue
            ax.bar(x + (i - (len(models) - 1) / 2) * width, mean, width, yerr=std, capsize=3, label=m)
        if key == "auc":
            ax.axhline(0.5, color="grey", lw=1, ls="--")
            finite = [v for m in models for f in folds for v in [summary["per_fold"][m][f][key]["mean"]]
                      if math.isfinite(v)]
            if finite:
                ax.set_ylim(min(0.4, min(finite) - 0.02), max(0.6, max(finite) + 0.02))
        else:
            ax.axhline(0.0, color="grey", lw=1)
        ax.set_xticks(x, [f"fold {f}" for f in folds])
        ax.set_xlabel("walk-forward fold (test period in time order)")
        ax.set_ylabel(label)
        ax.set_title(label + " by fold, mean ± std over seeds")
    axes[1].legend(loc="best", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def write_report(eval_dir: Path, records: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Path]:
    """evaluation.json, evaluation.md, evaluation.html (plot embedded) and evaluation.png into ``eval_dir``."""
    summary = summarize(records)
    title = (f"Walk-forward evaluation: {meta.get('data', '')}, {meta.get('n_folds')} {meta.get('mode')} folds × "
             f"{meta.get('n_seeds')} seeds")
    table = markdown_table(summary)
    png = plot_png(summary, title)
    paths = {k: eval_dir / f"evaluation.{k}" for k in ("json", "md", "html", "png")}
    write_json_atomic(paths["json"], {"meta": meta, "summary": _jsonable(summary), "records": _jsonable(records)})
    fold_lines = [f"- fold {f['fold']}: test {f['test_start']} … {f['test_end']} ({f['n_test']} samples; "
                  f"train {f['n_train']}, val {f['n_val']}; {f['n_features']} features)" for f in meta.get("folds", [])]
    md = "\n\n".join([f"# {title}", EVENT_NOTE, table, "\n".join(fold_lines),
                      f"Settings: {meta.get('settings', '')}", "![per-fold AUC and Sharpe](evaluation.png)"]) + "\n"
    write_text_atomic(paths["md"], md)
    with atomic_path(paths["png"]) as tmp:
        Path(tmp).write_bytes(png)
    write_text_atomic(paths["html"], _html(title, summary, meta, png, fold_lines))
    return paths


def _html(title: str, summary: dict[str, Any], meta: dict[str, Any], png: bytes, fold_lines: list[str]) -> str:
    head = ["model", "fold"] + [t for _, t, _ in METRICS]
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in _rows(summary))
    folds = "".join(f"<li>{html.escape(line[2:])}</li>" for line in fold_lines)
    img = base64.b64encode(png).decode("ascii")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
            "td:first-child,td:nth-child(2){text-align:left}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(EVENT_NOTE)}</p>"
            f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table><ul>{folds}</ul>"
            f"<p>Settings: {html.escape(str(meta.get('settings', '')))}</p>"
            f"<img alt='per-fold AUC and Sharpe by model' src='data:image/png;base64,{img}'></body></html>\n")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj

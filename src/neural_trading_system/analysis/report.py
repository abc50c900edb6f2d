"""Drawing every figure and writing the report: ``report.html`` (self-contained), PNGs, metrics JSON.

The HTML embeds every PNG as a base64 data URI and has no external URL, script or font, so it
opens offline. Sections carry the ids ``attention``, ``attribution``, ``regimes``,
``calibration`` and ``exits``; the header holds the run facts and the metrics table.
"""

from __future__ import annotations

import base64
import html
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import atomic_path, write_json_atomic, write_text_atomic

__all__ = ["Section", "render_html", "draw_figures", "write_outputs", "SECTION_IDS"]

log = logging.getLogger(__name__)

SECTION_IDS = ("attention", "attribution", "regimes", "calibration", "exits")


@dataclass
class Section:
    """One report section: ``id``, ``title``, explanatory ``text``, ``figures`` (name, caption, png bytes),
    ``tables`` (pre-rendered HTML)."""

    id: str
    title: str
    text: str
    figures: list[tuple[str, str, bytes]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def draw_figures(r: dict[str, Any], top_k: int) -> dict[str, list[tuple[str, str, bytes]]]:
    """Every chart, rendered to PNG bytes, grouped by section id."""
    from . import draw as d

    png = d.png_bytes
    a, att, reg, h = r["attention"], r["attribution"], r["regimes"], r["horizon"]
    bar = r["bar"]
    ret = "n/a" if bar["target_return"] is None or not np.isfinite(bar["target_return"]) else f"{100 * bar['target_return']:+.2f}%"
    bar_title = (f"Decision at bar {bar['bar']} ({bar['timestamp']}, {bar['split']} split): entry probability "
                 f"{bar['entry_prob']:.3f}, realized forward return {ret}")
    truth = r.get("true_regimes_test") if reg.crosstab else None
    probs = {k: r["preds"][k] for k in ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob")}
    figs = {
        "attention": [
            ("attention_mean", "Mean attention per layer (query bar × key bar).", d.draw_attention_mean(a.mean, a.n_windows)),
            ("attention_heads", "Every head of every layer.", d.draw_attention_heads(a.per_head, a.n_windows)),
            ("attention_lag", "Attention of the decision bar to each lag.", d.draw_lag_profile(a.lag_profile, a.n_windows)),
            ("attention_bar", "One decision, bar by bar.", d.draw_bar_attention(bar["maps"], bar_title)),
        ],
        "attribution": [
            ("attribution_top", "Top features.", d.draw_top_features(att.top(top_k), att.method, att.n_samples)),
            ("attribution_groups", "By indicator and family.", d.draw_attribution_groups(r["by_indicator"], r["by_family"])),
            ("attribution_time", "By bar in the window.", d.draw_attribution_time(att.by_time, att.method)),
        ],
        "regimes": [
            ("regimes_space", "Regime latent of the test windows.",
             d.draw_regime_scatter(reg.coords, r["fwd"], reg.explained, h, truth, r.get("regime_names"))),
            ("regimes_clusters", "KMeans regimes and their realized outcomes.",
             d.draw_regime_summary(reg.coords, reg.labels, reg.table, reg.explained, h)),
        ],
        "calibration": [
            ("calibration_reliability", "Reliability diagram.", d.draw_reliability(r["reliability"], "target_entry > 0.5")),
            ("calibration_boundary", "Entry probability vs realized return.",
             d.draw_decision_boundary(r["preds"]["entry_prob"], r["fwd"], r["binned"], h, r["rank_ic"])),
            ("calibration_hist", "Probability histograms.", d.draw_probability_histogram(probs, r["event"])),
        ],
        "exits": [
            ("exits_event_study", "Event study around exits.", d.draw_event_study(r["event_study"])),
            ("exits_hold_duration", "Hold durations.", d.draw_hold_durations(r["durations"])),
            ("exits_labels", "Label distribution.", d.draw_label_distribution(r["label_dist"], r["entry_test"])),
        ],
    }
    return {sec: [(name, cap, png(fig)) for name, cap, fig in items] for sec, items in figs.items()}


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return "n/a" if not np.isfinite(v) else (f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}")
    return html.escape(str(v))


def html_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], caption: str = "") -> str:
    """``rows`` as an HTML table; ``columns`` are (key, header) pairs."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(k))}</td>" for k, _ in columns) + "</tr>" for r in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1300px;padding:1.2em;color:#222}
h1{margin-bottom:.2em} section{border-top:2px solid #ddd;margin-top:2em;padding-top:.5em}
figure{margin:1.2em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em} table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right} th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left} caption{text-align:left;font-weight:bold;padding:.3em 0}
nav a{margin-right:1em} #run-info td{text-align:left} .note{color:#555;font-size:.92em}
"""


def render_html(title: str, header_rows: list[tuple[str, str]], metrics_rows: list[tuple[str, str]],
                sections: list[Section]) -> str:
    """The whole report as one HTML string; images as base64 data URIs."""
    e = html.escape
    nav = "".join(f'<a href="#{s.id}">{e(s.title)}</a>' for s in sections)
    info = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in header_rows)
    mets = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in metrics_rows)
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
             f"<style>{_CSS}</style></head><body>",
             f'<header id="header"><h1>{e(title)}</h1><nav>{nav}</nav>'
             f'<table id="run-info"><caption>Run</caption>{info}</table>'
             f'<table id="metrics"><caption>Headline metrics (test split)</caption>{mets}</table></header>']
    for s in sections:
        parts.append(f'<section id="{e(s.id)}"><h2>{e(s.title)}</h2><p class="note">{s.text}</p>')
        for name, cap, png in s.figures:
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(f'<figure id="fig-{e(name)}"><img alt="{e(cap)}" src="data:image/png;base64,{b64}">'
                         f"<figcaption>{e(cap)}</figcaption></figure>")
        parts.extend(s.tables)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_outputs(rb, r: dict[str, Any], opts):
    """Draw, then write ``analysis/*.png``, ``analysis_metrics.json`` and ``report.html`` into the run dir."""
    from .run import AnalysisOutcome
    from .sections import build_sections, header_rows, metrics_rows
    from .summary import build_metrics

    rd = Path(rb.run_dir)
    if rb.true_regimes is not None:
        r["true_regimes_test"] = np.asarray(rb.true_regimes)[r["preds"]["end_bars"]]
    metrics = build_metrics(rb, r, opts)
    figs = draw_figures(r, opts.top_k)
    out_dir = rd / "analysis"
    out_dir.mkdir(exist_ok=True)
    pngs: dict[str, Path] = {}
    for items in figs.values():
        for name, _, data in items:
            path = out_dir / f"{name}.png"
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
            pngs[name] = path
    write_json_atomic(rd / "analysis_metrics.json", metrics)
    sections = build_sections(r, metrics, figs)
    report = rd / "report.html"
    write_text_atomic(report, render_html(f"Analysis of run {rd.name}", header_rows(metrics), metrics_rows(metrics),
                                          sections))
    log.info("report written: %s (%d figures)", report, len(pngs))
    return AnalysisOutcome(rd, report, rd / "analysis_metrics.json", pngs, metrics, r)

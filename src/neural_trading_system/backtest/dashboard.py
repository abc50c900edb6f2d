"""The backtest dashboard: one self-contained HTML page (PNG figures as base64 data URIs, no URL).

Section ids: ``summary`` (metrics table of every strategy), ``equity``, ``drawdown``, ``trades``,
``rolling-sharpe``, ``calibration``, ``regimes``, ``raw-outputs`` (the model's outputs at the last
20 bars). A backtest over bars that trained or validated the model carries an ``IN-SAMPLE`` banner
(``#in-sample-stamp``).
"""

from __future__ import annotations

import base64
import html
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import write_text_atomic
from . import draw
from .metrics import bars_per_year

__all__ = ["write_dashboard", "render_dashboard", "SECTION_IDS"]

log = logging.getLogger(__name__)

SECTION_IDS = ("summary", "equity", "drawdown", "trades", "rolling-sharpe", "calibration", "regimes", "raw-outputs")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:1rem 1.5rem;
color:#222;background:#fff}
h1{font-size:1.5rem;margin:.4rem 0}h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
nav a{margin-right:.9rem;font-size:.9rem}table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
thead th{background:#f4f4f4}img{max-width:100%;height:auto}figure{margin:.5rem 0}figcaption{font-size:.85rem;color:#555}
.note{font-size:.9rem;color:#444}.stamp{background:#b00020;color:#fff;font-weight:700;padding:.5rem 1rem;font-size:1.1rem}
.oos{background:#e8f5e9;color:#1b5e20;padding:.4rem 1rem}
"""

_METRIC_ROWS = (("total_return", "Total return", "pct"), ("annualized_return", "Annualized return", "pct"),
                ("sharpe", "Sharpe (annualized)", "num"), ("sortino", "Sortino (annualized)", "num"),
                ("max_drawdown", "Max drawdown", "pct"), ("calmar", "Calmar", "num"), ("win_rate", "Win rate", "pct"),
                ("profit_factor", "Profit factor", "num"), ("avg_trade", "Average trade (net)", "pct"),
                ("exposure", "Exposure (bars held)", "pct"), ("turnover", "Turnover (per year)", "num"),
                ("n_trades", "Trades", "int"))
_RAW_COLUMNS = (("entry_prob", "entry p"), ("exit_prob", "exit p"), ("tp_prob", "TP p"), ("sl_prob", "SL p"),
                ("hold_prob", "hold p"), ("expected_return", "exp. return"), ("volatility", "volatility"),
                ("position_size", "size head"), ("regime", "regime"), ("regime_change", "regime change"))


def _fmt(v: Any, kind: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a" if v is None else ("inf" if v == math.inf else "n/a")
    if kind == "pct":
        return f"{100 * v:+.2f}%" if v else "0.00%"
    if kind == "int":
        return str(int(v))
    return f"{v:.3f}"


def _metrics_table(res: Any, labels: dict[str, str]) -> str:
    e = html.escape
    names = list(res.strategies)
    head = "".join(f"<th>{e(labels.get(n, n))}</th>" for n in names)
    rows = []
    for key, title, kind in _METRIC_ROWS:
        cells = "".join(f"<td>{_fmt(getattr(res.strategies[n].metrics, key), kind)}</td>" for n in names)
        rows.append(f"<tr><th>{e(title)}</th>{cells}</tr>")
    return f'<table id="metrics-table"><thead><tr><th>metric</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _raw_table(res: Any, n: int = 20) -> str:
    p = res.predictions
    ts = res.timestamps
    start = max(0, len(ts) - n)
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in _RAW_COLUMNS)
    rows = []
    for i in range(start, len(ts)):
        cells = []
        for k, _ in _RAW_COLUMNS:
            v = p.get(k)
            if v is None:
                cells.append("<td>n/a</td>")
            elif k == "regime":
                cells.append(f"<td>{int(v[i])}</td>")
            else:
                x = float(v[i])
                cells.append(f"<td>{x:+.5f}</td>" if k == "expected_return" else f"<td>{x:.4f}</td>"
                             if math.isfinite(x) else "<td>n/a</td>")
        rows.append(f"<tr><td>{html.escape(str(ts[i]))}</td>{''.join(cells)}</tr>")
    return (f'<table id="raw-table"><thead><tr><th>bar close (UTC)</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def render_dashboard(res: Any, interval: str | None = None) -> str:
    """The dashboard of a :class:`~.run.BacktestResult` as one HTML string."""
    from .run import STRATEGY_LABELS as labels

    e = html.escape
    x = res.timestamps.dt.replace_time_zone(None).to_numpy()
    close = res.ohlcv["close"].to_numpy().astype(np.float64)
    equity = res.equity
    cfg = res.config
    interval = interval or _interval(x)
    neural = res.strategies["neural"]
    p = res.predictions
    stop_hits = sum(1 for t in neural.sim.trades if t["reason"] == "stop")
    allowed = res.regime_filter.allowed(cfg.min_regime_win_rate)
    figs = {
        "equity": draw.equity_png(x, equity, labels, cfg.cash),
        "drawdown": draw.drawdown_png(x, equity, labels),
        "trades": draw.trades_png(x, close, neural.sim.trades, stop_hits),
        "rolling-sharpe": draw.rolling_sharpe_png(x, equity, labels, cfg.rolling_sharpe_window, bars_per_year(interval)),
        "calibration": draw.calibration_png(np.asarray(p["entry_prob"], dtype=np.float64),
                                            np.asarray(p.get("realized_entry", np.full(len(x), np.nan))),
                                            cfg.entry_threshold),
        "regimes": draw.regimes_png(x, close, np.asarray(p["regime"]), allowed, np.asarray(p["vol_regime"])),
    }
    texts = {
        "equity": "Account value of each strategy divided by the starting cash. Every strategy decides at a bar's close "
                  f"and fills at the next open with {100 * cfg.slippage:.3g}% slippage and {100 * cfg.commission:.3g}% "
                  "commission per side; all end flat.",
        "drawdown": "Fall of each equity curve from its running peak.",
        "trades": "Entries (green) and exits of the neural strategy at their fill prices; red exits lost money.",
        "rolling-sharpe": "Annualized Sharpe ratio of per-bar returns over a trailing window.",
        "calibration": "Entry-head probability against the realized entry label (risk-adjusted forward return above "
                       "the label threshold) on the traded bars; the last horizon bars have no label.",
        "regimes": "Regime of each bar: KMeans cluster of the model's VAE latent, clusters fitted on the training "
                   "windows; clusters whose training win rate is below "
                   f"{cfg.min_regime_win_rate:g} are skipped. Below: the volatility regime that scales sizes down by "
                   f"{cfg.high_vol_scale:g} when high.",
    }
    titles = {"equity": "Equity curves", "drawdown": "Drawdown", "trades": "Trades on price",
              "rolling-sharpe": "Rolling Sharpe", "calibration": "Signal calibration", "regimes": "Regime timeline"}
    w = res.window
    stamp = (f'<div id="in-sample-stamp" class="stamp">IN-SAMPLE: this backtest trades bars that trained or validated '
             f"the model (up to {e(str(w.cutoff))}); its figures are not an out-of-sample result.</div>"
             if w.in_sample else f'<div id="oos-stamp" class="oos">Out of sample: {e(w.note)}</div>')
    mode = "streaming predictor, bar by bar" if res.streaming else "one streamed model pass over the period"
    nav = "".join(f'<a href="#{s}">{e(titles.get(s, s.replace("-", " ").capitalize()))}</a>' for s in SECTION_IDS)
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Backtest of {e(res.run_dir.name)}'
             f"</title><style>{_CSS}</style></head><body>", stamp,
             f"<header><h1>Backtest of run {e(res.run_dir.name)}</h1><nav>{nav}</nav>"
             f'<p class="note">Bars {e(str(res.timestamps[0]))} to {e(str(res.timestamps[-1]))} ({len(x)} bars, '
             f"{e(interval)}); predictions: {mode}. Rejected orders (cash): "
             f"{e(', '.join(f'{k} {s.sim.rejected}' for k, s in res.strategies.items()))}.</p></header>",
             '<section id="summary"><h2>Metrics, side by side</h2><p class="note">Buy &amp; hold: long from the first '
             f"bar; SMA crossover: long while SMA({cfg.sma_fast}) &gt; SMA({cfg.sma_slow}); LightGBM: trees on the "
             "same features, labels and splits, traded by the neural policy with trailing realized volatility."
             f"</p>{_metrics_table(res, labels)}</section>"]
    for sid, png in figs.items():
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f'<section id="{sid}"><h2>{e(titles[sid])}</h2><p class="note">{e(texts[sid])}</p>'
                     f'<figure><img id="img-{sid}" alt="{e(titles[sid])}" src="data:image/png;base64,{b64}">'
                     f"<figcaption>{e(titles[sid])}</figcaption></figure></section>")
    parts.append('<section id="raw-outputs"><h2>Raw model outputs, last 20 bars</h2><p class="note">Heads of the '
                 "network at each bar's close, as the policy read them.</p>" + _raw_table(res) + "</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _interval(x: np.ndarray) -> str:
    if len(x) < 2:
        return "1d"
    sec = int(np.median(np.diff(x.astype("datetime64[s]").astype(np.int64))))
    for unit, s in (("d", 86400), ("h", 3600), ("m", 60)):
        if sec % s == 0:
            return f"{sec // s}{unit}"
    return "1m"


def write_dashboard(res: Any, path: str | Path) -> Path:
    """Write ``dashboard.html`` atomically and return its path."""
    path = Path(path)
    write_text_atomic(path, render_dashboard(res))
    log.info("dashboard written: %s", path)
    return path

"""A plain-dict summary of a :class:`~.market.MarketData` (what ``nts data`` prints)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .intervals import format_interval, parse_interval
from .market import MarketData
from .validate import format_ts

__all__ = ["summarize"]

_YEAR_MS = 365.25 * 86_400_000  # crypto trades around the clock


def _span(ms: int) -> str:
    days, rem = divmod(int(ms), 86_400_000)
    return f"{days}d {rem // 3_600_000}h" if rem else f"{days}d"


def summarize(md: MarketData) -> dict[str, Any]:
    """Rows, time range, gaps, close-to-close log-return statistics, volume, regime shares.

    ``return_*`` are per-bar log returns; ``annualized_vol`` = std * sqrt(bars per 365.25 days).
    ``regime_shares`` (synthetic only) maps each regime name to its fraction of bars.
    """
    f = md.frame
    ts = f["timestamp"].dt.epoch("ms").to_numpy()
    close = f["close"].to_numpy()
    volume = f["volume"].to_numpy()
    r = np.diff(np.log(close))
    step = parse_interval(md.interval)
    rep = md.report
    out: dict[str, Any] = {
        "source": md.source,
        "symbol": md.symbol,
        "rows": int(f.height),
        "start": format_ts(ts[0]),
        "end": format_ts(ts[-1]),
        "span": _span(int(ts[-1] - ts[0]) + step),
        "interval": md.interval,
        "gaps": rep.gaps if rep else 0,
        "missing_bars": rep.missing_bars if rep else 0,
        "largest_gap": format_interval(rep.largest_gap_ms) if rep and rep.gaps else "-",
        "off_grid_spacings": rep.off_grid if rep else 0,
        "repairs": len(rep.changes) if rep else 0,
        "close_first": float(close[0]),
        "close_last": float(close[-1]),
        "close_min": float(close.min()),
        "close_max": float(close.max()),
        "volume_mean": float(volume.mean()),
        "zero_volume_bars": int((volume == 0).sum()),
    }
    if r.size >= 2:
        mean, std = float(r.mean()), float(r.std(ddof=1))
        skew = float(((r - mean) ** 3).mean() / std**3) if std > 0 else 0.0
        out.update({"return_mean": mean, "return_std": std, "return_min": float(r.min()),
                    "return_max": float(r.max()), "return_skew": skew,
                    "annualized_vol": std * float(np.sqrt(_YEAR_MS / step))})
    if md.regimes is not None and md.regime_names:
        counts = np.bincount(md.regimes.astype(np.int64), minlength=len(md.regime_names))
        out["regime_shares"] = {n: float(c) / md.regimes.shape[0] for n, c in zip(md.regime_names, counts)}
    out["sha256"] = md.sha256
    return out

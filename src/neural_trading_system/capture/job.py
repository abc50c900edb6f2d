"""The ``nts collect`` job: load market data, collect the suite (cached), write it to a run directory."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..indicators import get_suite
from .export import collect_cached, write_captured
from .frame import Captured

__all__ = ["CollectSummary", "collect_to_dir", "summarize"]

log = logging.getLogger(__name__)


@dataclass
class CollectSummary:
    """What ``nts collect`` did: counts, timings (seconds), where it wrote."""

    out_dir: Path
    parquet: Path
    arrow: Path
    source: str
    indicators: int
    lines: int
    bars: int
    seconds: float
    warmup_max: int
    warmup_max_column: str
    nonfinite_after_warmup: dict[str, int] = field(default_factory=dict)

    @property
    def bars_per_s(self) -> float:
        return self.bars / self.seconds if self.seconds > 0 else float("inf")


def summarize(captured: Captured) -> tuple[int, str]:
    """(longest warm-up among lines that produce values, its column)."""
    n = captured.n_bars
    warm = {c: m.warmup for c, m in captured.meta.items() if m.warmup < n}
    if not warm:
        return 0, ""
    col = max(warm, key=warm.__getitem__)
    return warm[col], col


def collect_to_dir(cfg: Any, out_dir: str | Path | None = None) -> CollectSummary:
    """Load ``cfg.data`` through the data layer, collect ``cfg.capture.suite`` and write
    ``indicators.parquet`` + ``indicators.arrow`` under ``out_dir`` (default ``runs/collect-<timestamp>``).

    The capture is cached under ``<cfg.data.data_dir>/indicators`` keyed by data and suite hashes;
    ``cfg.data.force_recollect`` rebuilds it.
    """
    from ..data import load_market

    md = load_market(cfg.data, cfg.seed)
    specs = get_suite(cfg.capture.suite)
    out = Path(out_dir) if out_dir is not None else Path("runs") / time.strftime("collect-%Y%m%d-%H%M%S")
    t0 = time.perf_counter()
    captured = collect_cached(md, specs, Path(cfg.data.data_dir) / "indicators", force=cfg.data.force_recollect)
    parquet, arrow = write_captured(captured, out / "indicators.parquet")
    seconds = time.perf_counter() - t0
    warm, warm_col = summarize(captured)
    return CollectSummary(out_dir=out, parquet=parquet, arrow=arrow, source=str(getattr(md, "source", "")),
                          indicators=len(specs), lines=len(captured.meta), bars=captured.n_bars, seconds=seconds,
                          warmup_max=warm, warmup_max_column=warm_col,
                          nonfinite_after_warmup=dict(captured.report.get("nonfinite_after_warmup", {})))

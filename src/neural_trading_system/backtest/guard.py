"""Out of sample by default: which bars a backtest may trade.

The run's own data: the test split (``manifest.splits.test.first_bar`` to the last bar).
Other data (``DATA``): only bars strictly after the last bar the validation targets looked at
(the run's ``splits.val.last_bar + horizon``, by timestamp); earlier bars may warm the indicators up,
never be traded. ``allow_in_sample`` trades from the first full window instead, and the result is
stamped IN-SAMPLE (dashboard banner, ``metrics.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..errors import OutOfSampleError

__all__ = ["TradeWindow", "run_window", "data_window", "MIN_TRADED_BARS"]

#: fewest bars a backtest trades (a decision, its fill, the end)
MIN_TRADED_BARS = 3
_FLAG = "--allow-in-sample (Python: allow_in_sample=True)"


@dataclass(frozen=True)
class TradeWindow:
    """Bars ``start … end`` (inclusive, indices into the backtested frame) are traded.

    ``in_sample``: some traded bar trained or validated the model; ``cutoff``: timestamp of the last
    bar the model saw in training or validation; ``note``: one line saying what was chosen.
    """

    start: int
    end: int
    in_sample: bool
    cutoff: Any
    note: str


def _cutoff(run_timestamps: pl.Series, manifest: dict[str, Any]) -> tuple[int, Any]:
    splits = manifest.get("splits", {})
    if "val" not in splits:
        from ..errors import ArtifactError

        raise ArtifactError("run manifest has no validation split (manifest.json splits.val); retrain the run")
    last = min(int(splits["val"]["last_bar"]) + int(manifest["horizon"]), len(run_timestamps) - 1)
    return last, run_timestamps[last]


def run_window(manifest: dict[str, Any], run_timestamps: pl.Series, first_full_window: int,
               allow_in_sample: bool) -> TradeWindow:
    """Window over the run's own bars: its test split, or everything from the first full window."""
    n = len(run_timestamps)
    last_seen, cutoff = _cutoff(run_timestamps, manifest)
    if allow_in_sample:
        start = first_full_window
        return TradeWindow(start, n - 1, start <= last_seen, cutoff,
                           f"IN-SAMPLE: bars {start}-{n - 1} of the run's data include training and validation bars "
                           f"(up to {cutoff})")
    test = manifest.get("splits", {}).get("test")
    if test is None:
        raise OutOfSampleError("the run has no test split (manifest.json splits.test); give newer DATA or pass "
                               + _FLAG)
    start = int(test["first_bar"])
    return TradeWindow(start, n - 1, False, cutoff, f"out of sample: the run's test split, bars {start}-{n - 1}")


def data_window(manifest: dict[str, Any], run_timestamps: pl.Series, data_timestamps: pl.Series,
                first_full_window: int, allow_in_sample: bool, source: str) -> TradeWindow:
    """Window over other data: bars after the run's validation cutoff (or all, with the flag)."""
    _, cutoff = _cutoff(run_timestamps, manifest)
    n = len(data_timestamps)
    ts = data_timestamps
    if n == 0:
        raise OutOfSampleError(f"DATA {source} has no bars")
    after = np.asarray((ts > cutoff).to_numpy(), dtype=bool)
    if allow_in_sample:
        start = first_full_window
        in_sample = not bool(after[start:].all()) if start < n else False
        return TradeWindow(start, n - 1, in_sample, cutoff,
                           ("IN-SAMPLE: " if in_sample else "") + f"bars {start}-{n - 1} of {source} "
                           f"(the model saw bars up to {cutoff})")
    first_after = int(np.argmax(after)) if after.any() else n
    start = max(first_after, first_full_window)
    if n - start < MIN_TRADED_BARS:
        raise OutOfSampleError(
            f"DATA {source} spans {ts[0]} to {ts[-1]}, but the run trained and validated on bars up to {cutoff} "
            f"(manifest.json splits.val.last_bar + horizon): {int((~after).sum())} of its {n} bars overlap them and "
            f"only {max(n - start, 0)} tradeable bars remain after (need >= {MIN_TRADED_BARS}). Give data that "
            f"extends past {cutoff}, or pass {_FLAG} to trade them anyway (the dashboard is stamped IN-SAMPLE)")
    warm = f", {start} earlier bars only warm up" if start else ""
    return TradeWindow(start, n - 1, False, cutoff, f"out of sample: bars {start}-{n - 1} of {source} after {cutoff}{warm}")

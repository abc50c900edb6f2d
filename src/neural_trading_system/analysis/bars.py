"""Choosing the bar whose decision is drawn: ``--bar`` as a bar index or a timestamp."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from ..errors import ConfigError

__all__ = ["resolve_bar"]


def _parse_timestamp(text: str) -> int:
    """ISO timestamp → epoch milliseconds (UTC when no offset is given)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--bar '{text}': not a bar index or an ISO timestamp; pass e.g. --bar 2412 or "
                          "--bar 2023-05-01T08:00") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


def resolve_bar(bar: str | int | None, timestamps_ms: np.ndarray, test_bars: np.ndarray, entry_prob: np.ndarray,
                first_window_bar: int) -> int:
    """The bar index to explain.

    bar: None (the test bar with the highest entry probability), an int / digit string (bar index
    into the run's frame, ``first_window_bar … N-1``) or an ISO timestamp that must match a bar
    exactly. timestamps_ms ``(N,)`` int64 epoch ms; test_bars / entry_prob ``(S,)`` aligned;
    first_window_bar: first bar whose whole window lies after the feature warm-up.
    """
    n = len(timestamps_ms)
    if bar is None:
        if len(test_bars) == 0:
            raise ConfigError("--bar: the run has no test windows to choose the default bar from; pass --bar")
        return int(test_bars[int(np.argmax(entry_prob))])
    text = str(bar).strip()
    if text.lstrip("-").isdigit():
        idx = int(text)
    else:
        t = _parse_timestamp(text)
        hit = np.flatnonzero(timestamps_ms == t)
        if hit.size == 0:
            near = int(np.argmin(np.abs(timestamps_ms.astype(np.int64) - t)))
            when = datetime.fromtimestamp(timestamps_ms[near] / 1000, tz=timezone.utc).isoformat()
            raise ConfigError(f"--bar '{text}': no bar has this timestamp; the nearest is bar {near} at {when} "
                              f"(the data runs {_iso(timestamps_ms[0])} … {_iso(timestamps_ms[-1])})")
        idx = int(hit[0])
    if not first_window_bar <= idx < n:
        raise ConfigError(f"--bar {text}: bar {idx} has no complete window; expected an index in "
                          f"{first_window_bar} … {n - 1} (earlier bars are in the indicator/feature warm-up)")
    return idx


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).isoformat()

"""Bar intervals and dates: ``'4h'`` ↔ milliseconds, ISO dates → UTC epoch milliseconds.

Intervals are written ``<n><unit>`` with unit ``s`` (seconds), ``m`` (minutes), ``h`` (hours),
``d`` (days) or ``w`` (weeks); these strings are also valid Polars durations. Months are
refused: a calendar month has no fixed length.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np

from ..errors import ConfigError

__all__ = ["UNIT_MS", "parse_interval", "format_interval", "infer_interval_ms", "parse_date_ms", "format_ms"]

UNIT_MS: dict[str, int] = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_interval(text: str, key: str = "data.interval") -> int:
    """``'4h'`` → 14_400_000 (milliseconds). ``key`` names the setting in the error message."""
    m = _INTERVAL.match(str(text))
    if m is None or int(m.group(1)) == 0:
        raise ConfigError(
            f"config key '{key}': expected a bar interval like 1m, 5m, 15m, 1h, 4h, 1d or 1w, found {text!r}"
            + (" (months have no fixed length; use 4w or 30d)" if str(text).strip().endswith("M") else "")
        )
    return int(m.group(1)) * UNIT_MS[m.group(2)]


def format_interval(ms: int) -> str:
    """14_400_000 → ``'4h'``: the largest unit that divides ``ms`` exactly."""
    ms = int(ms)
    if ms <= 0:
        return f"{ms}ms"
    for unit in ("w", "d", "h", "m", "s"):
        if ms % UNIT_MS[unit] == 0:
            return f"{ms // UNIT_MS[unit]}{unit}"
    return f"{ms}ms"


def infer_interval_ms(ts_ms: np.ndarray) -> int | None:
    """Median positive spacing of sorted epoch-ms timestamps ``(N,) int64``; None below 2 distinct."""
    if ts_ms.shape[0] < 2:
        return None
    d = np.diff(np.sort(ts_ms))
    d = d[d > 0]
    return int(np.median(d)) if d.size else None


def parse_date_ms(text: str, key: str) -> int:
    """ISO date or datetime (``2021-01-01``, ``2021-01-01T04:00``, with or without offset) → UTC ms.

    A naive value is read as UTC.
    """
    try:
        dt = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"config key '{key}': expected an ISO date like 2021-01-01 or 2021-01-01T04:00, found {text!r}"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1000))


def format_ms(ms: int) -> str:
    """Epoch ms → compact UTC stamp for file names: ``20210101`` at midnight, else ``20210101T0400``."""
    dt = datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc)
    if dt.hour == dt.minute == dt.second == 0:
        return dt.strftime("%Y%m%d")
    return dt.strftime("%Y%m%dT%H%M%S") if dt.second else dt.strftime("%Y%m%dT%H%M")

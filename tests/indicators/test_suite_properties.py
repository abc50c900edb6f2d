"""Whole-suite properties: causality (truncation), bulk/streaming parity, names, size."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.indicators import MAX_LOOKBACK, StreamingSuite, default_suite, run_bulk

SPECS = default_suite()


def test_suite_names_unique_and_columns_readable():
    cols = [c for s in SPECS for c in s.columns()]
    assert len(cols) == len(set(cols))
    for c in cols:
        name, _, line = c.partition(".")
        assert name and line and c == c.lower().replace(" ", "_")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_causality_truncation(spec, ohlcv_arrays):
    """Values at bar t computed on bars[:t+1] equal those from the full history, exactly."""
    full = spec.run(ohlcv_arrays)
    rng = np.random.default_rng(7)
    n = len(ohlcv_arrays["close"])
    for t in sorted(rng.choice(np.arange(5, n), size=6, replace=False)):
        part = spec.run({k: v[: t + 1] for k, v in ohlcv_arrays.items()})
        for line in spec.lines:
            np.testing.assert_array_equal(part[line], full[line][: t + 1], err_msg=f"{spec.name}.{line} at t={t}")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_streaming_equals_bulk(spec, ohlcv_arrays):
    """Streaming one bar at a time (with buffer compaction) equals the bulk computation bit for bit
    (the one-bar scalar paths of the helpers included)."""
    full = spec.run(ohlcv_arrays)
    a = ohlcv_arrays
    stream = StreamingSuite([spec])  # no compaction within 700 bars
    small = StreamingSuite([spec], keep=MAX_LOOKBACK, capacity=MAX_LOOKBACK + 48)  # compacts at bar 560
    for suite, what in ((stream, ""), (small, " (compacted buffers)")):
        rows = [suite.update(a["open"][i], a["high"][i], a["low"][i], a["close"][i], a["volume"][i])
                for i in range(len(a["close"]))]
        for line in spec.lines:
            got = np.array([r[f"{spec.name}.{line}"] for r in rows])
            np.testing.assert_array_equal(got, full[line], err_msg=f"{spec.name}.{line}{what}")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_finite_after_warmup(spec, ohlcv_arrays):
    """Once a line has produced a value, it never falls back to NaN or Inf (flat, zero-volume bars included)."""
    out = spec.run(ohlcv_arrays)
    for line, v in out.items():
        finite = np.isfinite(v)
        assert finite.any(), f"{spec.name}.{line} never produces a value on 700 bars"
        first = int(np.argmax(finite))
        bad = np.flatnonzero(~finite[first:])
        assert bad.size == 0, f"{spec.name}.{line}: {bad.size} non-finite values after warm-up (first at bar {first + bad[0]})"

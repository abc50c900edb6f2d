"""``--bar``: default, index, timestamp, and the errors that name the fix."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.analysis import resolve_bar
from neural_trading_system.errors import ConfigError

TS = np.datetime64("2021-01-01T00:00", "ms").astype(np.int64) + np.arange(100, dtype=np.int64) * 4 * 3600_000
TEST_BARS = np.array([80, 85, 90])
PROB = np.array([0.2, 0.9, 0.5])


def test_default_is_highest_entry_probability() -> None:
    assert resolve_bar(None, TS, TEST_BARS, PROB, 20) == 85


def test_index_and_timestamp() -> None:
    assert resolve_bar("42", TS, TEST_BARS, PROB, 20) == 42
    assert resolve_bar(43, TS, TEST_BARS, PROB, 20) == 43
    assert resolve_bar("2021-01-02T04:00", TS, TEST_BARS, PROB, 0) == 7
    assert resolve_bar("2021-01-05T00:00:00+00:00", TS, TEST_BARS, PROB, 0) == 24
    assert resolve_bar("2021-01-05T01:00:00+01:00", TS, TEST_BARS, PROB, 0) == 24  # offsets are honoured


def test_errors_name_the_problem() -> None:
    with pytest.raises(ConfigError, match=r"bar 5 has no complete window; expected an index in 20 … 99"):
        resolve_bar("5", TS, TEST_BARS, PROB, 20)
    with pytest.raises(ConfigError, match=r"bar 100 has no complete window"):
        resolve_bar(100, TS, TEST_BARS, PROB, 20)
    with pytest.raises(ConfigError, match=r"no bar has this timestamp; the nearest is bar 24 at 2021-01-05T00:00"):
        resolve_bar("2021-01-05T01:00", TS, TEST_BARS, PROB, 20)
    with pytest.raises(ConfigError, match="not a bar index or an ISO timestamp"):
        resolve_bar("yesterday", TS, TEST_BARS, PROB, 20)
    with pytest.raises(ConfigError, match="no test windows"):
        resolve_bar(None, TS, np.zeros(0, np.int64), np.zeros(0), 20)

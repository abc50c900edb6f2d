"""The per-bar helpers kernels build on: lagged views, held state, crosses."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.indicators.barops import cross_over, hold_last, lagged


def test_lagged_reads_only_earlier_bars():
    x = np.arange(6.0)
    np.testing.assert_array_equal(lagged(x, 2, 3), [np.nan, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(lagged(x, 5, 1), [4.0])
    with pytest.raises(ValueError, match="later bar"):
        lagged(x, 0, -1)


def test_hold_last_keeps_state_and_forgets_it_after_invalid_bars():
    value = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    update = np.array([False, True, False, False, False, True])
    valid = np.array([True, True, True, False, True, True])
    out = hold_last(value, update, valid, prev=9.0, default=0.0)
    # bar0 holds prev 9; bar1 updates to 2; bar2 holds 2; bar3 invalid; bar4 restarts at default 0
    np.testing.assert_array_equal(out, [9.0, 2.0, 2.0, np.nan, 0.0, 6.0])
    # one bar at a time (streaming) gives the same states
    state, got = 9.0, []
    for i in range(6):
        state = hold_last(value[i:i + 1], update[i:i + 1], valid[i:i + 1], prev=state)[0]
        got.append(state)
    np.testing.assert_array_equal(got, out)


def test_cross_over_fires_once_per_cross():
    a = np.array([np.nan, 1.0, 2.0, 3.0, 1.0, 3.0])
    b = np.full(6, 2.0)
    # a: 1 → 2 (touch, no cross) → 3 (cross: previous 2 <= 2) → 1 → 3 (cross)
    np.testing.assert_array_equal(cross_over(a, b, 0), [np.nan, np.nan, 0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(cross_over(a, b, 4), [0.0, 1.0])

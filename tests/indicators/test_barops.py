"""The per-bar helpers kernels build on: lagged views, held state, crosses."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.indicators.barops import cross_over, cross_under, flag, hold_last, lagged, rank_below


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


def test_one_bar_paths_equal_the_bulk_result_at_every_bar():
    """A streamed bar (start = n-1) takes a scalar path in each helper; the bulk arrays are its
    reference, NaNs, ties and both cross directions included."""
    rng = np.random.default_rng(8)
    n = 60
    a = np.round(rng.normal(0, 1, n), 1)  # rounded: ties with b happen
    b = np.round(rng.normal(0, 1, n), 1)
    a[[0, 7, 30]] = np.nan
    b[[12, 31]] = np.nan
    value, update, valid = rng.normal(0, 1, n), rng.random(n) < 0.3, rng.random(n) < 0.9  # value finite where valid
    bulk = {"lagged": lagged(a, 0, 3), "cross_over": cross_over(a, b, 0), "cross_under": cross_under(a, b, 0),
            "flag": flag(a > b, a, b), "rank_below": rank_below(a, 0, 5),
            "hold_last": hold_last(value, update, valid, prev=np.nan, default=2.0)}
    state = np.nan
    for i in range(n):
        one = {"lagged": lagged(a[: i + 1], i, 3), "cross_over": cross_over(a[: i + 1], b[: i + 1], i),
               "cross_under": cross_under(a[: i + 1], b[: i + 1], i), "rank_below": rank_below(a[: i + 1], i, 5),
               "flag": flag(a[i:i + 1] > b[i:i + 1], a[i:i + 1], b[i:i + 1]),
               "hold_last": hold_last(value[i:i + 1], update[i:i + 1], valid[i:i + 1], prev=state, default=2.0)}
        state = one["hold_last"][0]
        for name, got in one.items():
            assert got.shape == (1,) and got.dtype == np.float64, name
            np.testing.assert_array_equal(got, bulk[name][i:i + 1], err_msg=f"{name} at bar {i}")

"""The streaming engine's array interface: chosen lines in the caller's order, without a dict per bar."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.errors import IndicatorError
from neural_trading_system.indicators import MAX_LOOKBACK, StreamingSuite, minimal_suite
from neural_trading_system.indicators.stream import _positional


def test_indexed_update_array_equals_the_dict_in_the_callers_order(ohlcv_arrays):
    """update_array(index=column_index(cols)) gives update()[c] for c in cols, bit for bit, at every
    bar (compaction included); the arrays are the caller's copies."""
    a = ohlcv_arrays
    by_dict = StreamingSuite(minimal_suite(), keep=MAX_LOOKBACK, capacity=MAX_LOOKBACK + 40)
    by_index = StreamingSuite(minimal_suite(), keep=MAX_LOOKBACK, capacity=MAX_LOOKBACK + 40)
    cols = list(np.random.default_rng(4).permutation(by_index.columns))[:7]
    idx = by_index.column_index(cols)
    assert idx.dtype == np.int64 and [by_index.columns[j] for j in idx] == cols
    for i in range(len(a["close"])):
        bar = (a["open"][i], a["high"][i], a["low"][i], a["close"][i], a["volume"][i])
        want = by_dict.update(*bar)
        got = by_index.update_array(*bar, index=idx)
        np.testing.assert_array_equal(got, [want[c] for c in cols], err_msg=f"bar {i}")
        got[:] = -1.0  # the caller's copy: the suite's buffers are untouched
    full, want = by_index.update_array(*bar), by_dict.update(*bar)
    np.testing.assert_array_equal(full, [want[c] for c in by_index.columns])


def test_column_index_names_the_missing_lines():
    suite = StreamingSuite(minimal_suite())
    with pytest.raises(IndicatorError, match=r"not produced by this suite: \['bogus_9.line'\]"):
        suite.column_index([suite.columns[0], "bogus_9.line"])


def test_kernels_called_positionally_only_when_the_signature_allows():
    def plain(ctx, start, period=14, alpha=0.5):
        pass

    def keyword_only(ctx, start, period=14, *, alpha=0.5):
        pass

    assert _positional(plain, {"period": 3, "alpha": 0.1}) == (3, 0.1)
    assert _positional(plain, {}) == ()
    assert _positional(plain, {"alpha": 0.1, "period": 3}) is None  # not the signature's order
    assert _positional(keyword_only, {"period": 3, "alpha": 0.1}) is None

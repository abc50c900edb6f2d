"""The live row from a bare array (``transform_last_array``) and the one-bar kernels: the same bits
as the batch ``transform``, and the schema errors of the frame path."""

from __future__ import annotations

import logging

import numpy as np
import polars as pl
import pytest

from neural_trading_system.errors import DataValidationError, SchemaMismatchError
from neural_trading_system.features.kernels import build_levels, compute_features, make_plan, window_stats
from neural_trading_system.features.schema import OHLCV, STATS, parse_feature

from .conftest import with_frame


def _buffer(captured, columns, t, rows):
    """The live predictor's ring-buffer tail: (rows, 5 + C) float64 ending at bar t."""
    frame = captured.frame.slice(t + 1 - rows, rows)
    return frame.select([*OHLCV, *columns]).to_numpy().astype(np.float64)


def test_array_row_equals_batch_row_bit_for_bit(fitted, captured, features):
    cols = list(fitted.input_columns_)
    need = fitted.required_history_
    n = captured.frame.height
    bars = (fitted.first_valid_row_ + need, 480, 611, n - 1)
    for t in bars:
        row = fitted.transform_last_array(_buffer(captured, cols, t, need), cols)
        assert row.dtype == np.float32 and row.shape == (len(fitted.feature_names_),)
        np.testing.assert_array_equal(row, features[t], err_msg=f"bar {t}")
        frame_row = fitted.transform_last(with_frame(captured, captured.frame.slice(t + 1 - need, need)))
        np.testing.assert_array_equal(frame_row, features[t], err_msg=f"transform_last, bar {t}")
    # a longer buffer, and a tuple of names, give the same row
    np.testing.assert_array_equal(fitted.transform_last_array(_buffer(captured, cols, 599, 600), tuple(cols)),
                                  features[599])


def test_array_row_in_warmup_is_nan(fitted, captured):
    cols = list(fitted.input_columns_)
    need = fitted.required_history_
    warm = next(t for t in range(need - 1, captured.frame.height)
                if not np.isfinite(_buffer(captured, cols, t, 1)[0, len(OHLCV):]).all())
    assert np.isnan(fitted.transform_last_array(_buffer(captured, cols, warm, need), cols)).all()


def test_any_column_order_and_extras_give_the_same_row(fitted, captured, features):
    """The index mapping follows the names: shuffled columns, a non-captured extra (ignored, as in a
    frame) and every captured line the suite produces (the predictor's layout) all give the row."""
    t, need = 620, fitted.required_history_
    shuffled = list(np.random.default_rng(1).permutation(fitted.input_columns_))
    tail = _buffer(captured, shuffled, t, need)
    funding = np.full((need, 1), 0.01)
    row = fitted.transform_last_array(np.hstack([tail, funding]), [*shuffled, "funding_rate"])
    np.testing.assert_array_equal(row, features[t])
    every = [c for c in captured.frame.columns if "." in c]
    np.testing.assert_array_equal(fitted.transform_last_array(_buffer(captured, every, t, need), every),
                                  features[t])


def test_array_schema_and_shape_errors(fitted, captured):
    cols = list(fitted.input_columns_)
    need = fitted.required_history_
    tail = _buffer(captured, cols, 640, need)
    dropped = cols[2]
    short_cols = [c for c in cols if c != dropped] + ["bogus_9.line"]
    with pytest.raises(SchemaMismatchError) as err:
        fitted.transform_last_array(tail, short_cols)
    msg = str(err.value)
    assert dropped in msg and "bogus_9.line" in msg and "missing 1" in msg and "extra 1" in msg
    with pytest.raises(SchemaMismatchError, match="more than once"):
        fitted.transform_last_array(np.hstack([tail, tail[:, -1:]]), [*cols, cols[-1]])
    with pytest.raises(DataValidationError, match=r"wrong shape.*\(rows, %d\)" % (len(OHLCV) + len(cols))):
        fitted.transform_last_array(tail[:, :-1], cols)
    with pytest.raises(DataValidationError, match="required_history_"):
        fitted.transform_last_array(tail[1:], cols)
    # a failed check is not cached: the same bad list fails again
    with pytest.raises(SchemaMismatchError):
        fitted.transform_last_array(tail, short_cols)


def test_nonpositive_price_line_after_warmup_is_replaced_and_logged(fitted, captured, caplog):
    """A price-like line <= 0 gives a non-finite level: the batch path and the array path both put the
    training median there (0 after scaling) and log the feature."""
    cols = list(fitted.input_columns_)
    price = next(c for c, p in zip(cols, fitted.price_like_) if p and f"{c}|lvl" in fitted.feature_names_)
    t, need = 630, fitted.required_history_
    tail = _buffer(captured, cols, t, need)
    tail[-1, len(OHLCV) + cols.index(price)] = -1.0
    with caplog.at_level(logging.WARNING, logger="neural_trading_system.features.sanitize"):
        row = fitted.transform_last_array(tail, cols)
    assert row[fitted.feature_names_.index(f"{price}|lvl")] == 0.0
    assert f"{price}|lvl" in caplog.text
    values = captured.frame[price].to_numpy().copy()
    values[t] = -1.0
    batch = fitted.transform(with_frame(captured, captured.frame.with_columns(pl.Series(price, values))))
    np.testing.assert_array_equal(row, batch[t])


def _golden_plan():
    rng = np.random.default_rng(5)
    n = 30
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    ohlcv = {"open": close * 0.999, "high": close * 1.01, "low": close * 0.99, "close": close,
             "volume": rng.lognormal(2, 0.3, n)}
    osc = rng.normal(50, 10, n)
    osc[:3] = np.nan
    price = close * (1 + rng.normal(0, 0.02, n))
    names = ["osc.x|mean5", "osc.x|z5", "px.p|dmax4", "osc.x|lvl", "osc.x|d3", "px.p|d1", "px.p|lvl",
             "ret|1", "ret|4", "rv|5", "volume|z4", "candle|body", "candle|upper", "candle|range"]
    plan = make_plan([parse_feature(s) for s in names], {"osc.x": False, "px.p": True})
    return plan, build_levels(np.vstack([osc, price]), plan.price_like, ohlcv), ohlcv


def test_one_bar_kernels_equal_the_bulk_column():
    """compute_features with start = N-1 (the live row: one gather for all differences and returns,
    only the last w bars copied per window) equals column t of the bulk result, at every t."""
    plan, levels, ohlcv = _golden_plan()
    bulk = compute_features(levels, ohlcv, plan)  # (F, N)
    for t in range(levels.shape[1]):
        part = {k: v[: t + 1] for k, v in ohlcv.items()}
        one = compute_features(levels[:, : t + 1], part, plan, start=t)
        np.testing.assert_array_equal(one[:, 0], bulk[:, t], err_msg=f"bar {t}")
        tail = compute_features(levels[:, : t + 1], part, plan, start=max(0, t - 3))  # a few rows, same values
        np.testing.assert_array_equal(tail, bulk[:, max(0, t - 3): t + 1], err_msg=f"bars ..{t}")


@pytest.mark.parametrize("wanted", [("mean",), ("z",), ("dmin",), ("slope", "dmax"), STATS])
def test_window_stats_computes_each_wanted_stat_the_same_alone(wanted):
    """The kernel skips the passes a column's wanted stats do not need; a stat it does compute has
    the same bits as when every stat is wanted."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (3, 40))
    x[1, 10] = np.nan
    x[2] = 0.25  # flat: z is defined as 0
    w, n = 8, x.shape[1]
    full_idx = np.arange(3 * len(STATS)).reshape(3, len(STATS))
    full = np.full((3 * len(STATS), n), -7.0)
    window_stats(x, w, 0, full_idx, full)
    idx = np.full((3, len(STATS)), -1, dtype=np.int64)
    cols = [STATS.index(s) for s in wanted]
    idx[:, cols] = np.arange(3 * len(cols)).reshape(3, len(cols))
    out = np.full((3 * len(cols), n), -7.0)
    window_stats(x, w, 0, idx, out)
    for c in range(3):
        np.testing.assert_array_equal(out[idx[c, cols]], full[full_idx[c, cols]], err_msg=f"column {c} {wanted}")

"""The live row from a bare array (``transform_last_array``) and the one-bar kernels: the same bits
as the batch ``transform``, and the schema errors of the frame path."""

from __future__ import annotations

import logging

import numpy as np
import polars as pl
import pytest

from neural_trading_system.config import FeatureConfig
from neural_trading_system.errors import DataValidationError, SchemaMismatchError
from neural_trading_system.features import FeatureExtractor
from neural_trading_system.features import extractor as extractor_module
from neural_trading_system.features.kernels import (build_last_levels, build_levels, compute_features, level_reach,
                                                    make_plan, reach_tiers, window_stats)
from neural_trading_system.features.schema import OHLCV, STATS, parse_feature

from .conftest import TRAIN_END, with_frame


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
    values = np.vstack([osc, price])  # (C, N) in the plan's source order
    return plan, build_levels(values, plan.price_like, ohlcv), ohlcv, values


def test_one_bar_kernels_equal_the_bulk_column():
    """compute_features with start = N-1 (the live row: one gather for all differences and returns,
    only the last w bars copied per window) equals column t of the bulk result, at every t."""
    plan, levels, ohlcv, _ = _golden_plan()
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


def test_level_reach_and_tiers():
    """Each source's reach is the most bars its last-bar features read; the tiers cover every row
    once at a width >= its reach, and split only where that saves more cells than a tier costs."""
    plan, *_ = _golden_plan()  # osc.x: mean5, z5, lvl, d3 -> 5; px.p: dmax4, d1, lvl -> 4
    np.testing.assert_array_equal(level_reach(plan), [5, 4])
    reach = np.array([1, 1, 200, 2, 200, 11, 1])
    for cost, want in ((0, [([0, 1, 6], 1), ([3], 2), ([5], 11), ([2, 4], 200)]),
                       (50, [([0, 1, 3, 5, 6], 11), ([2, 4], 200)]),
                       (10_000, [([0, 1, 2, 3, 4, 5, 6], 200)])):
        tiers = reach_tiers(reach, cost_per_tier=cost)
        assert [(list(r), w) for r, w in tiers] == want, cost


def test_last_levels_by_tier_give_the_bulk_column():
    """build_last_levels fills each tier's last `width` bars only; a one-bar compute_features on it
    equals the bulk column at every bar, with one tier per reach (cost 0) or all in one."""
    plan, levels, ohlcv, values = _golden_plan()
    bulk = compute_features(levels, ohlcv, plan)
    block = np.vstack([ohlcv[k] for k in OHLCV] + list(values))  # a buffer's rows: OHLCV, then the columns
    src, h = np.array([5, 6]), 8  # the last bar reads 5 bars of osc.x, 4 of px.p, 5 returns
    for cost in (0, 10_000):
        tiers = [(rows, src[rows], w, plan.price_like[rows]) for rows, w in reach_tiers(level_reach(plan), cost)]
        assert len(tiers) == (2 if cost == 0 else 1)
        for t in range(h - 1, levels.shape[1]):
            part = {k: v[t + 1 - h: t + 1] for k, v in ohlcv.items()}
            last = build_last_levels(block[:, t + 1 - h: t + 1], tiers, part)
            one = compute_features(last, part, plan, start=h - 1)
            np.testing.assert_array_equal(one[:, 0], bulk[:, t], err_msg=f"bar {t}, cost {cost}")


def test_array_row_with_one_tier_per_reach(captured, monkeypatch):
    """A wider extractor (differences and summaries of the captured lines) with a tier per distinct
    reach: the live row still equals the batch row bit for bit."""
    cfg = FeatureConfig(lookback_windows=(5, 20, 50), diff_lags=(1, 5), max_columns=30, max_features=400)
    ex = FeatureExtractor(cfg).fit(captured, TRAIN_END)
    assert len(set(level_reach(ex._plan).tolist())) >= 3
    monkeypatch.setattr(extractor_module, "TIER_COST", 0)
    full = ex.transform(captured)
    cols = list(ex.input_columns_)
    for t in (ex.first_valid_row_ + ex.required_history_, 555, captured.frame.height - 1):
        row = ex.transform_last_array(_buffer(captured, cols, t, ex.required_history_), cols)
        np.testing.assert_array_equal(row, full[t], err_msg=f"bar {t}")
    assert len(ex._array_index[tuple(cols)][1]) >= 3  # the tiers this row was built with

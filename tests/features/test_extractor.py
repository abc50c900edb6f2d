"""The extractor's contract: width and names, golden arithmetic, schema errors, JSON, streaming parity."""

from __future__ import annotations

import json
import logging

import numpy as np
import polars as pl
import pytest

from neural_trading_system.config import FeatureConfig
from neural_trading_system.errors import ArtifactError, DataValidationError, SchemaMismatchError
from neural_trading_system.features import FeatureExtractor
from neural_trading_system.features.kernels import build_levels, compute_features, make_plan
from neural_trading_system.features.schema import parse_feature

from .conftest import SMALL, TRAIN_END, build_captured, with_frame


def test_width_fixed_and_names_unique(fitted, features, captured):
    names = fitted.feature_names_
    assert len(names) == len(set(names)) == features.shape[1] == fitted.n_features_ <= SMALL.max_features
    assert features.dtype == np.float32 and features.shape[0] == captured.frame.height
    for name in names:
        parse_feature(name)  # every name is explicit and parseable
    other = build_captured(n=520, seed=11)
    assert fitted.transform(other).shape == (520, len(names))
    assert "ret|1" in names and any(s.endswith("|lvl") for s in names)


def test_warmup_rows_nan_then_finite_and_clipped(fitted, features):
    fv = fitted.first_valid_row_
    assert 0 < fv < TRAIN_END
    assert np.isnan(features[:fv]).all()
    body = features[fv:]
    assert np.isfinite(body).all()
    assert np.abs(body).max() <= SMALL.clip


def test_robust_scaling_uses_training_rows(fitted, features):
    """On the training rows the scaled median is 0 and the IQR 1 (where the IQR was not 0)."""
    train = features[fitted.first_valid_row_:TRAIN_END].astype(np.float64)
    med = np.median(train, axis=0)
    q75, q25 = np.percentile(train, [75, 25], axis=0)
    np.testing.assert_allclose(med, 0.0, atol=1e-5)
    real = fitted.scale_ != 1.0
    np.testing.assert_allclose((q75 - q25)[real], 1.0, atol=1e-4)


def test_golden_kernels_against_brute_force():
    """Every summary at every bar equals a plain-loop reference (np.polyfit for the slope)."""
    rng = np.random.default_rng(0)
    n, w = 40, 7
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    ohlcv = {"open": close * 0.999, "high": close * 1.01, "low": close * 0.99, "close": close,
             "volume": rng.lognormal(2, 0.3, n)}
    osc = rng.normal(50, 10, n)
    osc[:4] = np.nan  # warm-up
    price = close * (1 + rng.normal(0, 0.02, n))
    names = [f"osc.x|{s}{w}" for s in ("mean", "std", "z", "dmin", "dmax", "slope")]
    names += ["osc.x|lvl", "osc.x|d3", "px.p|lvl", "ret|2", f"rv|{w}", "candle|body", "candle|range"]
    plan = make_plan([parse_feature(s) for s in names], {"osc.x": False, "px.p": True})
    levels = build_levels(np.vstack([osc, price]), plan.price_like, ohlcv)
    raw = compute_features(levels, ohlcv, plan)  # (F, N)
    r1 = np.concatenate([[np.nan], np.diff(np.log(close))])
    for t in range(n):
        win = osc[t - w + 1:t + 1] if t >= w - 1 else np.array([np.nan])
        if np.isfinite(win).all():
            m, sd = win.mean(), win.std()
            want = [m, sd, (win[-1] - m) / sd, win[-1] - win.min(), win.max() - win[-1],
                    np.polyfit(np.arange(w), win, 1)[0]]
        else:
            want = [np.nan] * 6
        rw = r1[t - w + 1:t + 1] if t >= w else np.array([np.nan])
        want += [osc[t], osc[t] - osc[t - 3] if t >= 3 else np.nan, np.log(price[t] / close[t]),
                 np.log(close[t] / close[t - 2]) if t >= 2 else np.nan, rw.std(),
                 (close[t] - ohlcv["open"][t]) / (ohlcv["high"][t] - ohlcv["low"][t]),
                 np.log(ohlcv["high"][t] / ohlcv["low"][t])]
        np.testing.assert_allclose(raw[:, t], want, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"bar {t}")


def test_flat_window_gives_zero_z_and_candle():
    n = 12
    close = np.full(n, 10.0)
    ohlcv = {"open": close, "high": close, "low": close, "close": close, "volume": np.zeros(n)}
    plan = make_plan([parse_feature(s) for s in ("c.x|z5", "c.x|std5", "candle|body", "volume|z5")], {"c.x": False})
    raw = compute_features(build_levels(np.full((1, n), 0.3), plan.price_like, ohlcv), ohlcv, plan)
    assert (raw[0, 4:] == 0).all() and (raw[1, 4:] < 1e-12).all() and (raw[2] == 0).all() and (raw[3, 4:] == 0).all()


def test_transform_before_fit_raises(captured):
    with pytest.raises(ArtifactError, match="not fitted"):
        FeatureExtractor(SMALL).transform(captured)


def test_schema_mismatch_lists_missing_and_extra(fitted, captured):
    used = fitted.input_columns_[3]
    frame = captured.frame.drop(used).with_columns(pl.lit(1.0).alias("bogus_9.line"))
    with pytest.raises(SchemaMismatchError) as err:
        fitted.transform(frame)
    msg = str(err.value)
    assert used in msg and "bogus_9.line" in msg and "missing 1" in msg and "extra 1" in msg
    with pytest.raises(SchemaMismatchError, match="price-like flag"):
        meta = dict(captured.meta)
        flipped = fitted.input_columns_[0]
        meta[flipped] = type(meta[flipped])(price_like=not meta[flipped].price_like)
        fitted.transform(type(captured)(captured.frame, meta))


def test_fit_needs_metadata_and_a_sane_train_end(captured):
    with pytest.raises(SchemaMismatchError, match="price_like"):
        FeatureExtractor(SMALL).fit(captured.frame, TRAIN_END)
    with pytest.raises(DataValidationError, match="train_end"):
        FeatureExtractor(SMALL).fit(captured, captured.frame.height + 1)
    with pytest.raises(DataValidationError, match="train_end|no feature survived"):
        FeatureExtractor(SMALL).fit(captured, 2)
    short = FeatureExtractor(SMALL).fit(captured, 120)  # long warm-ups never finish: those features drop
    assert short.fit_report_["dropped_warmup"] and short.first_valid_row_ < 119
    assert np.isfinite(short.transform(captured)[short.first_valid_row_:]).all()


def test_json_round_trip_identical_and_edits_refused(fitted, captured, features, tmp_path):
    path = fitted.save(tmp_path / "extractor.json")
    text = path.read_text()
    json.loads(text)  # plain JSON
    again = FeatureExtractor.load(path)
    assert again.feature_names_ == fitted.feature_names_ and again.schema_hash_ == fitted.schema_hash_
    np.testing.assert_array_equal(again.transform(captured), features)
    state = json.loads(text)
    state["center_"][0] += 1.0
    path.write_text(json.dumps(state))
    with pytest.raises(ArtifactError, match="sha256"):
        FeatureExtractor.load(path)
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ArtifactError, match="not valid JSON"):
        FeatureExtractor.load(path)


def test_transform_last_parity_on_several_bars(fitted, captured, features):
    frame = captured.frame
    need = fitted.required_history_
    for t in (fitted.first_valid_row_ + need, 480, 611, frame.height - 1):
        tail = with_frame(captured, frame.slice(t + 1 - need, need))
        np.testing.assert_array_equal(fitted.transform_last(tail), features[t], err_msg=f"bar {t}")
    longer = frame.slice(0, 600)  # a longer buffer gives the same row
    np.testing.assert_array_equal(fitted.transform_last(longer), features[599])
    with pytest.raises(DataValidationError, match="required_history_"):
        fitted.transform_last(frame.slice(0, need - 1))


def test_nonfinite_after_warmup_replaced_and_logged(fitted, captured, features, caplog):
    col = next(s.split("|")[0] for s in fitted.feature_names_ if s.endswith("|lvl"))
    row = 600
    values = captured.frame[col].to_numpy().copy()
    values[row] = np.inf
    frame = captured.frame.with_columns(pl.Series(col, values))
    with caplog.at_level(logging.WARNING, logger="neural_trading_system.features.sanitize"):
        out = fitted.transform(frame)
    assert np.isfinite(out[fitted.first_valid_row_:]).all()
    assert out[row, fitted.feature_names_.index(f"{col}|lvl")] == 0.0  # the training median, scaled
    assert f"{col}|lvl" in caplog.text and "after warm-up" in caplog.text
    np.testing.assert_array_equal(out[:row], features[:row])


def test_constant_and_duplicate_columns_dropped(captured):
    frame = captured.frame
    src = next(c for c in frame.columns if c.startswith("rsi"))
    frame = frame.with_columns(pl.lit(3.0).alias("const_1.x"), pl.col(src).alias("twin_1.x"))
    meta = {**captured.meta, "const_1.x": captured.meta[src], "twin_1.x": captured.meta[src]}
    ex = FeatureExtractor(SMALL).fit(type(captured)(frame, meta), TRAIN_END)
    rep = ex.fit_report_
    assert "const_1.x|lvl" in rep["dropped_constant"]
    assert rep["dropped_duplicate"]["twin_1.x|lvl"] == f"{src}|lvl"
    assert not any(s.startswith(("const_1.x|", "twin_1.x|")) for s in ex.feature_names_)


def test_redundancy_filter_and_cap(captured, fitted):
    rep = fitted.fit_report_
    assert rep["selected"] == len(fitted.feature_names_) == SMALL.max_features
    assert rep["dropped_correlated"] > 0 and rep["candidates"] > 1000
    accounted = (rep["selected"] + len(rep["dropped_warmup"]) + len(rep["dropped_constant"])
                 + len(rep["dropped_duplicate"]) + rep["dropped_correlated"] + rep["dropped_cap"] + rep["not_evaluated"])
    assert accounted == rep["candidates"]  # every candidate is kept or its drop is reported
    start = rep["sample_start"]
    raw = fitted._raw(fitted._checked(captured), fitted._plan)[:, start:TRAIN_END]  # (F, rows) train only
    corr = np.corrcoef(raw)
    np.fill_diagonal(corr, 0)
    assert np.nanmax(np.abs(corr)) < SMALL.corr_threshold + 0.02  # measured on a sample, checked on all rows
    loose = FeatureExtractor(SMALL.model_copy(update={"corr_threshold": 1.0, "max_features": 40})).fit(
        captured, TRAIN_END)
    assert len(loose.feature_names_) == 40 and loose.feature_names_[:4] == ["ret|1", "ret|3", "ret|5", "ret|10"]


def test_max_columns_are_ignored_not_extra(captured):
    cfg = FeatureConfig(lookback_windows=(5,), diff_lags=(1,), max_columns=10, max_features=50)
    ex = FeatureExtractor(cfg).fit(captured, TRAIN_END)
    assert len(ex.input_columns_) == 10 and ex.ignored_columns_
    assert ex.transform(captured).shape[1] == len(ex.feature_names_)


def test_threaded_column_chunks_give_identical_features(fitted, captured, features):
    """fe_workers/fe_chunk: the threaded path (forced by threshold 0) computes the same bits."""
    state = fitted.state_dict()
    state["config"] = {**state["config"], "fe_parallel_threshold": 0, "fe_workers": 2, "fe_chunk": 3}
    state.pop("state_sha256")
    from neural_trading_system.features.extractor import _digest
    state["state_sha256"] = _digest(state)
    threaded = FeatureExtractor.from_state(state)
    np.testing.assert_array_equal(threaded.transform(captured), features)

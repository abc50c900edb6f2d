"""Honesty guards: causality by truncation, and nothing learned outside the training rows."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_trading_system.config import FeatureConfig
from neural_trading_system.features import FeatureExtractor

from .conftest import TRAIN_END, with_frame

TINY = FeatureConfig(lookback_windows=(5, 20), diff_lags=(1, 3), max_features=60)
STATE = ("input_columns_", "price_like_", "feature_names_", "first_valid_row_", "required_history_", "schema_hash_")


def test_features_at_t_use_bars_up_to_t_only(fitted, captured, features):
    """transform(bars[:t+1]) equals transform(full)[:t+1] exactly, with the fitted state fixed."""
    rng = np.random.default_rng(5)
    n = captured.frame.height
    for t in sorted(rng.choice(np.arange(30, n - 1), size=6, replace=False)):
        part = fitted.transform(with_frame(captured, captured.frame.slice(0, t + 1)))
        np.testing.assert_array_equal(part, features[: t + 1], err_msg=f"t={t}")


def _perturb(frame: pl.DataFrame, rows: slice, seed: int, scale: float) -> pl.DataFrame:
    """Multiply every numeric column by a random factor on ``rows`` (OHLCV and captured lines)."""
    rng = np.random.default_rng(seed)
    out = []
    for c in frame.columns:
        if c == "timestamp":
            continue
        v = frame[c].to_numpy().copy()
        v[rows] = v[rows] * (1 + scale * rng.standard_normal(len(v[rows])))
        out.append(pl.Series(c, v))
    return frame.with_columns(out)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(0.01, 3.0), cut=st.integers(0, 150))
def test_fitted_state_ignores_rows_after_train_end(captured, seed, scale, cut):
    base = FeatureExtractor(TINY).fit(captured, TRAIN_END)
    start = TRAIN_END + cut
    changed = with_frame(captured, _perturb(captured.frame, slice(start, None), seed, scale))
    other = FeatureExtractor(TINY).fit(changed, TRAIN_END)
    for key in STATE:
        assert getattr(other, key) == getattr(base, key), key
    np.testing.assert_array_equal(other.center_, base.center_)
    np.testing.assert_array_equal(other.scale_, base.scale_)
    assert other.fit_report_ == base.fit_report_


def test_fitted_state_does_depend_on_training_rows(captured):
    """The guard above can fail: perturbing training rows changes the scaler."""
    base = FeatureExtractor(TINY).fit(captured, TRAIN_END)
    changed = with_frame(captured, _perturb(captured.frame, slice(200, TRAIN_END), 1, 0.5))
    other = FeatureExtractor(TINY).fit(changed, TRAIN_END)
    assert other.feature_names_ != base.feature_names_ or not np.array_equal(other.center_, base.center_)

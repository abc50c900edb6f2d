"""ECE, Brier, AUC, reliability bins and binned means against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.analysis import (binned_mean, brier_score, expected_calibration_error, rank_correlation,
                                            reliability, roc_auc)


def test_ece_by_hand() -> None:
    # bin 1 ([0.1, 0.2)): p 0.1, 0.15 vs y 0, 1 -> |0.25 - 1| = 0.75 ; bin 8: p 0.85, 0.85, 0.85 vs y 1,1,0 -> |2.55 - 2| = 0.55
    p = np.array([0.1, 0.15, 0.85, 0.85, 0.85])
    y = np.array([0, 1, 1, 1, 0])
    assert expected_calibration_error(p, y) == pytest.approx((0.75 + 0.55) / 5)


def test_ece_zero_when_each_bin_is_calibrated_and_p_one_in_last_bin() -> None:
    p = np.array([0.25, 0.25, 0.25, 0.25, 1.0, 1.0])
    y = np.array([1, 0, 0, 0, 1, 1])
    assert expected_calibration_error(p, y) == pytest.approx(0.0)
    rel = reliability(p, y)
    assert rel.count.tolist() == [0, 0, 4, 0, 0, 0, 0, 0, 0, 2]  # 1.0 lands in the last bin
    assert rel.event_rate[2] == pytest.approx(0.25) and rel.event_rate[9] == 1.0
    assert np.isnan(rel.mean_prob[0])


def test_brier_auc_and_nan_pairs_dropped() -> None:
    p = np.array([0.9, 0.2, np.nan, 0.6])
    y = np.array([1.0, 0.0, 1.0, np.nan])
    assert brier_score(p, y) == pytest.approx((0.01 + 0.04) / 2)
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert roc_auc(np.array([0.1, 0.2]), np.array([1, 1])) is None
    rel = reliability(p, y)
    assert rel.n == 2 and rel.base_rate == 0.5


def test_binned_mean_equal_count_bins() -> None:
    x = np.arange(10, dtype=float)
    v = x * 2
    b = binned_mean(x, v, n_bins=5)
    assert b["count"].tolist() == [2] * 5
    assert b["center"].tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]
    assert b["mean"].tolist() == [1.0, 5.0, 9.0, 13.0, 17.0]


def test_rank_correlation_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    x, v = rng.normal(size=50), rng.normal(size=50)
    rx, rv = x.argsort().argsort(), v.argsort().argsort()
    assert rank_correlation(x, v) == pytest.approx(np.corrcoef(rx, rv)[0, 1])
    assert rank_correlation(x, x ** 3) == pytest.approx(1.0)

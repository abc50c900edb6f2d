"""AUC, log-loss and ECE against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neural_trading_system.evaluation.scores import (EPS, expected_calibration_error, log_loss, probability_scores,
                                                     roc_auc)


def test_auc_by_hand_pairs():
    # positives score 0.8, 0.4; negatives 0.6, 0.2, 0.4.  Pairs (pos > neg): 0.8 beats all 3;
    # 0.4 beats 0.2, ties 0.4 (1/2), loses to 0.6  ->  (3 + 1 + 0.5) / 6 = 0.75
    y = np.array([1, 0, 0, 1, 0])
    p = np.array([0.8, 0.6, 0.2, 0.4, 0.4])
    assert roc_auc(y, p) == pytest.approx(0.75)


def test_auc_extremes_and_one_class():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert roc_auc(y, np.array([0.4, 0.3, 0.2, 0.1])) == 0.0
    assert roc_auc(y, np.full(4, 0.5)) == 0.5
    assert math.isnan(roc_auc(np.ones(3), np.array([0.1, 0.2, 0.3])))


def test_auc_matches_brute_force_on_random_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p = rng.integers(0, 7, 300) / 6.0  # many ties
    pos, neg = p[y == 1], p[y == 0]
    brute = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (pos.size * neg.size)
    assert roc_auc(y, p) == pytest.approx(brute, abs=1e-12)


def test_log_loss_by_hand_and_clipping():
    # -(ln 0.8 + ln 0.75) / 2  for y=1,p=0.8 and y=0,p=0.25
    assert log_loss(np.array([1, 0]), np.array([0.8, 0.25])) == pytest.approx(-(math.log(0.8) + math.log(0.75)) / 2)
    assert log_loss(np.array([1]), np.array([0.0])) == pytest.approx(-math.log(EPS))


def test_ece_by_hand():
    # bins of width 0.1: p=0.05,0.05 (bin 0, mean p 0.05, mean y 0.5 -> gap 0.45, weight 2/5);
    # p=0.95,0.95,1.0 (bin 9, mean p 0.9667, mean y 2/3 -> gap 0.3, weight 3/5)
    y = np.array([0, 1, 1, 1, 0])
    p = np.array([0.05, 0.05, 0.95, 0.95, 1.0])
    expected = 2 / 5 * abs(0.5 - 0.05) + 3 / 5 * abs(2 / 3 - (0.95 + 0.95 + 1.0) / 3)
    assert expected_calibration_error(y, p, 10) == pytest.approx(expected)
    assert expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0])) == 0.0


def test_non_finite_rows_dropped_and_shape_checked():
    s = probability_scores(np.array([1, 0, np.nan, 1]), np.array([0.9, 0.1, 0.5, np.nan]))
    assert s["n"] == 2 and s["auc"] == 1.0 and s["base_rate"] == 0.5
    with pytest.raises(ValueError, match="one probability per label"):
        roc_auc(np.array([1, 0]), np.array([0.5]))

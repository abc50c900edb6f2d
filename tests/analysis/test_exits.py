"""Exit events, the event study, hold durations and label shares on hand-built label frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from neural_trading_system.analysis import event_study, exit_events, hold_durations, label_distribution

NAN = float("nan")


def _labels() -> pl.DataFrame:
    cols = {
        "target_exit": [0, 1, 1, 0, 0, 0, 1, 0, NAN, 0.0],
        "target_sl":   [0, 0, 1, 0, 1, 0, 0, 0, NAN, 0.0],
        "target_tp":   [1, 0, 0, 0, 0, 1, 0, 0, NAN, 0.0],
        "target_hold": [0, 1, 0, 1, 0, 0, 1, 1, NAN, 1.0],
        "target_hit_bars": [2, NAN, 1, NAN, 3, 3, NAN, NAN, NAN, NAN],
        "target_entry": [0.9, 0.1, 0.2, 0.6, 0.4, 0.7, 0.1, 0.55, NAN, 0.3],
    }
    return pl.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in cols.items()})


def test_exit_events_are_onsets() -> None:
    # exit-or-sl bars: 1, 2, 4, 6 -> runs start at 1, 4, 6
    assert exit_events(_labels()).tolist() == [1, 4, 6]


def test_event_study_by_hand() -> None:
    end_bars = np.array([3, 4, 5, 6, 7])  # test windows
    p = np.array([0.3, 0.4, 0.5, 0.6, 0.7])
    st = event_study(np.array([1, 4, 6]), end_bars, {"exit_prob": p}, n_bars=10, window=2)
    # event 1 is not a test bar -> only events 4 and 6 count
    assert int(st["n_events"]) == 2
    assert st["offsets"].tolist() == [-2, -1, 0, 1, 2]
    # offset -2: bars 2 (none), 4 (0.4); -1: 3 (0.3), 5 (0.5); 0: 4, 6; +1: 5, 7; +2: 6, 8 (none)
    assert st["count"].tolist() == [1, 2, 2, 2, 1]
    np.testing.assert_allclose(st["exit_prob"], [0.4, 0.4, 0.5, 0.6, 0.6])
    assert float(st["exit_prob_baseline"]) == pytest.approx(0.5)


def test_event_study_without_predictions_is_nan() -> None:
    st = event_study(np.array([0]), np.array([5]), {"sl_prob": np.array([0.2])}, n_bars=6, window=1)
    assert int(st["n_events"]) == 0 and np.isnan(st["sl_prob"]).all()


def test_hold_durations_and_label_distribution() -> None:
    lab = _labels()
    d = hold_durations(lab, np.arange(8), horizon=3)
    assert d["tp"].tolist() == [0, 1, 1] and d["sl"].tolist() == [1, 0, 1] and int(d["hold"]) == 4
    assert d["mean_tp"] == pytest.approx(2.5) and d["mean_sl"] == pytest.approx(2.0)
    dist = label_distribution(lab, {"a": np.array([0, 1, 2, 3]), "b": np.array([8, 9])})
    assert dist["a"] == {"tp": 0.25, "sl": 0.25, "hold": 0.5, "exit": 0.5, "entry>0.5": 0.5, "n": 4}
    assert dist["b"]["hold"] == 1.0 and dist["b"]["n"] == 2  # the NaN row is ignored in the shares

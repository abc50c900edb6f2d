"""Splits: no sample in two splits, no window across a boundary, embargo kept, walk-forward order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neural_trading_system.config import SplitConfig
from neural_trading_system.errors import ConfigError, DataValidationError
from neural_trading_system.splits import Split, chronological_split, walk_forward


def _check_split(s: Split, n: int, seq_len: int, h: int, first_valid: int, embargo: int) -> None:
    parts = {"train": s.train, "val": s.val, "test": s.test}
    for name, idx in parts.items():
        assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0), name
        if idx.size:
            assert idx.min() >= first_valid + seq_len - 1 and idx.max() + h <= n - 1, name
    # no sample in two splits, and splits in time order
    assert not (set(s.train) & set(s.val)) and not (set(s.val) & set(s.test)) and not (set(s.train) & set(s.test))
    b_val, b_test = s.boundaries
    # no input window (t-seq_len+1 .. t) or target window (t+1 .. t+h) crosses a boundary; embargo respected
    assert np.all(s.train + h < b_val)
    assert np.all(s.val - seq_len + 1 >= b_val + embargo) and np.all(s.val + h < b_test)
    assert np.all(s.test - seq_len + 1 >= b_test + embargo)
    # the spans of different splits never share a bar
    if s.train.size and s.val.size:
        assert s.train.max() + h < s.val.min() - seq_len + 1
    if s.val.size and s.test.size:
        assert s.val.max() + h < s.test.min() - seq_len + 1


def _brute_force(n, seq_len, h, first_valid, segments):
    """Every end bar whose full span lies in the segment (nothing over-purged)."""
    out = {}
    for name, (a, b) in segments.items():
        out[name] = [t for t in range(n) if t - seq_len + 1 >= max(a, first_valid) and t + h <= b - 1]
    return out


@settings(max_examples=120, deadline=None)
@given(n=st.integers(20, 3000), seq_len=st.integers(1, 64), h=st.integers(1, 20),
       train_frac=st.floats(0.3, 0.8), val_frac=st.floats(0.05, 0.3), embargo=st.integers(0, 25),
       first_valid=st.integers(0, 100))
def test_chronological_split_is_purged_and_disjoint(n, seq_len, h, train_frac, val_frac, embargo, first_valid):
    assume(train_frac + val_frac < 0.95)
    cfg = SplitConfig(train_frac=train_frac, val_frac=val_frac, embargo=embargo)
    try:
        s = chronological_split(n, seq_len, h, cfg, first_valid=first_valid)
    except DataValidationError as err:
        assert "bars" in str(err) and "at least" in str(err)
        return
    _check_split(s, n, seq_len, h, first_valid, embargo)
    assert min(s.sizes().values()) > 0
    expected = _brute_force(n, seq_len, h, first_valid, s.segments)
    for name in ("train", "val", "test"):
        assert getattr(s, name).tolist() == expected[name], name
    # boundaries depend on n and the fractions only
    assert s.boundaries == (int(round(n * train_frac)), int(round(n * (train_frac + val_frac))))
    # every valid end bar is either in a split or counted as purged
    valid = max(0, (n - 1 - h) - (first_valid + seq_len - 1) + 1)
    assert sum(s.sizes().values()) + s.purged["train"] + s.purged["val"] + s.purged["test"] == valid


def test_chronological_split_golden():
    s = chronological_split(1000, 64, 5, SplitConfig(train_frac=0.7, val_frac=0.15, embargo=10))
    assert s.boundaries == (700, 850)
    assert (s.train[0], s.train[-1]) == (63, 694)  # 694 + 5 = 699 < 700
    assert (s.val[0], s.val[-1]) == (773, 844)  # window 710..773 starts after the 10-bar embargo
    assert (s.test[0], s.test[-1]) == (923, 994)  # 994 + 5 = 999, the last bar
    assert s.purged == {"train": 5, "val": 78, "test": 73, "embargo": 20}


def test_too_short_says_how_many_bars():
    cfg = SplitConfig(train_frac=0.7, val_frac=0.15, embargo=10)
    with pytest.raises(DataValidationError, match=r"at least (\d+) bars") as info:
        chronological_split(300, 64, 5, cfg)
    need = int(str(info.value).split("at least ")[1].split(" ")[0])
    assert min(chronological_split(need, 64, 5, cfg).sizes().values()) > 0
    with pytest.raises(DataValidationError):
        chronological_split(need - 1, 64, 5, cfg)


def test_first_valid_moves_no_boundary():
    cfg = SplitConfig()
    a = chronological_split(2000, 32, 5, cfg)
    b = chronological_split(2000, 32, 5, cfg, first_valid=150)
    assert a.boundaries == b.boundaries and b.train.min() == 150 + 31
    np.testing.assert_array_equal(a.val, b.val)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="seq_len"):
        chronological_split(1000, 0, 5, SplitConfig())
    with pytest.raises(ConfigError, match="mode"):
        walk_forward(1000, 10, 2, 3, mode="sliding")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="val_frac"):
        walk_forward(1000, 10, 2, 3, val_frac=1.5)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(100, 4000), seq_len=st.integers(1, 40), h=st.integers(1, 10), n_folds=st.integers(1, 6),
       mode=st.sampled_from(["expanding", "rolling"]), embargo=st.integers(0, 15), val_frac=st.floats(0.1, 0.4),
       first_valid=st.integers(0, 60))
def test_walk_forward_folds_ordered_disjoint_purged(n, seq_len, h, n_folds, mode, embargo, val_frac, first_valid):
    try:
        folds = walk_forward(n, seq_len, h, n_folds, mode=mode, embargo=embargo, val_frac=val_frac,
                             first_valid=first_valid)
    except DataValidationError as err:
        assert "at least" in str(err)
        return
    assert len(folds) == n_folds
    for f in folds:
        _check_split(f, n, seq_len, h, first_valid, embargo)
        assert min(f.sizes().values()) > 0
        # nothing a fold learns from (train, val, their targets) reaches its test bars
        assert f.val.max() + h < f.segments["test"][0]
    for a, b in zip(folds, folds[1:]):
        assert a.test.max() < b.test.min()  # test blocks in time order
        assert a.test.max() + h < b.test.min() - seq_len + 1  # and their spans disjoint
        if mode == "expanding":
            assert a.segments["train"][0] == b.segments["train"][0] and a.train.size <= b.train.size
    if mode == "rolling" and n_folds > 1:
        widths = {f.segments["test"][0] - f.segments["train"][0] for f in folds}
        assert len(widths) == 1  # a fixed-length training window rolls forward


def test_walk_forward_too_short_says_how_many_bars():
    with pytest.raises(DataValidationError, match=r"at least (\d+) bars") as info:
        walk_forward(400, 32, 5, 4, mode="rolling", embargo=10, val_frac=0.2, first_valid=50)
    need = int(str(info.value).split("at least ")[1].split(" ")[0])
    folds = walk_forward(need, 32, 5, 4, mode="rolling", embargo=10, val_frac=0.2, first_valid=50)
    assert all(min(f.sizes().values()) > 0 for f in folds)

"""SequenceDataset: windows are views equal to X slices, batch equals stacked items, bad input errors."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.errors import DataValidationError
from neural_trading_system.features import SequenceDataset


def _data(n=120, f=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f)).astype(np.float32)
    targets = {"target_return": rng.normal(size=n), "target_tp": (rng.random(n) < 0.3).astype(float)}
    return X, targets


def test_windows_are_views_equal_to_slices():
    X, y = _data()
    idx = np.array([9, 10, 57, 119], dtype=np.int64)
    ds = SequenceDataset(X, y, idx, seq_len=10)
    assert len(ds) == 4 and ds.n_features == 7 and ds.seq_len == 10 and ds.target_names == list(y)
    np.testing.assert_array_equal(ds.end_bars, idx)
    for i, t in enumerate(idx):
        w, tg = ds[i]
        assert w.shape == (10, 7) and w.dtype == np.float32
        np.testing.assert_array_equal(w, X[t - 9: t + 1])
        assert np.shares_memory(w, X)  # a view, not a copy
        assert tg["target_return"] == pytest.approx(np.float32(y["target_return"][t]))
        assert tg["target_tp"] == y["target_tp"][t]
    np.testing.assert_array_equal(ds[-1][0], X[110:120])
    with pytest.raises(IndexError):
        ds[4]


def test_batch_equals_stacked_items():
    X, y = _data(200, 5)
    ds = SequenceDataset(X, y, np.arange(31, 200, 3), seq_len=32)
    ids = np.array([5, 0, 40, 5, len(ds) - 1])
    xb, yb = ds.batch(ids)
    assert xb.shape == (5, 32, 5) and xb.dtype == np.float32 and xb.flags.c_contiguous
    np.testing.assert_array_equal(xb, np.stack([ds[int(i)][0] for i in ids]))
    for k in ds.target_names:
        assert yb[k].dtype == np.float32 and yb[k].shape == (5,)
        np.testing.assert_array_equal(yb[k], np.array([ds[int(i)][1][k] for i in ids], dtype=np.float32))
    assert not np.shares_memory(xb, X)  # a batch is the caller's to keep
    empty, _ = ds.batch(np.array([], dtype=np.int64))
    assert empty.shape == (0, 32, 5)


def test_weights_follow_the_end_bar():
    X, y = _data()
    w = {"target_tp": np.linspace(0, 1, 120)}
    ds = SequenceDataset(X, y, np.array([20, 30]), seq_len=5, weights=w)
    assert ds.weight_names == ["target_tp"]
    np.testing.assert_allclose(ds.batch_weights([1, 0])["target_tp"], w["target_tp"][[30, 20]].astype(np.float32))
    assert ds.weights_at(0)["target_tp"] == pytest.approx(w["target_tp"][20])


def test_memory_is_indices_not_windows():
    X, y = _data(5000, 256)
    short = SequenceDataset(X, y, np.arange(63, 5000), seq_len=8)
    long = SequenceDataset(X, y, np.arange(63, 5000), seq_len=64)
    assert long.X is X  # no copy of a float32 C-contiguous matrix
    assert long.nbytes == short.nbytes + 56 * 8  # independent of seq_len (only the offsets grow)
    assert long.nbytes < 0.1 * X.nbytes  # materialized windows would be 64x X


def test_batch_into_reused_buffer():
    X, y = _data(200, 5)
    ds = SequenceDataset(X, y, np.arange(31, 200), seq_len=32)
    buf = np.empty((3, 32, 5), np.float32)
    xb, _ = ds.batch([2, 0, 1], out=buf)
    assert xb is buf
    np.testing.assert_array_equal(buf, np.stack([ds[2][0], ds[0][0], ds[1][0]]))
    with pytest.raises(DataValidationError, match="output buffer"):
        ds.batch([0, 1], out=buf)


def test_non_float32_matrix_is_converted_once():
    X, y = _data()
    ds = SequenceDataset(X.astype(np.float64), y, np.array([10]), seq_len=5)
    assert ds.X.dtype == np.float32 and ds[0][0].dtype == np.float32


@pytest.mark.parametrize(
    ("idx", "needle"),
    [
        (np.array([9, 8]), r"row 1.*idx >= seq_len - 1 = 9.*idx\[1\] = 8"),
        (np.array([50, 120]), r"idx < N = 120.*idx\[1\] = 120"),
        (np.array([[10, 11]]), "1-D integer"),
        (np.array([10.0, 11.0]), "1-D integer"),
    ],
)
def test_bad_idx_raises(idx, needle):
    X, y = _data()
    with pytest.raises(DataValidationError, match=needle):
        SequenceDataset(X, y, idx, seq_len=10)


def test_bad_shapes_and_seq_len_raise():
    X, y = _data()
    with pytest.raises(DataValidationError, match="column 'target_tp'.*shape \\(120,\\)"):
        SequenceDataset(X, {**y, "target_tp": np.zeros(119)}, np.array([10]), seq_len=5)
    with pytest.raises(DataValidationError, match="2-D"):
        SequenceDataset(X[:, 0], y, np.array([10]), seq_len=5)
    with pytest.raises(DataValidationError, match="seq_len"):
        SequenceDataset(X, y, np.array([10]), seq_len=0)
    ds = SequenceDataset(X, y, np.array([10, 11]), seq_len=5)
    with pytest.raises(DataValidationError, match="0 <= id < 2"):
        ds.batch(np.array([0, 2]))


def test_non_finite_inside_a_used_window_is_named():
    X, y = _data()
    X[40, 3] = np.nan
    X[100, 0] = np.inf  # outside every window below: allowed
    names = [f"f{i}" for i in range(7)]
    with pytest.raises(DataValidationError, match=r"row 40, column 'f3'.*sample 1, end bar 42"):
        SequenceDataset(X, y, np.array([30, 42, 45]), seq_len=5, feature_names=names)
    ds = SequenceDataset(X, y, np.array([30, 39, 50, 99]), seq_len=5, feature_names=names)
    assert len(ds) == 4


def test_item_windows_are_read_only():
    X, y = _data()
    ds = SequenceDataset(X, y, np.array([20]), seq_len=5)
    w, _ = ds[0]
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    assert X.flags.writeable  # the caller's matrix is untouched

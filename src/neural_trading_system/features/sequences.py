"""Sequence windows over one contiguous feature matrix: views for single samples, one gather per batch.

The original system built every (seq_len, F) window as its own array up front (seq_len times the
feature matrix in memory, ~4k sequences/s). Here a sample is a *view* into ``X`` and a batch is a
single vectorized row gather, so the dataset holds little beyond the matrix it was given.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import DataValidationError

__all__ = ["SequenceDataset"]

log = logging.getLogger(__name__)

_FINITE_CHUNK_ROWS = 8192  # rows checked at a time, so the finiteness scan allocates little


class SequenceDataset:
    """Windows of ``seq_len`` bars ending at each index in ``idx``, gathered from one contiguous matrix.

    Args:
        X: ``(N, F)`` float32 C-contiguous feature matrix, one row per bar (bar order = time order).
            Another dtype or layout is converted once (a copy, logged at INFO).
        targets: ``{name: (N,) array}``, one value per bar, read at each window's end bar ``t``.
            May hold NaN (e.g. ``target_hit_bars`` for a hold); they are passed through as is.
        idx: ``(S,)`` int64 end-bar indices ``t``; sample ``i`` is ``X[t-seq_len+1 : t+1]``.
        seq_len: bars per window (>= 1).
        weights: optional ``{name: (N,) array}`` of per-sample loss weights, read at ``t`` like the
            targets and returned by :meth:`batch_weights` / :meth:`weights_at` (not mixed into targets).
        feature_names: optional ``F`` column names, used only in error messages.

    Raises:
        DataValidationError: shapes disagree, an index is out of range or too early for a full
            window, or ``X`` is non-finite anywhere inside a used window (the message names the
            first bad row, column and sample).

    Attributes:
        target_names: target keys in the order given.
        weight_names: weight keys in the order given (empty without weights).
        n_features: ``F``.
        seq_len: bars per window.
        end_bars: ``(S,)`` int64, a read-only copy of ``idx``.
    """

    def __init__(
        self,
        X: np.ndarray,
        targets: Mapping[str, np.ndarray],
        idx: np.ndarray,
        seq_len: int,
        weights: Mapping[str, np.ndarray] | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> None:
        if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or seq_len < 1:
            raise DataValidationError(
                "invalid seq_len for SequenceDataset", column="seq_len",
                expected="an integer >= 1", found=repr(seq_len), fix="pass model.seq_len (e.g. 64)",
            )
        self.seq_len = int(seq_len)
        self.X = _as_matrix(X)
        n_rows, self.n_features = self.X.shape
        self.feature_names = list(feature_names) if feature_names is not None else None
        if self.feature_names is not None and len(self.feature_names) != self.n_features:
            raise DataValidationError(
                "feature_names does not match X", column="feature_names",
                expected=f"{self.n_features} names (X has {self.n_features} columns)",
                found=f"{len(self.feature_names)} names", fix="pass the extractor's feature_names_",
            )
        self.end_bars = _as_index(idx, n_rows, self.seq_len)
        self.end_bars.flags.writeable = False
        self._starts = self.end_bars - (self.seq_len - 1)  # (S,) int64 first bar of each window
        self._starts_list: list[int] = self._starts.tolist()  # Python ints: fast basic slicing
        self._offsets = np.arange(self.seq_len, dtype=np.int64)  # (T,)
        # (N-T+1, T, F) read-only strided view of X: window s is bars s … s+T-1 (no data copied);
        # indexing it is a little cheaper than slicing X, and a sample cannot write into X
        self._windows = as_strided(self.X, shape=(max(n_rows - self.seq_len + 1, 0), self.seq_len, self.n_features),
                                   strides=(self.X.strides[0], self.X.strides[0], self.X.strides[1]), writeable=False)

        self.target_names = list(targets)
        self._y = _gather_columns(targets, self.end_bars, n_rows, "targets")  # {name: (S,) float32}
        self._y_rows = (np.stack([self._y[k] for k in self.target_names], axis=1)
                        if self.target_names else np.empty((len(self.end_bars), 0), np.float32))  # (S, K)
        self._item_targets: list[dict[str, float]] | None = None  # built by the first __getitem__
        self.weight_names = list(weights or {})
        self._w = _gather_columns(weights or {}, self.end_bars, n_rows, "weights")
        self._check_finite_windows()

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._starts_list)

    def __getitem__(self, i: int) -> tuple[np.ndarray, dict[str, float]]:
        """Sample ``i``: the ``(seq_len, F)`` float32 window (a read-only view into ``X``) and its targets.

        The targets come from a per-sample dict cache built on the first call (~50 bytes per target
        per sample; batch-only users never build it); each call returns a fresh shallow copy.
        """
        try:
            s = self._starts_list[i]  # list indexing: negative i from the end, IndexError past it
        except (IndexError, TypeError):
            raise IndexError(f"sample {i!r} out of range for a SequenceDataset of {len(self)} samples") from None
        rows = self._item_targets
        if rows is None:
            rows = self._build_item_targets()
        return self._windows[s], rows[i].copy()

    def _build_item_targets(self) -> list[dict[str, float]]:
        names = self.target_names
        self._item_targets = [dict(zip(names, r)) for r in self._y_rows.tolist()]
        return self._item_targets

    def batch(self, ids: np.ndarray | Sequence[int],
              out: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Samples ``ids`` in one gather: ``(B, seq_len, F)`` float32 C-contiguous and ``{name: (B,) float32}``.

        ``out``: optional preallocated ``(B, seq_len, F)`` float32 C-contiguous buffer to gather into
        (reusing one skips the page faults of a fresh allocation per batch); it is returned.
        """
        ids = self._check_ids(ids)
        rows = self._starts[ids][:, None] + self._offsets  # (B, T) bar index of every window row
        if out is None:
            x = self.X[rows]  # (B, T, F) one vectorized gather, contiguous
        else:
            shape = (ids.size, self.seq_len, self.n_features)
            if out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
                raise DataValidationError(
                    "batch output buffer does not fit", column="out",
                    expected=f"C-contiguous float32 of shape {shape}",
                    found=f"{out.dtype} {out.shape} (c_contiguous={out.flags.c_contiguous})",
                    fix="allocate np.empty((B, seq_len, F), np.float32) or pass out=None",
                )
            # rows are in range by construction; 'clip' avoids numpy's buffered copy for mode='raise'
            x = np.take(self.X, rows, axis=0, out=out, mode="clip")
        return x, {k: v[ids] for k, v in self._y.items()}

    def batch_weights(self, ids: np.ndarray | Sequence[int]) -> dict[str, np.ndarray]:
        """Weights of samples ``ids``: ``{name: (B,) float32}`` (empty without weights)."""
        ids = self._check_ids(ids)
        return {k: v[ids] for k, v in self._w.items()}

    def weights_at(self, i: int) -> dict[str, float]:
        """Weights of sample ``i`` as floats."""
        return {k: float(v[i]) for k, v in self._w.items()}

    def targets_array(self) -> np.ndarray:
        """All samples' targets as ``(S, K)`` float32 in ``target_names`` order (read-only view)."""
        out = self._y_rows.view()
        out.flags.writeable = False
        return out

    @property
    def nbytes(self) -> int:
        """Bytes the dataset holds beyond the caller's ``X`` (indices, targets, weights, item cache), estimated."""
        own = self.end_bars.nbytes + self._starts.nbytes + self._offsets.nbytes + self._y_rows.nbytes
        own += sum(v.nbytes for v in self._y.values()) + sum(v.nbytes for v in self._w.values())
        own += 40 * len(self._starts_list)  # list slot + int object per sample
        if self._item_targets:  # list slot + dict + one float object per target, per sample
            per = 8 + sys.getsizeof(self._item_targets[0]) + 24 * len(self.target_names)
            own += per * len(self._item_targets)
        return own

    def __repr__(self) -> str:
        return (f"SequenceDataset(samples={len(self)}, seq_len={self.seq_len}, features={self.n_features}, "
                f"targets={self.target_names})")

    # -------------------------------------------------------------- validation
    def _check_ids(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
            raise DataValidationError(
                "invalid batch ids", column="ids", expected="a 1-D integer array of sample positions",
                found=f"shape {arr.shape}, dtype {arr.dtype}", fix="pass e.g. np.arange(0, 256)",
            )
        arr = arr.astype(np.int64, copy=False)
        n = len(self._starts_list)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            bad = int(arr[(arr < 0) | (arr >= n)][0])
            raise DataValidationError(
                "batch id out of range", column="ids", expected=f"0 <= id < {n}", found=str(bad),
                fix="draw ids from range(len(dataset))",
            )
        return arr

    def _check_finite_windows(self) -> None:
        """Raise if any row inside a used window has a NaN/inf, naming the first such row and column."""
        n_rows = self.X.shape[0]
        if not len(self._starts_list):
            return
        # rows covered by at least one window: +1 at each start, -1 after each end, running sum > 0
        marks = np.zeros(n_rows + 1, dtype=np.int32)
        np.add.at(marks, self._starts, 1)
        np.add.at(marks, self.end_bars + 1, -1)
        used = np.cumsum(marks[:-1]) > 0  # (N,) bool
        lo, hi = int(self._starts.min()), int(self.end_bars.max()) + 1
        for a in range(lo, hi, _FINITE_CHUNK_ROWS):
            b = min(a + _FINITE_CHUNK_ROWS, hi)
            bad_rows = ~np.isfinite(self.X[a:b]).all(axis=1) & used[a:b]
            if bad_rows.any():
                row = a + int(np.argmax(bad_rows))
                col = int(np.argmax(~np.isfinite(self.X[row])))
                sample = int(np.argmax((self._starts <= row) & (self.end_bars >= row)))
                name = self.feature_names[col] if self.feature_names else f"#{col}"
                raise DataValidationError(
                    "non-finite feature value inside a sequence window", row=row, column=name,
                    expected="finite values in every bar a window uses",
                    found=f"{float(self.X[row, col])} (first used by sample {sample}, end bar {int(self.end_bars[sample])})",
                    fix="start the indices after the feature warm-up (splits' first_valid) or sanitize the features",
                )


def _as_matrix(X: np.ndarray) -> np.ndarray:
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise DataValidationError(
            "invalid feature matrix for SequenceDataset", column="X", expected="a 2-D (N, F) array",
            found=f"shape {arr.shape}", fix="pass FeatureExtractor.transform(...) output",
        )
    if arr.dtype != np.float32 or not arr.flags.c_contiguous:
        log.info("SequenceDataset: converting X (%s, c_contiguous=%s) to C-contiguous float32 (a copy)",
                 arr.dtype, arr.flags.c_contiguous)
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    return arr


def _as_index(idx: np.ndarray, n_rows: int, seq_len: int) -> np.ndarray:
    arr = np.asarray(idx)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise DataValidationError(
            "invalid end-bar indices", column="idx", expected="a 1-D integer array of end bars t",
            found=f"shape {arr.shape}, dtype {arr.dtype}", fix="pass Split.train / .val / .test",
        )
    arr = np.array(arr, dtype=np.int64)  # own copy: later edits of the caller's array cannot move windows
    if arr.size:
        early = np.flatnonzero(arr < seq_len - 1)
        if early.size:
            k = int(early[0])
            raise DataValidationError(
                "end-bar index too early for a full window", row=k, column="idx",
                expected=f"idx >= seq_len - 1 = {seq_len - 1}", found=f"idx[{k}] = {int(arr[k])}",
                fix="drop the first seq_len-1 bars (chronological_split does)",
            )
        late = np.flatnonzero(arr >= n_rows)
        if late.size:
            k = int(late[0])
            raise DataValidationError(
                "end-bar index past the feature matrix", row=k, column="idx",
                expected=f"idx < N = {n_rows}", found=f"idx[{k}] = {int(arr[k])}",
                fix="build the indices for the same bars as X",
            )
    return arr


def _gather_columns(cols: Mapping[str, np.ndarray], end_bars: np.ndarray, n_rows: int,
                    what: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, values in cols.items():
        v = np.asarray(values)
        if v.shape != (n_rows,):
            raise DataValidationError(
                f"{what} column has the wrong shape", column=str(name),
                expected=f"shape ({n_rows},) (one value per row of X)", found=f"shape {v.shape}",
                fix=f"pass {what} aligned bar-for-bar with X",
            )
        out[str(name)] = v[end_bars].astype(np.float32)  # (S,) float32
    return out

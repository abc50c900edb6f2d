"""Purged chronological splits with an embargo, and walk-forward folds.

A sample is identified by its window's end bar ``t``: its input window is bars
``t-seq_len+1 … t`` and its targets look at bars ``t+1 … t+horizon``, so it *spans*
``t-seq_len+1 … t+horizon``. The bars are cut into consecutive segments (train, validation,
test); a sample belongs to a segment only if its whole span lies inside it, so no input or
target window crosses a boundary (purging). On top, the first ``embargo`` bars after each
boundary belong to no later sample at all (embargo: serial correlation that leaks across a
boundary through the bars right after it). A sample also needs ``t >= first_valid + seq_len - 1``
(its window starts after the feature warm-up) and ``t + horizon <= n_bars - 1``.

Boundaries depend on ``n_bars`` and the fractions only (not on ``first_valid``), so a larger
warm-up removes early training samples and never moves a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .config import SplitConfig
from .errors import ConfigError, DataValidationError

__all__ = ["Split", "chronological_split", "walk_forward"]

_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class Split:
    """One train / validation / test split of window end bars.

    Attributes:
        train, val, test: sorted ``(S,)`` int64 end-bar indices ``t`` of the samples.
        purged: samples dropped per split (``train``/``val``/``test``: valid end bars inside that
            split's bar range that were dropped because their span crossed a boundary or fell in
            the embargo) and ``embargo`` (how many of those only the embargo removed).
        boundaries: bar indices where the validation and the test segments begin.
        segments: ``{name: (start, stop)}`` bar range each split's spans must lie in (after the
            embargo; stop exclusive).
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    purged: dict[str, int] = field(default_factory=dict)
    boundaries: tuple[int, ...] = ()
    segments: dict[str, tuple[int, int]] = field(default_factory=dict)

    def sizes(self) -> dict[str, int]:
        """Samples per split."""
        return {"train": int(self.train.size), "val": int(self.val.size), "test": int(self.test.size)}


def _inside(start: int, stop: int, seq_len: int, horizon: int, first_valid: int) -> np.ndarray:
    """End bars whose span ``t-seq_len+1 … t+horizon`` lies in bars ``[max(start, first_valid), stop)``."""
    lo = max(start, first_valid) + seq_len - 1
    hi = stop - 1 - horizon  # inclusive
    return np.arange(lo, hi + 1, dtype=np.int64) if hi >= lo else np.empty(0, dtype=np.int64)


def _build(n_bars: int, seq_len: int, horizon: int, first_valid: int, embargo: int,
           cuts: tuple[int, int, int, int]) -> Split:
    """Split over nominal bar ranges ``[c0, c1)`` train, ``[c1, c2)`` val, ``[c2, c3)`` test."""
    c0, c1, c2, c3 = cuts
    nominal = {"train": (c0, c1), "val": (c1, c2), "test": (c2, c3)}
    segments = {"train": (c0, c1), "val": (min(c1 + embargo, c2), c2), "test": (min(c2 + embargo, c3), c3)}
    valid_lo, valid_hi = first_valid + seq_len - 1, n_bars - 1 - horizon
    picked, purged = {}, {}
    embargoed = 0
    for name in _NAMES:
        s, e = segments[name]
        picked[name] = _inside(s, e, seq_len, horizon, first_valid)
        ns, ne = nominal[name]
        candidates = max(0, min(ne - 1, valid_hi) - max(ns, valid_lo) + 1)  # valid end bars in its range
        purged[name] = candidates - int(picked[name].size)
        embargoed += int(_inside(ns, ne, seq_len, horizon, first_valid).size) - int(picked[name].size)
    purged["embargo"] = embargoed
    return Split(picked["train"], picked["val"], picked["test"], purged, (c1, c2), segments)


def _check_ints(**values: int) -> None:
    for name, v in values.items():
        low = 1 if name in {"seq_len", "horizon", "n_folds"} else 0
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ConfigError(f"splits: '{name}' must be an integer >= {low}, found {v!r}")


def chronological_split(n_bars: int, seq_len: int, horizon: int, cfg: SplitConfig,
                        first_valid: int = 0) -> Split:
    """Train / validation / test by ``cfg.train_frac`` / ``cfg.val_frac`` / the rest, purged and embargoed.

    Args:
        n_bars: bars in the series (rows of the feature matrix).
        seq_len: bars per input window.
        horizon: bars the targets look ahead (``labels.prediction_horizon``).
        cfg: fractions and ``embargo`` (bars).
        first_valid: first bar whose features are usable (feature warm-up); windows start there or later.

    Raises:
        DataValidationError: a split would be empty; the message says how many bars are needed.
    """
    _check_ints(n_bars=n_bars, seq_len=seq_len, horizon=horizon, first_valid=first_valid)

    def make(n: int) -> Split:
        b1 = int(round(n * cfg.train_frac))
        b2 = int(round(n * (cfg.train_frac + cfg.val_frac)))
        return _build(n, seq_len, horizon, first_valid, cfg.embargo, (0, b1, b2, n))

    split = make(n_bars)
    if min(split.sizes().values()) == 0:
        need = _bars_needed(make, n_bars, seq_len + horizon + cfg.embargo,
                            min(cfg.train_frac, cfg.val_frac, 1 - cfg.train_frac - cfg.val_frac), first_valid)
        empty = [k for k, v in split.sizes().items() if v == 0]
        raise DataValidationError(
            f"too few bars for a chronological split: the {'/'.join(empty)} split would hold no sample",
            column="n_bars",
            expected=f"at least {need} bars for seq_len={seq_len}, horizon={horizon}, embargo={cfg.embargo}, "
                     f"first_valid={first_valid}, train_frac={cfg.train_frac}, val_frac={cfg.val_frac}",
            found=f"{n_bars} bars",
            fix="load more history, or lower model.seq_len, labels.prediction_horizon or splits.embargo",
        )
    return split


def walk_forward(n_bars: int, seq_len: int, horizon: int, n_folds: int,
                 mode: Literal["expanding", "rolling"] = "expanding", embargo: int = 0, val_frac: float = 0.2,
                 first_valid: int = 0) -> list[Split]:
    """Walk-forward folds, purged and embargoed, test blocks in time order.

    Bars ``first_valid … n_bars-1`` are cut into ``n_folds + 1`` equal blocks (the last takes the
    remainder). Fold k (1 … n_folds) tests on block k and trains on the bars before it: all of them
    (``expanding``) or only block k-1 (``rolling``, a fixed-length window). The last ``val_frac`` of
    the training bars is the fold's validation segment. Every boundary is purged and embargoed as in
    :func:`chronological_split`, so test blocks are disjoint and no fold trains on bars after its test.

    Raises:
        ConfigError: bad ``mode``, ``n_folds`` or ``val_frac``.
        DataValidationError: a fold would have an empty split; the message says how many bars are needed.
    """
    _check_ints(n_bars=n_bars, seq_len=seq_len, horizon=horizon, n_folds=n_folds, embargo=embargo,
                first_valid=first_valid)
    if mode not in ("expanding", "rolling"):
        raise ConfigError(f"walk_forward: mode must be 'expanding' or 'rolling', found {mode!r}")
    if not 0 < val_frac < 1:
        raise ConfigError(f"walk_forward: val_frac must be in (0, 1), found {val_frac!r}")

    def make_all(n: int) -> list[Split]:
        block = (n - first_valid) // (n_folds + 1)
        folds = []
        for k in range(1, n_folds + 1):
            test_start = first_valid + k * block
            test_stop = n if k == n_folds else test_start + block
            train_start = first_valid if mode == "expanding" else test_start - block
            val_start = test_start - int(round((test_start - train_start) * val_frac))
            folds.append(_build(n, seq_len, horizon, first_valid, embargo,
                                (train_start, val_start, test_start, test_stop)))
        return folds

    def smallest(n: int) -> Split:
        folds = make_all(n) if n - first_valid >= n_folds + 1 else []
        if not folds:
            empty = np.empty(0, np.int64)
            return Split(empty, empty, empty)
        return min(folds, key=lambda s: min(s.sizes().values()))

    folds = make_all(n_bars) if n_bars - first_valid >= n_folds + 1 else []
    if not folds or any(min(f.sizes().values()) == 0 for f in folds):
        need = _bars_needed(smallest, n_bars, seq_len + horizon + embargo,
                            min(val_frac, 1 - val_frac) / (n_folds + 1), first_valid)
        raise DataValidationError(
            "too few bars for walk-forward folds: a fold would have an empty train, validation or test split",
            column="n_bars",
            expected=f"at least {need} bars for {n_folds} {mode} folds with seq_len={seq_len}, horizon={horizon}, "
                     f"embargo={embargo}, val_frac={val_frac}, first_valid={first_valid}",
            found=f"{n_bars} bars",
            fix="load more history, use fewer folds, or lower seq_len, horizon or embargo",
        )
    return folds


def _bars_needed(make, n_bars: int, span: int, smallest_frac: float, first_valid: int) -> int:
    """Smallest bar count (searched upward from an estimate) for which ``make(n)`` has no empty split."""
    def ok(n: int) -> bool:
        return min(make(n).sizes().values()) > 0

    n = max(n_bars + 1, first_valid + int(span / smallest_frac) - 2 * span)
    while not ok(n):  # the estimate undershoots by a few bars at most; grow geometrically, then refine
        n = int(n * 1.25) + 1
    lo = max(n_bars + 1, first_valid + 1)
    hi = n
    while lo < hi:  # emptiness is monotone in n for these fractions; bisect to the first n that works
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi

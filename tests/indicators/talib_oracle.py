"""Helpers to compare a kernel with TA-Lib after warm-up (1e-6 relative)."""

from __future__ import annotations

import numpy as np

talib = __import__("pytest").importorskip("talib")


def assert_matches_talib(ours: np.ndarray, theirs: np.ndarray, skip: int = 0, rtol: float = 1e-6,
                         atol: float = 1e-9, name: str = "") -> None:
    """Equal where both are finite from bar ``skip`` on; NaN masks must agree after ``skip``."""
    ours = np.asarray(ours, dtype=float)[skip:]
    theirs = np.asarray(theirs, dtype=float)[skip:]
    both = np.isfinite(ours) & np.isfinite(theirs)
    assert both.sum() > 0.5 * len(ours), f"{name}: too few comparable values ({both.sum()} of {len(ours)})"
    np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs), err_msg=f"{name}: warm-up differs")
    np.testing.assert_allclose(ours[both], theirs[both], rtol=rtol, atol=atol, err_msg=name)

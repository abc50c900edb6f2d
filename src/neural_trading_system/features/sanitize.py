"""Sanitization of raw features: warm-up, NaN/Inf replacement, robust scaling, clipping.

* warm-up: bars before ``first_valid_row`` (where some selected feature's history is still
  incomplete) come out as NaN rows; the dataset excludes them from samples;
* after warm-up a non-finite raw value is counted, logged by feature and replaced by the
  training median (0 after scaling);
* robust scaling ``(x - median) / IQR`` with statistics from the training rows only
  (IQR 0 → scale 1), then clipping to ``[-clip, clip]``.
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import SchemaMismatchError

__all__ = ["first_valid_row", "fit_robust", "scale_clip", "scale_clip_row"]

log = logging.getLogger(__name__)


def first_valid_row(raw: np.ndarray) -> int:
    """First row from which every feature has had a value: max over features of its first finite row.

    raw: (F, N) float64. Returns N when some feature is never finite.
    """
    fin = np.isfinite(raw)
    n = raw.shape[1]
    firsts = np.where(fin.any(1), fin.argmax(1), n)
    return int(firsts.max(initial=0))


def fit_robust(raw: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and IQR per feature over rows ``start:`` of the training rows (finite values only).

    raw: (F, N_train) float64. Returns (center (F,), scale (F,), nonfinite counts (F,) int64).
    """
    part = raw[:, start:]
    fin = np.isfinite(part)
    bad = (~fin).sum(1)
    masked = np.where(fin, part, np.nan)
    if bad.any():
        q25, med, q75 = np.nanpercentile(masked, [25, 50, 75], axis=1)
    else:
        q25, med, q75 = np.percentile(part, [25, 50, 75], axis=1)
    iqr = q75 - q25
    scale = np.where(np.isfinite(iqr) & (iqr > 0), iqr, 1.0)
    return np.nan_to_num(med), scale, bad


def scale_clip(raw: np.ndarray, center: np.ndarray, scale: np.ndarray, clip: float, names: list[str],
               row0: int = 0, first_valid: int = 0, what: str = "transform") -> np.ndarray:
    """Scaled, clipped features (M, F) float32 from raw (F, M) float64.

    ``row0`` is the absolute row of raw's first column; rows below ``first_valid`` are NaN.
    Non-finite values after warm-up are replaced by the training median and logged by feature.
    """
    if raw.shape[0] != len(center):
        raise SchemaMismatchError(f"{what}: computed {raw.shape[0]} features, the fitted scaler has {len(center)}")
    z = (raw - center[:, None]) / scale[:, None]
    live = max(0, first_valid - row0)
    body = z[:, live:]
    bad = ~np.isfinite(body)
    if bad.any():
        counts = bad.sum(1)
        for j in np.flatnonzero(counts):
            log.warning("%s: feature '%s' had %d NaN/Inf value(s) after warm-up; replaced by the training median",
                        what, names[j], counts[j])
        body[bad] = 0.0
    np.clip(body, -clip, clip, out=body)
    z[:, :live] = np.nan
    return np.ascontiguousarray(z.T, dtype=np.float32)


def scale_clip_row(raw: np.ndarray, center: np.ndarray, scale: np.ndarray, clip: float, names: list[str],
                   what: str = "transform_last") -> np.ndarray:
    """:func:`scale_clip` of one bar past the warm-up: raw (F,) float64 -> (F,) float32.

    The same arithmetic element by element (so the same bits as that bar's row of
    :func:`scale_clip`), without the (F, M) transposes a one-row matrix would cost.
    """
    if raw.shape[0] != len(center):
        raise SchemaMismatchError(f"{what}: computed {raw.shape[0]} features, the fitted scaler has {len(center)}")
    z = (raw - center) / scale
    bad = ~np.isfinite(z)
    if bad.any():
        for j in np.flatnonzero(bad):
            log.warning("%s: feature '%s' had %d NaN/Inf value(s) after warm-up; replaced by the training median",
                        what, names[j], 1)
        z[bad] = 0.0
    np.clip(z, -clip, clip, out=z)
    return z.astype(np.float32)

"""Cached feature matrices with integrity metadata.

A cache is ``<prefix>-<data sha[:12]>-<schema hash[:12]>-<time_ns>.npy`` (``np.save``,
``allow_pickle=False``) plus ``<same stem>.sanitymeta``, JSON: ``sha256`` of the .npy bytes,
``shape``, ``dtype``, ``data_sha256`` (the captured data's hash), ``schema_hash`` (the
extractor's), ``created`` (unix seconds). A cache whose bytes, shape, dtype or keys do not
match is logged and rebuilt; the freshest valid one is reused unless ``force_recollect``;
an explicit ``cache_file`` is used as given and a failing one is an :class:`ArtifactError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..artifacts import atomic_path, read_json, sha256_file, write_json_atomic
from ..errors import ArtifactError

__all__ = ["FeatureCache", "cached_features", "write_cache", "verify_cache", "load_cache"]

log = logging.getLogger(__name__)

_FORMAT = "nts-feature-cache"
_KEYS = ("format", "sha256", "shape", "dtype", "data_sha256", "schema_hash", "created")


@dataclass(frozen=True)
class FeatureCache:
    """Where a matrix came from: ``path`` (.npy), its ``meta`` and whether it was ``reused``."""

    path: Path
    meta: dict
    reused: bool


def meta_path(path: Path) -> Path:
    return Path(path).with_suffix(".sanitymeta")


def write_cache(matrix: np.ndarray, path: str | Path, data_sha256: str, schema_hash: str) -> dict:
    """Write ``matrix`` and its .sanitymeta atomically; returns the meta."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(matrix), allow_pickle=False)
    meta = {"format": _FORMAT, "sha256": sha256_file(path), "shape": list(matrix.shape), "dtype": str(matrix.dtype),
            "data_sha256": data_sha256, "schema_hash": schema_hash, "created": time.time()}
    write_json_atomic(meta_path(path), meta)
    return meta


def verify_cache(path: str | Path, data_sha256: str | None = None, schema_hash: str | None = None) -> str | None:
    """None when ``path`` is a valid cache (for these keys); otherwise the reason it is not."""
    path = Path(path)
    mp = meta_path(path)
    if not path.is_file():
        return f"{path} is missing"
    try:
        meta = read_json(mp, "feature cache metadata")
    except ArtifactError as exc:
        return str(exc)
    if not isinstance(meta, dict) or any(k not in meta for k in _KEYS) or meta["format"] != _FORMAT:
        return f"{mp}: expected keys {list(_KEYS)} with format '{_FORMAT}'"
    if data_sha256 is not None and meta["data_sha256"] != data_sha256:
        return f"{mp}: built from data {meta['data_sha256'][:12]}, expected {data_sha256[:12]}"
    if schema_hash is not None and meta["schema_hash"] != schema_hash:
        return f"{mp}: built with feature schema {meta['schema_hash'][:12]}, expected {schema_hash[:12]}"
    if sha256_file(path) != meta["sha256"]:
        return f"{path}: sha256 differs from {mp.name} (edited or truncated)"
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        return f"{path}: unreadable .npy ({exc})"
    if list(arr.shape) != list(meta["shape"]) or str(arr.dtype) != meta["dtype"]:
        return f"{path}: shape/dtype {arr.shape}/{arr.dtype}, metadata says {tuple(meta['shape'])}/{meta['dtype']}"
    return None


def load_cache(path: str | Path, data_sha256: str | None = None, schema_hash: str | None = None) -> np.ndarray:
    """Load a verified cache; ArtifactError naming the file and the reason otherwise."""
    reason = verify_cache(path, data_sha256, schema_hash)
    if reason is not None:
        raise ArtifactError(f"feature cache {path} failed verification: {reason}. Fix: delete it, or run "
                            "without an explicit cache file (it is rebuilt) or with force_recollect")
    return np.load(path, allow_pickle=False)


def cached_features(build: Callable[[], np.ndarray], cache_dir: str | Path, data_sha256: str, schema_hash: str,
                    force_recollect: bool = False, cache_file: str | Path | None = None,
                    prefix: str = "features") -> tuple[np.ndarray, FeatureCache]:
    """The feature matrix from cache when valid, else from ``build()`` (then cached).

    build: () -> (N, F) array; cache_dir: directory of the caches; the keys (``data_sha256``,
    ``schema_hash``) decide which caches apply. ``cache_file``: use exactly this file (must
    verify). ``force_recollect``: always rebuild and write a new cache.
    """
    if cache_file is not None:
        path = Path(cache_file)
        arr = load_cache(path, data_sha256, schema_hash)
        log.info("feature cache: using explicit file %s %s", path, arr.shape)
        return arr, FeatureCache(path, read_json(meta_path(path)), True)
    root = Path(cache_dir)
    if not force_recollect:
        for path in _candidates(root, prefix, data_sha256, schema_hash):
            reason = verify_cache(path, data_sha256, schema_hash)
            if reason is None:
                log.info("feature cache: reusing %s", path)
                return np.load(path, allow_pickle=False), FeatureCache(path, read_json(meta_path(path)), True)
            log.warning("feature cache %s is invalid (%s); removing it and rebuilding", path, reason)
            for p in (path, meta_path(path)):
                p.unlink(missing_ok=True)
    else:
        log.info("feature cache: force_recollect, rebuilding")
    arr = build()
    path = root / f"{prefix}-{data_sha256[:12]}-{schema_hash[:12]}-{time.time_ns()}.npy"
    meta = write_cache(arr, path, data_sha256, schema_hash)
    log.info("feature cache: wrote %s %s", path, arr.shape)
    return arr, FeatureCache(path, meta, False)


def _candidates(root: Path, prefix: str, data_sha256: str, schema_hash: str) -> list[Path]:
    """Cache files for these keys, freshest first (creation time from the name, then mtime)."""
    if not root.is_dir():
        return []
    found = list(root.glob(f"{prefix}-{data_sha256[:12]}-{schema_hash[:12]}-*.npy"))
    found += [mp.with_suffix(".npy") for mp in root.glob(f"{prefix}-{data_sha256[:12]}-{schema_hash[:12]}-*.sanitymeta")
              if not mp.with_suffix(".npy").exists()]

    def created(p: Path) -> tuple[int, float]:
        tail = p.stem.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 0, p.stat().st_mtime if p.exists() else 0.0)

    return sorted(set(found), key=created, reverse=True)

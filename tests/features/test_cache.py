"""Feature cache integrity: reuse, edited/truncated caches rebuilt, force, explicit files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neural_trading_system.errors import ArtifactError
from neural_trading_system.features import cached_features
from neural_trading_system.features.cache import meta_path, verify_cache

DATA, SCHEMA = "a" * 64, "b" * 64


class Builder:
    """Counts builds; each build returns a (20, 3) float32 matrix."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.arange(60, dtype=np.float32).reshape(20, 3) + self.calls


def test_reuse_then_force(tmp_path):
    build = Builder()
    x1, c1 = cached_features(build, tmp_path, DATA, SCHEMA)
    x2, c2 = cached_features(build, tmp_path, DATA, SCHEMA)
    assert build.calls == 1 and not c1.reused and c2.reused and c2.path == c1.path
    np.testing.assert_array_equal(x1, x2)
    meta = json.loads(meta_path(c1.path).read_text())
    assert meta["shape"] == [20, 3] and meta["dtype"] == "float32" and len(meta["sha256"]) == 64
    assert meta["data_sha256"] == DATA and meta["schema_hash"] == SCHEMA and meta["created"] > 0
    x3, c3 = cached_features(build, tmp_path, DATA, SCHEMA, force_recollect=True)
    assert build.calls == 2 and not c3.reused and c3.path != c1.path
    x4, c4 = cached_features(build, tmp_path, DATA, SCHEMA)  # the freshest valid cache
    assert c4.reused and c4.path == c3.path
    np.testing.assert_array_equal(x4, x3)


def test_other_keys_do_not_reuse(tmp_path):
    build = Builder()
    cached_features(build, tmp_path, DATA, SCHEMA)
    _, c = cached_features(build, tmp_path, DATA, "c" * 64)
    assert build.calls == 2 and not c.reused


def test_edited_cache_is_detected_and_rebuilt(tmp_path, caplog):
    build = Builder()
    _, c1 = cached_features(build, tmp_path, DATA, SCHEMA)
    raw = bytearray(c1.path.read_bytes())
    raw[-1] ^= 0xFF  # flip bits of the last value
    c1.path.write_bytes(bytes(raw))
    assert "sha256" in verify_cache(c1.path, DATA, SCHEMA)
    x, c2 = cached_features(build, tmp_path, DATA, SCHEMA)
    assert build.calls == 2 and not c2.reused and "invalid" in caplog.text
    assert not c1.path.exists()
    np.testing.assert_array_equal(x, Builder()() + 1)


def test_truncated_cache_is_detected_and_rebuilt(tmp_path):
    build = Builder()
    _, c1 = cached_features(build, tmp_path, DATA, SCHEMA)
    c1.path.write_bytes(c1.path.read_bytes()[:100])
    _, c2 = cached_features(build, tmp_path, DATA, SCHEMA)
    assert build.calls == 2 and not c2.reused and verify_cache(c2.path, DATA, SCHEMA) is None


def test_shape_in_meta_must_match(tmp_path):
    build = Builder()
    _, c1 = cached_features(build, tmp_path, DATA, SCHEMA)
    mp = meta_path(c1.path)
    meta = json.loads(mp.read_text())
    meta["shape"] = [3, 20]
    mp.write_text(json.dumps(meta))
    assert "shape" in verify_cache(c1.path, DATA, SCHEMA)
    _, c2 = cached_features(build, tmp_path, DATA, SCHEMA)
    assert build.calls == 2 and not c2.reused


def test_explicit_cache_file(tmp_path):
    build = Builder()
    x, c1 = cached_features(build, tmp_path, DATA, SCHEMA)
    y, c2 = cached_features(build, tmp_path / "elsewhere", DATA, SCHEMA, cache_file=c1.path)
    assert c2.reused and build.calls == 1
    np.testing.assert_array_equal(x, y)
    c1.path.write_bytes(c1.path.read_bytes()[:-4])
    with pytest.raises(ArtifactError) as err:
        cached_features(build, tmp_path, DATA, SCHEMA, cache_file=c1.path)
    assert str(c1.path) in str(err.value) and build.calls == 1

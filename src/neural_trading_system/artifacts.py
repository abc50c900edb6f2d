"""Files on disk: atomic writes, sha256 sidecars, run directories and their manifest.

Every write goes to a temporary file in the target's directory and is renamed over the
target, so a crash never leaves a half-written artifact. Caches carry a sha256 in a
``<file>.sha256`` sidecar and are rebuilt, never trusted, when it does not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import ArtifactError

__all__ = [
    "atomic_path",
    "write_text_atomic",
    "write_json_atomic",
    "read_json",
    "sha256_file",
    "sha256_bytes",
    "write_sha256_sidecar",
    "verify_sha256_sidecar",
    "make_run_dir",
    "latest_run_dir",
    "package_version",
]


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temp path next to ``target``; on success it is renamed over ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; give artifacts the usual umask-based mode
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(target: str | Path, obj: Any) -> None:
    write_text_atomic(target, json.dumps(obj, indent=2, sort_keys=True, default=str))


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Read JSON; a missing or corrupt file is an :class:`ArtifactError` naming it."""
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"{what} {p} is missing")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{what} {p} is not valid JSON ({exc}); delete it or re-run the stage that writes it") from None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_sha256_sidecar(path: str | Path) -> str:
    """Write ``<path>.sha256`` holding the file's digest; return the digest."""
    p = Path(path)
    digest = sha256_file(p)
    write_text_atomic(_sidecar(p), digest + "\n")
    return digest


def verify_sha256_sidecar(path: str | Path) -> bool:
    """True when ``path`` and its sidecar exist and the digest matches."""
    p = Path(path)
    side = _sidecar(p)
    if not p.is_file() or not side.is_file():
        return False
    return side.read_text(encoding="utf-8").strip() == sha256_file(p)


def package_version() -> str:
    from . import __version__

    return __version__


def make_run_dir(runs_dir: str | Path, run_name: str | None, preset: str = "run") -> Path:
    """Create ``runs/<run_name>`` (default: timestamp + preset) and return it."""
    name = run_name or time.strftime(f"%Y%m%d-%H%M%S-{preset}")
    path = Path(runs_dir) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def latest_run_dir(runs_dir: str | Path = "runs", require: str = "manifest.json",
                   accept: Callable[[Path], bool] | None = None) -> Path:
    """The most recently modified run directory holding ``require``."""
    root = Path(runs_dir)
    candidates = [p for p in root.glob("*") if (p / require).is_file() and (accept is None or accept(p))]
    if not candidates:
        raise ArtifactError(
            f"no run directory with {require} under {root.resolve()}; train one first (`nts train`) "
            "or pass RUN_DIR explicitly"
        )
    return max(candidates, key=lambda p: (p / require).stat().st_mtime)

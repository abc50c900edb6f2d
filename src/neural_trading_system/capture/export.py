"""Captured frames on disk: zstd Parquet plus an Arrow IPC copy, metadata in the schema, sha256 sidecars.

``indicators.parquet`` (zstd) and ``indicators.arrow`` (Arrow IPC file, uncompressed so it can be
memory-mapped) hold the same table, sorted by bar. Each line column carries its
:class:`~.frame.ColumnMeta` as JSON in its field metadata (key ``nts``); the schema metadata
(key ``nts``) holds every column's meta and the capture report. Warm-up rows stay NaN. Each file
is written atomically and gets a ``.sha256`` sidecar; :func:`read_captured` refuses a file whose
sidecar is missing or does not match.

:func:`collect_cached` reuses a capture keyed by the data's sha256 and a hash of the suite
(kinds, names, parameters, package version), and rebuilds it when the sidecar does not verify.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..artifacts import atomic_path, package_version, sha256_file, verify_sha256_sidecar, write_sha256_sidecar
from ..errors import ArtifactError
from ..indicators.base import IndicatorSpec
from .frame import Captured, ColumnMeta, collect, json_safe

__all__ = ["write_captured", "read_captured", "collect_cached", "suite_hash", "frame_sha256", "META_KEY"]

log = logging.getLogger(__name__)

META_KEY = b"nts"
FORMAT_VERSION = 1


def _table(captured: Captured) -> pa.Table:
    frame = captured.frame
    ts = frame["timestamp"]
    if ts.null_count() or not ts.is_sorted():
        frame = frame.sort("timestamp")
    tbl = frame.to_arrow()
    fields = []
    for f in tbl.schema:
        m = captured.meta.get(f.name)
        fields.append(f.with_metadata({META_KEY: m.to_json().encode()}) if m is not None else f)
    schema_meta = {
        "format_version": FORMAT_VERSION,
        "package_version": package_version(),
        "columns": {c: json.loads(m.to_json()) for c, m in captured.meta.items()},
        "report": json_safe(captured.report),
    }
    schema = pa.schema(fields, metadata={META_KEY: json.dumps(schema_meta, sort_keys=True).encode()})
    return pa.Table.from_arrays(tbl.columns, schema=schema)


def write_captured(captured: Captured, path: str | Path) -> tuple[Path, Path]:
    """Write ``path`` (``.parquet``, zstd) and the ``.arrow`` copy beside it, each with a sha256 sidecar.

    Returns ``(parquet_path, arrow_path)``.
    """
    path = Path(path)
    if path.suffix != ".parquet":
        path = path.with_suffix(".parquet")
    arrow_path = path.with_suffix(".arrow")
    tbl = _table(captured)

    def parquet() -> None:
        with atomic_path(path) as tmp:
            # dictionary encoding buys nothing on float lines and costs 4x the write time
            pq.write_table(tbl, tmp, compression="zstd", use_dictionary=["timestamp"])
        write_sha256_sidecar(path)

    def arrow() -> None:
        with atomic_path(arrow_path) as tmp:
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, tbl.schema) as writer:
                writer.write_table(tbl)
        write_sha256_sidecar(arrow_path)

    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow and hashlib release the GIL
        for fut in [pool.submit(parquet), pool.submit(arrow)]:
            fut.result()
    return path, arrow_path


def read_captured(path: str | Path) -> Captured:
    """Read a capture written by :func:`write_captured` (``.parquet`` or ``.arrow``), checking its sidecar."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"capture file {path} is missing; run `nts collect` to write it")
    if not verify_sha256_sidecar(path):
        side = path.with_name(path.name + ".sha256")
        found = side.read_text(encoding="utf-8").strip()[:16] + "…" if side.is_file() else "no sidecar"
        raise ArtifactError(
            f"capture file {path} does not match its sha256 sidecar {side.name} (expected the recorded digest, "
            f"found {sha256_file(path)[:16]}… vs {found}); the file is corrupt or was edited: delete it and "
            "re-run `nts collect` (or collect_cached(..., force=True))")
    try:
        if path.suffix == ".arrow":
            with pa.memory_map(str(path), "r") as src:
                tbl = pa.ipc.open_file(src).read_all()
        else:
            tbl = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise ArtifactError(f"capture file {path} cannot be read ({exc}); delete it and re-run `nts collect`") from None
    raw = (tbl.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ArtifactError(f"capture file {path} has no '{META_KEY.decode()}' schema metadata; it was not written "
                            "by write_captured: re-run `nts collect`")
    info = json.loads(raw)
    meta = {c: ColumnMeta.from_dict(d) for c, d in info["columns"].items()}
    frame = pl.from_arrow(tbl.replace_schema_metadata(None))
    assert isinstance(frame, pl.DataFrame)
    return Captured(frame=frame, meta=meta, report=info.get("report", {}))


def frame_sha256(ohlcv: pl.DataFrame) -> str:
    """sha256 of the OHLCV content (timestamp as epoch ms int64, OHLCV float64, row-major by column)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(ohlcv["timestamp"].dt.epoch("ms").to_numpy(), dtype=np.int64).tobytes())
    for k in ("open", "high", "low", "close", "volume"):
        h.update(np.ascontiguousarray(ohlcv[k].to_numpy(), dtype=np.float64).tobytes())
    return h.hexdigest()


def suite_hash(specs: Iterable[IndicatorSpec]) -> str:
    """Hash of the suite: each spec's name, kind and parameters, plus the package version."""
    desc = [[s.name, s.kind, {k: json_safe(v) for k, v in sorted(s.params.items())}] for s in specs]
    blob = json.dumps({"suite": desc, "version": package_version()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def collect_cached(md_or_frame: Any, specs: Iterable[IndicatorSpec], cache_dir: str | Path,
                   force: bool = False) -> Captured:
    """:func:`~.frame.collect`, reusing ``cache_dir/indicators-<data>-<suite>.parquet`` when it verifies.

    ``md_or_frame``: a ``MarketData`` (its ``sha256`` is the data key) or an OHLCV frame.
    """
    specs = list(specs)
    frame = getattr(md_or_frame, "frame", md_or_frame)
    data_key = getattr(md_or_frame, "sha256", None) or frame_sha256(frame)
    path = Path(cache_dir) / f"indicators-{data_key[:16]}-{suite_hash(specs)[:16]}.parquet"
    if not force and path.is_file():
        try:
            cached = read_captured(path)
            log.info("indicator cache hit: %s", path)
            return cached
        except ArtifactError as exc:
            log.warning("indicator cache %s rejected (%s); rebuilding", path, exc)
    captured = collect(frame, specs, source=str(getattr(md_or_frame, "source", "frame")))
    write_captured(captured, path)
    return captured

"""Stage orchestration: data → capture → features + labels → splits → datasets → training.

Each function does one stage and returns typed values; :mod:`.api` strings them together and
the commands call :mod:`.api`. Everything learned is fitted on the training split only.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .artifacts import write_json_atomic
from .config import Config, save_config

log = logging.getLogger(__name__)

__all__ = ["DatasetBundle", "RunBundle", "load_run_bundle", "StageTimer", "load_data", "capture_indicators", "build_datasets", "label_summary"]


@dataclass
class StageTimer:
    """Wall time per stage, written into the manifest."""

    timings: dict[str, float] = field(default_factory=dict)

    def __call__(self, name: str):
        timer = self

        class _Ctx:
            def __enter__(self_inner):
                self_inner.t0 = time.perf_counter()
                return self_inner

            def __exit__(self_inner, *exc):
                timer.timings[name] = round(time.perf_counter() - self_inner.t0, 3)
                return False

        return _Ctx()


@dataclass
class DatasetBundle:
    """Everything the model, the analysis and the backtest need from the data stages."""

    captured: Any  # capture.Captured
    labels: pl.DataFrame  # ctx_* and target_* columns, one row per bar
    extractor: Any  # features.FeatureExtractor (fitted on train rows)
    X: np.ndarray  # (N, F) float32, NaN in warm-up rows
    split: Any  # splits.Split
    train: Any  # features.SequenceDataset
    val: Any
    test: Any
    first_valid: int

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


def load_data(cfg: Config):
    """Market data for ``cfg.data`` (validated, cached)."""
    from .data import load_market

    return load_market(cfg.data, cfg.seed)


def capture_indicators(cfg: Config, market, cache_dir: Path | None = None):
    """Run the indicator suite over the market (bulk kernels; cached when ``cache_dir``)."""
    from .capture import collect, collect_cached
    from .indicators import get_suite

    specs = get_suite(cfg.capture.suite)
    if cache_dir is not None:
        return collect_cached(market, specs, cache_dir, force=cfg.data.force_recollect)
    return collect(market.frame, specs)


TARGET_COLUMNS = (
    "target_entry", "target_exit", "target_tp", "target_sl", "target_hold",
    "target_return", "target_volatility", "target_size",
)
WEIGHT_COLUMNS = {"target_tp": "target_barrier_weight", "target_sl": "target_barrier_weight",
                  "target_hold": "target_barrier_weight"}


def build_datasets(cfg: Config, captured) -> DatasetBundle:
    """Labels, chronological purged split, extractor fitted on the training rows, sequence datasets."""
    from .features import FeatureExtractor
    from .labels import make_labels
    from .splits import chronological_split

    frame = captured.frame
    n = frame.height
    labels = make_labels(frame.select(["timestamp", "open", "high", "low", "close", "volume"]), cfg.labels)
    horizon = cfg.labels.prediction_horizon
    seq_len = cfg.model.seq_len

    # The extractor's warm-up decides the first usable bar; its fit may only see training rows, so a
    # provisional split on the raw bar count bounds the training rows first.
    provisional = chronological_split(n, seq_len, horizon, cfg.splits, first_valid=0)
    train_end = int(provisional.train.max()) + 1
    extractor = FeatureExtractor(cfg.features).fit(captured, train_end=train_end)
    X = extractor.transform(captured)
    finite_rows = np.isfinite(X).all(axis=1)
    first_valid = int(np.argmax(finite_rows)) if finite_rows.any() else n
    # the first bar with labels (the volatility context warms up) must also be inside every sample
    labelled = np.isfinite(labels["target_entry"].to_numpy())
    first_label = int(np.argmax(labelled)) if labelled.any() else n
    first_valid = max(first_valid, first_label - seq_len + 1)
    split = chronological_split(n, seq_len, horizon, cfg.splits, first_valid=first_valid)
    # split boundaries depend on the bar count only, so warm-up can only remove training rows
    assert split.train.size == 0 or int(split.train.max()) < train_end

    return assemble_bundle(captured, labels, extractor, X, split, first_valid, seq_len)


def assemble_bundle(captured, labels: pl.DataFrame, extractor, X: np.ndarray, split, first_valid: int,
                    seq_len: int) -> DatasetBundle:
    """Targets, weights and the three sequence datasets over one contiguous feature matrix.

    Warm-up rows (NaN features) are zeroed; no sample's window reaches them (``first_valid``).
    """
    from .features import SequenceDataset

    targets = {c: labels[c].to_numpy().astype(np.float32) for c in TARGET_COLUMNS}
    weights = {c: labels[w].to_numpy().astype(np.float32) for c, w in WEIGHT_COLUMNS.items()}
    X = np.ascontiguousarray(np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0), dtype=np.float32)
    mk = lambda idx: SequenceDataset(X, targets, idx, seq_len, weights=weights)  # noqa: E731
    return DatasetBundle(captured, labels, extractor, X, split, mk(split.train), mk(split.val), mk(split.test),
                         first_valid)


def label_summary(bundle: DatasetBundle) -> dict[str, Any]:
    """Label balance per target on the training split, split sizes and rows purged."""
    tr = bundle.split.train
    out: dict[str, Any] = {"features": bundle.n_features,
                           "split_sizes": {"train": int(tr.size), "val": int(bundle.split.val.size),
                                           "test": int(bundle.split.test.size)},
                           "purged": dict(bundle.split.purged), "first_valid_bar": bundle.first_valid}
    bal = {}
    for c in ("target_tp", "target_sl", "target_hold", "target_exit"):
        v = bundle.labels[c].to_numpy()[tr]
        bal[c] = round(float(np.nanmean(v)), 4)
    bal["target_entry>0.5"] = round(float(np.nanmean(bundle.labels["target_entry"].to_numpy()[tr] > 0.5)), 4)
    out["label_balance_train"] = bal
    return out


def write_run_files(run_dir: Path, cfg: Config, bundle: DatasetBundle, market, timings: dict[str, float],
                    extra: dict[str, Any] | None = None) -> None:
    """config.json, extractor.json, indicators.parquet/.arrow and manifest.json into ``run_dir``."""
    from . import __version__
    from .capture import write_captured

    save_config(cfg, run_dir / "config.json")
    bundle.extractor.save(run_dir / "extractor.json")
    write_captured(bundle.captured, run_dir / "indicators.parquet")
    s = bundle.split
    ts = bundle.captured.frame["timestamp"]
    manifest = {
        "package_version": __version__,
        "seed": cfg.seed,
        "data_sha256": market.sha256,
        "data_source": market.source,
        "symbol": market.symbol,
        "interval": market.interval,
        "n_bars": int(bundle.captured.frame.height),
        "n_features": bundle.n_features,
        "feature_schema_hash": bundle.extractor.schema_hash_,
        "seq_len": cfg.model.seq_len,
        "horizon": cfg.labels.prediction_horizon,
        "first_valid_bar": bundle.first_valid,
        "splits": {
            name: {"first_bar": int(idx.min()), "last_bar": int(idx.max()), "samples": int(idx.size),
                   "start": str(ts[int(idx.min())]), "end": str(ts[int(idx.max())])}
            for name, idx in (("train", s.train), ("val", s.val), ("test", s.test)) if idx.size
        },
        "purged": dict(s.purged),
        "timings_s": timings,
        **(extra or {}),
    }
    write_json_atomic(run_dir / "manifest.json", manifest)


@dataclass
class RunBundle:
    """A trained run loaded back: config, manifest, the data bundle (fitted extractor), the model."""

    run_dir: Path
    config: Config
    manifest: dict[str, Any]
    bundle: DatasetBundle
    model: Any  # model.NeuralTradingModel in eval mode
    true_regimes: np.ndarray | None


def load_run_bundle(run_dir: str | Path | None = None, runs_dir: str | Path = "runs") -> RunBundle:
    """Load a run directory (None: the most recent run) with its data rebuilt from its own files.

    Nothing is refitted: the extractor comes from ``extractor.json``, the captured lines from
    ``indicators.parquet`` (sha256-verified), the split from the config and the manifest's warm-up.
    """
    from .artifacts import latest_run_dir, read_json
    from .capture import read_captured
    from .features import FeatureExtractor
    from .labels import make_labels
    from .splits import chronological_split
    from .training import load_run

    rd = Path(run_dir) if run_dir is not None else latest_run_dir(runs_dir, require="model.safetensors")
    if not rd.is_dir():
        from .errors import ArtifactError

        raise ArtifactError(f"run directory {rd} does not exist; pass a directory made by `nts train`")
    loaded = load_run(rd)  # checks config, weights and feature width against the manifest
    cfg = loaded.config
    manifest = read_json(rd / "manifest.json", "run manifest")
    captured = read_captured(rd / "indicators.parquet")
    extractor = FeatureExtractor.load(rd / "extractor.json")
    X = extractor.transform(captured)
    labels = make_labels(captured.frame.select(["timestamp", "open", "high", "low", "close", "volume"]), cfg.labels)
    first_valid = int(manifest["first_valid_bar"])
    split = chronological_split(captured.frame.height, cfg.model.seq_len, cfg.labels.prediction_horizon, cfg.splits,
                                first_valid=first_valid)
    bundle = assemble_bundle(captured, labels, extractor, X, split, first_valid, cfg.model.seq_len)
    regimes_path = rd / "true_regimes.npy"
    regimes = np.load(regimes_path, allow_pickle=False) if regimes_path.is_file() else None
    return RunBundle(rd, cfg, manifest, bundle, loaded.model, regimes)

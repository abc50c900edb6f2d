"""Walk-forward evaluation: folds × seeds, the neural model against LightGBM, the classic rule and buy & hold.

The main process loads the data, captures the indicators once over the whole history (every
indicator is causal, so a bar's values do not depend on later bars), and for each fold fits the
feature extractor on that fold's training rows only and writes its feature matrix
(``<eval_dir>/fold<k>/features.npy``, float32) and ``extractor.json``; labels and prices go to
``<eval_dir>/bars.parquet``. Each (fold, seed) job then runs in its own process (``spawn``): it reads
those files, trains the neural model into ``<eval_dir>/fold<k>_seed<s>/``, predicts the fold's test
windows, fits the LightGBM baseline with the same seed, backtests every strategy on the same test bars
(:mod:`.trading`) and returns one record per strategy. Nothing of a fold's test (or validation) period
reaches its extractor or scaler.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

import numpy as np
import polars as pl

from ..artifacts import atomic_path, make_run_dir, read_json, write_json_atomic
from ..config import Config, save_config
from ..errors import ConfigError
from .trading import STRATEGIES as MODELS

__all__ = ["EVAL_DEFAULTS", "MODELS", "EvalOutcome", "run_evaluation", "prepare_folds", "run_job"]

log = logging.getLogger(__name__)

EVAL_DEFAULTS: dict[str, Any] = {"training.num_epochs": 3, "training.max_steps_per_epoch": 10,
                                 "training.patience": 2}
"""Training budget `nts evaluate` applies under the user's ``--set`` (which wins): 3 epochs of at most
10 optimizer steps each (3,840 windows seen at batch 128), so 4 folds × 3 seeds of the default model
fit in ~30-40 min on 2 busy CPU cores. This is a smoke-level budget, far from a converged model.
Raise them (``--set training.max_steps_per_epoch=200 --set training.num_epochs=20``) on a GPU."""


@dataclass
class EvalOutcome:
    """Records of every (fold, seed, model) and where the evaluation's files are."""

    eval_dir: Path
    records: list[dict[str, Any]]
    folds: list[dict[str, Any]]  # per fold: bars and sample counts of each split
    timings: dict[str, float]


def prepare_folds(cfg: Config, eval_dir: Path, n_folds: int, mode: str) -> list[dict[str, Any]]:
    """Load, capture, fit one extractor per fold; write the job inputs into ``eval_dir``. Returns fold info."""
    from ..features import FeatureExtractor
    from ..labels import make_labels
    from ..pipeline import capture_indicators, load_data
    from ..splits import walk_forward

    market = load_data(cfg)
    captured = capture_indicators(cfg, market, cache_dir=Path(cfg.data.data_dir) / "captures")
    frame = captured.frame
    n, seq_len, horizon = frame.height, cfg.model.seq_len, cfg.labels.prediction_horizon
    labels = make_labels(frame.select(["timestamp", "open", "high", "low", "close", "volume"]), cfg.labels)
    bars = pl.concat([frame.select(["timestamp", "open", "high", "low", "close"]),
                      labels.select([c for c in labels.columns if c.startswith(("target_", "ctx_"))])],
                     how="horizontal")
    bars.write_parquet(eval_dir / "bars.parquet")
    save_config(cfg, eval_dir / "config.json")

    # the warm-up moves the fold blocks; take it from an extractor fitted on the first provisional
    # fold's training rows (warm-up is set by indicator periods and lookback windows, not by the data)
    provisional = walk_forward(n, seq_len, horizon, n_folds, mode, cfg.splits.embargo, cfg.splits.val_frac, 0)
    probe = FeatureExtractor(cfg.features).fit(captured, train_end=int(provisional[0].train.max()) + 1)
    warmup = int(probe.first_valid_row_)
    folds = walk_forward(n, seq_len, horizon, n_folds, mode, cfg.splits.embargo, cfg.splits.val_frac, warmup)
    info = []
    for k, split in enumerate(folds):
        train_end = int(split.train.max()) + 1
        ext = FeatureExtractor(cfg.features).fit(captured, train_end=train_end)
        X = ext.transform(captured)  # (N, F) float32, NaN in warm-up rows
        finite = np.isfinite(X).all(axis=1)
        first_valid = int(np.argmax(finite)) if finite.any() else n
        fold_dir = eval_dir / f"fold{k}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        ext.save(fold_dir / "extractor.json")
        np.save(fold_dir / "features.npy", np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32),
                allow_pickle=False)
        keep = {name: _after_warmup(getattr(split, name), first_valid, seq_len) for name in ("train", "val", "test")}
        ts = frame["timestamp"]
        entry = {"fold": k, "first_valid": first_valid, "train_end": train_end, "n_features": int(X.shape[1]),
                 "schema_hash": ext.schema_hash_,
                 **{f"{name}_bars": [int(idx.min()), int(idx.max())] for name, idx in keep.items()},
                 **{f"n_{name}": int(idx.size) for name, idx in keep.items()},
                 "test_start": str(ts[int(keep["test"].min())]), "test_end": str(ts[int(keep["test"].max())])}
        write_json_atomic(fold_dir / "split.json", {**entry, **{name: idx.tolist() for name, idx in keep.items()}})
        info.append(entry)
        log.info("fold %d: train %d, val %d, test %d samples (%s … %s), %d features", k, keep["train"].size,
                 keep["val"].size, keep["test"].size, entry["test_start"], entry["test_end"], X.shape[1])
        del X
    return info


def _after_warmup(idx: np.ndarray, first_valid: int, seq_len: int) -> np.ndarray:
    """End bars whose whole window starts at or after the fold extractor's first valid row."""
    return idx[idx - seq_len + 1 >= first_valid]


def run_job(eval_dir: str, fold: int, seed_index: int, threads: int) -> list[dict[str, Any]]:
    """One (fold, seed): train + predict the neural model, LightGBM, the rules; one record per model.

    Runs in a worker process (``spawn``) or in the main one; reads only files under ``eval_dir``.
    """
    import torch

    from ..backtest.baselines import fit_lightgbm
    from ..model.network import NeuralTradingModel
    from ..pipeline import assemble_bundle
    from ..training import load_weights, predict, train_model
    from .trading import score_test_period

    if threads:
        torch.set_num_threads(threads)
    root = Path(eval_dir)
    base = Config.model_validate(read_json(root / "config.json", "evaluation config"))
    seed = base.seed + seed_index
    fold_dir = root / f"fold{fold}"
    sp = read_json(fold_dir / "split.json", "fold split")
    split = _SplitView(*(np.asarray(sp[n], dtype=np.int64) for n in ("train", "val", "test")))
    X = np.load(fold_dir / "features.npy", allow_pickle=False)  # (N, F) float32
    bars = pl.read_parquet(root / "bars.parquet")
    bundle = assemble_bundle(None, bars, None, X, split, sp["first_valid"], base.model.seq_len)
    run_dir = root / f"fold{fold}_seed{seed_index}"
    cfg = base.with_overrides({"seed": seed, "training.threads": threads, "training.progress_bar": False,
                               "runs_dir": str(root), "run_name": run_dir.name})
    t0 = time.perf_counter()
    result = train_model(cfg, bundle.train, bundle.val, run_dir, resume=False, progress=False)
    model = NeuralTradingModel(cfg.model, bundle.n_features)
    load_weights(model, result.weights_path)
    p_nn = predict(model, bundle.test)  # {head: (S,)} over the test windows
    val_nn = predict(model, bundle.val)  # threshold calibration (validation quantiles), as the backtest
    t_nn = time.perf_counter() - t0

    entry = bars["target_entry"].to_numpy()
    event = np.where(np.isfinite(entry), (entry > 0.5).astype(np.float64), np.nan)  # (N,) the scored event
    t0 = time.perf_counter()
    gbm = fit_lightgbm(X, bars, split.train, split.val, seed, base.backtest.lgbm_rounds)
    ctx_vol = bars["ctx_vol"].to_numpy()
    p_gb = gbm.predict(X[split.test], ctx_vol[split.test])
    val_gb = gbm.predict(X[split.val], ctx_vol[split.val])
    t_gb = time.perf_counter() - t0
    records = score_test_period(base, bars, split.test, event, {"neural": p_nn, "lightgbm": p_gb}, fold, seed_index,
                                val_preds={"neural": val_nn, "lightgbm": val_gb})
    extra = {"train_seconds": round(t_nn, 1), "lightgbm_seconds": round(t_gb, 1), "best_epoch": result.best_epoch,
             "epochs_run": result.epochs_run}
    for r in records:
        r.update(extra if r["model"] in ("neural", "lightgbm") else {})
    write_json_atomic(run_dir / "evaluation_records.json", records)
    keys = ("entry_prob", "exit_prob", "sl_prob", "expected_return", "volatility")
    with atomic_path(run_dir / "test_predictions.npz") as tmp, open(tmp, "wb") as fh:  # for re-scoring
        np.savez(fh, end_bars=split.test, **{f"neural.{k}": p_nn[k] for k in keys},
                 **{f"lightgbm.{k}": np.asarray(p_gb[k]) for k in keys})
    del X, bundle, model
    return records


@dataclass(frozen=True)
class _SplitView:
    """The three index arrays :func:`pipeline.assemble_bundle` reads from a split."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def run_evaluation(cfg: Config, n_folds: int, n_seeds: int, mode: str = "expanding", workers: int = 1,
                   progress: Callable[[int, int], None] | bool = True) -> EvalOutcome:
    """Prepare the folds, run every (fold, seed) job (in ``workers`` spawned processes), collect the records.

    ``progress``: True for a tqdm bar over the jobs, False for none, or ``fn(done, total)``.
    """
    if n_folds < 1 or n_seeds < 1 or workers < 1:
        raise ConfigError(f"evaluate: --folds, --seeds and --workers must be >= 1, found {n_folds}, {n_seeds}, {workers}")
    if mode not in ("expanding", "rolling"):
        raise ConfigError(f"evaluate: --mode must be 'expanding' or 'rolling', found {mode!r}")
    timings: dict[str, float] = {}
    eval_dir = make_run_dir(cfg.runs_dir, cfg.run_name, "eval")
    t0 = time.perf_counter()
    folds = prepare_folds(cfg, eval_dir, n_folds, mode)
    timings["prepare"] = round(time.perf_counter() - t0, 1)
    jobs = [(str(eval_dir), k, s) for k in range(n_folds) for s in range(n_seeds)]
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else (cfg.training.threads or 0)
    records: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    bar = _progress(progress, len(jobs))
    if workers == 1:
        for job in jobs:
            records += run_job(*job, threads)
            bar(len(records) // len(MODELS))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_job, *job, threads) for job in jobs]
            for fut in as_completed(futures):
                records += fut.result()
                bar(len(records) // len(MODELS))
    bar(-1)
    timings["jobs"] = round(time.perf_counter() - t0, 1)
    records.sort(key=lambda r: (r["fold"], r["seed"], MODELS.index(r["model"])))
    return EvalOutcome(eval_dir, records, folds, timings)


def _progress(progress: Callable[[int, int], None] | bool, total: int) -> Callable[[int], None]:
    """``update(done)``; ``update(-1)`` closes the bar."""
    if callable(progress):
        return lambda done: progress(done, total) if done >= 0 else None
    if not progress:
        return lambda done: None
    from tqdm.auto import tqdm

    pbar = tqdm(total=total, desc="fold × seed jobs", unit="job")

    def update(done: int) -> None:
        if done < 0:
            pbar.close()
        else:
            pbar.update(done - pbar.n)

    return update

"""Unsupervised fit-time selection of the feature width, on the training rows only.

1. candidates (see :func:`schema.candidate_names`) are computed over the training rows stage by
   stage in priority order (market + levels, then each diff lag, then each summary window), in
   chunks of captured columns (never the whole ~11,000-wide matrix at once); each stage after the
   levels keeps at most an equal share of the remaining cap, so every horizon is represented; stages after the
   cap is full are not computed at all;
2. dropped: candidates never finite on the training rows, constant ones (max == min after
   their warm-up), exact duplicates of an earlier candidate (same training values);
3. redundancy filter: walking the candidates in priority order (market, levels, diffs by lag,
   summaries by window), a candidate whose |Pearson corr| with an already kept feature is
   >= ``corr_threshold`` on a fixed, evenly spaced sample of training rows is dropped
   (blockwise float32 matmul);
4. the walk stops at ``max_features`` (the rest counts as ``dropped_cap`` / ``not_evaluated``).

No label is read: the selection is unsupervised, and deterministic given the training rows.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections import Counter

import numpy as np

from ..config import FeatureConfig
from .kernels import build_levels, compute_features, make_plan
from .schema import LOGVOL, RET1, InputFrame, candidate_names, parse_feature

__all__ = ["select_features", "sample_rows"]

log = logging.getLogger(__name__)

_BLOCK = 512
_CHUNK_BYTES = 1 << 27  # ~128 MiB of float64 candidates per chunk


def sample_rows(first_valid: int, n_train: int, n_sample: int) -> np.ndarray:
    """Evenly spaced training rows for the correlation estimate, (S,) int64, past ``first_valid``.

    When warm-up leaves fewer than 256 rows the sample starts earlier (warm-up NaNs are then
    filled with the candidate's sample median).
    """
    lo = min(first_valid, max(0, n_train - 256))
    return np.unique(np.linspace(lo, n_train - 1, min(n_sample, n_train - lo)).round().astype(np.int64))


def _kind(name: str) -> str:
    src, _, op = name.rpartition("|")
    if src in ("ret", "rv", "volume", "candle"):
        return src
    return op.rstrip("0123456789") or op


def _stages(refs: list, columns: list[str]) -> list[list[int]]:
    """Candidate ids grouped into evaluation stages, in priority order: market + levels, each diff
    lag, each summary window. Stages after the cap is full are never computed."""
    stages: dict[tuple, list[int]] = {}
    for g, r in enumerate(refs):
        if r.kind in ("lvl", "ret", "candle") or r.source in (RET1, LOGVOL):
            key: tuple = (0, 0)
        elif r.kind == "diff":
            key = (1, r.param)
        else:
            key = (2, r.param)
        stages.setdefault(key, []).append(g)
    return [stages[k] for k in sorted(stages, key=lambda k: (k != (0, 0), k))]


def select_features(inp: InputFrame, columns: list[str], price_like: dict[str, bool], cfg: FeatureConfig,
                    workers: int = 1, min_rows: int = 32) -> tuple[list[str], dict]:
    """Choose the feature names from the training rows of ``inp`` (already cut at train_end).

    Candidates are computed stage by stage (market + levels, diffs by lag, summaries by window)
    and offered to the greedy filter in priority order; once ``max_features`` are kept the
    remaining stages are not computed (``not_evaluated`` in the report). A candidate whose
    warm-up leaves fewer than ``min_rows`` training rows is dropped (``dropped_warmup``).

    Returns the selected names (priority order) and a report of every drop, logged.
    """
    names = candidate_names(columns, cfg)
    refs = [parse_feature(s) for s in names]
    n = inp.n
    ohlcv = inp.ohlcv()
    levels = build_levels(inp.matrix(columns), np.array([price_like[c] for c in columns], dtype=bool), ohlcv)
    finite_in = np.isfinite(levels[: len(columns)])
    warm_in = np.where(finite_in.any(1), finite_in.argmax(1), n)
    horizon = max(max(cfg.lookback_windows) + 1, max(cfg.diff_lags), max(cfg.return_horizons))
    rows = sample_rows(int(warm_in.max(initial=0)) + horizon, n, cfg.corr_sample_rows)
    s0 = int(rows[0])
    src_row = {c: i for i, c in enumerate(columns)} | {RET1: len(columns), LOGVOL: len(columns) + 1}

    report: dict = {"candidates": len(names), "train_rows": n, "sample_rows": len(rows), "sample_start": s0,
                    "input_warmup": {c: int(w) for c, w in zip(columns, warm_in)},
                    "input_nonfinite": {}, "dropped_warmup": [], "dropped_constant": [],
                    "dropped_duplicate": {}, "dropped_correlated": 0, "dropped_cap": 0, "not_evaluated": 0}
    bad_in = (~finite_in).sum(1) - np.minimum(warm_in, n)
    for c, k in zip(columns, bad_in):
        if k > 0:
            report["input_nonfinite"][c] = int(k)
            log.warning("captured column '%s': %d NaN/Inf value(s) after its warm-up in the training rows", c, k)

    greedy = _Greedy(cfg.corr_threshold, cfg.max_features)
    seen: dict[bytes, int] = {}
    stages = _stages(refs, columns)
    for k, stage in enumerate(stages):
        # levels (stage 0) are offered without limit; every later stage (each diff lag, each summary
        # window) gets an equal share of what is left, so every horizon is represented under the cap
        quota = None if k == 0 else max(1, (greedy.cap - len(greedy.kept)) // (len(stages) - k))
        if greedy.full:
            report["not_evaluated"] += len(stage)
            continue
        sample, first, constant, digests = _evaluate(stage, refs, levels, src_row, ohlcv, price_like, rows, s0,
                                                     cfg, workers)
        alive = []
        for j, g in enumerate(stage):
            if first[j] > n - min_rows:
                report["dropped_warmup"].append(names[g])
            elif constant[j]:
                report["dropped_constant"].append(names[g])
            elif digests[j] in seen:
                report["dropped_duplicate"][names[g]] = names[seen[digests[j]]]
            else:
                seen[digests[j]] = g
                alive.append(j)
        greedy.offer(sample[alive], np.asarray(stage)[alive], limit=quota)
    selected = [names[g] for g in greedy.kept]
    report.update(dropped_correlated=greedy.n_corr, dropped_cap=greedy.n_cap, selected=len(selected),
                  selected_by_kind=dict(Counter(_kind(s) for s in selected)))
    log.info("feature selection: %d candidates -> %d kept (warm-up longer than the training rows %d, constant %d, "
             "duplicate %d, |corr| >= %.2f %d, over cap %d, not evaluated after the cap %d; "
             "sample of %d training rows from row %d)",
             len(names), len(selected), len(report["dropped_warmup"]), len(report["dropped_constant"]),
             len(report["dropped_duplicate"]), cfg.corr_threshold, greedy.n_corr, greedy.n_cap,
             report["not_evaluated"], len(rows), s0)
    if report["dropped_constant"]:
        log.info("constant features dropped: %s", report["dropped_constant"][:50])
    if report["dropped_duplicate"]:
        log.info("duplicate features dropped (-> kept twin): %s", dict(list(report["dropped_duplicate"].items())[:50]))
    return selected, report


def _evaluate(stage: list[int], refs: list, levels: np.ndarray, src_row: dict[str, int], ohlcv: dict,
              price_like: dict[str, bool], rows: np.ndarray, s0: int, cfg: FeatureConfig, workers: int):
    """Compute one stage's candidates in column chunks; return per candidate (stage order):
    sample (K, S) float32 (non-finite filled with the sample mean), first finite row, constant
    flag, digest of the training values from ``s0`` (duplicate test)."""
    n = levels.shape[1]
    k = len(stage)
    sample = np.zeros((k, len(rows)), dtype=np.float32)
    first = np.full(k, n, dtype=np.int64)
    constant = np.zeros(k, dtype=bool)
    digests: list[bytes] = [b""] * k
    by_source: dict[str, list[int]] = {}
    for j, g in enumerate(stage):
        by_source.setdefault(refs[g].source, []).append(j)
    per_source = max(len(v) for v in by_source.values())
    step = max(1, min(cfg.fe_chunk, _CHUNK_BYTES // max(1, per_source * n * 8)))
    keys = list(by_source)
    for a in range(0, len(keys), step):
        js = [j for key in keys[a:a + step] for j in by_source[key]]
        plan = make_plan([refs[stage[j]] for j in js], price_like)
        raw = compute_features(levels[[src_row[s] for s in plan.sources]], ohlcv, plan, 0, workers,
                               cfg.fe_chunk, cfg.fe_parallel_threshold)
        fin = np.isfinite(raw)
        has = fin.any(1)
        ji = np.asarray(js)
        first[ji] = np.where(has, fin.argmax(1), n)
        masked = np.where(fin, raw, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN candidates are reported instead
            lo, hi = np.nanmin(masked, axis=1), np.nanmax(masked, axis=1)
            samp = masked[:, rows]
            fill = np.nan_to_num(np.nanmean(samp, axis=1))
        constant[ji] = has & (lo == hi)
        sample[ji] = np.where(np.isnan(samp), fill[:, None], samp)
        for i, j in enumerate(js):
            digests[j] = hashlib.blake2b(masked[i, s0:].tobytes(), digest_size=16).digest()
    return sample, first, constant, digests


class _Greedy:
    """Greedy |corr| filter fed in priority order, block by block (float32 matmuls)."""

    def __init__(self, threshold: float, cap: int) -> None:
        self.threshold, self.cap = threshold, cap
        self.kept: list[int] = []
        self.z: np.ndarray | None = None  # (kept, S) unit rows
        self.n_corr = self.n_cap = 0

    @property
    def full(self) -> bool:
        return len(self.kept) >= self.cap

    def offer(self, sample: np.ndarray, ids: np.ndarray, limit: int | None = None) -> None:
        """sample: (K, S) float32 of candidates ``ids`` (priority order); keep at most ``limit`` of them."""
        cap = self.cap if limit is None else min(self.cap, len(self.kept) + limit)
        x = sample - sample.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        z = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)  # (K, S) unit rows; a flat sample: corr 0
        for a in range(0, len(ids), _BLOCK):
            if len(self.kept) >= cap:
                self.n_cap += len(ids) - a
                return
            zb, block = z[a:a + _BLOCK], ids[a:a + _BLOCK]
            ok = np.ones(len(block), dtype=bool)
            if self.z is not None and len(self.z):
                ok = np.abs(self.z @ zb.T).max(axis=0) < self.threshold  # (B,)
            self.n_corr += int((~ok).sum())
            zc = zb[ok]
            inner = np.abs(zc @ zc.T)  # (b, b)
            local: list[int] = []
            for i in range(len(zc)):
                if local and inner[i, local].max() >= self.threshold:
                    self.n_corr += 1
                elif len(self.kept) + len(local) >= cap:
                    self.n_cap += 1
                else:
                    local.append(i)
            self.kept.extend(int(g) for g in block[ok][local])
            self.z = zc[local] if self.z is None else np.vstack([self.z, zc[local]])



"""Unsupervised fit-time selection of the feature width, on the training rows only.

1. every candidate (see :func:`schema.candidate_names`) is computed once over the training
   rows, in chunks of captured columns (never the whole ~11,000-wide matrix at once);
2. dropped: candidates never finite on the training rows, constant ones (max == min after
   their warm-up), exact duplicates of an earlier candidate (same training values);
3. redundancy filter: walking the candidates in priority order (market, levels, diffs by lag,
   summaries by window), a candidate whose |Pearson corr| with an already kept feature is
   >= ``corr_threshold`` on a fixed, evenly spaced sample of training rows is dropped
   (blockwise float32 matmul);
4. the walk stops at ``max_features``.

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


def select_features(inp: InputFrame, columns: list[str], price_like: dict[str, bool], cfg: FeatureConfig,
                    workers: int = 1, min_rows: int = 32) -> tuple[list[str], dict]:
    """Choose the feature names from the training rows of ``inp`` (already cut at train_end).

    A candidate whose warm-up leaves fewer than ``min_rows`` training rows is dropped
    (``dropped_warmup``): the scaler could not be fitted on it.

    Returns the selected names (priority order) and a report of every drop, logged.
    """
    names = candidate_names(columns, cfg)
    refs = [parse_feature(s) for s in names]
    n = inp.n
    ohlcv = inp.ohlcv()
    values = inp.matrix(columns)  # (C, N)
    levels = build_levels(values, np.array([price_like[c] for c in columns], dtype=bool), ohlcv)
    finite_in = np.isfinite(levels[: len(columns)])
    warm_in = np.where(finite_in.any(1), finite_in.argmax(1), n)
    horizon = max(max(cfg.lookback_windows) + 1, max(cfg.diff_lags), max(cfg.return_horizons))
    first_guess = int(warm_in.max(initial=0)) + horizon
    rows = sample_rows(first_guess, n, cfg.corr_sample_rows)
    s0 = int(rows[0])

    k_all = len(names)
    sample = np.zeros((k_all, len(rows)), dtype=np.float32)
    first = np.full(k_all, n, dtype=np.int64)
    nonfinite_after = np.zeros(k_all, dtype=np.int64)
    constant = np.zeros(k_all, dtype=bool)
    digests: list[bytes] = [b""] * k_all

    src_row = {c: i for i, c in enumerate(columns)} | {RET1: len(columns), LOGVOL: len(columns) + 1}
    by_source: dict[str, list[int]] = {}
    for g, r in enumerate(refs):
        by_source.setdefault(r.source if r.source in src_row and r.source not in (RET1, LOGVOL) else "", []).append(g)
    per_col = max(1, len(names) // max(1, len(columns)))
    cols_per_chunk = max(1, min(cfg.fe_chunk, _CHUNK_BYTES // max(1, per_col * n * 8)))
    groups = [by_source.get("", [])]
    col_keys = [c for c in columns if c in by_source]
    for a in range(0, len(col_keys), cols_per_chunk):
        groups.append([g for c in col_keys[a:a + cols_per_chunk] for g in by_source[c]])
    for gids in groups:
        if not gids:
            continue
        plan = make_plan([refs[g] for g in gids], price_like)
        lv = levels[[src_row[s] for s in plan.sources]]
        raw = compute_features(lv, ohlcv, plan, 0, workers, cfg.fe_chunk, cfg.fe_parallel_threshold)
        fin = np.isfinite(raw)
        has = fin.any(1)
        fst = np.where(has, fin.argmax(1), n)
        gi = np.array(gids)
        first[gi] = fst
        nonfinite_after[gi] = (~fin).sum(1) - fst
        masked = np.where(fin, raw, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN candidates are reported instead
            lo, hi = np.nanmin(masked, axis=1), np.nanmax(masked, axis=1)
            samp = masked[:, rows]
            med = np.nanmedian(samp, axis=1)
        constant[gi] = has & (lo == hi)
        samp = np.where(np.isfinite(samp), samp, np.nan_to_num(med)[:, None])
        sample[gi] = samp.astype(np.float32)
        tail = np.ascontiguousarray(np.nan_to_num(masked[:, s0:], nan=np.inf))
        for j, g in enumerate(gids):
            digests[g] = hashlib.blake2b(tail[j].tobytes(), digest_size=16).digest()

    report: dict = {"candidates": k_all, "train_rows": n, "sample_rows": len(rows), "sample_start": s0,
                    "input_warmup": {c: int(w) for c, w in zip(columns, warm_in)},
                    "input_nonfinite": {}, "dropped_warmup": [], "dropped_constant": [],
                    "dropped_duplicate": {}}
    bad_in = (~finite_in).sum(1) - np.minimum(warm_in, n)
    for c, k in zip(columns, bad_in):
        if k > 0:
            report["input_nonfinite"][c] = int(k)
            log.warning("captured column '%s': %d NaN/Inf value(s) after its warm-up in the training rows", c, k)
    alive = np.ones(k_all, dtype=bool)
    seen: dict[bytes, int] = {}
    for g in range(k_all):
        if first[g] > n - min_rows:
            report["dropped_warmup"].append(names[g])
            alive[g] = False
        elif constant[g]:
            report["dropped_constant"].append(names[g])
            alive[g] = False
        elif digests[g] in seen:
            report["dropped_duplicate"][names[g]] = names[seen[digests[g]]]
            alive[g] = False
        else:
            seen[digests[g]] = g
    kept, n_corr, n_cap = _redundancy_filter(sample, np.flatnonzero(alive), cfg.corr_threshold, cfg.max_features)
    selected = [names[g] for g in kept]
    report.update(dropped_correlated=n_corr, dropped_cap=n_cap, selected=len(selected),
                  selected_by_kind=dict(Counter(_kind(s) for s in selected)))
    log.info("feature selection: %d candidates -> %d kept (warm-up longer than the training rows %d, constant %d, duplicate %d, "
             "|corr| >= %.2f %d, over cap %d; sample of %d training rows from row %d)",
             k_all, len(selected), len(report["dropped_warmup"]), len(report["dropped_constant"]),
             len(report["dropped_duplicate"]), cfg.corr_threshold, n_corr, n_cap, len(rows), s0)
    if report["dropped_constant"]:
        log.info("constant features dropped: %s", report["dropped_constant"][:50])
    if report["dropped_duplicate"]:
        log.info("duplicate features dropped (-> kept twin): %s", dict(list(report["dropped_duplicate"].items())[:50]))
    return selected, report


def _redundancy_filter(sample: np.ndarray, order: np.ndarray, threshold: float,
                       cap: int) -> tuple[list[int], int, int]:
    """Greedy |corr| filter in priority ``order``; returns (kept ids, dropped as correlated, dropped by cap)."""
    x = sample - sample.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    z = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)  # (K, S) float32, unit rows
    kept: list[int] = []
    n_corr = 0
    pos = 0
    while pos < len(order) and len(kept) < cap:
        block = order[pos:pos + _BLOCK]
        pos += len(block)
        zb = z[block]
        if kept:
            ok = np.abs(z[kept] @ zb.T).max(axis=0) < threshold  # (B,)
        else:
            ok = np.ones(len(block), dtype=bool)
        n_corr += int((~ok).sum())
        cand = block[ok]
        inner = np.abs(zb[ok] @ zb[ok].T)  # (b, b)
        local: list[int] = []
        for i in range(len(cand)):
            if local and inner[i, local].max() >= threshold:
                n_corr += 1
                continue
            if len(kept) + len(local) >= cap:
                break
            local.append(i)
        kept.extend(int(cand[i]) for i in local)
    return kept, n_corr, len(order) - len(kept) - n_corr

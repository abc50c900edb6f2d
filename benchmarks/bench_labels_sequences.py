"""Benchmark: make_labels rows/s on BTCUSDT-4h, and SequenceDataset throughput and memory.

    .venv/bin/python benchmarks/bench_labels_sequences.py [--csv PATH] [--features 768] [--seq-len 64]

Sequence dataset: a (N_btc, features) float32 matrix, windows of seq_len bars; sequences/s through
``ds[i]`` (views), batches/s through ``ds.batch(256)`` (fresh array, and into a reused buffer), and
the memory the dataset allocates (tracemalloc) against the feature matrix. The original system
built windows at 4,065 sequences/s; the target is 100x that (406,500/s) at <= 1.5x the matrix.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np
import polars as pl

from neural_trading_system.config import LabelConfig
from neural_trading_system.features import SequenceDataset
from neural_trading_system.labels import TARGET_COLUMNS, make_labels

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_SEQ_PER_S = 4065.0


def read_btc(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(path)
    return raw.select(
        pl.col("open_time").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").alias("timestamp"),
        *[pl.col(c).cast(pl.Float64) for c in ("open", "high", "low", "close", "volume")],
    )


def best_of(fn, repeats: int) -> tuple[float, float]:
    """(best, median) wall seconds of ``fn`` over ``repeats`` runs (CPU seconds of the best printed too,
    since a shared machine's wall time includes waiting for a core)."""
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"  (wall {min(times) * 1e3:.1f} ms best, CPU {min(cpu) * 1e3:.1f} ms best; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=ROOT.parent / "shared" / "data" / "BTCUSDT-4h.csv")
    ap.add_argument("--features", type=int, default=768)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    frame = read_btc(args.csv)
    n = frame.height
    cfg = LabelConfig()
    labels = make_labels(frame, cfg)  # warm-up: numba kernels load / compile
    best, med = best_of(lambda: make_labels(frame, cfg), args.repeats)
    print(f"labels: {n:,} bars  best {best * 1e3:.1f} ms  median {med * 1e3:.1f} ms  "
          f"-> {n / best:,.0f} rows/s (best), {n / med:,.0f} rows/s (median)")
    tp, sl, hold = (float(np.nanmean(labels[c].to_numpy())) for c in ("target_tp", "target_sl", "target_hold"))
    reg = labels["ctx_vol_regime"].to_numpy()
    reg = reg[np.isfinite(reg)]
    print(f"labels: balance TP {tp:.3f}  SL {sl:.3f}  hold {hold:.3f}; "
          f"regime low/normal/high {[round(float(np.mean(reg == r)), 3) for r in (0, 1, 2)]}")

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, args.features), dtype=np.float32)  # (N, F) C-contiguous
    targets = {c: labels[c].to_numpy() for c in TARGET_COLUMNS}
    h, L = cfg.prediction_horizon, args.seq_len
    idx = np.arange(L - 1, n - h, dtype=np.int64)

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    ds = SequenceDataset(X, targets, idx, L, weights={"target_tp": targets["target_barrier_weight"]})
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held, peak = current - base, peak - base
    print(f"dataset: {len(ds):,} samples x ({L}, {args.features}); feature matrix {X.nbytes / 2**20:.1f} MiB; "
          f"dataset allocations held {held / 2**20:.2f} MiB, peak during build {peak / 2**20:.2f} MiB; "
          f"total (matrix + dataset) = {(X.nbytes + held) / X.nbytes:.3f}x the matrix "
          f"(materialized windows would be {len(ds) * L * args.features * 4 / X.nbytes:.0f}x)")

    order = rng.permutation(len(ds)).tolist()  # Python ints, as a torch sampler yields

    def items() -> None:
        for i in order:
            ds[i]

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    ds[0]  # builds the per-sample target cache of __getitem__
    cache = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    print(f"__getitem__ target cache: {cache / 2**20:.2f} MiB; total with it "
          f"{(X.nbytes + held + cache) / X.nbytes:.3f}x the matrix (ds.nbytes estimate {ds.nbytes / 2**20:.2f} MiB)")
    best, med = best_of(items, args.repeats)
    print(f"__getitem__: {len(ds) / best:,.0f} sequences/s (best), {len(ds) / med:,.0f} (median); "
          f"{len(ds) / best / ORIGINAL_SEQ_PER_S:,.0f}x the original's {ORIGINAL_SEQ_PER_S:,.0f}/s "
          f"(target 100x = {100 * ORIGINAL_SEQ_PER_S:,.0f}/s)")

    n_batches = 20
    batches = [rng.integers(0, len(ds), args.batch) for _ in range(n_batches)]
    buf = np.empty((args.batch, L, args.features), np.float32)

    def fresh() -> None:
        for b in batches:
            ds.batch(b)

    def reused() -> None:
        for b in batches:
            ds.batch(b, out=buf)

    mb = args.batch * L * args.features * 4 / 2**20
    for name, fn in (("batch(fresh)", fresh), ("batch(out=buf)", reused)):
        fn()
        best, med = best_of(fn, args.repeats)
        print(f"{name}: {n_batches / best:,.1f} batches/s of {args.batch} (best), {n_batches / med:,.1f} (median) "
              f"= {n_batches * args.batch / best:,.0f} sequences/s, {n_batches * mb / best / 1024:.1f} GiB/s written")


if __name__ == "__main__":
    main()

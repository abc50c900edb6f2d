"""Feature extractor throughput on the real BTC 4h history with the full default suite.

Prints: captured columns, candidate and selected feature counts, fit rows/s, transform rows/s,
transform_last latency p50/p99 (ms), peak traced memory of fit and transform (MiB), and the
process's peak RSS. Run: ``.venv/bin/python benchmarks/bench_features.py [--csv PATH]``.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl

from neural_trading_system.config import FeatureConfig
from neural_trading_system.features import FeatureExtractor
from neural_trading_system.indicators import default_suite, run_bulk

CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "BTCUSDT-4h.csv"


def load_captured(csv: Path) -> SimpleNamespace:
    """The BTC CSV (open_time ms, OHLCV) with the default suite captured: a Captured-like object."""
    raw = pl.read_csv(csv)
    frame = raw.select(
        pl.col("open_time").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").alias("timestamp"),
        *[pl.col(k).cast(pl.Float64) for k in ("open", "high", "low", "close", "volume")])
    arrays = {k: frame[k].to_numpy() for k in ("open", "high", "low", "close", "volume")}
    specs = default_suite()
    t0 = time.perf_counter()
    cols = run_bulk(specs, arrays)
    print(f"indicators: {len(specs)} specs, {len(cols)} columns over {frame.height} bars in "
          f"{time.perf_counter() - t0:.2f} s")
    meta = {f"{s.name}.{line}": SimpleNamespace(price_like=line in s.definition.price_like)
            for s in specs for line in s.lines}
    return SimpleNamespace(frame=frame.with_columns([pl.Series(k, v) for k, v in cols.items()]), meta=meta)


def traced(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, dt, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", type=Path, default=CSV)
    ap.add_argument("--train-frac", type=float, default=0.7)
    ap.add_argument("--last-calls", type=int, default=300)
    args = ap.parse_args()
    cap = load_captured(args.csv)
    n = cap.frame.height
    train_end = int(n * args.train_frac)
    cfg = FeatureConfig()
    # warm the numba kernels (compiled once, cached on disk) so fit is timed, not compiled
    FeatureExtractor(cfg.model_copy(update={"max_features": 16})).fit(
        SimpleNamespace(frame=cap.frame.slice(0, 600), meta=cap.meta), 600)
    ex, t_fit, m_fit = traced(lambda: FeatureExtractor(cfg).fit(cap, train_end))
    X, t_tr, m_tr = traced(lambda: ex.transform(cap))
    rep = ex.fit_report_
    print(f"captured columns: {len(ex.input_columns_)}; candidates {rep['candidates']} -> selected "
          f"{len(ex.feature_names_)} (warm-up {rep['dropped_warmup'].__len__()}, constant "
          f"{len(rep['dropped_constant'])}, duplicate {len(rep['dropped_duplicate'])}, correlated "
          f"{rep['dropped_correlated']}, over cap {rep['dropped_cap']})")
    print(f"selected by kind: {rep['selected_by_kind']}")
    print(f"fit: {train_end} training rows in {t_fit:.2f} s = {train_end / t_fit:,.0f} rows/s; "
          f"peak traced memory {m_fit:.0f} MiB")
    print(f"transform: {n} rows x {X.shape[1]} features in {t_tr:.3f} s = {n / t_tr:,.0f} rows/s; "
          f"peak traced memory {m_tr:.0f} MiB; first_valid_row {ex.first_valid_row_}")
    need = ex.required_history_
    ends = np.linspace(n // 2, n - 1, args.last_calls).astype(int)
    tails = [SimpleNamespace(frame=cap.frame.slice(t + 1 - need, need), meta=cap.meta) for t in ends]
    lat, err = [], 0.0
    for t, tail in zip(ends, tails):
        t0 = time.perf_counter()
        row = ex.transform_last(tail)
        lat.append(time.perf_counter() - t0)
        err = max(err, float(np.abs(row - X[t]).max()))
    lat_ms = np.array(lat[5:]) * 1e3
    print(f"transform_last ({need}-row buffer): p50 {np.percentile(lat_ms, 50):.2f} ms, "
          f"p99 {np.percentile(lat_ms, 99):.2f} ms over {len(lat_ms)} calls; max |diff| vs transform {err:.2e}")
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

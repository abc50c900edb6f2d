"""Load + validate throughput of the data layer (rows/s).

Run: ``.venv/bin/python benchmarks/bench_data.py [n_bars]`` from the project root. Figures:

- the BTC 4h Binance export (``../shared/data/BTCUSDT-4h.csv``): parse + validate (cold, no cache),
  and ``load_market`` served from the Parquet cache;
- a synthetic series of ``n_bars`` (default 1,000,000): generation and validation separately, for
  the regime market and the null market, then the same bars written to CSV and read back
  (parse + validate) and resampled 4h → 1d.

Each figure is the best of ``REPEAT`` runs after a warm-up (numba compilation excluded).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from neural_trading_system.config import DataConfig
from neural_trading_system.data import generate_market, load_market, read_ohlcv_file, resample_ohlcv, validate_ohlcv

BTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "BTCUSDT-4h.csv"
REPEAT = 3


def best(fn, repeat: int = REPEAT) -> tuple[float, object]:
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def line(label: str, rows: int, seconds: float) -> None:
    print(f"  {label:44s} {rows:>10,} rows {seconds * 1e3:9.1f} ms {rows / seconds / 1e6:8.2f} M rows/s")


def parse_and_validate(path: Path):
    frame, header = read_ohlcv_file(path)
    return validate_ohlcv(frame, source=str(path), header_lines=header)[0]


def main(n: int = 1_000_000) -> None:
    generate_market(1_000, 0)  # compile / load the numba cache
    with tempfile.TemporaryDirectory() as tmp:
        if BTC.is_file():
            print(f"BTC file {BTC.name}")
            dt, f = best(lambda: parse_and_validate(BTC))
            line("parse + validate (cold)", f.height, dt)
            cfg = DataConfig(source="file", path=str(BTC), data_dir=tmp)
            load_market(cfg, 0)  # fills the cache
            dt, md = best(lambda: load_market(cfg, 0))
            line("load_market from the cache (+ sha256 + validate)", md.frame.height, dt)
        else:
            print(f"BTC file {BTC} not present; skipped")

        for null in (False, True):
            print(f"synthetic {'null ' if null else 'regime '}market, {n:,} bars")
            dt, (frame, _, _) = best(lambda: generate_market(n, 0, null=null))
            line("generate", n, dt)
            dt, _ = best(lambda: validate_ohlcv(frame, source="synthetic"))
            line("validate", n, dt)

        csv = Path(tmp) / "synthetic.csv"
        frame.write_csv(csv)
        print(f"synthetic bars as CSV ({csv.stat().st_size / 1e6:.0f} MB)")
        dt, f = best(lambda: parse_and_validate(csv))
        line("parse + validate", f.height, dt)
        dt, d = best(lambda: resample_ohlcv(f, 4 * 3_600_000, "1d"))
        line(f"resample 4h -> 1d ({d.height:,} bars out)", f.height, dt)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

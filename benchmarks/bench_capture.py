"""Capture speed: (a) bulk collect of the default suite to Parquet, (b) our kernels vs Backtrader's
own classes on the indicators Backtrader ships, (c) the recorder's overhead on a user's strategy.

    .venv/bin/python benchmarks/bench_capture.py [--data ../shared/data/BTCUSDT-4h.csv] [--repeat 5]

Targets: (a) >= 20,000 bars/s; (b) >= 20x; (c) <= 10 % overhead.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from neural_trading_system.capture import DataCollectionStrategy, Recorder, bt, collect, make_cerebro, write_captured
from neural_trading_system.capture.frame import ohlcv_arrays
from neural_trading_system.indicators import REGISTRY, default_suite

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "BTCUSDT-4h.csv"

#: our kind (default parameters) → Backtrader's own class with the same parameters
BT_SHIPPED = {
    "rsi": lambda d: bt.ind.RSI(d, period=14),
    "macd": lambda d: bt.ind.MACDHisto(d, period_me1=12, period_me2=26, period_signal=9),
    "bbands": lambda d: bt.ind.BollingerBands(d, period=20, devfactor=2.0),
    "stoch": lambda d: bt.ind.Stochastic(d),
    "adx": lambda d: bt.ind.AverageDirectionalMovementIndex(d, period=14),
    "cci": lambda d: bt.ind.CCI(d, period=20),
    "atr": lambda d: bt.ind.ATR(d, period=14),
    "kama": lambda d: bt.ind.KAMA(d),
    "hma": lambda d: bt.ind.HMA(d),
    "zlema": lambda d: bt.ind.ZLEMA(d),
    "tsi": lambda d: bt.ind.TSI(d),
    "kst": lambda d: bt.ind.KST(d),
    "willr": lambda d: bt.ind.WilliamsR(d),
    "roc": lambda d: bt.ind.ROC(d),
    "mom": lambda d: bt.ind.Momentum(d),
    "ultosc": lambda d: bt.ind.UltimateOscillator(d),
    "ppo": lambda d: bt.ind.PPO(d),
    "awesome": lambda d: bt.ind.AwesomeOscillator(d),
    "dpo": lambda d: bt.ind.DPO(d),
    "trix": lambda d: bt.ind.TRIX(d),
    "aroon": lambda d: bt.ind.AroonUpDown(d),
    "dema": lambda d: bt.ind.DEMA(d),
    "tema": lambda d: bt.ind.TEMA(d),
    "sma": lambda d: bt.ind.SMA(d),
    "ema": lambda d: bt.ind.EMA(d),
    "psar": lambda d: bt.ind.ParabolicSAR(d),
}
#: Backtrader's HeikinAshi disables runonce for the whole Cerebro: timed on its own
BT_NEXT_ONLY = {"heikin_ashi": lambda d: bt.ind.HeikinAshi(d)}


def load(path: Path):
    try:
        from neural_trading_system.config import load_config
        from neural_trading_system.data import load_market

        cfg = load_config("default", None, None).with_overrides(
            {"data.source": "file", "data.path": str(path), "data.data_dir": tempfile.mkdtemp()})
        return load_market(cfg.data, 0).frame
    except ImportError:  # data layer not there: read the Binance export directly
        import polars as pl

        raw = pl.read_csv(path)
        return raw.select(pl.col("open_time").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").alias("timestamp"),
                          *(pl.col(k).cast(pl.Float64) for k in ("open", "high", "low", "close", "volume")))


def best(fn, repeat: int) -> float:
    """Best wall-clock time of ``repeat`` calls (seconds)."""
    return best2(fn, repeat)[0]


def best2(fn, repeat: int) -> tuple[float, float]:
    """(best wall-clock, best process CPU) seconds of ``repeat`` calls: CPU time is the steadier figure
    when other jobs share the machine."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def bench_collect(frame, repeat: int) -> None:
    specs = default_suite()
    out = Path(tempfile.mkdtemp()) / "indicators.parquet"
    t = time.perf_counter()
    cap = collect(frame, specs)
    write_captured(cap, out)
    cold = time.perf_counter() - t

    def run():
        write_captured(collect(frame, specs), out)

    warm, warm_cpu = best2(run, repeat)
    t_collect, t_collect_cpu = best2(lambda: collect(frame, specs), repeat)
    n = frame.height
    print(f"(a) default suite: {len(specs)} indicators, {len(cap.meta)} lines, {n:,} bars")
    print(f"    collect + zstd Parquet + Arrow IPC + sidecars: {warm:.3f} s wall = {n / warm:,.0f} bars/s "
          f"(target >= 20,000), {warm_cpu:.3f} s CPU; collect alone {t_collect:.3f} s = {n / t_collect:,.0f} bars/s "
          f"({t_collect_cpu:.3f} s CPU); first call in this process (numba cache load) {cold:.3f} s = "
          f"{n / cold:,.0f} bars/s")


def bench_vs_backtrader(frame, repeat: int) -> None:
    kinds = [k for k in BT_SHIPPED if k in REGISTRY]
    specs = [REGISTRY[k]() for k in kinds]
    arrays = ohlcv_arrays(frame)

    def ours():
        for s in specs:
            s.run(arrays)

    class Theirs(bt.Strategy):
        def __init__(self):
            self.inds = [BT_SHIPPED[k](self.data) for k in kinds]

    class Empty(bt.Strategy):
        pass

    def cerebro(strategy, runonce=True):
        make_cerebro(frame, strategy).run(runonce=runonce)

    t_ours = best(ours, repeat)
    t_bt = best(lambda: cerebro(Theirs), max(1, repeat // 2))
    t_empty = best(lambda: cerebro(Empty), max(1, repeat // 2))
    t_wrapped = best(lambda: make_cerebro(frame, DataCollectionStrategy, specs=specs).run(), max(1, repeat // 2))
    if "heikin_ashi" in REGISTRY:
        ha = REGISTRY["heikin_ashi"]()

        class HA(bt.Strategy):
            def __init__(self):
                self.ha = BT_NEXT_ONLY["heikin_ashi"](self.data)

        t_ha_ours = best(lambda: ha.run(arrays), repeat)
        t_ha_bt = best(lambda: cerebro(HA), 1)
    print(f"(b) {len(kinds)} indicators Backtrader ships ({', '.join(kinds)})")
    print(f"    our kernels {t_ours:.3f} s; Backtrader's classes in Cerebro (runonce) {t_bt:.3f} s "
          f"-> {t_bt / t_ours:.1f}x (target >= 20x); Cerebro with no indicators {t_empty:.3f} s, so indicator "
          f"work alone {(t_bt - t_empty) / t_ours:.1f}x; our bt.Indicator wrappers in Cerebro {t_wrapped:.3f} s")
    if "heikin_ashi" in REGISTRY:
        print(f"    heikin_ashi (Backtrader's disables runonce): ours {t_ha_ours * 1e3:.2f} ms, Backtrader's "
              f"{t_ha_bt:.3f} s -> {t_ha_bt / t_ha_ours:.0f}x")


class UserStrategy(bt.Strategy):
    """A user's own strategy: 10 built-in indicators and a trivial rule."""

    def __init__(self):
        d = self.data
        self.rsi = bt.ind.RSI(d, period=14)
        self.macd = bt.ind.MACD(d)
        self.bb = bt.ind.BollingerBands(d)
        self.stoch = bt.ind.Stochastic(d)
        self.atr = bt.ind.ATR(d)
        self.cci = bt.ind.CCI(d)
        self.sma_fast = bt.ind.SMA(d, period=10)
        self.sma_slow = bt.ind.SMA(d, period=50)
        self.adx = bt.ind.ADX(d)
        self.willr = bt.ind.WilliamsR(d)

    def next(self):
        if not self.position and self.rsi[0] < 30:
            self.buy()
        elif self.position and self.rsi[0] > 70:
            self.close()


def bench_overhead(frame, repeat: int) -> None:
    def plain():
        make_cerebro(frame, UserStrategy).run()

    def recorded(mode: str):
        c = make_cerebro(frame, UserStrategy)
        rec = Recorder(mode=mode).attach(c)
        c.run()
        return rec

    rec = recorded("bulk")
    runs: dict[str, list[tuple[float, float]]] = {"plain": [], "bulk": [], "stream": []}
    for _ in range(repeat):  # interleaved, best of each: the machine may be shared
        for name, fn in (("plain", plain), ("bulk", lambda: recorded("bulk")), ("stream", lambda: recorded("stream"))):
            runs[name].append(best2(fn, 1))
    (t_plain, c_plain), (t_bulk, c_bulk), (t_stream, c_stream) = (
        (min(w for w, _ in runs[k]), min(c for _, c in runs[k])) for k in ("plain", "bulk", "stream"))
    print(f"(c) user strategy, 10 built-ins ({len(rec.captured.meta)} lines captured incl. nested), "
          f"{frame.height:,} bars")
    print(f"    wall: without capture {t_plain:.3f} s; bulk recorder {t_bulk:.3f} s "
          f"(+{100 * (t_bulk / t_plain - 1):.1f} %, target <= 10 %); streaming recorder {t_stream:.3f} s "
          f"(+{100 * (t_stream / t_plain - 1):.1f} %)")
    print(f"    CPU:  without capture {c_plain:.3f} s; bulk recorder {c_bulk:.3f} s "
          f"(+{100 * (c_bulk / c_plain - 1):.1f} %); streaming recorder {c_stream:.3f} s "
          f"(+{100 * (c_stream / c_plain - 1):.1f} %)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=("a", "b", "c"), default=None, help="Run one part only.")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    frame = load(args.data)
    print(f"data: {args.data} ({frame.height:,} bars)")
    for part, fn in (("a", bench_collect), ("b", bench_vs_backtrader), ("c", bench_overhead)):
        if args.only in (None, part):
            fn(frame, args.repeat)


if __name__ == "__main__":
    main()

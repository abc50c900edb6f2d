"""``run_backtest``: the neural strategy and three baselines over out-of-sample bars, metrics, files, dashboard.

Steps: load the run (its extractor and model, nothing refitted) → choose the traded bars
(:mod:`.guard`) → one streamed model pass over them (or the streaming predictor bar by bar) → the
regime filter (KMeans of the training latents) → :class:`~.policy.Policy` decisions → Backtrader
with costs → the same for buy & hold, SMA crossover and LightGBM → metrics → ``backtest/metrics.json``,
``backtest/trades.csv`` and ``dashboard.html`` in the run directory.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..artifacts import atomic_path, write_json_atomic
from ..config import BacktestConfig, DataConfig
from .engine import SimResult, simulate
from .guard import TradeWindow, data_window, run_window
from .metrics import Metrics, bars_per_year, compute_metrics
from .policy import Decisions, Policy, RegimeFilter, calibrate_thresholds, payoff_ratio

__all__ = ["BacktestResult", "StrategyRun", "run_backtest", "STRATEGY_LABELS"]

log = logging.getLogger(__name__)

#: display names of the strategies, in table order
STRATEGY_LABELS = {"neural": "Neural", "buy_hold": "Buy & hold", "sma_cross": "SMA crossover",
                   "lightgbm": "LightGBM"}


@dataclass
class StrategyRun:
    """One strategy's decisions, account path and metrics over the traded bars."""

    name: str
    decisions: Decisions
    sim: SimResult
    metrics: Metrics


@dataclass
class BacktestResult:
    """Everything a backtest produced.

    ``strategies``: name → :class:`StrategyRun` (``neural``, ``buy_hold``, ``sma_cross``,
    ``lightgbm``); ``timestamps``/``ohlcv``: the traded bars; ``predictions``: the neural inputs per
    traded bar (model outputs, ``regime``, ``atr``, ``vol_regime``); ``window``: the guard's choice;
    ``out_dir``: ``run_dir/backtest``; ``dashboard``: path of ``dashboard.html`` (None when skipped).
    """

    run_dir: Path
    window: TradeWindow
    timestamps: pl.Series
    ohlcv: pl.DataFrame
    strategies: dict[str, StrategyRun]
    predictions: dict[str, np.ndarray]
    regime_filter: RegimeFilter
    config: BacktestConfig
    out_dir: Path
    dashboard: Path | None = None
    streaming: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return {k: s.metrics.to_dict() for k, s in self.strategies.items()}

    @property
    def trades(self) -> dict[str, list[dict[str, Any]]]:
        return {k: s.sim.trades for k, s in self.strategies.items()}

    @property
    def equity(self) -> dict[str, np.ndarray]:
        return {k: s.sim.equity for k, s in self.strategies.items()}


@dataclass
class _Market:
    frame: pl.DataFrame  # OHLCV of every bar (warm-up included)
    X: np.ndarray  # (N, F) float32, warm-up rows zeroed
    first_valid: int
    interval: str
    source: str


def _run_market(rb) -> _Market:
    b = rb.bundle
    frame = b.captured.frame.select(["timestamp", "open", "high", "low", "close", "volume"])
    return _Market(frame, b.X, int(b.first_valid), str(rb.manifest.get("interval", rb.config.data.interval)),
                   "the run's own data")


def _data_market(rb, data_cfg: DataConfig) -> _Market:
    from ..capture import collect
    from ..data import load_market
    from ..indicators import get_suite

    market = load_market(data_cfg, rb.config.seed)
    captured = collect(market.frame, get_suite(rb.config.capture.suite), source=market.source)
    X = rb.bundle.extractor.transform(captured)
    finite = np.isfinite(X).all(axis=1)
    first_valid = int(np.argmax(finite)) if finite.any() else len(X)
    X = np.ascontiguousarray(np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0), dtype=np.float32)
    return _Market(market.frame.select(["timestamp", "open", "high", "low", "close", "volume"]), X, first_valid,
                   market.interval, market.source)


def run_backtest(run_dir: str | Path | None = None, data_cfg: DataConfig | None = None, allow_in_sample: bool = False,
                 streaming: bool = False, runs_dir: str | Path = "runs", overrides: dict[str, Any] | None = None,
                 dashboard: bool = True, baselines: bool = True, engine: str = "backtrader") -> BacktestResult:
    """Backtest a trained run (None: the most recent) out of sample; see the module docstring.

    ``data_cfg``: other market data (same guard); ``allow_in_sample``: permit bars that trained or
    validated the model (stamped IN-SAMPLE); ``streaming``: the neural strategy predicts bar by bar
    through :class:`~..live.StreamingPredictor` instead of one streamed pass; ``overrides``: keys of
    the ``backtest`` config section; ``engine``: ``'backtrader'`` or ``'simulate'`` (the fast
    simulator, same trades) for the baselines and the batch neural strategy.
    Raises :class:`~..errors.OutOfSampleError` when nothing out of sample is left to trade.
    """
    from ..pipeline import load_run_bundle
    from ..training import predict_bars
    from .baselines import buy_hold_decisions, sma_cross_decisions
    from .predictions import atr_bulk, fit_regime_filter, neural_policy, vol_regime_bulk

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rb = load_run_bundle(run_dir, runs_dir)
    cfg = rb.config
    bcfg = BacktestConfig.model_validate({**cfg.backtest.model_dump(), **overrides}) if overrides else cfg.backtest
    allow = allow_in_sample or bcfg.allow_in_sample
    seq_len = cfg.model.seq_len
    mk = _run_market(rb) if data_cfg is None else _data_market(rb, data_cfg)
    run_ts = rb.bundle.captured.frame["timestamp"]
    first_full = mk.first_valid + seq_len - 1
    if data_cfg is None:
        window = run_window(rb.manifest, run_ts, first_full, allow)
    else:
        window = data_window(rb.manifest, run_ts, mk.frame["timestamp"], first_full, allow, mk.source)
    log.info("backtest window: %s", window.note)
    timings["load"] = time.perf_counter() - t0

    out_dir = rb.run_dir / "backtest"
    out_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    rf = fit_regime_filter(rb, cache_dir=out_dir)
    timings["regime_filter"] = time.perf_counter() - t

    s, e = window.start, window.end
    bars = np.arange(s, e + 1)
    frame = mk.frame.slice(s, e - s + 1)
    arr = {k: mk.frame[k].to_numpy().astype(np.float64) for k in ("open", "high", "low", "close")}
    atr = atr_bulk(arr["open"], arr["high"], arr["low"], arr["close"])[s:e + 1]
    vol_regime = vol_regime_bulk(arr["close"], cfg)[s:e + 1]
    close = arr["close"][s:e + 1]
    neural_cfg, policy = neural_policy(rb, bcfg, rf)
    runs: dict[str, StrategyRun] = {}
    bpy = bars_per_year(mk.interval)

    def finish(name: str, d: Decisions, sim: SimResult) -> None:
        m = compute_metrics(sim.equity, sim.trade_returns, sim.position, sim.traded_notional, bpy)
        runs[name] = StrategyRun(name, d, sim, m)

    def execute(d: Decisions) -> SimResult:
        if engine == "simulate":
            return simulate(frame["open"].to_numpy(), close, d, bcfg)
        from .strategy import run_cerebro

        return run_cerebro(frame, d, bcfg)[0]

    t = time.perf_counter()
    if streaming:
        preds, sim, d = _streaming_neural(rb, rf, policy, mk.frame, s, frame, neural_cfg)
        preds.update(atr=atr, vol_regime=vol_regime)
        timings["neural_streaming"] = time.perf_counter() - t
    else:
        preds = predict_bars(rb.model, mk.X, bars, seq_len)
        preds.update(regime=rf.assign(preds["regime_mu"]), atr=atr, vol_regime=vol_regime, close=close)
        timings["neural_predict"] = time.perf_counter() - t
        t = time.perf_counter()
        d = policy.decisions(preds, close, atr, vol_regime, preds["regime"])
        sim = execute(d)
        timings["neural_backtest"] = time.perf_counter() - t
    finish("neural", d, sim)
    preds["realized_entry"] = _realized_entry(mk.frame, cfg)[s:e + 1]

    if baselines:
        t = time.perf_counter()
        bh = buy_hold_decisions(close, bcfg)
        finish("buy_hold", bh, execute(bh))
        sma = sma_cross_decisions(arr["close"], s, bcfg)  # the window always ends at the last bar
        finish("sma_cross", sma, execute(sma))
        finish("lightgbm", *_lightgbm(rb, mk, bars, close, atr, vol_regime, bcfg, execute))
        timings["baselines"] = time.perf_counter() - t

    result = BacktestResult(rb.run_dir, window, frame["timestamp"], frame, runs, preds, rf, bcfg, out_dir,
                            streaming=streaming, timings=timings)
    _write_outputs(result, mk.source)
    if dashboard:
        from .dashboard import write_dashboard

        t = time.perf_counter()
        result.dashboard = write_dashboard(result, rb.run_dir / "dashboard.html")
        timings["dashboard"] = time.perf_counter() - t
    return result


def _realized_entry(frame: pl.DataFrame, cfg) -> np.ndarray:
    """``target_entry > 0.5`` of every bar as 0/1 (NaN where the horizon runs past the data), for calibration."""
    from ..labels import make_labels

    te = make_labels(frame, cfg.labels)["target_entry"].to_numpy()
    return np.where(np.isfinite(te), (te > 0.5).astype(np.float64), np.nan)


def _streaming_neural(rb, rf: RegimeFilter, policy: Policy, full: pl.DataFrame, start: int, frame: pl.DataFrame,
                      bcfg: BacktestConfig):
    from ..live import StreamingPredictor, stack_decisions
    from .strategy import NeuralStrategy, run_cerebro

    predictor = StreamingPredictor(rb, rf)
    predictor.warm_up(full.slice(0, start), score=False)
    n = frame.height
    close = frame["close"].to_numpy().astype(np.float64)
    d = Decisions(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n), np.full(n, np.inf), close)
    sim, strat = run_cerebro(frame, d, bcfg, strategy=NeuralStrategy, streaming=True, predictor=predictor,
                             policy=policy)
    return stack_decisions(strat.streamed), sim, d


def _lightgbm(rb, mk: _Market, bars: np.ndarray, close: np.ndarray, atr: np.ndarray, vol_regime: np.ndarray,
              bcfg: BacktestConfig, execute) -> tuple[Decisions, SimResult]:
    from ..labels import volatility_context
    from .baselines import fit_lightgbm

    b, cfg = rb.bundle, rb.config
    train, val = np.asarray(b.split.train), np.asarray(b.split.val)
    model = fit_lightgbm(b.X, b.labels, train, val, cfg.seed, bcfg.lgbm_rounds)
    run_regime = np.nan_to_num(b.labels["ctx_vol_regime"].to_numpy(), nan=1.0).astype(np.int64)
    rf = RegimeFilter.fit(run_regime[train], b.labels["target_return"].to_numpy()[train], 3, source="ctx_vol_regime")
    ctx_vol = volatility_context(mk.frame["close"].to_numpy().astype(np.float64), cfg.labels).vol[bars]
    preds = model.predict(mk.X[bars], ctx_vol)
    all_vol = volatility_context(b.captured.frame["close"].to_numpy().astype(np.float64), cfg.labels).vol
    bcfg = calibrate_thresholds(bcfg, model.predict(b.X[val], all_vol[val]))  # validation quantiles, as neural
    policy = Policy(bcfg, payoff_ratio(cfg.labels), rf.allowed(bcfg.min_regime_win_rate))
    d = policy.decisions(preds, close, atr, vol_regime, np.nan_to_num(vol_regime, nan=1.0).astype(np.int64))
    return d, execute(d)


def _write_outputs(res: BacktestResult, source: str) -> None:
    ts = res.timestamps
    meta = {"window": {"start_bar": res.window.start, "end_bar": res.window.end, "start": str(ts[0]),
                       "end": str(ts[-1]), "bars": len(ts), "note": res.window.note, "cutoff": str(res.window.cutoff)},
            "in_sample": res.window.in_sample, "data": source, "streaming": res.streaming,
            "config": res.config.model_dump(mode="json"), "regime_filter": res.regime_filter.to_dict(),
            "baselines": {"buy_hold": "long max_position from the first bar to the end",
                          "sma_cross": f"long while SMA({res.config.sma_fast}) > SMA({res.config.sma_slow}) of the close",
                          "lightgbm": "LightGBM on the run's features/labels/splits, traded by the neural policy"},
            "rejected_orders": {k: s.sim.rejected for k, s in res.strategies.items()},
            "timings_s": {k: round(v, 3) for k, v in res.timings.items()}}
    write_json_atomic(res.out_dir / "metrics.json", {"metrics": res.metrics, **meta})
    cols = ["strategy", "entry_bar", "entry_time", "exit_bar", "exit_time", "entry_price", "exit_price", "units",
            "pnl", "return", "commission", "reason"]
    with atomic_path(res.out_dir / "trades.csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for name, s in res.strategies.items():
            for tr in s.sim.trades:
                w.writerow([name, tr["entry_bar"], ts[tr["entry_bar"]], tr["exit_bar"], ts[tr["exit_bar"]],
                            *(repr(float(tr[k])) for k in ("entry_price", "exit_price", "units", "pnl", "return",
                                                            "commission")), tr["reason"]])

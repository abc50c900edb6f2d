"""The Python API; the ``nts`` commands call these functions.

>>> from neural_trading_system import train_neural_system
>>> result = train_neural_system(preset="debug")            # synthetic market
>>> result = train_neural_system(coin="BTC", interval="4h", start_date="2021-01-01",
...                              data="../shared/data/BTCUSDT-4h.csv")
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import make_run_dir
from .config import Config, load_config

log = logging.getLogger(__name__)

__all__ = ["TrainOutcome", "RunOutcome", "resolve_config", "train", "run_main", "train_neural_system", "analyze"]


@dataclass
class TrainOutcome:
    """What a training run produced."""

    run_dir: Path
    config: Config
    summary: dict[str, Any]
    result: Any  # training.TrainResult
    timings: dict[str, float] = field(default_factory=dict)
    bundle: Any = None  # pipeline.DatasetBundle (in memory, for the following stages)
    market: Any = None


def resolve_config(config: Config | str | Path | dict | None = None, preset: str = "default",
                   **overrides: Any) -> Config:
    """A Config from a Config, a file path, a dict of (flat or nested) keys, or a preset."""
    if isinstance(config, Config):
        cfg = config
    elif isinstance(config, (str, Path)):
        cfg = load_config(preset, config)
    elif isinstance(config, dict):
        cfg = load_config(preset, None, config)
    else:
        cfg = load_config(preset)
    clean = {k: v for k, v in overrides.items() if v is not None}
    return cfg.with_overrides(clean) if clean else cfg


def train(cfg: Config, progress: bool = True) -> TrainOutcome:
    """Collect, build features and labels, train; everything into one run directory."""
    from .pipeline import StageTimer, build_datasets, capture_indicators, label_summary, load_data, write_run_files
    from .training import train_model, write_manifest

    timer = StageTimer()
    run_dir = make_run_dir(cfg.runs_dir, cfg.run_name, cfg.preset)
    with timer("data"):
        market = load_data(cfg)
    log.info("data: %s, %d bars (%s)", market.source, market.frame.height, market.interval)
    with timer("capture"):
        captured = capture_indicators(cfg, market, cache_dir=Path(cfg.data.data_dir) / "captures")
    with timer("features_labels"):
        bundle = build_datasets(cfg, captured)
    summary = label_summary(bundle)
    log.info("features: %d, splits: %s, purged: %s", bundle.n_features, summary["split_sizes"], summary["purged"])
    write_run_files(run_dir, cfg, bundle, market, timer.timings, extra={"dataset": summary})
    if market.regimes is not None:
        import numpy as np

        np.save(run_dir / "true_regimes.npy", market.regimes, allow_pickle=False)
    with timer("train"):
        result = train_model(cfg, bundle.train, bundle.val, run_dir, resume=False, progress=progress)
    write_manifest(run_dir, timings_s=timer.timings, training=_result_dict(result))
    return TrainOutcome(run_dir, cfg, summary, result, timer.timings, bundle, market)


def _result_dict(result: Any) -> dict[str, Any]:
    keys = ("best_epoch", "best_val_loss", "epochs_run", "stopped_early")
    return {k: getattr(result, k) for k in keys if hasattr(result, k)}


def train_neural_system(
    coin: str | None = None,
    interval: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    config: Config | str | Path | dict | None = None,
    data: str | Path | None = None,
    exchange: str | None = None,
    preset: str = "default",
    run_name: str | None = None,
    full: bool = True,
    **overrides: Any,
) -> "RunOutcome | TrainOutcome":
    """The main job from Python, as the original system's entry point (and ``nts run``).

    With ``data`` a CSV/Parquet file is used; with ``exchange`` the market ``<coin>/USDT`` is
    downloaded through ccxt; with neither, the embedded synthetic market. ``start_date`` and
    ``end_date`` cut the data window; ``overrides`` are config keys (``seq_len=64``, ...).
    ``full=False`` stops after training (a :class:`TrainOutcome`); otherwise the analysis report
    and the backtest follow (a :class:`RunOutcome`).
    """
    o: dict[str, Any] = dict(overrides)
    if data is not None:
        o.update({"data.source": "file", "data.path": str(data)})
    elif exchange is not None:
        o.update({"data.source": "exchange", "data.exchange": exchange})
    if coin is not None:
        o["data.symbol"] = coin if "/" in coin else f"{coin.upper()}/USDT"
    if interval is not None:
        o["data.interval"] = interval
    if start_date is not None:
        o["data.start"] = str(start_date)
    if end_date is not None:
        o["data.end"] = str(end_date)
    if run_name is not None:
        o["run_name"] = run_name
    cfg = resolve_config(config, preset, **o)
    return run_main(cfg) if full else train(cfg)


@dataclass
class RunOutcome:
    """What the main job produced: the training outcome, the analysis and the backtest."""

    train: TrainOutcome
    analysis: Any
    backtest: Any
    timings: dict[str, float]

    @property
    def run_dir(self) -> Path:
        return self.train.run_dir


def run_main(cfg: Config, progress: bool = True) -> RunOutcome:
    """The main job: data, capture, features and labels, training, analysis, backtest."""
    import time

    from .analysis import analyze_run
    from .backtest import run_backtest

    t0 = time.perf_counter()
    trained = train(cfg, progress=progress)
    timings = dict(trained.timings)
    t = time.perf_counter()
    analysis = analyze_run(trained.run_dir)
    timings["analysis"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    bt = run_backtest(trained.run_dir)
    timings["backtest"] = round(time.perf_counter() - t, 3)
    timings["total"] = round(time.perf_counter() - t0, 3)
    return RunOutcome(trained, analysis, bt, timings)


def analyze(run_dir: str | Path | None = None, runs_dir: str | Path = "runs", **options: Any):
    """Write the analysis report of a run (None: the most recent under ``runs_dir``).

    ``options`` are :class:`analysis.AnalysisOptions` fields (``bar``, ``k_regimes``, ``ig_steps`` …).
    Returns an ``analysis.AnalysisOutcome`` (report path, PNG paths, metrics).
    """
    from .analysis import AnalysisOptions, analyze_run

    return analyze_run(run_dir, runs_dir, AnalysisOptions(**options))

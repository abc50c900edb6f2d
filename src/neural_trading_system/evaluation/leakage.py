"""``nts check-leakage``: no edge on noise, no answer changed by the future, one answer on every path.

Checks (each a :class:`~.truncation.CheckResult` row; any failure makes the command exit non-zero):

(a) null market: the neural model and LightGBM trained on the synthetic null market (a driftless
    random walk: nothing to learn) score an entry AUC on its test split within 0.5 ± ``auc_tol``.
(b) truncation: capture, features, labels and predictions at bar t computed from ``bars[:t+1]``
    equal the full-history ones (a few random t, and the last validation and test bars).
(c) parity: ``StreamingSuite`` vs the bulk capture; ``transform_last`` vs ``transform``; the live
    ``StreamingPredictor`` fed bar by bar vs batch prediction (same outputs, first output at the
    same bar).
(d) split hygiene: no sample in two splits, no input or target window across a boundary, and the
    extractor's fitted state (scaler, selection) identical when every row after the training end
    is replaced by noise.

``capture_fn(ohlcv) -> Captured`` can replace the capture (a test injects a leaky column with it).
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import polars as pl

from ..config import Config
from .truncation import (CheckResult, TruncationProbe, capture_truncation, feature_truncation, label_truncation, max_diff,
                         prediction_truncation, streaming_capture_parity, transform_last_parity)

__all__ = ["LEAKAGE_DEFAULTS", "run_leakage_checks", "null_market_check", "split_hygiene", "scaler_isolation",
           "streaming_predictor_parity",
           "CheckResult"]

log = logging.getLogger(__name__)

LEAKAGE_DEFAULTS: dict[str, Any] = {"training.num_epochs": 2, "training.max_steps_per_epoch": 30,
                                    "training.patience": 2, "training.progress_bar": False}
"""Training budget of the models the checks train (they need weights, not a good model)."""
NULL_SPLITS = {"splits.train_frac": 0.5, "splits.val_frac": 0.1}
"""The null-market run keeps 40 % of its bars for the test split, so its AUC is measured on many samples."""


def _train(cfg: Config, bundle: Any) -> Any:
    """Train the neural model on ``bundle`` into a temporary directory; the model in eval mode."""
    from ..model.network import NeuralTradingModel
    from ..training import load_weights, train_model

    with tempfile.TemporaryDirectory(prefix="nts-leakage-") as tmp:
        res = train_model(cfg, bundle.train, bundle.val, Path(tmp), resume=False, progress=False)
        model = NeuralTradingModel(cfg.model, bundle.n_features)
        load_weights(model, res.weights_path)
    return model.eval()


def _auc_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC (independent samples; overlapping horizons widen it)."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    v = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / max(n_pos * n_neg, 1)
    return math.sqrt(max(v, 0.0))


def null_market_check(cfg: Config, null_bars: int, auc_tol: float = 0.03) -> list[CheckResult]:
    """(a) neural and LightGBM entry AUC on the null market's test split within 0.5 ± ``auc_tol``."""
    from ..pipeline import build_datasets, capture_indicators, load_data
    from ..training import predict
    from ..backtest.baselines import fit_lightgbm
    from .scores import roc_auc

    ncfg = cfg.with_overrides({"data.source": "synthetic", "data.null_market": True, "data.synthetic_bars": null_bars,
                               **NULL_SPLITS})
    market = load_data(ncfg)
    bundle = build_datasets(ncfg, capture_indicators(ncfg, market))
    entry = bundle.labels["target_entry"].to_numpy()
    event = np.where(np.isfinite(entry), (entry > 0.5).astype(np.float64), np.nan)
    s = bundle.split
    y = event[s.test]
    p_nn = predict(_train(ncfg, bundle), bundle.test)["entry_prob"]
    gbm = fit_lightgbm(bundle.X, bundle.labels, s.train, s.val, ncfg.seed, ncfg.backtest.lgbm_rounds)
    p_gb = gbm.predict(bundle.X[s.test], bundle.labels["ctx_vol"].to_numpy()[s.test])["entry_prob"]
    n_pos = int(np.nansum(y))
    n_neg = int(np.isfinite(y).sum()) - n_pos
    out = []
    for name, p in (("neural", p_nn), ("LightGBM", p_gb)):
        auc = roc_auc(y, p)
        ok = bool(np.isfinite(auc) and abs(auc - 0.5) <= auc_tol)
        out.append(CheckResult("null market", f"{name} entry AUC on noise within 0.5 ± {auc_tol}", ok,
                               f"AUC {auc:.4f} (se ≈ {_auc_se(auc, n_pos, n_neg):.4f}, {y.size} test samples)",
                               "" if ok else "an edge on a random walk: something sees the future"))
    return out


def split_hygiene(split: Any, seq_len: int, horizon: int) -> CheckResult:
    """(d) disjoint splits; every sample's span ``t-seq_len+1 … t+horizon`` inside its own segment only."""
    names = ("train", "val", "test")
    idx = {n: np.asarray(getattr(split, n)) for n in names}
    shared = sum(int(np.intersect1d(idx[a], idx[b]).size) for i, a in enumerate(names) for b in names[i + 1:])
    crossing = 0
    spans = {n: (int(v.min()) - seq_len + 1, int(v.max()) + horizon) for n, v in idx.items() if v.size}
    for n, v in idx.items():
        lo, hi = split.segments[n]
        crossing += int(np.sum((v - seq_len + 1 < lo) | (v + horizon >= hi)))
    order = [spans[n] for n in names if n in spans]
    overlaps = sum(int(order[i][1] >= order[i + 1][0]) for i in range(len(order) - 1))
    ok = shared == 0 and crossing == 0 and overlaps == 0
    return CheckResult("split hygiene", "no shared sample; no window or target across a boundary", ok,
                       f"{shared} shared, {crossing} spans outside their segment, {overlaps} overlapping split spans",
                       "" if ok else "fix splits.py purging")


def scaler_isolation(cfg: Config, captured: Any, train_end: int, seed: int) -> CheckResult:
    """(d) the extractor fitted with every row >= ``train_end`` replaced by noise has the same state."""
    from ..features import FeatureExtractor

    ref = FeatureExtractor(cfg.features).fit(captured, train_end=train_end).state_dict()
    rng = np.random.default_rng(seed)
    frame = captured.frame
    n_after = frame.height - train_end
    noisy = frame.with_columns([
        pl.concat([frame[c].slice(0, train_end), pl.Series(c, rng.normal(0, 1e3, n_after) + 1e4)])
        for c in frame.columns if c != "timestamp"])
    other = FeatureExtractor(cfg.features).fit(type(captured)(noisy, captured.meta), train_end=train_end).state_dict()
    a, b = json.dumps(ref, sort_keys=True, default=str), json.dumps(other, sort_keys=True, default=str)
    diff = [k for k in ref if json.dumps(ref[k], sort_keys=True, default=str) != json.dumps(other.get(k), sort_keys=True,
                                                                                              default=str)]
    return CheckResult("split hygiene", "extractor state unchanged by validation/test rows", a == b,
                       f"{len(diff)} of {len(ref)} state entries differ", ", ".join(diff[:5]))


def streaming_predictor_parity(cfg: Config, bundle: Any, model: Any, X: np.ndarray, frame: pl.DataFrame,
                               extra_bars: int = 60, tol: float = 1e-5) -> CheckResult:
    """(c) ``live.StreamingPredictor`` fed bar by bar vs batch ``predict_windows`` on the same windows."""
    from types import SimpleNamespace

    try:
        from ..live.predictor import StreamingPredictor
    except ImportError:
        return CheckResult("parity", "live: StreamingPredictor vs batch predict", None, "n/a (live/ not built yet)")
    from ..training import predict_windows

    seq_len = cfg.model.seq_len
    end = min(frame.height, bundle.first_valid + seq_len + extra_bars)
    sp = StreamingPredictor(SimpleNamespace(config=cfg, model=model, bundle=bundle))
    decisions = sp.warm_up(frame.slice(0, end))
    warm = [d for d in decisions if d.is_warm]
    if not warm:
        return CheckResult("parity", "live: StreamingPredictor vs batch predict", False,
                           f"no warm decision in the first {end} bars", "the predictor never produced an output")
    bars = np.array([d.bar for d in warm])
    Xc = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    win = np.stack([Xc[t - seq_len + 1: t + 1] for t in bars])  # (B, T, F)
    batch = predict_windows(model, win, batch_size=len(win))
    keys = ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob", "expected_return", "volatility")
    per = {k: max_diff(np.array([getattr(d, k) for d in warm]), batch[k]) for k in keys}
    worst = max(per, key=lambda k: per[k])
    d = per[worst]
    first_batch_bar = bundle.first_valid + seq_len - 1
    late = int(bars[0]) - first_batch_bar
    ok = d <= tol and late == 0
    return CheckResult("parity", "live: StreamingPredictor vs batch predict", ok,
                       f"max rel diff {d:.2e} over {len(warm)} streamed bars; first output at bar {int(bars[0])} "
                       f"(batch: {first_batch_bar})", "" if ok else f"worst head '{worst}'")


def run_leakage_checks(cfg: Config, null_bars: int = 30_000, n_points: int = 4, stream_bars: int = 1500,
                       capture_fn: Callable[[pl.DataFrame], Any] | None = None, skip_null: bool = False,
                       progress: Callable[[str], None] | None = None) -> list[CheckResult]:
    """Every check on ``cfg``'s data (truncation, parity, hygiene) and on the null market (a)."""
    from ..capture import collect
    from ..indicators import get_suite
    from ..labels import make_labels
    from ..pipeline import build_datasets, load_data

    say = progress or (lambda msg: log.info("check-leakage: %s", msg))
    specs = get_suite(cfg.capture.suite)
    custom_capture = capture_fn is not None
    capture_fn = capture_fn or (lambda f: collect(f, specs))
    results: list[CheckResult] = []
    if not skip_null:
        say(f"null market: {null_bars} bars, training the neural model and LightGBM")
        results += null_market_check(cfg, null_bars)

    say("data: capture, features, labels, a briefly trained model")
    market = load_data(cfg)
    frame = market.frame.select(["timestamp", "open", "high", "low", "close", "volume"])
    captured = capture_fn(frame)
    bundle = build_datasets(cfg, captured)
    model = _train(cfg, bundle)
    X = bundle.extractor.transform(captured)
    s, seq_len, horizon = bundle.split, cfg.model.seq_len, cfg.labels.prediction_horizon
    rng = np.random.default_rng(cfg.seed)
    lo = bundle.first_valid + seq_len - 1
    picks = rng.choice(np.arange(lo, frame.height - 1), size=min(n_points, frame.height - 1 - lo), replace=False)
    ends = sorted({*map(int, picks), int(s.val.max()), int(s.test.max())})

    say(f"truncation at bars {ends}")
    probe = TruncationProbe.build(frame, captured, capture_fn, ends)
    results.append(capture_truncation(probe))
    results.append(feature_truncation(probe, bundle.extractor, X))
    results.append(label_truncation(frame, bundle.labels, lambda f: make_labels(f, cfg.labels), ends, horizon))
    results.append(prediction_truncation(probe, bundle.extractor, X, model, seq_len))

    say("parity: streaming capture, transform_last")
    if set(captured.columns) == {c for spec in specs for c in spec.columns()}:
        results.append(streaming_capture_parity(frame, captured, specs, stream_bars))
    else:  # the capture has columns no indicator spec streams (a custom capture_fn)
        results.append(CheckResult("parity", "streaming: StreamingSuite vs bulk capture", None,
                                   "n/a (capture has columns outside the indicator suite)"))
    results.append(transform_last_parity(captured, bundle.extractor, X, ends))
    if not custom_capture:
        results.append(streaming_predictor_parity(cfg, bundle, model, X, frame))
    else:
        results.append(CheckResult("parity", "live: StreamingPredictor vs batch predict", None,
                                   "n/a (a custom capture_fn: the live path captures the suite itself)"))

    say("split hygiene")
    results.append(split_hygiene(s, seq_len, horizon))
    results.append(scaler_isolation(cfg, captured, int(s.train.max()) + 1, cfg.seed))
    return results

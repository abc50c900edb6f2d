"""The streaming predictor: one closed bar in, one model decision out, through the training code path.

Per bar: the run's indicator suite is updated incrementally (:class:`~..indicators.StreamingSuite`,
equal to the bulk capture), the captured row joins a trailing buffer of ``required_history_``
rows, the run's fitted extractor computes the bar's feature row (``transform_last_array``, equal to
``transform(full)[-1]``), the row joins a trailing buffer of ``seq_len`` feature rows, and the
run's model streams that one new row: one token through the model's streaming form
(:class:`~..model.step.BarStepper`, the numpy kernel of ``model.stream``, which the batch path runs
over a whole period; after a pause in scoring it catches up from the buffer). The predictor must
see the history from its start: most indicators are recursive (IIR) filters, so feed every bar
you have before trusting ``is_warm``.

Besides the model outputs a :class:`Decision` carries what the trading policy reads at the same
close: ATR(14) (Wilder) and the causal volatility regime (``ctx_vol_regime`` of the labels).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

__all__ = ["Decision", "StreamingPredictor", "stack_decisions", "ATR_PERIOD"]

log = logging.getLogger(__name__)

#: period of the ATR the policy's stop is measured in
ATR_PERIOD = 14
_OHLCV = ("open", "high", "low", "close", "volume")


@dataclass
class Decision:
    """Model outputs at one bar's close (NaN / -1 while not warm).

    Probabilities are sigmoids of the heads' logits (0..1); ``expected_return``: predicted log
    return over the label horizon; ``volatility``: predicted per-bar log-return std over the
    horizon; ``size``: the model's position-size head (0..1, not the policy's size);
    ``regime_latent``: ``(latent_dim,)`` VAE mean; ``regime_cluster``: nearest training KMeans
    center (-1 without a regime filter); ``regime_change``: the detector's combined change score;
    ``change_scores``: every detector score; ``vol_regime``: 0 low / 1 normal / 2 high (NaN in
    warm-up); ``atr``: ATR(14) in price units; ``bar``: bars seen before this one.
    """

    timestamp: Any
    bar: int
    close: float
    is_warm: bool
    entry_prob: float = math.nan
    exit_prob: float = math.nan
    tp_prob: float = math.nan
    sl_prob: float = math.nan
    hold_prob: float = math.nan
    expected_return: float = math.nan
    volatility: float = math.nan
    size: float = math.nan
    regime_cluster: int = -1
    regime_change: float = math.nan
    vol_regime: float = math.nan
    atr: float = math.nan
    regime_latent: np.ndarray | None = None
    change_scores: dict[str, float] = field(default_factory=dict)
    latency_ms: float = math.nan


_SCALARS = ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob", "expected_return", "volatility",
            "regime_change", "vol_regime", "atr", "close")


def stack_decisions(decisions: list[Decision]) -> dict[str, np.ndarray]:
    """Decisions → arrays ``(N,)`` float64 per scalar field (``size`` as ``position_size``), ``regime``
    ``(N,)`` int64, ``is_warm`` bool, ``regime_mu`` ``(N, D)`` (NaN rows when not warm)."""
    out = {k: np.array([getattr(d, k) for d in decisions], dtype=np.float64) for k in _SCALARS}
    out["position_size"] = np.array([d.size for d in decisions], dtype=np.float64)
    out["regime"] = np.array([d.regime_cluster for d in decisions], dtype=np.int64)
    out["is_warm"] = np.array([d.is_warm for d in decisions], dtype=bool)
    dim = next((len(d.regime_latent) for d in decisions if d.regime_latent is not None), 0)
    out["regime_mu"] = np.array([d.regime_latent if d.regime_latent is not None else np.full(dim, np.nan)
                                 for d in decisions], dtype=np.float64).reshape(len(decisions), dim)
    return out


class _Ring:
    """Trailing rows of a fixed width in one array with spare capacity (contiguous tail views)."""

    def __init__(self, keep: int, width: int, dtype: Any = np.float64) -> None:
        self.keep = keep
        self.buf = np.full((4 * keep + 1, width), np.nan, dtype=dtype)
        self.n = 0

    def push(self, row: np.ndarray) -> None:
        if self.n == len(self.buf):
            self.buf[: self.keep - 1] = self.buf[self.n - self.keep + 1: self.n]
            self.n = self.keep - 1
        self.buf[self.n] = row
        self.n += 1

    def tail(self) -> np.ndarray:
        """The last ``min(n, keep)`` rows, ``(rows, width)`` view."""
        return self.buf[max(0, self.n - self.keep): self.n]


class StreamingPredictor:
    """Incremental predictions of a trained run, bar by bar.

    ``run``: a :class:`~..pipeline.RunBundle` (``load_run_bundle``): its config names the indicator
    suite, its bundle holds the fitted extractor and the captured columns' metadata, its model is
    in eval mode. ``regime_filter``: a :class:`~..backtest.policy.RegimeFilter` with latent centers
    (optional) to name each bar's regime cluster. The model's weights are copied into the stepper at
    construction: build a new predictor after changing the model.

    >>> p = StreamingPredictor(load_run_bundle("runs/r"))
    >>> for bar in bars: d = p.update(bar)    # bar: mapping with timestamp, open, high, low, close, volume
    """

    def __init__(self, run: Any, regime_filter: Any = None) -> None:
        from ..indicators import StreamingSuite, get_suite
        from ..indicators.volatility import atr

        cfg = run.config
        self.cfg = cfg
        self.model = run.model.eval()
        self.extractor = run.bundle.extractor
        captured = run.bundle.captured
        self.columns = list(captured.columns)
        self._columns_key = tuple(self.columns)
        specs = get_suite(cfg.capture.suite)
        self.suite = StreamingSuite(specs)
        missing = sorted(set(self.columns) - set(self.suite.columns))
        if missing:
            from ..errors import SchemaMismatchError

            raise SchemaMismatchError(f"suite '{cfg.capture.suite}' does not produce the run's captured columns "
                                      f"{missing[:5]}; the run was captured with another suite")
        atr_col = f"atr_{ATR_PERIOD}.atr"
        spec = atr(period=ATR_PERIOD)
        assert spec.columns() == [atr_col], spec.columns()
        # the policy's ATR: the suite's own line when it computes one (same kernel), else a suite of its own
        same = any(sp.name == spec.name and sp.definition.fn is spec.definition.fn and sp.params == spec.params
                   for sp in specs)
        self._atr = None if same else StreamingSuite([spec])
        self._col_index = self.suite.column_index(self.columns + ([atr_col] if self._atr is None else []))
        self._row = np.empty(len(_OHLCV) + len(self.columns))  # this bar's OHLCV + captured lines
        self.seq_len = cfg.model.seq_len
        self._need_rows = int(self.extractor.required_history_)
        self._rows = _Ring(self._need_rows, len(_OHLCV) + len(self.columns))
        n_feat = len(self.extractor.feature_names_)
        self._feats = _Ring(self.seq_len, n_feat, np.float32)
        self._feat_rows = 0  # feature rows pushed so far
        from ..model import NeuralTradingModel
        from ..model.step import BarStepper

        # the model's stream, current up to feature row _model_rows; another architecture (no stepper
        # kernel) scores its window of the last seq_len rows
        self._stepper = BarStepper(self.model) if type(self.model) is NeuralTradingModel else None
        self._model_rows = 0
        self._finite_run = 0
        self._first_warm_bar = int(self.extractor.first_valid_row_) + self.seq_len - 1
        lab = cfg.labels
        self._lab = lab
        self._closes = _Ring(lab.vol_window + lab.vol_long_window + 8, 1)
        self.regime_filter = regime_filter if regime_filter is not None and regime_filter.centers is not None else None
        self._first_feature_bar = int(self.extractor.first_valid_row_)
        self.bars_seen = 0

    def warm_up(self, frame: Any, score: bool = True) -> list[Decision]:
        """Feed every bar of an OHLCV frame (Polars, the data contract) in order; return the decisions.

        ``score=False`` only advances the indicators and the feature buffer (no model call): the
        fast way to bring the predictor up to date before the bars whose outputs matter.
        """
        cols = [frame[c].to_list() for c in ("timestamp", *_OHLCV)]
        return [self.update(dict(zip(("timestamp", *_OHLCV), row)), score) for row in zip(*cols)]

    def update(self, bar: Mapping[str, Any] | Any, score: bool = True) -> Decision:
        """Consume one closed bar (mapping or object with timestamp and OHLCV) → :class:`Decision`.

        ``score=False``: update the state but skip the model (the decision stays not warm).
        """
        t0 = time.perf_counter()
        get = bar.get if isinstance(bar, Mapping) else (lambda k, _b=bar: getattr(_b, k))
        o, h, l, c, v = (float(get(k)) for k in _OHLCV)
        ts = get("timestamp")
        row = self._row
        row[:5] = (o, h, l, c, v)
        lines = self.suite.update_array(o, h, l, c, v, index=self._col_index)
        if self._atr is None:
            row[5:], atr_v = lines[:-1], lines[-1]
        else:
            row[5:], atr_v = lines, self._atr.update_array(o, h, l, c, v)[0]
        self._rows.push(row)
        self._closes.push(np.array([c]))
        bar_i = self.bars_seen
        self.bars_seen += 1
        d = Decision(timestamp=ts, bar=bar_i, close=c, is_warm=False, atr=float(atr_v), vol_regime=self._vol_regime())
        if self._rows.n < self._need_rows or bar_i < self._first_feature_bar:
            self._finite_run = 0  # no window that is ever scored reaches back before first_valid_row_
            return d
        row = self._feature_row()
        finite = bool(np.isfinite(row).all())
        self._finite_run = self._finite_run + 1 if finite else 0
        self._feats.push(np.nan_to_num(row, nan=0.0, posinf=0.0, neginf=0.0))
        self._feat_rows += 1
        if not score or self._finite_run < self.seq_len or bar_i < self._first_warm_bar:
            return d
        self._score(d)
        d.latency_ms = (time.perf_counter() - t0) * 1e3
        return d

    # internals ---------------------------------------------------------------------------------
    def _feature_row(self) -> np.ndarray:
        return self.extractor.transform_last_array(self._rows.tail(), self._columns_key)

    def _vol_regime(self) -> float:
        from ..labels import volatility_context

        closes = self._closes.tail()[:, 0]
        lab = self._lab
        if len(closes) < lab.vol_window + lab.vol_long_window:
            return math.nan
        return float(volatility_context(closes, lab).regime[-1])

    def _score(self, d: Decision) -> None:
        """Stream the feature rows the model has not seen yet (one after each scored bar; the last
        ``seq_len`` from a fresh state after a longer pause, which is exact: a bar's output reads its
        last ``seq_len`` rows only) and fill ``d`` from the last row's outputs."""
        from ..model.regime import REGIME_CHANGE_NAMES

        if self._stepper is None:
            from ..training import predict_windows

            out = {k: v[0] for k, v in predict_windows(self.model, self._feats.tail()[None], 1).items()}
        else:
            gap = self._feat_rows - self._model_rows
            if self._model_rows == 0 or gap >= self.seq_len:
                self._stepper.reset()
                gap = self.seq_len
            for row in self._feats.tail()[-gap:]:
                out = self._stepper.step(row)
            self._model_rows = self._feat_rows
        d.is_warm = True
        for k in ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob", "expected_return", "volatility"):
            setattr(d, k, float(out[k]))
        d.size = float(out["position_size"])
        d.regime_latent = np.asarray(out["regime_mu"], dtype=np.float64)
        d.change_scores = {k: float(out[k]) for k in REGIME_CHANGE_NAMES}
        d.regime_change = d.change_scores.get("regime_change", math.nan)
        if self.regime_filter is not None:
            d.regime_cluster = int(self.regime_filter.assign(d.regime_latent[None])[0])


def decision_fields() -> list[str]:
    return [f.name for f in fields(Decision)]


def to_utc(ts: Any) -> Any:
    """A bar timestamp as an aware UTC datetime when it is a naive one (Backtrader gives naive UTC)."""
    if isinstance(ts, dt.datetime) and ts.tzinfo is None:
        return ts.replace(tzinfo=dt.timezone.utc)
    return ts

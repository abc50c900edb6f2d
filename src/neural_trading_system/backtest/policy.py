"""The decision rules, shared by the neural backtest, the LightGBM baseline and the live paper broker.

Execution semantics (every engine reproduces them exactly; :func:`.engine.simulate` and the
Backtrader strategies are held equal by a test):

1. **Decision at bar t's close.** Everything a decision reads (model outputs, ATR(14), the
   volatility regime, the account value) is known at the close of bar ``t``.
2. **Fill at bar t+1's open**, as a market order: a buy fills at ``open[t+1] * (1 + slippage)``,
   a sell at ``open[t+1] * (1 - slippage)``; commission ``commission * |units| * fill`` is paid on
   each side. An entry whose cost (units × fill + commission) exceeds the cash is rejected
   (the account stays flat; Backtrader's broker does the same).
3. **Long only, one position at a time**, never resized: enter when flat, exit everything.
4. **Entry** at t when flat, ``t < N - 2`` and :attr:`Decisions.entry` ``[t]``; ``units =
   size[t] * equity[t] * (1 - 0.005) / (close[t] * (1 + slippage) * (1 + commission))`` (so a fill
   at up to 0.5 % above the decision price never needs more cash than the equity).
5. **Stop**: ``stop = entry fill price - stop_distance[t_entry_decision]`` (``atr_stop_mult *
   ATR(14)`` at the entry decision bar). A closing stop: it is hit when ``close[t] <= stop``, and the
   exit fills at the next open like any other exit.
6. **Exit** at t when holding and (``exit[t]`` or the stop is hit or ``t == N - 2``, the last
   bar whose order can still fill: every strategy ends flat, every trade closed with both costs).

The neural policy (:class:`Policy`): ``entry = entry_prob >= entry_threshold and expected_return >=
return_threshold and the regime is allowed and not exit``; ``exit = exit_prob >= exit_threshold or
sl_prob >= sl_threshold``; ``size = min(target_vol / volatility, kelly_fraction * (p*b - (1-p)) / b,
max_position)`` with ``p = entry_prob`` and ``b = tp_mult / sl_mult`` (the label barriers' payoff
ratio), times ``high_vol_scale`` in the high-volatility regime (``ctx_vol_regime == 2``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import BacktestConfig, LabelConfig
from ..errors import ArtifactError

__all__ = ["Decisions", "RegimeFilter", "Policy", "Book", "Order", "payoff_ratio", "next_order", "entry_units",
           "EXIT_SIGNAL", "EXIT_STOP", "EXIT_END"]

REGIME_HIGH = 2  # labels.REGIME_HIGH (ctx_vol_regime)
EXIT_SIGNAL, EXIT_STOP, EXIT_END = "signal", "stop", "end"


def payoff_ratio(labels: LabelConfig) -> float:
    """``b`` of the Kelly formula: the take-profit over the stop-loss barrier (2.0 / 1.0 by default)."""
    return float(labels.tp_mult / labels.sl_mult)


@dataclass
class Decisions:
    """Per-bar decisions of one strategy over N bars (arrays ``(N,)``).

    ``entry`` bool: enter at this close when flat; ``exit`` bool: exit at this close when holding;
    ``size`` float64: fraction of equity for an entry (0..1); ``stop_distance`` float64: price units
    below the entry fill of the stop (``inf``: no stop); ``close`` float64: the decision prices.
    """

    entry: np.ndarray
    exit: np.ndarray
    size: np.ndarray
    stop_distance: np.ndarray
    close: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.close)
        for name in ("entry", "exit", "size", "stop_distance"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Decisions.{name} has {len(getattr(self, name))} bars, close has {n}")

    def __len__(self) -> int:
        return len(self.close)


@dataclass
class RegimeFilter:
    """Which regimes may be traded: training-split win rate per regime.

    ``centers``: ``(K, D)`` KMeans centers of the VAE latent (``regime_mu``) fitted on the training
    windows, or None when the regime is the volatility regime ``ctx_vol_regime`` (K = 3).
    ``win_rates``: ``(K,)`` fraction of training windows of each regime whose forward return
    ``target_return`` is > 0 (the win rate of a long entry there; NaN for an empty regime);
    ``counts``: ``(K,)`` training windows per regime.
    """

    win_rates: np.ndarray
    counts: np.ndarray
    centers: np.ndarray | None = None
    source: str = "vae_kmeans"

    @classmethod
    def fit(cls, regimes: np.ndarray, target_return: np.ndarray, k: int, centers: np.ndarray | None = None,
            source: str = "vae_kmeans") -> "RegimeFilter":
        """Win rates from training-window regimes ``(S,)`` int and their forward returns ``(S,)``."""
        regimes = np.asarray(regimes, dtype=np.int64)
        tr = np.asarray(target_return, dtype=np.float64)
        ok = np.isfinite(tr) & (regimes >= 0)
        counts = np.bincount(regimes[ok], minlength=k)[:k].astype(np.int64)
        wins = np.bincount(regimes[ok], weights=(tr[ok] > 0).astype(np.float64), minlength=k)[:k]
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(counts > 0, wins / np.maximum(counts, 1), np.nan)
        return cls(rates, counts, centers, source)

    def assign(self, latent: np.ndarray) -> np.ndarray:
        """Nearest center of each latent row ``(N, D)`` → ``(N,)`` int64 (needs ``centers``)."""
        if self.centers is None:
            raise ValueError("this regime filter uses ctx_vol_regime, it has no latent centers")
        z = np.asarray(latent, dtype=np.float64).reshape(-1, self.centers.shape[1])
        d = ((z[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2)  # (N, K)
        return np.argmin(d, axis=1).astype(np.int64)

    def allowed(self, min_win_rate: float) -> np.ndarray:
        """``(K,)`` bool: regimes whose training win rate is >= ``min_win_rate`` (empty ones: False)."""
        return np.nan_to_num(self.win_rates, nan=-1.0) >= min_win_rate

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "win_rates": [None if not np.isfinite(w) else float(w) for w in self.win_rates],
                "counts": self.counts.tolist(),
                "centers": None if self.centers is None else self.centers.tolist()}

    def save(self, path: str | Path, extra: Mapping[str, Any] | None = None) -> None:
        from ..artifacts import write_json_atomic

        write_json_atomic(path, {**self.to_dict(), **(extra or {})})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "<regime filter>") -> "RegimeFilter":
        try:
            rates = np.array([np.nan if w is None else w for w in d["win_rates"]], dtype=np.float64)
            counts = np.asarray(d["counts"], dtype=np.int64)
            centers = None if d["centers"] is None else np.asarray(d["centers"], dtype=np.float64)
            return cls(rates, counts, centers, str(d["source"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{where}: not a regime filter ({exc}); delete it and rerun the backtest") from None

    @classmethod
    def load(cls, path: str | Path) -> "RegimeFilter":
        from ..artifacts import read_json

        return cls.from_dict(read_json(path, "regime filter"), str(path))


def calibrate_thresholds(cfg: BacktestConfig, val_preds: Mapping[str, np.ndarray]) -> BacktestConfig:
    """The backtest config with entry/exit thresholds set from VALIDATION-split probabilities.

    ``entry_threshold := quantile(val entry_prob, entry_quantile)`` and likewise for exits, when
    the quantiles are set; learned on validation windows only, so the test period stays unseen.
    Every engine (Backtrader, :func:`.engine.simulate`, live) takes its thresholds from here.
    """
    update: dict[str, float] = {}
    for key, q, thr in (("entry_prob", cfg.entry_quantile, "entry_threshold"),
                        ("exit_prob", cfg.exit_quantile, "exit_threshold")):
        v = np.asarray(val_preds.get(key, []), dtype=np.float64)
        v = v[np.isfinite(v)]
        if q is not None and v.size:
            # strictly above the quantile: a constant (or zero) signal never clears its own threshold
            update[thr] = float(np.nextafter(np.quantile(v, q), np.inf))
    return cfg.model_copy(update=update)


@dataclass
class Policy:
    """The neural decision rules (see the module docstring) for one config.

    ``cfg``: the backtest section; ``payoff``: ``b`` (:func:`payoff_ratio`); ``allowed``: ``(K,)``
    bool per regime index (None: every regime allowed).
    """

    cfg: BacktestConfig
    payoff: float
    allowed: np.ndarray | None = None

    def decisions(self, preds: Mapping[str, np.ndarray], close: np.ndarray, atr: np.ndarray,
                  vol_regime: np.ndarray, regime: np.ndarray | None) -> Decisions:
        """Decisions from per-bar predictions, all ``(N,)``.

        ``preds``: ``entry_prob``, ``exit_prob``, ``sl_prob`` (0..1; a missing head counts as 0),
        ``expected_return`` (log return over the horizon), ``volatility`` (per-bar log-return std);
        ``close``: decision prices; ``atr``: ATR(14) in price units; ``vol_regime``: ``ctx_vol_regime``
        (0 low, 1 normal, 2 high; NaN = normal); ``regime``: int regime index for the filter or None.
        Rows with a NaN prediction (warm-up) never enter and never exit on a signal.
        """
        c = self.cfg
        n = len(close)
        zero = np.zeros(n)
        p = np.asarray(preds["entry_prob"], dtype=np.float64)
        er = np.asarray(preds["expected_return"], dtype=np.float64)
        vol = np.asarray(preds["volatility"], dtype=np.float64)
        exit_p = np.asarray(preds.get("exit_prob", zero), dtype=np.float64)
        sl_p = np.asarray(preds.get("sl_prob", zero), dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            exit_ = (exit_p >= c.exit_threshold) | (sl_p >= c.sl_threshold)
            entry = (p >= c.entry_threshold) & (er >= c.return_threshold) & ~exit_
            if regime is not None and self.allowed is not None:
                reg = np.asarray(regime, dtype=np.int64)
                inside = (reg >= 0) & (reg < len(self.allowed))
                entry &= inside & self.allowed[np.clip(reg, 0, len(self.allowed) - 1)]
            b = self.payoff
            kelly = c.kelly_fraction * (p * b - (1.0 - p)) / b
            vt = np.where(vol > 0, c.target_vol / np.where(vol > 0, vol, 1.0), np.inf)
            size = np.minimum(np.minimum(vt, kelly), c.max_position)
            high = np.nan_to_num(np.asarray(vol_regime, dtype=np.float64), nan=1.0) == REGIME_HIGH
            size = np.where(high, size * c.high_vol_scale, size)
            entry &= np.isfinite(size) & (size > 0) & np.isfinite(atr)
            stop = np.where(np.isfinite(atr), c.atr_stop_mult * np.asarray(atr, dtype=np.float64), np.inf)
        size = np.where(entry, size, 0.0)
        return Decisions(entry, exit_ & np.isfinite(exit_p), size, stop, np.asarray(close, dtype=np.float64))


# --- the sequential part: position book and the order for bar t (shared by every engine) -------------------
@dataclass
class Book:
    """Position state between bars. ``units`` > 0 while holding; ``stop`` in price units."""

    units: float = 0.0
    entry_price: float = float("nan")
    stop: float = -np.inf
    entry_bar: int = -1
    entry_commission: float = 0.0
    pending_stop_distance: float = np.inf
    trades: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holding(self) -> bool:
        return self.units > 0


@dataclass(frozen=True)
class Order:
    """An order decided at bar ``t``'s close: ``side`` 'buy' (``units``) or 'sell' (everything)."""

    t: int
    side: str
    units: float
    reason: str = ""
    stop_distance: float = np.inf


#: fraction of the equity an entry leaves unspent, so a full-size order survives an adverse gap of up to 0.5 %
#: between the decision close and the fill open (a larger gap-up rejects it: rule 2)
CASH_BUFFER = 0.005


def entry_units(size: float, equity: float, close: float, cfg: BacktestConfig) -> float:
    """Units bought for a ``size`` fraction of ``equity`` decided at ``close`` (rule 4)."""
    return size * equity * (1.0 - CASH_BUFFER) / (close * (1.0 + cfg.slippage) * (1.0 + cfg.commission))


def next_order(t: int, n: int, book: Book, d: Decisions, equity: float, cfg: BacktestConfig) -> Order | None:
    """The order (if any) decided at bar ``t``'s close of ``n`` bars (rules 3-6)."""
    last = n - 2  # an order decided at n-2 fills at the open of n-1, the last bar
    if book.holding:
        if t >= last:
            return Order(t, "sell", book.units, EXIT_END)
        if d.close[t] <= book.stop:
            return Order(t, "sell", book.units, EXIT_STOP)
        if d.exit[t]:
            return Order(t, "sell", book.units, EXIT_SIGNAL)
        return None
    if t < last and d.entry[t] and d.size[t] > 0:
        units = entry_units(float(d.size[t]), equity, float(d.close[t]), cfg)
        return Order(t, "buy", units, "entry", float(d.stop_distance[t])) if units > 0 else None
    return None


def record_fill(book: Book, order: Order, bar: int, price: float, commission: float) -> None:
    """Update ``book`` with a fill of ``order`` at ``bar`` (price with slippage, commission paid)."""
    if order.side == "buy":
        book.units, book.entry_price, book.entry_bar = float(order.units), float(price), int(bar)
        book.entry_commission = float(commission)
        book.stop = price - order.stop_distance
        return
    units = book.units
    price, commission = float(price), float(commission)
    pnl = units * (price - book.entry_price) - book.entry_commission - commission
    book.trades.append({"entry_bar": book.entry_bar, "exit_bar": int(bar), "entry_price": book.entry_price,
                        "exit_price": price, "units": units, "pnl": pnl,
                        "return": pnl / (units * book.entry_price), "reason": order.reason,
                        "commission": book.entry_commission + commission})
    book.units, book.entry_price, book.stop, book.entry_bar = 0.0, float("nan"), -np.inf, -1
    book.entry_commission = 0.0


def trades_json(trades: list[dict[str, Any]]) -> str:
    return json.dumps(trades, default=float)

"""Paper broker: cash, one long position, PnL, an append-only trade log and an atomic state snapshot.

The rules are the backtest's (:mod:`..backtest.policy`): an order decided at bar t's close
(:func:`~..backtest.policy.next_order`) fills at bar t+1's open, a buy at ``open * (1 +
slippage)``, a sell at ``open * (1 - slippage)``, commission ``commission * units * fill`` each
side, an entry costing more than the cash is rejected; the book is updated by
:func:`~..backtest.policy.record_fill`. The fill arithmetic below is
:func:`..backtest.engine.simulate`'s, operation for operation (a test holds them equal).

Files in the state directory:

* ``trades.jsonl``: one JSON object per event (``order`` decided, ``fill``, ``reject``), each
  with a deterministic ``id`` (bar time + kind). Appended, flushed and fsynced, never rewritten.
  An event whose id is already in the log is not written again: after a crash between the log
  and the snapshot, replaying the bar reproduces the same event and it is recognised.
* ``state.json``: the snapshot (cash, book, pending order, last processed bar), written
  atomically (temp file, fsync, rename) after every processed bar: the source of truth on restart.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import atomic_path
from ..backtest.policy import Book, Decisions, Order, next_order, record_fill
from ..config import BacktestConfig
from ..errors import ArtifactError

__all__ = ["PaperBroker", "BrokerState", "TRADE_LOG", "STATE_FILE", "read_trade_log", "closed_trades",
           "one_bar_decisions", "drop_torn_tail"]

log = logging.getLogger(__name__)

TRADE_LOG, STATE_FILE = "trades.jsonl", "state.json"
#: ``n`` handed to next_order when the feed has no known end (never the "last bar" rule)
OPEN_END = 2**62
STATE_VERSION = 1


@dataclass
class BrokerState:
    """Everything the broker needs to continue after a restart (JSON-serialisable)."""

    cash: float
    book: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    last_ts: int | None = None  # open time (ms) of the last processed bar
    bars_processed: int = 0  # every bar fed to the predictor (warm-up included)
    traded_bars: int = 0  # bars processed inside the trading window
    equity: float = math.nan
    extra: dict[str, Any] = field(default_factory=dict)  # the engine's own bookkeeping


def _json_float(x: float) -> Any:
    return x if math.isfinite(x) else repr(float(x))  # 'inf', '-inf', 'nan' round-trip through float()


def _book_to_dict(b: Book) -> dict[str, Any]:
    return {"units": b.units, "entry_price": _json_float(b.entry_price), "stop": _json_float(b.stop),
            "entry_bar": b.entry_bar, "entry_commission": b.entry_commission,
            "pending_stop_distance": _json_float(b.pending_stop_distance), "trades": b.trades}


def _book_from_dict(d: dict[str, Any]) -> Book:
    if not d:
        return Book()
    return Book(float(d["units"]), float(d["entry_price"]), float(d["stop"]), int(d["entry_bar"]),
                float(d["entry_commission"]), float(d["pending_stop_distance"]), list(d.get("trades", [])))


def _order_to_dict(o: Order | None) -> dict[str, Any] | None:
    return None if o is None else {**asdict(o), "stop_distance": _json_float(o.stop_distance)}


def _order_from_dict(d: dict[str, Any] | None) -> Order | None:
    if d is None:
        return None
    return Order(int(d["t"]), str(d["side"]), float(d["units"]), str(d["reason"]), float(d["stop_distance"]))


class PaperBroker:
    """A paper account in ``state_dir`` trading by the backtest's rules under ``cfg``.

    Per traded bar the engine calls :meth:`fill_pending` (at the bar's open), then
    :meth:`decide` (at its close, with the policy's one-bar :class:`Decisions`), then
    :meth:`commit`. ``bars_left`` in :meth:`decide` is the number of bars from this one to the
    feed's known end (None: open-ended), so the last fillable bar closes the position exactly as
    the backtest does.
    """

    def __init__(self, state_dir: str | Path, cfg: BacktestConfig) -> None:
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg
        self.log_path, self.state_path = self.dir / TRADE_LOG, self.dir / STATE_FILE
        drop_torn_tail(self.log_path)
        self._ids = {e["id"] for e in read_trade_log(self.log_path)}
        if self.state_path.is_file():
            st = self._read_state()
            self.state = st
            self.book = _book_from_dict(st.book)
            self.pending = _order_from_dict(st.pending)
            self.resumed = True
        else:
            self.state = BrokerState(cash=float(cfg.cash))
            self.book, self.pending, self.resumed = Book(), None, False
        self.rejected = 0

    # --- files --------------------------------------------------------------------------------------------
    def _read_state(self) -> BrokerState:
        try:
            d = json.loads(self.state_path.read_text(encoding="utf-8"))
            if d.pop("version", None) != STATE_VERSION:
                raise ValueError(f"state version {d.get('version')} != {STATE_VERSION}")
            return BrokerState(**d)
        except (ValueError, TypeError) as exc:
            raise ArtifactError(f"paper-trading state {self.state_path} is unreadable ({exc}); it is written "
                                f"atomically, so this is not a crash artifact: move the state directory away "
                                f"to start afresh") from None

    def _append(self, event: dict[str, Any]) -> bool:
        """Append one event (flush + fsync) unless its id is already logged; True when written."""
        if event["id"] in self._ids:
            log.info("trade log: event %s already recorded (replayed after a restart), not written again",
                     event["id"])
            return False
        line = json.dumps(event, sort_keys=True, default=_json_float)
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._ids.add(event["id"])
        return True

    def mark(self, ts: int, traded: bool) -> None:
        """Count bar ``ts`` as processed (in memory; :meth:`commit` persists)."""
        st = self.state
        st.last_ts, st.bars_processed = int(ts), st.bars_processed + 1
        st.traded_bars += int(traded)

    def commit(self, extra: dict[str, Any] | None = None) -> None:
        """Persist the snapshot atomically (temp file, fsync, rename, directory fsync)."""
        st = self.state
        st.book, st.pending = _book_to_dict(self.book), _order_to_dict(self.pending)
        if extra:
            st.extra.update(extra)
        text = json.dumps({"version": STATE_VERSION, **asdict(st)}, sort_keys=True, default=_json_float)
        with atomic_path(self.state_path) as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(self.dir)

    # --- trading ------------------------------------------------------------------------------------------
    @property
    def cash(self) -> float:
        return self.state.cash

    def equity(self, close: float) -> float:
        return self.state.cash + self.book.units * close

    def fill_pending(self, ts: int, bar_index: int, open_: float) -> dict[str, Any] | None:
        """Fill the pending order at this bar's open (rule 2); returns the logged event or None."""
        o = self.pending
        if o is None:
            return None
        self.pending = None
        slip, comm = self.cfg.slippage, self.cfg.commission
        st = self.state
        if o.side == "buy":
            price = open_ * (1.0 + slip)
            value = o.units * price
            fee = value * comm
            if st.cash - value - fee < 0.0:
                self.rejected += 1
                ev = {"id": f"{ts}|reject", "kind": "reject", "ts": ts, "side": "buy", "units": o.units,
                      "price": price, "cash": st.cash, "reason": "insufficient cash"}
                log.warning("paper broker: entry of %.8g units at %.8g rejected (cash %.2f)", o.units, price, st.cash)
                self._append(ev)
                return ev
            st.cash -= value + fee
            record_fill(self.book, o, bar_index, price, fee)
            ev = {"id": f"{ts}|fill", "kind": "fill", "ts": ts, "bar": bar_index, "side": "buy", "units": o.units,
                  "price": price, "commission": fee, "cash": st.cash, "reason": o.reason}
        else:
            price = open_ * (1.0 - slip)
            value = self.book.units * price
            fee = value * comm
            st.cash += value - fee
            units = self.book.units
            record_fill(self.book, o, bar_index, price, fee)
            trade = self.book.trades[-1]
            ev = {"id": f"{ts}|fill", "kind": "fill", "ts": ts, "bar": bar_index, "side": "sell", "units": units,
                  "price": price, "commission": fee, "cash": st.cash, "reason": o.reason, "trade": trade}
        self._append(ev)
        return ev

    def decide(self, ts: int, bar_index: int, decision: Decisions, bars_left: int | None) -> dict[str, Any] | None:
        """The order decided at this bar's close (rules 3-6) from a one-bar ``decision``; logged."""
        close = float(decision.close[0])
        eq = self.equity(close)
        self.state.equity = eq
        n = OPEN_END if bars_left is None else int(bars_left)
        order = next_order(0, n, self.book, decision, eq, self.cfg)
        if order is None:
            return None
        order = replace(order, t=bar_index)
        self.pending = order
        ev = {"id": f"{ts}|order", "kind": "order", "ts": ts, "bar": bar_index, "side": order.side,
              "units": order.units, "reason": order.reason, "stop_distance": order.stop_distance, "close": close,
              "equity": eq}
        self._append(ev)
        return ev


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def drop_torn_tail(path: Path) -> None:
    """Cut an unterminated last line (a kill in the middle of an append: that event was never
    committed, the bar that wrote it is processed again) so the next append starts a clean line."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        log.warning("%s: dropping a torn last line (%d bytes) left by a kill mid-write", path, len(data) - keep)
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())


def read_trade_log(path: str | Path) -> list[dict[str, Any]]:
    """Events of a trade log in order. A torn last line (a kill mid-write) is ignored with a warning;
    a bad line elsewhere is an :class:`ArtifactError` naming it."""
    p = Path(path)
    if not p.is_file():
        return []
    lines = p.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                log.warning("trade log %s: torn last line %d ignored (the process was killed mid-write)", p, i + 1)
                continue
            raise ArtifactError(f"trade log {p} line {i + 1} is not JSON; expected one event per line") from None
    return out


def closed_trades(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The closed trades of a trade log (the ``trade`` of each sell fill), in order."""
    return [e["trade"] for e in events if e.get("kind") == "fill" and e.get("side") == "sell"]


def one_bar_decisions(policy: Any, d: Any, use_regime: bool) -> Decisions:
    """The policy's :class:`Decisions` for one streamed :class:`~.predictor.Decision` (as the backtest's
    streaming strategy builds them)."""
    from .predictor import stack_decisions

    row = stack_decisions([d])
    return policy.decisions(row, np.array([d.close]), row["atr"], row["vol_regime"],
                            row["regime"] if use_regime else None)

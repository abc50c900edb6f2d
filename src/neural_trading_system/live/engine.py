"""The paper-trading loop: feed → streaming predictor → policy → paper broker, resumable from disk.

Per bar, in order (the backtest's semantics, :mod:`..backtest.policy`):

1. **Identity.** A bar is identified by its open time. A bar at or before the last processed one
   (a duplicate or an out-of-order bar) is logged and skipped: it never reaches the predictor
   or the broker. A bar more than one interval after the last one is a **gap**: logged, then
   processed normally: the indicators continue over it, as in the backtest, which sees the same
   gaps in real data (the validated file keeps them; nothing is filled in).
2. The bar is appended to ``bars.jsonl`` (the predictor's history, for a restart).
3. Inside the trading window (bars from ``trade_from``): the pending order fills at this bar's
   open (:meth:`.broker.PaperBroker.fill_pending`).
4. The predictor consumes the bar; inside the window the policy turns its output into this
   bar's decision and the broker the order for the next open.
5. The snapshot ``state.json`` is written atomically (every traded bar; every
   ``WARM_SNAPSHOT_EVERY`` warm-up bars and at the end).

**Resume.** Kill the process at any point and start it again with the same state directory:
the snapshot says which bar was processed last; ``bars.jsonl`` is cut back to the length the
snapshot recorded and replayed into a fresh predictor (no trading), which rebuilds the exact
indicator, feature and window state; the feed's bars up to that bar are skipped; trading
continues. An event the killed process had logged for a bar it did not snapshot is produced
again identically and recognised by its id (never written twice). Exchange errors and
timeouts are the feed's business (:class:`.feeds.ExchangeFeed`: logged, retried with backoff).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArtifactError
from .broker import PaperBroker, one_bar_decisions
from .feeds import Bar

__all__ = ["LiveEngine", "LiveSummary", "BARS_LOG", "default_trade_from"]

log = logging.getLogger(__name__)

BARS_LOG = "bars.jsonl"
WARM_SNAPSHOT_EVERY = 500


@dataclass
class LiveSummary:
    """What one invocation of :meth:`LiveEngine.run` did."""

    bars: int = 0  # bars processed in this invocation
    traded_bars: int = 0
    skipped: int = 0  # duplicates / out-of-order bars dropped
    resumed_skipped: int = 0  # bars already processed before a restart
    gaps: int = 0
    missing_bars: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    equity: float = float("nan")
    latency_ms: list[float] = field(default_factory=list)


def default_trade_from(rb: Any, feed: Any) -> int | None:
    """First tradeable bar's open time: for a finite feed (a replay) the bar ``nts backtest RUN --data
    FILE`` starts at (after the run's validation cutoff, out of sample); for an open-ended feed None
    (the first bar that closes after start-up)."""
    if getattr(feed, "total", None) is None:
        return None
    import polars as pl

    from ..backtest.guard import data_window

    from ..errors import OutOfSampleError

    first_full = int(rb.bundle.extractor.first_valid_row_) + rb.config.model.seq_len - 1
    ts = pl.Series("timestamp", [b.ts for b in feed.bars]).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    try:
        w = data_window(rb.manifest, rb.bundle.captured.frame["timestamp"], ts, first_full,
                        rb.config.backtest.allow_in_sample, feed.source)
    except OutOfSampleError as exc:
        raise OutOfSampleError(f"{exc}. For nts live: pass --trade-from DATE to paper-trade earlier bars "
                               f"(in sample)") from None
    log.info("trading window: %s", w.note)
    return int(feed.bars[w.start].ts)


class LiveEngine:
    """Paper-trade ``run`` (a :class:`~..pipeline.RunBundle` or a run directory) on ``feed``.

    ``state_dir``: the broker's files and ``bars.jsonl``; ``trade_from``: open time (ms) of the
    first bar that may trade (None: :func:`default_trade_from`); ``overrides``: keys of the
    ``backtest`` config section (thresholds, costs); ``on_bar``: called with a dict per
    processed bar (``ts``, ``traded``, the decision, ``position``, ``equity``, ``pnl``, events).
    """

    def __init__(self, run: Any, feed: Iterable[Bar], state_dir: str | Path, trade_from: int | None = None,
                 overrides: dict[str, Any] | None = None, on_bar: Callable[[dict[str, Any]], None] | None = None,
                 interval_ms: int | None = None) -> None:
        from ..backtest.predictions import fit_regime_filter, neural_policy
        from ..config import BacktestConfig
        from ..pipeline import load_run_bundle
        from .predictor import StreamingPredictor

        rb = load_run_bundle(run) if isinstance(run, (str, Path)) else run
        self.rb, self.feed, self.on_bar = rb, feed, on_bar
        cfg = rb.config
        self.bcfg = BacktestConfig.model_validate({**cfg.backtest.model_dump(), **overrides}) if overrides \
            else cfg.backtest
        self.rf = fit_regime_filter(rb, cache_dir=rb.run_dir / "backtest")
        settings = self.bcfg.model_dump(mode="json")  # what the user chose (identity on resume), before calibration
        self.bcfg, self.policy = neural_policy(rb, self.bcfg, self.rf)  # the backtest's calibrated thresholds
        self.predictor = StreamingPredictor(rb, self.rf)
        self.interval_ms = int(interval_ms or getattr(feed, "interval_ms", 0) or 0)
        self.dir = Path(state_dir)
        self.broker = PaperBroker(self.dir, self.bcfg)
        self.bars_path = self.dir / BARS_LOG
        identity = {"run_dir": str(Path(rb.run_dir).resolve()), "source": str(getattr(feed, "source", "")),
                    "backtest": settings}
        st = self.broker.state
        if self.broker.resumed:
            self._check_identity(st.extra.get("identity", {}), identity)
            self.trade_from = st.extra.get("trade_from")
            if trade_from is not None and trade_from != self.trade_from:
                raise ArtifactError(f"--trade-from {_fmt(trade_from)} differs from {_fmt(self.trade_from)} that "
                                    f"{self.broker.state_path} was started with; drop the option to resume, or "
                                    f"use another --state-dir")
        else:
            self.trade_from = trade_from if trade_from is not None else default_trade_from(rb, feed)
            if self.trade_from is None:  # open-ended feed: trade from the bar forming at start-up
                step = self.interval_ms or 1
                self.trade_from = int(getattr(feed, "start_ms", None) or int(time.time() * 1000) // step * step)
            st.extra.update(identity=identity, trade_from=self.trade_from)
        self._warn_in_sample()
        self._rewarm()

    # --- resume ---------------------------------------------------------------------------------------------
    @staticmethod
    def _check_identity(old: dict[str, Any], new: dict[str, Any]) -> None:
        for k in ("run_dir", "source", "backtest"):
            if old.get(k) != new.get(k):
                raise ArtifactError(f"paper-trading state was written for another {k}: expected {old.get(k)!r}, "
                                    f"found {new.get(k)!r}. Use another --state-dir, or the same run, feed and "
                                    f"settings to resume")

    def _warn_in_sample(self) -> None:
        """An explicit ``trade_from`` before the run's validation cutoff trades bars the model saw."""
        m = self.rb.manifest
        try:
            last = int(m["splits"]["val"]["last_bar"]) + int(m["horizon"])
            run_ts = self.rb.bundle.captured.frame["timestamp"].dt.epoch("ms")
            cutoff = int(run_ts[min(last, len(run_ts) - 1)])
        except (KeyError, TypeError, ValueError):
            return
        if self.trade_from <= cutoff:
            log.warning("IN-SAMPLE: trading from %s, but the run trained and validated on bars up to %s",
                        _fmt(self.trade_from), _fmt(cutoff))

    def _rewarm(self) -> None:
        """Cut ``bars.jsonl`` to the snapshot's length and replay it into the predictor (no trading)."""
        st = self.broker.state
        size = int(st.extra.get("bars_log_bytes", 0)) if self.broker.resumed else 0
        if self.bars_path.is_file() and self.bars_path.stat().st_size > size:
            with open(self.bars_path, "rb+") as fh:  # bars after the snapshot come again from the feed
                fh.truncate(size)
        if not self.broker.resumed:
            return
        t0 = time.perf_counter()
        n = 0
        if self.bars_path.is_file():
            with open(self.bars_path, encoding="utf-8") as fh:
                for line in fh:
                    self.predictor.update(Bar.from_json(json.loads(line)), score=False)  # state only
                    n += 1
        if n != st.bars_processed:
            raise ArtifactError(f"{self.bars_path} holds {n} bars but {self.broker.state_path} says "
                                f"{st.bars_processed} were processed; the state directory was edited by hand: move "
                                f"it away to start afresh")
        log.info("resumed from %s: %d bars replayed into the predictor in %.1fs, last bar %s, %d traded bars",
                 self.dir, n, time.perf_counter() - t0, _fmt(st.last_ts), st.traded_bars)

    # --- the loop -------------------------------------------------------------------------------------------
    def run(self, max_bars: int | None = None) -> LiveSummary:
        """Process the feed until it ends (or ``max_bars`` new bars); returns a :class:`LiveSummary`."""
        s = LiveSummary()
        total = getattr(self.feed, "total", None)
        catching_up = self.broker.resumed
        bars_fh = open(self.bars_path, "ab")
        self._mid_bar = False
        try:
            for pos, bar in enumerate(self.feed):
                last = self.broker.state.last_ts
                if last is not None and bar.ts <= last:
                    if catching_up:
                        s.resumed_skipped += 1
                    else:
                        s.skipped += 1
                        log.warning("bar %s skipped: %s the last processed bar %s", _fmt(bar.ts),
                                    "a duplicate of" if bar.ts == last else "older than (out of order)", _fmt(last))
                    continue
                if catching_up:
                    catching_up = False
                    if s.resumed_skipped:
                        log.info("resume: %d bars of the feed were already processed, continuing at %s",
                                 s.resumed_skipped, _fmt(bar.ts))
                if last is not None and self.interval_ms and bar.ts - last > self.interval_ms:
                    missing = (bar.ts - last) // self.interval_ms - 1
                    s.gaps += 1
                    s.missing_bars += int(missing)
                    log.warning("gap: %d bar(s) missing between %s and %s; indicators continue over the gap "
                                "(as the backtest does on the same data)", missing, _fmt(last), _fmt(bar.ts))
                self._process(bar, pos, total, bars_fh, s)
                if max_bars is not None and s.bars >= max_bars:
                    break
        finally:
            if not self._mid_bar:  # never persist half a bar: the last snapshot stays the truth
                self._snapshot(bars_fh)
            bars_fh.close()
        return s

    def _process(self, bar: Bar, pos: int, total: int | None, bars_fh: Any, s: LiveSummary) -> None:
        broker = self.broker
        self._mid_bar = True
        bars_fh.write((json.dumps(bar.to_json()) + "\n").encode("utf-8"))
        traded = bar.ts >= self.trade_from
        k = broker.state.traded_bars
        events = []
        if traded:
            ev = broker.fill_pending(bar.ts, k, bar.open)
            if ev is not None:
                events.append(ev)
        d = self.predictor.update(bar, score=traded)  # warm-up bars advance the state, no model call
        if traded:
            one = one_bar_decisions(self.policy, d, self.policy.allowed is not None)
            ev = broker.decide(bar.ts, k, one, None if total is None else total - pos)
            if ev is not None:
                events.append(ev)
            s.traded_bars += 1
        broker.mark(bar.ts, traded)
        self._mid_bar = False
        s.bars += 1
        if traded or broker.state.bars_processed % WARM_SNAPSHOT_EVERY == 0:
            self._snapshot(bars_fh)
        s.events.extend(events)
        s.equity = broker.equity(bar.close)
        if d.is_warm:
            s.latency_ms.append(d.latency_ms)
        if self.on_bar is not None:
            units = broker.book.units
            eq = s.equity
            self.on_bar({"ts": bar.ts, "time": _fmt(bar.ts), "traded": traded, "decision": d, "close": bar.close,
                         "position": units, "position_value": units * bar.close, "equity": eq,
                         "pnl": eq - self.bcfg.cash, "events": events, "bars_processed": broker.state.bars_processed})

    def _snapshot(self, bars_fh: Any) -> None:
        bars_fh.flush()
        os.fsync(bars_fh.fileno())
        self.broker.commit({"bars_log_bytes": bars_fh.tell()})


def _fmt(ts: int | None) -> str:
    if ts is None:
        return "none"
    from ..data.validate import format_ts

    return format_ts(int(ts))

"""Closed-bar feeds for paper trading: a file replayed at any speed, an exchange polled through ccxt.

Both yield :class:`Bar` (one closed candle: open time in epoch ms UTC and float OHLCV) in the
order they arrive. A feed does not judge the bars: duplicates, out-of-order bars and gaps are
the engine's business (:mod:`.engine` logs and handles them), so a feed that misbehaves is
handled the same way whatever its source.

API keys for the exchange come from environment variables only (:func:`exchange_credentials`)
and are never logged: every message built from an exchange error goes through :func:`redact`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataSourceError

__all__ = ["Bar", "ReplayFeed", "ExchangeFeed", "exchange_credentials", "redact", "make_live_exchange",
           "KEY_ENV", "SECRET_ENV", "PASSWORD_ENV"]

log = logging.getLogger(__name__)

#: environment variables holding the exchange credentials (never a config file, never a flag)
KEY_ENV, SECRET_ENV, PASSWORD_ENV = "NTS_EXCHANGE_API_KEY", "NTS_EXCHANGE_SECRET", "NTS_EXCHANGE_PASSWORD"


@dataclass(frozen=True)
class Bar:
    """One closed bar: ``ts`` open time (epoch ms, UTC), prices and volume (float)."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    @property
    def timestamp(self) -> Any:
        """Open time as an aware UTC ``datetime`` (the predictor's ``timestamp``)."""
        import datetime as dt

        return dt.datetime.fromtimestamp(self.ts / 1000.0, tz=dt.timezone.utc)

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping-style access (``timestamp``, ``open`` … ``volume``) for the predictor."""
        return self.timestamp if key == "timestamp" else getattr(self, key, default)

    def to_json(self) -> dict[str, Any]:
        return {"ts": self.ts, "open": self.open, "high": self.high, "low": self.low, "close": self.close,
                "volume": self.volume}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Bar":
        return cls(int(d["ts"]), float(d["open"]), float(d["high"]), float(d["low"]), float(d["close"]),
                   float(d["volume"]))


def bars_from_frame(frame: Any) -> list[Bar]:
    """OHLCV contract frame (Polars) → list of :class:`Bar` in frame order."""
    ts = frame["timestamp"].dt.epoch("ms").to_numpy().astype(np.int64)
    cols = [frame[c].to_numpy().astype(np.float64) for c in ("open", "high", "low", "close", "volume")]
    return [Bar(int(t), float(o), float(h), float(lo), float(c), float(v))
            for t, o, h, lo, c, v in zip(ts, *cols)]


class ReplayFeed:
    """Bars of a CSV/Parquet file (read and validated like ``--data``), paced by ``speed``.

    ``speed``: how many times faster than real time (one bar every ``interval / speed``); 0 = as
    fast as possible. ``interval_ms``: the bar spacing (default: the file's, inferred by
    validation). ``frame``: an already loaded OHLCV frame instead of ``path`` (tests).
    ``sleep`` is injectable. ``total`` is the number of bars (known: the engine uses it to close
    the position on the last fillable bar, as the backtest does).
    """

    def __init__(self, path: str | Path | None = None, speed: float = 0.0, interval_ms: int | None = None,
                 frame: Any = None, sleep: Callable[[float], None] = time.sleep) -> None:
        from ..data.files import read_ohlcv_file
        from ..data.validate import validate_ohlcv

        if speed < 0:
            raise DataSourceError(f"--speed: expected 0 (as fast as possible) or a positive factor, found {speed}")
        if frame is None:
            if path is None:
                raise DataSourceError("ReplayFeed needs a file path or a frame")
            raw, header = read_ohlcv_file(path)
            frame, report = validate_ohlcv(raw, source=str(path), interval_ms=interval_ms, header_lines=header)
            interval_ms = interval_ms or report.interval_ms
        self.source = str(path) if path is not None else "<frame>"
        self.frame = frame
        self.bars = bars_from_frame(frame)
        self.interval_ms = int(interval_ms or _infer(self.bars))
        self.speed, self._sleep = float(speed), sleep
        self.total = len(self.bars)

    def __iter__(self) -> Iterator[Bar]:
        pause = self.interval_ms / 1000.0 / self.speed if self.speed > 0 else 0.0
        for i, bar in enumerate(self.bars):
            if pause and i:
                self._sleep(pause)
            yield bar


def _infer(bars: list[Bar]) -> int:
    from ..data.intervals import infer_interval_ms

    ms = infer_interval_ms(np.array([b.ts for b in bars], dtype=np.int64))
    if ms is None:
        raise DataSourceError("replay: cannot infer the bar interval from fewer than 2 bars; pass --interval")
    return ms


# --- exchange -------------------------------------------------------------------------------------------
def exchange_credentials(environ: dict[str, str] | None = None) -> dict[str, str]:
    """ccxt credential fields from ``NTS_EXCHANGE_API_KEY`` / ``_SECRET`` / ``_PASSWORD`` (absent: none).

    Public candles need no key; a key is only passed through to the exchange object.
    """
    env = os.environ if environ is None else environ
    out = {}
    for field_, var in (("apiKey", KEY_ENV), ("secret", SECRET_ENV), ("password", PASSWORD_ENV)):
        if env.get(var):
            out[field_] = env[var]
    return out


def redact(text: str, environ: dict[str, str] | None = None) -> str:
    """``text`` with every credential value from the environment replaced by ``***``."""
    for v in exchange_credentials(environ).values():
        if v:
            text = text.replace(v, "***")
    return text


def make_live_exchange(exchange_id: str, timeout_s: float = 30.0) -> Any:
    """A ccxt exchange by id with the environment's credentials (``enableRateLimit`` on, requests
    time out after ``timeout_s``: ``live.timeout_seconds``)."""
    from ..data.exchange import import_ccxt

    ccxt = import_ccxt()
    cls = getattr(ccxt, exchange_id, None)
    if cls is None or not isinstance(cls, type):
        raise DataSourceError(f"unknown exchange '{exchange_id}' (--exchange); expected a ccxt id such as binance")
    return cls({"enableRateLimit": True, "timeout": int(timeout_s * 1000), **exchange_credentials()})


class ExchangeFeed:
    """Closed candles of ``symbol`` polled from a ccxt exchange (or any object with ``fetch_ohlcv``).

    First the history: ``history_bars`` closed bars before now (the predictor's warm-up), then
    every ``poll_seconds`` the bars that closed since the last one yielded. The bar still forming
    (open time + interval > now) is never yielded. A ``ccxt.NetworkError`` (timeouts included)
    or any other exchange error is logged (redacted) and retried with exponential backoff
    (``backoff_s * 2**k``, capped at ``max_backoff_s``); the feed never raises for them, except
    a refusal on the very first call (bad symbol, bad interval, bad key: a configuration error,
    after ``max_retries`` retries). ``max_polls`` bounds the loop (tests); ``sleep``/``now_ms``
    are injectable.
    """

    def __init__(self, exchange: Any, symbol: str, interval: str, history_bars: int = 1000,
                 poll_seconds: float = 5.0, max_retries: int = 5, backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 limit: int = 1000, max_polls: int | None = None, sleep: Callable[[float], None] = time.sleep,
                 now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        from ..data.intervals import parse_interval

        self.exchange, self.symbol, self.interval = exchange, symbol, interval
        self.interval_ms = parse_interval(interval, "--interval")
        self.history_bars, self.poll_seconds = int(history_bars), float(poll_seconds)
        self.max_retries, self.backoff_s, self.max_backoff_s = int(max_retries), float(backoff_s), float(max_backoff_s)
        self.limit, self.max_polls = int(limit), max_polls
        self._sleep, self._now = sleep, now_ms
        self.total: int | None = None  # open-ended
        #: open time of the bar forming at start-up: the first bar a live run trades by default
        self.start_ms = now_ms() // self.interval_ms * self.interval_ms
        self.source = f"{getattr(exchange, 'id', type(exchange).__name__)} {symbol} {interval}"
        self.errors = 0

    def _fetch(self, since: int, first: bool) -> list[list[float]]:
        """One ``fetch_ohlcv`` with retries; [] after the retries are spent (not first call)."""
        for attempt in range(self.max_retries + 1):
            try:
                return list(self.exchange.fetch_ohlcv(self.symbol, self.interval, since, self.limit) or [])
            except Exception as exc:  # noqa: BLE001 - every exchange error is logged and retried, never fatal
                self.errors += 1
                msg = redact(f"{type(exc).__name__}: {exc}")
                fatal = first and not _is_network(exc) and attempt == self.max_retries
                if fatal:
                    raise DataSourceError(f"{self.source}: the exchange refused fetch_ohlcv: {msg}. Fix: check "
                                          f"--exchange, --symbol, --interval and the {KEY_ENV} variables") from None
                delay = min(self.backoff_s * 2**attempt, self.max_backoff_s)
                log.warning("%s: fetch_ohlcv since %d failed (%s); retry %d/%d in %.1fs", self.source, since, msg,
                            attempt + 1, self.max_retries, delay)
                self._sleep(delay)
        log.error("%s: fetch_ohlcv since %d still failing after %d retries; will poll again", self.source, since,
                  self.max_retries)
        return []

    def _closed(self, rows: list[list[float]], after: int) -> list[Bar]:
        now = self._now()
        out = []
        for r in sorted(rows, key=lambda r: r[0]):
            ts = int(r[0])
            if ts > after and ts + self.interval_ms <= now:  # new and closed (a page may repeat a candle)
                out.append(Bar(ts, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])))
                after = ts
        return out

    def __iter__(self) -> Iterator[Bar]:
        step = self.interval_ms
        now = self._now()
        since = (now // step - self.history_bars) * step
        last = since - 1
        first, polls = True, 0
        while self.max_polls is None or polls < self.max_polls:
            rows = self._fetch(since if first else max(since, last + step), first)
            first = False
            polls += 1
            new = self._closed(rows, last)
            for bar in new:
                last = max(last, bar.ts)
                yield bar
            if len(rows) >= self.limit and new:
                continue  # more history pages to read before waiting
            self._sleep(self.poll_seconds)


def _is_network(exc: BaseException) -> bool:
    try:
        import ccxt  # noqa: PLC0415 - optional

        return isinstance(exc, (ccxt.NetworkError, TimeoutError))
    except ImportError:  # pragma: no cover - ccxt absent: only fakes can be here
        return isinstance(exc, (TimeoutError, ConnectionError))

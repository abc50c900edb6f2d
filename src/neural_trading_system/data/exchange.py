"""OHLCV downloads through ccxt (the optional ``[exchange]`` extra), paginated, rate-limited, retried.

``fetch_ohlcv(symbol, timeframe, since, limit)`` is called page by page from ``start``: each next
``since`` is the last bar's open time + one interval, so pages never overlap more than the
exchange makes them (repeated bars are dropped: a pagination artifact, logged at debug). Calls
are spaced by at least ``exchange.rateLimit`` milliseconds; a ``ccxt.NetworkError`` (including
``RequestTimeout``) is retried with exponential backoff. The download stops at ``end``
(exclusive), at an empty page, or when a page brings nothing new. When no end is given, the bar
still open at download time is not kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from ..errors import DataSourceError

__all__ = ["import_ccxt", "make_exchange", "download_ohlcv"]

log = logging.getLogger(__name__)

_INSTALL = "pip install 'neural-trading-system[exchange]'"


def import_ccxt() -> Any:
    """Import ccxt lazily; a missing install is a :class:`DataSourceError` that says how to get it."""
    try:
        import ccxt  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise DataSourceError(f"exchange downloads need ccxt, which is not installed. Fix: {_INSTALL}") from None
    return ccxt


def make_exchange(exchange_id: str) -> Any:
    """A ccxt exchange instance by id (``'binance'``); our own limiter spaces the calls."""
    ccxt = import_ccxt()
    cls = getattr(ccxt, exchange_id, None)
    if cls is None or not isinstance(cls, type):
        raise DataSourceError(
            f"unknown exchange '{exchange_id}' (config key data.exchange); expected a ccxt exchange id such as "
            f"binance, kraken, coinbase (see ccxt.exchanges)")
    return cls({"enableRateLimit": False})


class _Limiter:
    """Keeps calls at least ``interval_s`` apart."""

    def __init__(self, interval_s: float, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.interval_s, self.sleep, self.clock = interval_s, sleep, clock
        self.last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            remaining = self.interval_s - (self.clock() - self.last)
            if remaining > 0:
                self.sleep(remaining)
        self.last = self.clock()


def _call(fn: Callable[[], Any], what: str, ccxt: Any, limiter: _Limiter, retries: int, backoff_s: float,
          sleep: Callable[[float], None]) -> Any:
    """Call ``fn`` after the limiter; retry network errors ``retries`` times with exponential backoff."""
    for attempt in range(retries + 1):
        limiter.wait()
        try:
            return fn()
        except ccxt.NetworkError as exc:  # RequestTimeout, ExchangeNotAvailable, DDoSProtection, ...
            if attempt == retries:
                raise DataSourceError(
                    f"{what} failed after {retries + 1} attempts: {type(exc).__name__}: {exc}. "
                    "Fix: check the network or the exchange status and run again (completed data is not cached)"
                ) from None
            delay = backoff_s * 2**attempt
            log.warning("%s: %s (%s); retry %d/%d in %.1fs", what, type(exc).__name__, exc, attempt + 1, retries,
                        delay)
            sleep(delay)
        except ccxt.BaseError as exc:  # bad symbol, unsupported timeframe, auth: retrying will not help
            raise DataSourceError(f"{what} was refused by the exchange: {type(exc).__name__}: {exc}") from None
    raise AssertionError("unreachable")


def download_ohlcv(exchange: Any, symbol: str, interval: str, interval_ms: int, start_ms: int,
                   end_ms: int | None = None, *, limit: int = 1000, retries: int = 5, backoff_s: float = 1.0,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic,
                   now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> pl.DataFrame:
    """Download bars ``start_ms <= open time < end_ms`` → OHLCV contract frame (not yet validated).

    ``exchange``: a ccxt exchange instance (or any object with ``fetch_ohlcv``, ``load_markets``,
    ``timeframes``, ``rateLimit``, as the tests' recorded fake). ``sleep``/``clock``/``now_ms`` are
    injectable so tests run without waiting.
    """
    ccxt = import_ccxt()
    name = getattr(exchange, "id", type(exchange).__name__)
    limiter = _Limiter(float(getattr(exchange, "rateLimit", 0) or 0) / 1000.0, sleep, clock)
    timeframes = getattr(exchange, "timeframes", None) or {}
    if timeframes and interval not in timeframes:
        raise DataSourceError(f"{name} has no {interval} bars (config key data.interval); "
                              f"expected one of {sorted(timeframes)}")
    markets = _call(exchange.load_markets, f"{name}: loading markets", ccxt, limiter, retries, backoff_s, sleep)
    if markets and symbol not in markets:
        raise DataSourceError(f"{name} has no market '{symbol}' (config key data.symbol); expected a symbol "
                              f"like BTC/USDT, e.g. one of {sorted(markets)[:10]}")
    open_end = end_ms is None
    if open_end:
        end_ms = now_ms()
    pages: list[np.ndarray] = []
    since = start_ms
    while since < end_ms:
        rows = _call(lambda: exchange.fetch_ohlcv(symbol, interval, since, limit),
                     f"{name}: fetch_ohlcv {symbol} {interval} since {since}", ccxt, limiter, retries, backoff_s,
                     sleep)
        if not rows:
            break
        page = np.asarray([r[:6] for r in rows], dtype=np.float64)  # (m, 6): ts, o, h, l, c, v
        last = int(page[:, 0].max())
        pages.append(page[(page[:, 0] >= since) & (page[:, 0] < end_ms)])
        log.debug("%s: %d bars up to %d", name, page.shape[0], last)
        if last < since:  # the exchange ignored `since`: nothing new will come
            break
        since = last + interval_ms
    data = np.concatenate(pages) if pages else np.empty((0, 6))
    if open_end:
        data = data[data[:, 0] + interval_ms <= end_ms]  # drop the bar still forming
    ts = data[:, 0].astype(np.int64)
    keep = np.ones(ts.shape[0], bool)
    order = np.argsort(ts, kind="stable")
    data, ts = data[order], ts[order]
    keep[1:] = ts[1:] != ts[:-1]
    if not keep.all():
        log.debug("%s: dropped %d bars repeated across pages", name, int((~keep).sum()))
    data, ts = data[keep], ts[keep]
    log.info("%s: downloaded %d %s bars of %s", name, ts.shape[0], interval, symbol)
    return pl.DataFrame({
        "timestamp": pl.Series(ts, dtype=pl.Int64).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        **{c: data[:, k + 1] for k, c in enumerate(("open", "high", "low", "close", "volume"))},
    })

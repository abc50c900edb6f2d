"""Feeds: a replayed file in order and paced; the exchange feed on recorded responses (no network)."""

from __future__ import annotations

import logging

import ccxt
import numpy as np
import polars as pl
import pytest

from neural_trading_system.errors import DataSourceError, DataValidationError
from neural_trading_system.live.feeds import (KEY_ENV, SECRET_ENV, Bar, ExchangeFeed, ReplayFeed,
                                              exchange_credentials, redact)
from tests.conftest import make_ohlcv

H4 = 4 * 3600_000


def _csv(tmp_path, n=20, **kw):
    f = make_ohlcv(n=n, **kw)
    path = tmp_path / "m.csv"
    f.with_columns(pl.col("timestamp").dt.epoch("ms")).write_csv(path)
    return f, path


def test_replay_yields_every_bar_in_order_with_its_values(tmp_path):
    f, path = _csv(tmp_path)
    bars = list(ReplayFeed(path))
    assert len(bars) == 20
    ts = f["timestamp"].dt.epoch("ms").to_numpy()
    assert [b.ts for b in bars] == ts.tolist()
    np.testing.assert_array_equal([b.close for b in bars], f["close"].to_numpy())
    assert bars[3].timestamp.isoformat() == "2021-01-01T12:00:00+00:00"


def test_replay_parquet_and_speed_pacing(tmp_path):
    f = make_ohlcv(n=5)
    path = tmp_path / "m.parquet"
    f.write_parquet(path)
    slept = []
    feed = ReplayFeed(path, speed=3600.0, sleep=slept.append)
    assert feed.interval_ms == H4 and feed.total == 5
    assert len(list(feed)) == 5
    assert slept == [4.0] * 4  # 4 h / 3600 between bars, none before the first
    slept.clear()
    list(ReplayFeed(path, speed=0, sleep=slept.append))
    assert slept == []


def test_replay_validates_the_file(tmp_path):
    _, path = _csv(tmp_path)
    lines = path.read_text().splitlines()
    lines[4] = lines[4].replace(lines[4].split(",")[2], "abc", 1)  # text in 'high'
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="high"):
        ReplayFeed(path)
    with pytest.raises(DataSourceError, match="speed"):
        ReplayFeed(frame=make_ohlcv(n=5), speed=-1)


class FakeExchange:
    """Recorded ``fetch_ohlcv`` pages; an item that is an exception is raised instead."""

    id = "fakex"

    def __init__(self, responses):
        self.responses = list(responses)
        self.calls = []

    def fetch_ohlcv(self, symbol, timeframe, since, limit):
        self.calls.append(since)
        r = self.responses.pop(0) if self.responses else []
        if isinstance(r, BaseException):
            raise r
        return r


def _rows(first_ts, n, price=100.0):
    return [[first_ts + i * H4, price + i, price + i + 1, price + i - 1, price + i + 0.5, 10.0 + i] for i in range(n)]


def test_exchange_feed_yields_closed_bars_retries_errors_and_never_yields_the_forming_bar(caplog):
    now = {"ms": 100 * H4 + 5}  # bar 100 is forming
    t0 = 97 * H4
    ex = FakeExchange([
        _rows(t0, 4),  # history: 97, 98, 99 closed; 100 still forming
        ccxt.RequestTimeout("timed out"),
        ccxt.ExchangeNotAvailable("maintenance"),
        _rows(99 * H4, 3),  # 99 again (already yielded), 100 closed now, 101 forming
    ])
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        if s == 7:  # a poll wait: the next bar closes meanwhile (backoff waits are short)
            now["ms"] += H4

    feed = ExchangeFeed(ex, "BTC/USDT", "4h", history_bars=3, poll_seconds=7, backoff_s=0.5, max_polls=2,
                        sleep=sleep, now_ms=lambda: now["ms"])
    with caplog.at_level(logging.WARNING):
        bars = list(feed)
    assert [b.ts // H4 for b in bars] == [97, 98, 99, 100]
    assert bars[0] == Bar(t0, 100.0, 101.0, 99.0, 100.5, 10.0)
    assert ex.calls[0] == 97 * H4 and ex.calls[1:] == [100 * H4] * 3  # from the bar after the last one, retried
    assert sleeps[:3] == [7.0, 0.5, 1.0]  # poll wait, then backoff 0.5, 1.0
    assert feed.errors == 2
    assert "RequestTimeout" in caplog.text and "ExchangeNotAvailable" in caplog.text


def test_exchange_feed_gives_up_a_poll_after_max_retries_and_keeps_going():
    ex = FakeExchange([_rows(0, 2), *[ccxt.NetworkError("down")] * 3, _rows(2 * H4, 1)])
    now = {"ms": 2 * H4}

    def sleep(s):
        now["ms"] += H4 // 2

    feed = ExchangeFeed(ex, "X/Y", "4h", history_bars=2, max_retries=2, max_polls=3, sleep=sleep,
                        now_ms=lambda: now["ms"])
    assert [b.ts // H4 for b in feed] == [0, 1, 2]


def test_exchange_refusal_on_first_call_is_a_clear_error():
    ex = FakeExchange([ccxt.BadSymbol("no such market")] * 3)
    feed = ExchangeFeed(ex, "NOPE/USDT", "4h", max_retries=1, sleep=lambda s: None, now_ms=lambda: 10 * H4)
    with pytest.raises(DataSourceError, match="refused.*BadSymbol.*--symbol"):
        list(feed)


def test_api_keys_come_from_env_and_never_reach_the_logs(monkeypatch, caplog):
    key, secret = "AKIAKEY1234567890", "s3cr3t-VALUE-abcdef"
    monkeypatch.setenv(KEY_ENV, key)
    monkeypatch.setenv(SECRET_ENV, secret)
    assert exchange_credentials() == {"apiKey": key, "secret": secret}
    assert redact(f"GET /api?apiKey={key}&sig={secret}") == "GET /api?apiKey=***&sig=***"
    # an exchange error whose text carries the key (as some request errors do) is logged redacted
    ex = FakeExchange([_rows(H4, 1), ccxt.AuthenticationError(f"invalid key {key} / {secret}"), _rows(2 * H4, 1)])
    now = {"ms": 2 * H4}

    def sleep(s):
        now["ms"] += H4

    feed = ExchangeFeed(ex, "X/Y", "4h", history_bars=1, max_polls=2, sleep=sleep, now_ms=lambda: now["ms"])
    with caplog.at_level(logging.DEBUG):
        bars = list(feed)
    assert len(bars) == 2
    assert "AuthenticationError" in caplog.text
    assert key not in caplog.text and secret not in caplog.text
    # the ccxt object gets them (and only from the environment)
    from neural_trading_system.live.feeds import make_live_exchange

    obj = make_live_exchange("binance")
    assert obj.apiKey == key and obj.secret == secret

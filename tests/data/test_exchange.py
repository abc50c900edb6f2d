"""ccxt downloads against recorded responses: pagination, end, rate limit, retries, errors. No network."""

from __future__ import annotations

import sys

import ccxt
import pytest

from neural_trading_system.config import DataConfig
from neural_trading_system.data import download_ohlcv, load_market
from neural_trading_system.data import market as market_module
from neural_trading_system.errors import DataSourceError
from tests.data.conftest import RecordedExchange

T0 = 1_609_459_200_000  # 2021-01-01 UTC
STEP = 4 * 3_600_000


class FakeClock:
    """Time that only moves when slept through (and by a tick per call)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def _download(ex, clock: FakeClock, start=T0, end=T0 + 24 * STEP, **kw):
    return download_ohlcv(ex, "BTC/USDT", "4h", STEP, start, end, limit=10, sleep=clock.sleep, clock=clock.clock, **kw)


def test_paginates_to_end(fake_exchange: RecordedExchange, recorded: dict) -> None:
    clock = FakeClock()
    f = _download(fake_exchange, clock)
    assert [c[2] for c in fake_exchange.calls] == [T0, T0 + 10 * STEP, T0 + 20 * STEP]  # stops at end
    assert f.height == 24 and f["timestamp"].dt.epoch("ms").to_list() == [T0 + k * STEP for k in range(24)]
    first = recorded["calls"][0]["response"][0]
    assert f.row(0)[1:] == tuple(float(x) for x in first[1:6])
    assert f.columns == ["timestamp", "open", "high", "low", "close", "volume"]


def test_rate_limit_spaces_calls(fake_exchange: RecordedExchange) -> None:
    clock = FakeClock()
    _download(fake_exchange, clock)
    # load_markets + 3 pages: every call after the first waits the exchange's rateLimit (50 ms)
    assert clock.sleeps == pytest.approx([0.05, 0.05, 0.05])


def test_stops_at_empty_page(fake_exchange: RecordedExchange) -> None:
    f = _download(fake_exchange, FakeClock(), end=T0 + 100 * STEP)
    assert f.height == 30 and len(fake_exchange.calls) == 4


def test_retries_network_errors_with_backoff(recorded: dict) -> None:
    ex = RecordedExchange(recorded, failures={2: ccxt.RequestTimeout("slow"), 3: ccxt.NetworkError("reset")})
    clock = FakeClock()
    f = _download(ex, clock, backoff_s=1.0)
    assert f.height == 24
    assert [c[2] for c in ex.calls] == [T0, T0 + 10 * STEP, T0 + 10 * STEP, T0 + 10 * STEP, T0 + 20 * STEP]
    assert 1.0 in clock.sleeps and 2.0 in clock.sleeps  # exponential backoff: 1 s, then 2 s


def test_gives_up_after_retries(recorded: dict) -> None:
    ex = RecordedExchange(recorded, failures={k: ccxt.NetworkError("down") for k in range(1, 10)})
    with pytest.raises(DataSourceError) as info:
        _download(ex, FakeClock(), retries=2)
    assert "after 3 attempts" in str(info.value) and "NetworkError" in str(info.value)
    assert len(ex.calls) == 3


def test_exchange_error_is_not_retried(recorded: dict) -> None:
    ex = RecordedExchange(recorded, failures={1: ccxt.BadSymbol("no such market")})
    with pytest.raises(DataSourceError) as info:
        _download(ex, FakeClock())
    assert "refused" in str(info.value) and len(ex.calls) == 1


def test_unknown_symbol_and_timeframe(fake_exchange: RecordedExchange) -> None:
    with pytest.raises(DataSourceError) as info:
        download_ohlcv(fake_exchange, "DOGE/EUR", "4h", STEP, T0, T0 + STEP, sleep=lambda s: None)
    assert "data.symbol" in str(info.value) and "BTC/USDT" in str(info.value)
    with pytest.raises(DataSourceError) as info:
        download_ohlcv(fake_exchange, "BTC/USDT", "3h", 3 * 3_600_000, T0, T0 + STEP, sleep=lambda s: None)
    assert "data.interval" in str(info.value) and "4h" in str(info.value)


def test_open_end_drops_forming_bar(fake_exchange: RecordedExchange) -> None:
    now = T0 + 23 * STEP + STEP // 2  # bar 23 is still forming
    f = download_ohlcv(fake_exchange, "BTC/USDT", "4h", STEP, T0, None, limit=10, sleep=lambda s: None,
                       now_ms=lambda: now)
    assert f.height == 23


def test_missing_ccxt_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ccxt", None)
    cfg = DataConfig(source="exchange", start="2021-01-01", end="2021-01-05")
    with pytest.raises(DataSourceError) as info:
        load_market(cfg, 0)
    assert "pip install 'neural-trading-system[exchange]'" in str(info.value)


def test_load_market_from_exchange_uses_cache(monkeypatch: pytest.MonkeyPatch, recorded: dict, tmp_path) -> None:
    made: list[RecordedExchange] = []

    def fake_make(exchange_id: str) -> RecordedExchange:
        assert exchange_id == "binance"
        made.append(RecordedExchange(recorded))
        made[-1].rateLimit = 0
        return made[-1]

    monkeypatch.setattr(market_module, "make_exchange", fake_make)
    cfg = DataConfig(source="exchange", start="2021-01-01", end="2021-01-05", data_dir=str(tmp_path))
    md = load_market(cfg, 0)
    assert md.frame.height == 24 and md.symbol == "BTCUSDT" and md.interval == "4h"
    cached = sorted(p.name for p in (tmp_path / "binance").iterdir())
    assert cached == ["BTCUSDT_4h_20210101_20210105.parquet", "BTCUSDT_4h_20210101_20210105.parquet.sha256"]
    sub = load_market(cfg.model_copy(update={"start": "2021-01-02", "end": "2021-01-03"}), 0)
    assert len(made) == 1                                      # served from the cache, no second download
    assert sub.frame.height == 6 and sub.frame.equals(md.frame.slice(6, 6))
    load_market(cfg.model_copy(update={"force_recollect": True}), 0)
    assert len(made) == 2

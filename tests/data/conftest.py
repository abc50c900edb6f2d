"""Fixtures of the data tests: a fake ccxt exchange replaying recorded fetch_ohlcv pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


class RecordedExchange:
    """Stands in for a ccxt exchange: answers fetch_ohlcv from recorded (since → page) responses.

    ``failures`` maps a call number (1-based over all fetch_ohlcv calls) to an exception raised
    instead of answering; ``calls`` records every request.
    """

    def __init__(self, record: dict, failures: dict[int, Exception] | None = None) -> None:
        self.id = record["exchange"]
        self.rateLimit = record["rateLimit"]
        self.timeframes = {tf: tf for tf in record["timeframes"]}
        self._markets = {m: {"symbol": m} for m in record["markets"]}
        self._pages = {c["since"]: c["response"] for c in record["calls"]}
        self.failures = dict(failures or {})
        self.calls: list[tuple[str, str, int, int]] = []

    def load_markets(self) -> dict:
        return self._markets

    def fetch_ohlcv(self, symbol: str, timeframe: str, since: int, limit: int) -> list[list[float]]:
        self.calls.append((symbol, timeframe, since, limit))
        if len(self.calls) in self.failures:
            raise self.failures.pop(len(self.calls))
        if since not in self._pages:
            raise AssertionError(f"unrecorded request since={since}; recorded: {sorted(self._pages)}")
        return [list(r) for r in self._pages[since]]


@pytest.fixture
def recorded() -> dict:
    return json.loads((FIXTURES / "binance_btcusdt_4h.json").read_text())


@pytest.fixture
def fake_exchange(recorded) -> RecordedExchange:
    return RecordedExchange(recorded)

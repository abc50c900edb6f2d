"""Market data: files, exchanges and the synthetic market, validated to the OHLCV contract.

``load_market(cfg.data, seed) -> MarketData`` is the stage's entry point; the rest is exported for
tests, benchmarks and the commands.
"""

from .cache import find_cached, sanitize_key
from .exchange import download_ohlcv, make_exchange
from .files import read_ohlcv_file
from .intervals import format_interval, parse_date_ms, parse_interval
from .market import MarketData, frame_sha256, load_market
from .resample import resample_ohlcv
from .summary import summarize
from .synthetic import REGIMES, generate_market
from .validate import OHLCV, ValidationReport, validate_ohlcv

__all__ = [
    "MarketData",
    "load_market",
    "frame_sha256",
    "summarize",
    "read_ohlcv_file",
    "validate_ohlcv",
    "ValidationReport",
    "generate_market",
    "REGIMES",
    "resample_ohlcv",
    "download_ohlcv",
    "make_exchange",
    "find_cached",
    "sanitize_key",
    "parse_interval",
    "format_interval",
    "parse_date_ms",
    "OHLCV",
]

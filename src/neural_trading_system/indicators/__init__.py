"""Causal, vectorized indicator kernels; one module per family, one definition per indicator
serving the bulk path, the streaming path and the Backtrader wrappers."""

from .base import MAX_LOOKBACK, REGISTRY, IndicatorDef, IndicatorSpec, indicator, run_bulk
from .stream import StreamingSuite
from .suite import default_suite, get_suite, minimal_suite

__all__ = [
    "MAX_LOOKBACK", "REGISTRY", "IndicatorDef", "IndicatorSpec", "indicator", "run_bulk",
    "StreamingSuite", "default_suite", "get_suite", "minimal_suite",
]

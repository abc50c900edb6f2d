"""Context-aware targets: volatility regime, TP/SL/hold barriers, entry/exit, forward return and volatility, size.

Only ``target_`` columns look forward, and only into bars t+1 … t+prediction_horizon; ``ctx_``
columns use bars <= t.
"""

from .barriers import BARRIER_HOLD, BARRIER_SL, BARRIER_TP, BARRIER_UNDEFINED, first_barrier_hit
from .make import CONTEXT_COLUMNS, TARGET_COLUMNS, make_labels
from .regime import REGIME_HIGH, REGIME_LOW, REGIME_NORMAL, volatility_context

__all__ = [
    "make_labels", "TARGET_COLUMNS", "CONTEXT_COLUMNS",
    "volatility_context", "REGIME_LOW", "REGIME_NORMAL", "REGIME_HIGH",
    "first_barrier_hit", "BARRIER_HOLD", "BARRIER_TP", "BARRIER_SL", "BARRIER_UNDEFINED",
]

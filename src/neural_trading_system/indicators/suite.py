"""The default indicator suite: every family module's ``SUITE`` list, in a stable order."""

from __future__ import annotations

from importlib import import_module

from ..errors import IndicatorError
from .base import IndicatorSpec

__all__ = ["FAMILY_MODULES", "default_suite", "minimal_suite", "get_suite"]

#: family modules, in column order
FAMILY_MODULES = ("cycle", "regime", "volatility", "momentum", "trend", "cipher", "volume", "misc")


def default_suite() -> list[IndicatorSpec]:
    """Every indicator of the default suite, with the original system's parameters."""
    specs: list[IndicatorSpec] = []
    for mod in FAMILY_MODULES:
        try:
            module = import_module(f"{__package__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{mod}":
                continue
            raise
        specs.extend(getattr(module, "SUITE", []))
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise IndicatorError(f"default suite has duplicate indicator names {dupes}")
    return specs


def minimal_suite() -> list[IndicatorSpec]:
    """A handful of fast indicators (tests and quick demos)."""
    from . import momentum, trend, volatility

    return [momentum.rsi(period=14), trend.macd(), volatility.atr(period=14), volatility.bbands(), trend.sma(period=50)]


def get_suite(name: str) -> list[IndicatorSpec]:
    if name == "default":
        return default_suite()
    if name == "minimal":
        return minimal_suite()
    raise IndicatorError(f"unknown indicator suite '{name}'; allowed: 'default', 'minimal'")

"""The project's error types.

Every error names what it is about (file, row, column, key), what was expected, what was
found, and how to fix it. The CLI prints them without a traceback and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "NTSError",
    "ConfigError",
    "DataValidationError",
    "DataSourceError",
    "ArtifactError",
    "SchemaMismatchError",
    "IndicatorError",
    "LookaheadError",
    "OutOfSampleError",
]


class NTSError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(NTSError, ValueError):
    """A configuration key is unknown, mistyped, or its value is out of range."""


class DataValidationError(NTSError, ValueError):
    """Market data broke the OHLCV contract (see DESIGN.md)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.source, self.row, self.column = source, row, column
        self.expected, self.found, self.fix = expected, found, fix
        parts = [message]
        where = []
        if source is not None:
            where.append(f"file {source}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        if where:
            parts.append("at " + ", ".join(where))
        if expected is not None:
            parts.append(f"expected {expected}")
        if found is not None:
            parts.append(f"found {found}")
        text = "; ".join(parts)
        if fix:
            text += f". Fix: {fix}"
        super().__init__(text)


class DataSourceError(NTSError, RuntimeError):
    """Market data could not be obtained (exchange unreachable or refusing, ccxt missing)."""


class ArtifactError(NTSError, RuntimeError):
    """A run artifact (weights, extractor, manifest, cache) is missing, corrupt or mismatched."""


class SchemaMismatchError(ArtifactError, ValueError):
    """Data columns or feature width differ from the fitted schema."""


class IndicatorError(NTSError, RuntimeError):
    """An indicator failed; the message names the indicator and the bar."""


class LookaheadError(NTSError, RuntimeError):
    """A captured line reads bars from the future."""


class OutOfSampleError(NTSError, RuntimeError):
    """A backtest or evaluation would run over bars that trained or validated the model."""

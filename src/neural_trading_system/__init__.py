"""neural-trading-system: transparent neural trading research.

Public API: the config, the error types, and the pipeline entry points in :mod:`.api`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Config, load_config  # noqa: E402
from .errors import (  # noqa: E402
    ArtifactError,
    ConfigError,
    DataValidationError,
    IndicatorError,
    LookaheadError,
    NTSError,
    OutOfSampleError,
    SchemaMismatchError,
)

__all__ = [
    "__version__",
    "Config",
    "load_config",
    "NTSError",
    "ConfigError",
    "DataValidationError",
    "ArtifactError",
    "SchemaMismatchError",
    "IndicatorError",
    "LookaheadError",
    "OutOfSampleError",
    "train_neural_system",
]


def __getattr__(name: str):  # lazy: importing the package must not import torch
    if name == "train_neural_system":
        from .api import train_neural_system

        return train_neural_system
    raise AttributeError(name)

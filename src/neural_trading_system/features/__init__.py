"""Features: the extractor, sanitization and integrity metadata, sequence windows as views."""

from .sequences import SequenceDataset

__all__ = ["SequenceDataset"]

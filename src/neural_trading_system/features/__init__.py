"""Features: the extractor, sanitization and integrity metadata, sequence windows as views."""

from .cache import FeatureCache, cached_features
from .extractor import FeatureExtractor
from .sequences import SequenceDataset

__all__ = ["FeatureExtractor", "FeatureCache", "cached_features", "SequenceDataset"]

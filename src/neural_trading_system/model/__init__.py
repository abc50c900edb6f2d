"""The multi-task transformer: encoder with visible attention, regime VAE, change detector, heads.

Importing this package imports torch; the top-level package never imports it.
"""

from __future__ import annotations

from .attention import MultiHeadSelfAttention
from .encoder import EncoderBlock, SequenceEncoder
from .network import LOGIT_HEADS, VALUE_HEADS, ModelOutput, NeuralTradingModel
from .regime import CHANGE_SCORES, REGIME_CHANGE_NAMES, RegimeChangeDetector, RegimeVAE

__all__ = [
    "NeuralTradingModel",
    "ModelOutput",
    "MultiHeadSelfAttention",
    "EncoderBlock",
    "SequenceEncoder",
    "RegimeVAE",
    "RegimeChangeDetector",
    "LOGIT_HEADS",
    "VALUE_HEADS",
    "CHANGE_SCORES",
    "REGIME_CHANGE_NAMES",
]

"""Live: the streaming predictor (incremental indicators → the run's extractor and model)."""

from .predictor import ATR_PERIOD, Decision, StreamingPredictor, stack_decisions

__all__ = ["Decision", "StreamingPredictor", "stack_decisions", "ATR_PERIOD"]

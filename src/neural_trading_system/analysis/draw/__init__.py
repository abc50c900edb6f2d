"""Drawing: every function takes computed results and returns a matplotlib ``Figure``.

No pyplot and no backend switch: figures are built with the object API
(``matplotlib.figure.Figure``) and rendered by Agg in :func:`.figure.png_bytes`, so importing
this package changes no global matplotlib state.
"""

from __future__ import annotations

from .attention import draw_attention_heads, draw_attention_mean, draw_bar_attention, draw_lag_profile
from .attribution import draw_attribution_groups, draw_attribution_time, draw_top_features
from .calibration import draw_decision_boundary, draw_probability_histogram, draw_reliability
from .exits import draw_event_study, draw_hold_durations, draw_label_distribution
from .figure import new_figure, png_bytes
from .regimes import draw_regime_scatter, draw_regime_summary

__all__ = [
    "new_figure", "png_bytes",
    "draw_attention_mean", "draw_attention_heads", "draw_lag_profile", "draw_bar_attention",
    "draw_top_features", "draw_attribution_groups", "draw_attribution_time",
    "draw_regime_scatter", "draw_regime_summary",
    "draw_reliability", "draw_decision_boundary", "draw_probability_histogram",
    "draw_event_study", "draw_hold_durations", "draw_label_distribution",
]

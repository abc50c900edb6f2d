"""Figures without pyplot: a ``Figure`` bound to an Agg canvas, rendered to PNG bytes."""

from __future__ import annotations

import io

__all__ = ["new_figure", "png_bytes", "DPI"]

#: resolution of every PNG (inches × DPI = pixels)
DPI = 110


def new_figure(width: float = 8.0, height: float = 4.5):
    """A ``Figure`` of ``width`` × ``height`` inches on its own Agg canvas (no global backend state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig) -> bytes:
    """Render ``fig`` to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()

"""The one place that imports Backtrader (1.9.78) so it works on Python 3.10+.

Backtrader still reads ``collections.Iterable`` (``LineIterator.bindlines``), which Python 3.10
moved to :mod:`collections.abc`. :func:`import_backtrader` puts the abc names back on
``collections`` (only the names that are missing, pointing at the very same abc classes) before
the import. It never imports ``backtrader.plot``: that module selects matplotlib's TkAgg backend
at import time. Every other module of this package gets Backtrader from here::

    from .btcompat import bt
"""

from __future__ import annotations

import collections
import collections.abc
import logging
import sys
from types import ModuleType

__all__ = ["import_backtrader", "bt"]

log = logging.getLogger(__name__)

#: abc names Backtrader (or its dependencies) may look up on ``collections``
_ABC_NAMES = ("Iterable", "Iterator", "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Callable",
              "Hashable", "Sized", "Container", "Set", "MutableSet")


def import_backtrader() -> ModuleType:
    """Import and return ``backtrader`` with the ``collections`` aliases it needs."""
    for name in _ABC_NAMES:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    import backtrader

    if "backtrader.plot" in sys.modules:  # someone else imported it; say so, do not undo it
        log.debug("backtrader.plot was imported elsewhere (it selects a matplotlib backend)")
    return backtrader


bt = import_backtrader()

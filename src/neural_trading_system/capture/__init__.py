"""Capture: every indicator line, bar by bar, from the fast bulk path or any Backtrader strategy.

* :func:`collect` runs kernels directly over the whole history (the default suite's path);
* :mod:`.btindicators` gives each kernel as a ``bt.Indicator`` (same values in Cerebro);
* :class:`Recorder` / :func:`record` capture every line of any Backtrader strategy, bulk or streaming;
* :func:`write_captured` / :func:`read_captured` / :func:`collect_cached`: Parquet + Arrow IPC on disk.
"""

from .btcompat import bt, import_backtrader
from .btindicators import BT_INDICATORS, NTSIndicator, bt_indicator
from .cerebro import DataCollectionStrategy, PolarsFeed, make_cerebro
from .export import collect_cached, read_captured, write_captured
from .frame import Captured, ColumnMeta, collect
from .job import CollectSummary, collect_to_dir
from .recorder import Recorder, capture_patch, record

__all__ = [
    "bt", "import_backtrader", "BT_INDICATORS", "NTSIndicator", "bt_indicator", "DataCollectionStrategy",
    "PolarsFeed", "make_cerebro", "collect_cached", "read_captured", "write_captured", "Captured", "ColumnMeta",
    "collect", "CollectSummary", "collect_to_dir", "Recorder", "capture_patch", "record",
]

"""Model tests: one torch thread for tiny models."""

from __future__ import annotations

from tests.torch_threads import one_torch_thread  # noqa: F401  (autouse fixture)

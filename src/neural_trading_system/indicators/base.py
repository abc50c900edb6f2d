"""The indicator contract: one definition serves bulk (vectorized), streaming and Backtrader.

An indicator is a function ``fn(ctx, start, **params)`` that fills its output lines (and any
intermediate buffers it needs) for bar indices ``start … ctx.n - 1``. Every buffer it touches
is a persistent float64 array owned by the context, so:

* **bulk**: one call with ``start=0`` over the whole history (numba / numpy, millions of bars/s);
* **streaming**: append one bar, call with ``start=n-1``: the same code computes the new bar from
  the state already in the buffers. Streaming and bulk run the same arithmetic, in the same
  order, so their values are equal (the parity tests check it).

Rules a kernel follows (the causality test enforces them):

* reading ``x[i - k]`` for ``k >= 0`` only: never a later bar;
* all recursive state lives in buffers indexed by bar (``ctx.tmp(name)``), read at ``i - 1``;
* it reads at most :data:`MAX_LOOKBACK` bars back (streaming keeps that many);
* divisions go through :func:`primitives.safe_div` so a flat or zero-volume bar never turns
  into Inf/NaN after warm-up.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import IndicatorError

__all__ = [
    "MAX_LOOKBACK",
    "INPUTS",
    "Context",
    "BulkContext",
    "IndicatorDef",
    "IndicatorSpec",
    "indicator",
    "REGISTRY",
    "run_bulk",
]

#: the furthest back any kernel may read (bars); streaming keeps at least this much history.
MAX_LOOKBACK = 512
INPUTS = ("open", "high", "low", "close", "volume")


class Context:
    """Buffers of one indicator instance. Subclasses decide how the arrays grow."""

    n: int

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    # inputs ---------------------------------------------------------------------------------
    @property
    def open(self) -> np.ndarray:
        return self.input("open")

    @property
    def high(self) -> np.ndarray:
        return self.input("high")

    @property
    def low(self) -> np.ndarray:
        return self.input("low")

    @property
    def close(self) -> np.ndarray:
        return self.input("close")

    @property
    def volume(self) -> np.ndarray:
        return self.input("volume")

    def input(self, name: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # buffers --------------------------------------------------------------------------------
    def tmp(self, name: str) -> np.ndarray:
        """Persistent intermediate buffer (float64, NaN until written), length ``n``."""
        return self._buffer("tmp:" + name)

    def out(self, line: str) -> np.ndarray:
        """Output line buffer (float64, NaN until written), length ``n``."""
        return self._buffer("out:" + line)

    def _buffer(self, key: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class BulkContext(Context):
    """Whole-history context: inputs are the given arrays, buffers have their length."""

    def __init__(self, inputs: dict[str, np.ndarray]) -> None:
        super().__init__()
        self._inputs = inputs
        self.n = len(inputs["close"])

    def input(self, name: str) -> np.ndarray:
        return self._inputs[name]

    def _buffer(self, key: str) -> np.ndarray:
        buf = self._bufs.get(key)
        if buf is None:
            buf = np.full(self.n, np.nan)
            self._bufs[key] = buf
        return buf


@dataclass(frozen=True)
class IndicatorDef:
    """An indicator kind: the kernel plus what it produces."""

    kind: str
    fn: Callable[..., None]
    family: str
    lines: tuple[str, ...]
    price_like: frozenset[str]
    reference: str
    defaults: dict[str, Any]

    def __call__(self, name: str | None = None, **params: Any) -> "IndicatorSpec":
        """Bind parameters: ``rsi(period=14)`` → spec named ``rsi_14``."""
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise IndicatorError(
                f"indicator '{self.kind}': unknown parameter(s) {sorted(unknown)}; allowed: {sorted(self.defaults)}"
            )
        bound = {**self.defaults, **params}
        if name is None:
            vals = [_fmt(v) for k, v in bound.items() if k in params]
            name = "_".join([self.kind, *vals]) if vals else self.kind
        return IndicatorSpec(name=name, definition=self, params=bound)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}".replace(".", "p")
    return str(v)


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator instance with bound parameters and a unique column prefix ``name``."""

    name: str
    definition: IndicatorDef
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def family(self) -> str:
        return self.definition.family

    @property
    def lines(self) -> tuple[str, ...]:
        return self.definition.lines

    def columns(self) -> list[str]:
        return [f"{self.name}.{line}" for line in self.lines]

    def compute(self, ctx: Context, start: int) -> None:
        """Fill this indicator's buffers for bars ``start … ctx.n - 1``."""
        try:
            self.definition.fn(ctx, start, **self.params)
        except IndicatorError:
            raise
        except Exception as exc:  # name the indicator and the bar, keep the cause
            raise IndicatorError(
                f"indicator '{self.name}' ({self.kind}, params {self.params}) failed computing bars "
                f"{start}..{ctx.n - 1}: {type(exc).__name__}: {exc}"
            ) from exc

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Bulk: compute over whole arrays; returns ``{line: array}``."""
        ctx = BulkContext(inputs)
        self.compute(ctx, 0)
        return {line: ctx.out(line) for line in self.lines}


#: every indicator kind, by name
REGISTRY: dict[str, IndicatorDef] = {}


def indicator(
    family: str,
    lines: Iterable[str],
    reference: str,
    price_like: Iterable[str] = (),
    kind: str | None = None,
) -> Callable[[Callable[..., None]], IndicatorDef]:
    """Register a kernel ``fn(ctx, start, **params)`` as an indicator kind.

    ``price_like``: lines in price units (features turn them into log-distance to close).
    ``reference``: author, book or article, year (the docstring gives the formula).
    """

    def wrap(fn: Callable[..., None]) -> IndicatorDef:
        sig = inspect.signature(fn)
        defaults = {
            k: p.default for k, p in list(sig.parameters.items())[2:] if p.default is not inspect.Parameter.empty
        }
        name = kind or fn.__name__
        if name in REGISTRY:
            raise IndicatorError(f"indicator kind '{name}' registered twice")
        lines_t = tuple(lines)
        bad = set(price_like) - set(lines_t)
        if bad:
            raise IndicatorError(f"indicator '{name}': price_like lines {sorted(bad)} are not in lines {lines_t}")
        d = IndicatorDef(name, fn, family, lines_t, frozenset(price_like), reference, defaults)
        REGISTRY[name] = d
        return d

    return wrap


def run_bulk(specs: Iterable[IndicatorSpec], inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compute every spec over whole arrays; returns ``{'<name>.<line>': array}``."""
    arrays = {k: np.ascontiguousarray(inputs[k], dtype=np.float64) for k in INPUTS}
    out: dict[str, np.ndarray] = {}
    for spec in specs:
        for line, values in spec.run(arrays).items():
            out[f"{spec.name}.{line}"] = values
    return out

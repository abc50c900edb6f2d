"""Find captured lines that read future bars, from the structure of a Backtrader strategy.

Backtrader looks forward in one way: ``line(k)`` with ``k > 0`` builds a ``_LineForward`` that
writes ``line[t + k]`` at bar ``t`` (Ichimoku's ``chikou_span = data.close(26)``). Starting from
every ``_LineForward``, taint flows along

* bindings (``self.lines.x = op`` copies ``op`` into line ``x``);
* operations (``LinesOperation``, ``LineDelay``, functions) from their operands to their output;
* indicators with their own ``next``/``once``: from their datas and sub-indicators to every line
  they own (they may read anything they hold).

Lines that end up tainted read the future. Reads like ``self.data.close[1]`` inside a user's own
``next`` are not visible in the structure: :func:`.recorder.check_truncation` catches those by
re-running on a shorter history.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from .btcompat import bt

__all__ = ["forward_tainted", "line_buffers"]

_LineForward = bt.linebuffer._LineForward
_LineActions = bt.linebuffer.LineActions


def line_buffers(obj: Any) -> list[Any]:
    """The LineBuffers of a lines object (a LineBuffer is its own single line)."""
    if isinstance(obj, bt.linebuffer.LineBuffer):
        return [obj]
    lines = getattr(obj, "lines", None)
    if lines is None:
        return []
    try:
        return [lines[i] for i in range(lines.size() + lines.extrasize())]
    except Exception:  # noqa: BLE001 - stubs without extra lines
        return list(lines)


def _has_own_compute(ind: Any) -> bool:
    for cls in type(ind).__mro__:
        if cls in (bt.Indicator, bt.LineIterator):
            return False
        if "next" in cls.__dict__ or "once" in cls.__dict__:
            return True
    return False


def _walk(owner: Any) -> Iterable[Any]:
    for child in owner._lineiterators[bt.LineIterator.IndType]:
        yield child
        if isinstance(child, bt.Indicator):
            yield from _walk(child)


def forward_tainted(strategy: Any) -> set[int]:
    """``id()`` of every LineBuffer in ``strategy`` whose values read a future bar."""
    edges: dict[int, list[Any]] = defaultdict(list)
    sources: list[Any] = []
    seen: dict[int, Any] = {}

    def note(buf: Any) -> None:
        seen[id(buf)] = buf

    for node in _walk(strategy):
        if isinstance(node, bt.Indicator):
            outs = line_buffers(node)
            for o in outs:
                note(o)
            if _has_own_compute(node):
                ins = [b for d in node.datas for b in line_buffers(d)]
                ins += [b for c in node._lineiterators[bt.LineIterator.IndType] for b in line_buffers(c)]
                for i in ins:
                    edges[id(i)].extend(outs)
        elif isinstance(node, _LineActions):
            note(node)
            operands = list(getattr(node, "_datas", []))
            operands += [getattr(node, a) for a in ("a", "b") if isinstance(getattr(node, a, None), bt.LineRoot)]
            for operand in operands:
                for b in line_buffers(operand):
                    edges[id(b)].append(node)
            if isinstance(node, _LineForward):
                sources.append(node)
    # bindings: every buffer we know of passes its values to the lines bound to it
    for buf in list(seen.values()):
        for target in getattr(buf, "bindings", ()):
            edges[id(buf)].append(target)
    tainted: set[int] = set()
    queue = deque(sources)
    while queue:
        buf = queue.popleft()
        if id(buf) in tainted:
            continue
        tainted.add(id(buf))
        queue.extend(edges.get(id(buf), ()))
    return tainted

"""Feature attribution on the entry LOGIT (never the sigmoid, whose saturation hides gradients).

Integrated gradients (Sundararajan et al., 2017, "Axiomatic Attribution for Deep Networks") with a
zero baseline: the features are robust-scaled around the training median, so zero is the typical
bar. ``attr[s, t, f] = x[s, t, f] * mean_k dlogit/dx(baseline + k/n (x - baseline))``; the sum over
t and f equals ``logit(x) - logit(0)`` up to the Riemann error (the convergence delta, reported).
Gradient × input is the one-step variant. Per feature: ``mean_s sum_t |attr[s, t, f]|``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Attribution", "attribute", "feature_source", "group_attribution", "entry_logit_fn"]

#: market features computed from OHLCV, not from a captured indicator column
_MARKET_SOURCES = {"ret": "returns", "rv": "realized_vol", "volume": "volume", "candle": "candle"}


@dataclass
class Attribution:
    """Attribution of the entry logit to each feature.

    ``scores``: ``(F,)`` float64, mean over samples of ``sum_t |attr|`` (logit units), aligned to
    ``names``; ``by_time``: ``(T,)`` mean over samples of ``sum_f |attr|`` (index 0 = oldest bar);
    ``delta``: mean |convergence delta| (IG) relative to mean |logit(x) - logit(baseline)|
    (NaN for gradient × input); ``method``; ``n_samples``.
    """

    names: list[str]
    scores: np.ndarray
    by_time: np.ndarray
    delta: float
    method: str
    n_samples: int

    def top(self, k: int = 20) -> list[tuple[str, float]]:
        order = np.argsort(-self.scores, kind="stable")[:k]
        return [(self.names[i], float(self.scores[i])) for i in order]


def entry_logit_fn(model) -> Callable[[Any], Any]:
    """``x (B, T, F) tensor -> (B,)`` entry logit of ``model``."""
    return lambda x: model(x).entry_logit


def attribute(fn: Callable[[Any], Any], x: np.ndarray, names: Sequence[str], method: str = "ig",
              n_steps: int = 16, batch_size: int = 32) -> Attribution:
    """Attribute ``fn`` (a ``(B, T, F) -> (B,)`` logit) on windows ``x`` ``(S, T, F)`` float32.

    method: ``"ig"`` (Captum ``IntegratedGradients``, zero baseline, ``n_steps`` Gauss-Legendre
    points) or ``"grad_x_input"``. The model behind ``fn`` must be in eval mode.
    """
    import torch

    if method not in ("ig", "grad_x_input"):
        raise ValueError(f"attribution method '{method}': expected 'ig' or 'grad_x_input'")
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[2] != len(names):
        raise ValueError(f"attribute: expected windows (S, T, {len(names)}), found {x.shape}")
    if len(x) == 0:
        raise ValueError("attribute: no windows (the test split is empty)")
    per_feature, per_time, deltas, spans = [], [], [], []
    for i in range(0, len(x), batch_size):
        xb = torch.from_numpy(x[i:i + batch_size]).requires_grad_(True)
        if method == "ig":
            from captum.attr import IntegratedGradients

            ig = IntegratedGradients(fn)
            attr, delta = ig.attribute(xb, baselines=torch.zeros_like(xb), n_steps=n_steps,
                                       return_convergence_delta=True)
            with torch.no_grad():
                span = (fn(xb) - fn(torch.zeros_like(xb))).abs()
            deltas.append(delta.detach().abs().cpu().numpy())
            spans.append(span.cpu().numpy())
        else:
            out = fn(xb)
            (grad,) = torch.autograd.grad(out.sum(), xb)
            attr = grad * xb
        a = attr.detach().abs().double().cpu().numpy()  # (B, T, F)
        per_feature.append(a.sum(axis=1))  # (B, F)
        per_time.append(a.sum(axis=2))  # (B, T)
    delta = float("nan")
    if deltas:
        delta = float(np.concatenate(deltas).mean() / max(np.concatenate(spans).mean(), 1e-12))
    return Attribution(list(names), np.concatenate(per_feature).mean(axis=0), np.concatenate(per_time).mean(axis=0),
                       delta, method, int(len(x)))


def feature_source(name: str, meta: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(column, indicator, family)`` of a feature name ``<source>|<op>``.

    ``meta`` is ``Captured.meta`` (column → ColumnMeta with ``indicator`` and ``family``); the
    OHLCV market features (``ret|k``, ``rv|w``, ``volume|zw``, ``candle|part``) map to family ``market``.
    """
    source = name.rpartition("|")[0] or name
    m = meta.get(source)
    if m is not None:
        ind = m["indicator"] if isinstance(m, Mapping) else m.indicator
        fam = m["family"] if isinstance(m, Mapping) else m.family
        return source, str(ind), str(fam)
    return source, _MARKET_SOURCES.get(source, source), "market"


def group_attribution(att: Attribution, meta: Mapping[str, Any], level: str) -> list[dict[str, Any]]:
    """Scores summed per ``level`` (``"indicator"`` or ``"family"``), largest first.

    Each row: ``name``, ``score`` (sum of feature scores, logit units), ``share`` (of the total),
    ``n_features``, ``mean_score`` (score per feature, fair to groups with few features).
    """
    if level not in ("indicator", "family"):
        raise ValueError(f"group_attribution: level '{level}', expected 'indicator' or 'family'")
    col = 1 if level == "indicator" else 2
    keys = [feature_source(n, meta)[col] for n in att.names]
    groups: dict[str, list[int]] = {}
    for j, k in enumerate(keys):
        groups.setdefault(k, []).append(j)
    total = float(att.scores.sum()) or 1.0
    rows = [{"name": k, "score": float(att.scores[ix].sum()), "share": float(att.scores[ix].sum() / total),
             "n_features": len(ix), "mean_score": float(att.scores[ix].mean())} for k, ix in groups.items()]
    return sorted(rows, key=lambda r: -r["score"])

"""The regime space: VAE latents (``regime_mu``), a 2-D projection, KMeans regimes and their outcomes.

Everything learned (PCA, KMeans) is fitted on the TRAINING split's latents only, then applied to
the test windows, whose realized forward outcomes (``target_return``, ``target_volatility``) are
measured per regime. On the synthetic market the clusters are compared with the true regimes by
normalized mutual information.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RegimeAnalysis", "analyze_regimes", "regime_table"]


@dataclass
class RegimeAnalysis:
    """Regime space of the test windows.

    ``coords``: ``(S, 2)`` test latents projected (PCA fitted on train; the raw latent when it is
    2-D); ``explained``: ``(2,)`` explained variance ratio (train) or None; ``labels``: ``(S,)``
    int cluster per test window; ``table``: one row per regime (see :func:`regime_table`);
    ``nmi``: NMI(test clusters, true regimes at the end bars) or None without true regimes;
    ``nmi_vol_regime``: NMI with the causal volatility regime ``ctx_vol_regime`` (any market);
    ``k``: clusters; ``latent_dim``.
    """

    coords: np.ndarray
    explained: np.ndarray | None
    labels: np.ndarray
    table: list[dict[str, Any]]
    nmi: float | None
    nmi_vol_regime: float | None
    k: int
    latent_dim: int
    crosstab: dict[str, Any] = field(default_factory=dict)


def regime_table(labels: np.ndarray, k: int, target_return: np.ndarray, target_volatility: np.ndarray) -> list[dict]:
    """Per regime: count, share, mean forward log return, win rate (return > 0), mean forward volatility.

    labels ``(S,)`` int in ``0..k-1``; returns and volatilities ``(S,)`` float (NaN rows ignored
    for the means). Empty regimes get count 0 and NaN statistics.
    """
    n = max(len(labels), 1)
    rows = []
    for c in range(k):
        m = labels == c
        r, v = target_return[m], target_volatility[m]
        r, v = r[np.isfinite(r)], v[np.isfinite(v)]
        rows.append({"regime": c, "count": int(m.sum()), "share": float(m.sum() / n),
                     "mean_return": float(r.mean()) if r.size else float("nan"),
                     "win_rate": float((r > 0).mean()) if r.size else float("nan"),
                     "mean_volatility": float(v.mean()) if v.size else float("nan")})
    return rows


def _nmi(a: np.ndarray, b: np.ndarray) -> float | None:
    from sklearn.metrics import normalized_mutual_info_score

    ok = np.isfinite(b.astype(np.float64))
    if ok.sum() < 2:
        return None
    return float(normalized_mutual_info_score(a[ok], b[ok].astype(np.int64)))


def analyze_regimes(train_mu: np.ndarray, test_mu: np.ndarray, test_bars: np.ndarray, labels_frame,
                    true_regimes: np.ndarray | None = None, k: int = 5, seed: int = 0) -> RegimeAnalysis:
    """Fit PCA and KMeans on ``train_mu`` ``(N_train, L)``, apply to ``test_mu`` ``(S, L)``.

    test_bars ``(S,)`` int end bars of the test windows; labels_frame the run's label frame
    (``target_return``, ``target_volatility``, ``ctx_vol_regime`` per bar); true_regimes ``(N,)``
    int per bar (synthetic market) or None.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    if len(train_mu) < k:
        raise ValueError(f"analyze_regimes: {len(train_mu)} training latents, need at least k={k}")
    latent_dim = int(train_mu.shape[1])
    if latent_dim > 2:
        pca = PCA(n_components=2, random_state=seed).fit(train_mu)
        coords, explained = pca.transform(test_mu), pca.explained_variance_ratio_
    else:
        coords, explained = np.asarray(test_mu, dtype=np.float64).reshape(len(test_mu), -1), None
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(train_mu.astype(np.float64))
    labels = km.predict(np.asarray(test_mu, dtype=np.float64)).astype(np.int64)
    ret = labels_frame["target_return"].to_numpy()[test_bars].astype(np.float64)
    vol = labels_frame["target_volatility"].to_numpy()[test_bars].astype(np.float64)
    table = regime_table(labels, k, ret, vol)
    nmi, crosstab = None, {}
    if true_regimes is not None:
        truth = np.asarray(true_regimes)[test_bars].astype(np.int64)
        nmi = _nmi(labels, truth)
        crosstab = {f"regime_{c}": {f"true_{t}": int(((labels == c) & (truth == t)).sum())
                                    for t in np.unique(truth)} for c in range(k)}
    nmi_vol = None
    if "ctx_vol_regime" in labels_frame.columns:
        nmi_vol = _nmi(labels, labels_frame["ctx_vol_regime"].to_numpy()[test_bars])
    return RegimeAnalysis(np.asarray(coords, dtype=np.float64), None if explained is None else np.asarray(explained),
                          labels, table, nmi, nmi_vol, k, latent_dim, crosstab)

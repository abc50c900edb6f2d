"""Attention, attribution and regimes on a randomly initialised model and hand-built latents."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from neural_trading_system.analysis import (analyze_regimes, attribute, feature_source, group_attribution,
                                            lag_profile, regime_table, sample_indices, summarize_attention)
from neural_trading_system.capture.frame import ColumnMeta

torch = pytest.importorskip("torch")

T, F = 6, 5


@pytest.fixture(scope="module")
def model():
    from neural_trading_system.config import load_config
    from neural_trading_system.model import NeuralTradingModel

    torch.manual_seed(0)
    cfg = load_config("debug", overrides={"model.seq_len": T, "model.d_model": 16, "model.num_heads": 2,
                                          "model.num_layers": 2, "model.dim_feedforward": 32,
                                          "model.latent_dim": 3, "model.history_pool": 2})
    m = NeuralTradingModel(cfg.model, F).eval()
    with torch.no_grad():  # a trained model's input bias: at init it is 0, and the zero baseline of
        m.encoder.input_proj.bias.normal_(0, 0.5)  # IG would sit on LayerNorm(0), a kink no integral resolves
    return m


def test_attention_summary_shapes_rows_and_lags(model) -> None:
    x = np.random.default_rng(0).normal(size=(7, T, F)).astype(np.float32)
    s = summarize_attention(model, x, batch_size=3)
    assert s.per_head.shape == (2, 2, T, T) and s.mean.shape == (2, T, T) and s.n_windows == 7
    np.testing.assert_allclose(s.per_head.sum(axis=-1), 1.0, atol=1e-5)  # softmax rows
    np.testing.assert_allclose(s.lag_profile[:, 0], s.mean[:, -1, -1])  # lag 0 = decision bar to itself
    np.testing.assert_allclose(s.lag_profile[:, T - 1], s.mean[:, -1, 0])  # oldest key
    assert s.to_json()["top_lags"]["layer_1"][0] == int(np.argmax(s.lag_profile[0]))


def test_lag_profile_by_hand() -> None:
    m = np.arange(9, dtype=float).reshape(3, 3)  # last query row is 6, 7, 8
    assert lag_profile(m).tolist() == [8.0, 7.0, 6.0]


def test_sample_indices_even_and_bounded() -> None:
    assert sample_indices(5, 10).tolist() == [0, 1, 2, 3, 4]
    assert sample_indices(101, 5).tolist() == [0, 25, 50, 75, 100]
    assert sample_indices(0, 5).size == 0


def test_integrated_gradients_exact_on_a_linear_logit() -> None:
    w = torch.tensor(np.random.default_rng(1).normal(size=(T, F)), dtype=torch.float32)
    fn = lambda x: (x * w).sum(dim=(1, 2))  # noqa: E731
    x = np.random.default_rng(2).normal(size=(4, T, F)).astype(np.float32)
    expected = np.abs(x * w.numpy())  # IG of a linear map from a zero baseline is w * x
    names = [f"f{j}" for j in range(F)]
    for method in ("ig", "grad_x_input"):
        att = attribute(fn, x, names, method=method, n_steps=8, batch_size=3)
        np.testing.assert_allclose(att.scores, expected.sum(axis=1).mean(axis=0), rtol=1e-4)
        np.testing.assert_allclose(att.by_time, expected.sum(axis=2).mean(axis=0), rtol=1e-4)
    assert att.n_samples == 4 and att.top(2)[0][0] == names[int(np.argmax(att.scores))]


def test_integrated_gradients_complete_on_the_model_entry_logit(model) -> None:
    from neural_trading_system.analysis import entry_logit_fn

    x = np.random.default_rng(3).normal(size=(3, T, F)).astype(np.float32)
    names = [f"f{j}" for j in range(F)]
    coarse = attribute(entry_logit_fn(model), x, names, n_steps=8)
    att = attribute(entry_logit_fn(model), x, names, n_steps=128)
    assert att.scores.shape == (F,) and (att.scores >= 0).all() and att.scores.sum() > 0
    # the attributions add up to logit(x) - logit(0) once the integral converges
    assert att.delta < 1e-3 and coarse.delta < 1e-2


def test_attribute_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="method"):
        attribute(lambda x: x.sum(), np.zeros((1, T, F), np.float32), ["a"] * F, method="shap")
    with pytest.raises(ValueError, match=r"\(S, T, 2\)"):
        attribute(lambda x: x.sum(), np.zeros((1, T, F), np.float32), ["a", "b"])


def test_feature_source_and_grouping() -> None:
    meta = {"rsi_14.rsi": ColumnMeta("momentum", "rsi_14", "rsi", "rsi", {}, 14, False),
            "bbands.upper": ColumnMeta("volatility", "bbands", "bbands", "upper", {}, 19, True),
            "bbands.lower": ColumnMeta("volatility", "bbands", "bbands", "lower", {}, 19, True)}
    assert feature_source("rsi_14.rsi|z20", meta) == ("rsi_14.rsi", "rsi_14", "momentum")
    assert feature_source("ret|5", meta) == ("ret", "returns", "market")
    assert feature_source("volume|z20", meta) == ("volume", "volume", "market")
    from neural_trading_system.analysis import Attribution

    names = ["rsi_14.rsi|lvl", "bbands.upper|d1", "bbands.lower|z5", "ret|1"]
    att = Attribution(names, np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(T), float("nan"), "ig", 1)
    fam = group_attribution(att, meta, "family")
    assert [(r["name"], r["score"], r["n_features"]) for r in fam] == [("volatility", 5.0, 2), ("market", 4.0, 1),
                                                                        ("momentum", 1.0, 1)]
    assert fam[0]["share"] == pytest.approx(0.5) and fam[0]["mean_score"] == 2.5
    assert [r["name"] for r in group_attribution(att, meta, "indicator")] == ["bbands", "returns", "rsi_14"]


def test_regime_table_by_hand() -> None:
    rows = regime_table(np.array([0, 0, 1, 1, 1]), 3, np.array([0.1, -0.3, 0.2, 0.2, np.nan]),
                        np.array([0.01, 0.03, 0.02, 0.02, 0.02]))
    assert rows[0]["count"] == 2 and rows[0]["mean_return"] == pytest.approx(-0.1) and rows[0]["win_rate"] == 0.5
    assert rows[0]["mean_volatility"] == pytest.approx(0.02) and rows[0]["share"] == pytest.approx(0.4)
    assert rows[1]["win_rate"] == 1.0 and rows[1]["mean_return"] == pytest.approx(0.2)
    assert rows[2]["count"] == 0 and np.isnan(rows[2]["mean_return"])


def test_regimes_fitted_on_train_and_recover_separated_truth() -> None:
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    centers = np.array([[0, 0, 0, 0], [5, 0, 0, 0], [0, 5, 0, 0]], dtype=float)
    train_truth = rng.integers(0, 3, 300)
    train = centers[train_truth] + rng.normal(0, 0.3, (300, 4))
    n_bars = 400
    test_bars = np.arange(300, 400)
    truth = np.zeros(n_bars, dtype=np.int64)
    truth[test_bars] = rng.integers(0, 3, 100)
    test = centers[truth[test_bars]] + rng.normal(0, 0.3, (100, 4))
    labels = pl.DataFrame({"target_return": rng.normal(size=n_bars), "target_volatility": rng.uniform(size=n_bars),
                           "ctx_vol_regime": rng.integers(0, 3, n_bars).astype(float)})
    ra = analyze_regimes(train, test, test_bars, labels, truth, k=3, seed=0)
    assert ra.nmi == pytest.approx(1.0)
    assert ra.nmi_vol_regime is not None and ra.nmi_vol_regime < 0.2  # random volatility regime: unrelated
    assert ra.coords.shape == (100, 2) and ra.explained is not None and ra.latent_dim == 4
    expected = KMeans(n_clusters=3, n_init=10, random_state=0).fit(train).predict(test)
    assert (ra.labels == expected).all()  # clusters come from the training latents
    assert sum(r["count"] for r in ra.table) == 100
    assert sum(ra.crosstab[f"regime_{c}"].get("true_0", 0) for c in range(3)) == int((truth[test_bars] == 0).sum())
    assert analyze_regimes(train, test, test_bars, labels, None, k=3).nmi is None

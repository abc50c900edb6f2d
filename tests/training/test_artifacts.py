"""Run artifacts: safetensors round trip, manifest helpers, load_run refusing mismatched features, predict."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from neural_trading_system.config import ModelConfig
from neural_trading_system.errors import ArtifactError, SchemaMismatchError
from neural_trading_system.model import NeuralTradingModel
from neural_trading_system.training import (PREDICTION_KEYS, load_run, load_weights, predict, predict_windows,
                                            read_manifest, read_weights_metadata, save_weights, write_manifest)

from .conftest import N_FEATURES, make_datasets


@dataclass
class FakeExtractor:
    feature_names_: list[str]
    schema_hash_: str


def test_safetensors_round_trip(tmp_path):
    cfg = ModelConfig(seq_len=8, d_model=16, num_heads=2, num_layers=1, dim_feedforward=32, latent_dim=4,
                      history_pool=4)
    torch.manual_seed(0)
    a = NeuralTradingModel(cfg, N_FEATURES).eval()
    save_weights(a, tmp_path / "m.safetensors", feature_schema_hash="abc")
    torch.manual_seed(1)
    b = NeuralTradingModel(cfg, N_FEATURES).eval()
    meta = load_weights(b, tmp_path / "m.safetensors")
    assert meta["n_features"] == "12" and meta["feature_schema_hash"] == "abc" and len(meta["config_hash"]) == 16
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    x = torch.randn(2, 8, N_FEATURES)
    assert torch.equal(a(x).entry_logit, b(x).entry_logit)
    with pytest.raises(SchemaMismatchError, match="trained on 12 features, the model was built for 11"):
        load_weights(NeuralTradingModel(cfg, 11), tmp_path / "m.safetensors")
    with pytest.raises(ArtifactError, match="config.json"):
        load_weights(NeuralTradingModel(cfg.model_copy(update={"latent_dim": 5}), N_FEATURES), tmp_path / "m.safetensors")


def test_weights_of_an_older_model_version_ask_for_a_retrain(tmp_path):
    from safetensors.torch import save_file

    cfg = ModelConfig(seq_len=8, d_model=16, num_heads=2, num_layers=1, dim_feedforward=32, latent_dim=4,
                      history_pool=4)
    m = NeuralTradingModel(cfg, N_FEATURES)
    old = {k: v for k, v in cfg.model_dump(mode="json").items() if k != "attention_span"}  # before the field existed
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(tmp_path / "m.safetensors"),
              metadata={"n_features": str(N_FEATURES), "config_hash": "0" * 16, "model_config": json.dumps(old)})
    with pytest.raises(ArtifactError, match=r"another version of the model \(fields added since: \['attention_span'\]"
                                            r".*retrain the run"):
        load_weights(m, tmp_path / "m.safetensors")


def test_manifest_merges_atomically(tmp_path):
    write_manifest(tmp_path, seed=1, timings_s={"data": 1.0})
    write_manifest(tmp_path, n_features=12, timings_s={"train": 2.0})
    m = read_manifest(tmp_path)
    assert m == {"seed": 1, "n_features": 12, "timings_s": {"data": 1.0, "train": 2.0}}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(ArtifactError, match="manifest"):
        read_manifest(tmp_path / "nowhere")


def test_load_run_gives_the_trained_model(trained_run):
    run_dir, result = trained_run
    loaded = load_run(run_dir)
    assert loaded.n_features == N_FEATURES and loaded.feature_schema_hash == "schema-aaa"
    assert not loaded.model.training
    assert read_weights_metadata(run_dir / "model.safetensors")["feature_schema_hash"] == "schema-aaa"
    best = torch.load(run_dir / "checkpoints" / "best.pt", weights_only=True)
    assert best["epoch"] == result.best_epoch
    for k, v in loaded.model.state_dict().items():
        assert torch.equal(v, best["model"][k]), k


def test_load_run_refuses_a_mismatched_extractor(trained_run):
    run_dir, _ = trained_run
    narrow = FakeExtractor([f"f{i}" for i in range(10)], "schema-bbb")
    with pytest.raises(SchemaMismatchError) as err:
        load_run(run_dir, extractor=narrow)
    msg = str(err.value)
    for part in ("trained on 12 features", "schema-aaa", "gives 10 features", "schema-bbb", "extractor.json",
                 "retrain"):
        assert part in msg, part
    same_width = FakeExtractor([f"f{i}" for i in range(12)], "schema-ccc")
    with pytest.raises(SchemaMismatchError, match="schema-ccc"):
        load_run(run_dir, extractor=same_width)
    ok = load_run(run_dir, extractor=FakeExtractor([f"f{i}" for i in range(12)], "schema-aaa"))
    assert ok.extractor.schema_hash_ == "schema-aaa"


def test_load_run_refuses_a_manifest_of_another_width(trained_run, tmp_path):
    run_dir, _ = trained_run
    for name in ("config.json", "model.safetensors"):
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    (tmp_path / "manifest.json").write_text(json.dumps({"n_features": 20, "feature_schema_hash": "schema-aaa"}))
    with pytest.raises(SchemaMismatchError, match=r"trained on 12 features.*gives 20 features"):
        load_run(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model": {"d_modle": 3}}))
    with pytest.raises(ArtifactError, match="config.json"):
        load_run(tmp_path)


def test_predict_keys_shapes_and_ranges(trained_run):
    run_dir, _ = trained_run
    model = load_run(run_dir).model
    _, val = make_datasets()
    p = predict(model, val, batch_size=16)
    assert set(PREDICTION_KEYS) | {"end_bars"} == set(p)
    n = len(val)
    for k in ("entry_prob", "exit_prob", "tp_prob", "sl_prob", "hold_prob", "position_size", "regime_change",
              "stability_index"):
        assert p[k].shape == (n,) and ((p[k] >= 0) & (p[k] <= 1)).all(), k
    assert (p["volatility"] > 0).all() and p["regime_mu"].shape == (n, 4)
    assert np.array_equal(p["end_bars"], val.end_bars)
    x, _ = val.batch(np.arange(5))
    q = predict_windows(model, x)
    assert np.allclose(q["entry_prob"], p["entry_prob"][:5], atol=1e-6)  # batch size does not change results
    _, wide = make_datasets(n_features=N_FEATURES + 1)
    with pytest.raises(SchemaMismatchError, match="13 features but the model was trained on 12"):
        predict(model, wide)

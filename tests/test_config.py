"""Typed configuration: presets, files, flat aliases, overrides, and errors that name the fix."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from neural_trading_system.cli import app
from neural_trading_system.config import FLAT_ALIASES, PRESETS, Config, load_config, save_config
from neural_trading_system.errors import ConfigError


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_resolve(preset):
    cfg = load_config(preset)
    assert cfg.preset == preset and isinstance(cfg, Config)


def test_debug_is_smaller_than_default_is_smaller_than_deep():
    d, m, p = load_config("debug"), load_config("default"), load_config("deep")
    assert d.model.d_model < m.model.d_model < p.model.d_model


def test_flat_aliases_of_the_original_land_in_their_sections():
    cfg = load_config(overrides={"seq_len": 16, "prediction_horizon": 7, "d_model": 32, "num_heads": 2,
                                 "num_layers": 1, "batch_size": 8, "num_epochs": 2, "lookback_windows": [20, 5],
                                 "device": "cpu", "use_wandb": False, "run_name": "x", "fe_workers": 2,
                                 "fe_chunk": 16, "fe_parallel_threshold": 10})
    assert (cfg.model.seq_len, cfg.labels.prediction_horizon, cfg.model.d_model) == (16, 7, 32)
    assert cfg.training.batch_size == 8 and cfg.training.device == "cpu" and cfg.run_name == "x"
    assert cfg.features.lookback_windows == (5, 20)  # sorted, deduplicated
    assert cfg.features.fe_workers == 2 and cfg.features.fe_parallel_threshold == 10
    assert set(FLAT_ALIASES) >= {"seq_len", "fe_chunk", "use_wandb"}


@pytest.mark.parametrize("suffix,text", [
    (".toml", "seq_len = 24\n[training]\nlr = 0.002\n"),
    (".yaml", "seq_len: 24\ntraining:\n  lr: 0.002\n"),
])
def test_file_then_overrides(tmp_path, suffix, text):
    f = tmp_path / f"cfg{suffix}"
    f.write_text(text)
    cfg = load_config("debug", f, ["training.lr=0.005"])
    assert cfg.model.seq_len == 24 and cfg.training.lr == 0.005 and cfg.preset == "debug"


@pytest.mark.parametrize("overrides,key,closest", [
    (["seq_lenn=3"], "seq_lenn", "seq_len"),
    (["traning.lr=0.1"], "traning", "training.lr"),
    (["model.d_modle=64"], "model.d_modle", "model.d_model"),
])
def test_unknown_key_names_the_closest(overrides, key, closest):
    with pytest.raises(ConfigError) as e:
        load_config(overrides=overrides)
    assert key in str(e.value) and f"'{closest}'" in str(e.value)


def test_out_of_range_value_names_key_and_limit():
    with pytest.raises(ConfigError) as e:
        load_config(overrides={"batch_size": 0})
    assert "training.batch_size" in str(e.value) and "ge 1" in str(e.value)


def test_unknown_key_in_file_section(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[model]\nheads = 4\n")
    with pytest.raises(ConfigError, match=r"model\.heads.*Allowed keys in \[model\]"):
        load_config(file=f)


def test_saved_config_round_trips(tmp_path):
    cfg = load_config("debug", overrides=["seq_len=12"])
    save_config(cfg, tmp_path / "config.json")
    again = Config.model_validate(json.loads((tmp_path / "config.json").read_text()))
    assert again == cfg


def test_cli_typo_exits_2_with_message_and_no_traceback():
    res = CliRunner().invoke(app, ["config", "--set", "seq_lenn=64"])
    assert res.exit_code == 2
    assert "Closest valid key: 'seq_len'" in res.output and "Traceback" not in res.output

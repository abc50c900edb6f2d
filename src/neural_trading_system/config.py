"""Typed configuration: one frozen pydantic model grouped by stage, three presets.

Load order: preset → file (TOML or YAML) → command-line overrides. Every layer may use the
nested form (``training.lr``) or the flat keys users of the original system already write
(``seq_len``, ``batch_size``, ...). An unknown key or an out-of-range value raises
:class:`ConfigError` naming the key, what is allowed and the closest valid key.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from .config_sections import (BacktestConfig, CaptureConfig, DataConfig, FeatureConfig, LabelConfig, LiveConfig,
                              ModelConfig, SplitConfig, TrainingConfig, _Section)
from .errors import ConfigError

__all__ = [
    "Config",
    "DataConfig",
    "CaptureConfig",
    "FeatureConfig",
    "LabelConfig",
    "SplitConfig",
    "ModelConfig",
    "TrainingConfig",
    "BacktestConfig",
    "LiveConfig",
    "PRESETS",
    "FLAT_ALIASES",
    "load_config",
    "save_config",
]


class Config(_Section):
    """The whole resolved configuration of a run."""

    run_name: str | None = None
    """Run directory name under ``runs_dir``; None = timestamp + preset."""
    runs_dir: str = "runs"
    seed: int = 42
    preset: Literal["debug", "default", "deep", "custom"] = "default"
    data: DataConfig = DataConfig()
    capture: CaptureConfig = CaptureConfig()
    features: FeatureConfig = FeatureConfig()
    labels: LabelConfig = LabelConfig()
    splits: SplitConfig = SplitConfig()
    model: ModelConfig = ModelConfig()
    training: TrainingConfig = TrainingConfig()
    backtest: BacktestConfig = BacktestConfig()
    live: LiveConfig = LiveConfig()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def with_overrides(self, overrides: dict[str, Any] | None = None, **kw: Any) -> "Config":
        """A new config with nested or flat keys replaced (validated)."""
        merged = _nest({**(overrides or {}), **kw})
        return _build(_deep_merge(self.to_dict(), merged))


_SECTIONS: dict[str, type[_Section]] = {
    "data": DataConfig,
    "capture": CaptureConfig,
    "features": FeatureConfig,
    "labels": LabelConfig,
    "splits": SplitConfig,
    "model": ModelConfig,
    "training": TrainingConfig,
    "backtest": BacktestConfig,
    "live": LiveConfig,
}
_TOP_KEYS = {"run_name", "runs_dir", "seed", "preset"}

# Flat keys of the original system → nested location.
FLAT_ALIASES: dict[str, str] = {
    "seq_len": "model.seq_len",
    "prediction_horizon": "labels.prediction_horizon",
    "d_model": "model.d_model",
    "num_heads": "model.num_heads",
    "num_layers": "model.num_layers",
    "batch_size": "training.batch_size",
    "num_epochs": "training.num_epochs",
    "lookback_windows": "features.lookback_windows",
    "device": "training.device",
    "use_wandb": "training.use_wandb",
    "fe_workers": "features.fe_workers",
    "fe_chunk": "features.fe_chunk",
    "fe_parallel_threshold": "features.fe_parallel_threshold",
    "learning_rate": "training.lr",
    "lr": "training.lr",
    "kl_weight": "training.kl_weight",
    "latent_dim": "model.latent_dim",
    "dropout": "model.dropout",
}

PRESETS: dict[str, dict[str, Any]] = {
    "debug": {
        "preset": "debug",
        "data": {"synthetic_bars": 6_000},
        "capture": {"suite": "default"},
        "features": {"lookback_windows": [5, 20, 50], "diff_lags": [1, 5]},
        "model": {"seq_len": 32, "d_model": 32, "num_heads": 2, "num_layers": 1, "dim_feedforward": 64,
                  "latent_dim": 4, "history_pool": 8},
        "training": {"batch_size": 64, "num_epochs": 3, "lr": 1e-3, "patience": 2},
    },
    # sized so `make demo` (nts run, 20,000 synthetic bars) finishes within 10 minutes on 2 CPU cores;
    # `deep` is the preset for serious research runs
    "default": {"preset": "default", "training": {"num_epochs": 6, "max_steps_per_epoch": 80, "patience": 3}},
    "deep": {
        "preset": "deep",
        "data": {"synthetic_bars": 50_000},
        "model": {"seq_len": 128, "d_model": 256, "num_heads": 8, "num_layers": 4, "dim_feedforward": 1024,
                  "latent_dim": 16, "history_pool": 32},
        "training": {"batch_size": 256, "num_epochs": 60, "lr": 2e-4, "patience": 10},
    },
}


def _all_keys() -> list[str]:
    keys = list(_TOP_KEYS) + list(_SECTIONS) + list(FLAT_ALIASES)
    for name, cls in _SECTIONS.items():
        keys += [f"{name}.{f}" for f in cls.model_fields]
    return keys


def _closest(key: str) -> str:
    candidates = _all_keys()
    short = {c.split(".")[-1]: c for c in candidates}
    best = difflib.get_close_matches(key, candidates, n=1, cutoff=0.5)
    if not best:
        leaf = difflib.get_close_matches(key.split(".")[-1], list(short), n=1, cutoff=0.5)
        best = [short[leaf[0]]] if leaf else []
    return best[0] if best else "(none close; run `nts config --show` for every key)"


def _nest(flat_or_nested: dict[str, Any]) -> dict[str, Any]:
    """Turn ``{'seq_len': 64, 'training.lr': 1e-3, 'model': {...}}`` into nested sections."""
    out: dict[str, Any] = {}
    for key, value in flat_or_nested.items():
        path = FLAT_ALIASES.get(key, key)
        parts = path.split(".")
        if len(parts) == 1 and parts[0] in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{key}' is a section; expected a table of keys, found {value!r}")
            out = _deep_merge(out, {parts[0]: _nest_section(parts[0], value)})
            continue
        if len(parts) == 1 and parts[0] not in _TOP_KEYS:
            raise ConfigError(
                f"unknown config key '{key}'. Allowed top-level keys: {sorted(_TOP_KEYS | set(_SECTIONS))} "
                f"and flat aliases {sorted(FLAT_ALIASES)}. Closest valid key: '{_closest(key)}'"
            )
        if len(parts) == 2 and parts[0] not in _SECTIONS:
            raise ConfigError(
                f"unknown config section '{parts[0]}' in key '{key}'. Allowed sections: {sorted(_SECTIONS)}. "
                f"Closest valid key: '{_closest(key)}'"
            )
        if len(parts) > 2:
            raise ConfigError(f"config key '{key}' is nested too deep; use 'section.key'. Closest: '{_closest(key)}'")
        cursor = out
        for p in parts[:-1]:
            cursor = cursor.setdefault(p, {})
        cursor[parts[-1]] = value
    return out


def _nest_section(section: str, values: dict[str, Any]) -> dict[str, Any]:
    allowed = _SECTIONS[section].model_fields
    for k in values:
        if k not in allowed:
            raise ConfigError(
                f"unknown config key '{section}.{k}'. Allowed keys in [{section}]: {sorted(allowed)}. "
                f"Closest valid key: '{_closest(f'{section}.{k}')}'"
            )
    return dict(values)


def _deep_merge(base: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _build(nested: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(nested)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
        if err["type"] == "extra_forbidden":
            raise ConfigError(
                f"unknown config key '{loc}'. Closest valid key: '{_closest(loc)}'"
            ) from None
        section, _, field = loc.partition(".")
        allowed = ""
        cls = _SECTIONS.get(section)
        if cls is not None and field in cls.model_fields:
            info = cls.model_fields[field]
            limits = [f"{m.__class__.__name__.lower()} {getattr(m, m.__class__.__name__.lower(), '')}"
                      for m in info.metadata]
            allowed = f"; allowed: {info.annotation if not limits else ', '.join(limits)}".replace("typing.", "")
        raise ConfigError(
            f"invalid value for config key '{loc}': {err['msg']} (found {err.get('input')!r}){allowed}. "
            f"Closest valid key: '{loc or _closest(loc)}'"
        ) from None


def _parse_value(text: str) -> Any:
    """Parse a command-line override value: JSON/YAML scalars and lists, else the raw string."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_overrides(items: list[str], what: str = "override") -> dict[str, Any]:
    """``['seq_len=64', 'training.lr=1e-3']`` → ``{'seq_len': 64, 'training.lr': 0.001}``."""
    parsed: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"{what} '{item}': expected key=value, e.g. seq_len=64 or training.lr=1e-3")
        k, v = item.split("=", 1)
        parsed[k.strip()] = _parse_value(v.strip())
    return parsed


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML or YAML config file into a dict (flat or nested keys)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist; expected a .toml, .yaml or .yml file")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(text)
        elif p.suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text) or {}
        elif p.suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"config file {p}: expected suffix .toml, .yaml, .yml or .json, found '{p.suffix}'")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ConfigError(f"config file {p} could not be parsed: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p}: expected a table of keys at the top, found {type(data).__name__}")
    return data


def load_config(
    preset: str = "default",
    file: str | Path | None = None,
    overrides: dict[str, Any] | list[str] | None = None,
) -> Config:
    """Resolve preset → file → overrides into a validated :class:`Config`.

    ``overrides`` is a dict, or a list of ``key=value`` strings as given on the command line
    (``seq_len=32``, ``training.lr=1e-3``, ``lookback_windows=[5,20]``).
    """
    if preset not in PRESETS:
        raise ConfigError(
            f"unknown preset '{preset}'; allowed: {sorted(PRESETS)}. "
            f"Closest: '{(difflib.get_close_matches(preset, list(PRESETS), n=1, cutoff=0) or ['default'])[0]}'"
        )
    nested = _nest(PRESETS[preset])
    if file is not None:
        nested = _deep_merge(nested, _nest(read_config_file(file)))
    if overrides:
        if isinstance(overrides, list):
            overrides = parse_overrides(overrides)
        nested = _deep_merge(nested, _nest(overrides))
        if preset != "custom" and nested.get("preset") == preset:
            nested["preset"] = preset
    return _build(nested)


def save_config(config: Config, path: str | Path) -> None:
    """Write the resolved config as JSON, atomically."""
    from .artifacts import write_text_atomic

    write_text_atomic(Path(path), json.dumps(config.to_dict(), indent=2, sort_keys=True))

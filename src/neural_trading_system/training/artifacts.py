"""Run artifacts of the model: safetensors weights, the manifest, and loading a run back.

``model.safetensors`` carries metadata (strings): ``format``, ``n_features``, ``config_hash``
(of the model section), ``model_config`` (JSON), ``feature_schema_hash`` (when the manifest had
one at training time) and ``package_version``. :func:`load_run` refuses a run whose weights,
manifest and extractor disagree on the feature width or schema, and says how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ..artifacts import atomic_path, package_version, read_json, write_json_atomic
from ..config import Config, ModelConfig
from ..errors import ArtifactError, SchemaMismatchError
from ..model.network import NeuralTradingModel

__all__ = ["save_weights", "load_weights", "read_weights_metadata", "model_config_hash", "load_run", "LoadedRun",
           "write_manifest", "read_manifest", "check_feature_compat", "WEIGHTS_FILE", "MANIFEST_FILE"]

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"
MANIFEST_FILE = "manifest.json"
CONFIG_FILE = "config.json"
EXTRACTOR_FILE = "extractor.json"
FORMAT = "nts-model-v1"


def model_config_hash(cfg: ModelConfig) -> str:
    """First 16 hex digits of the sha256 of the model section's JSON."""
    return hashlib.sha256(json.dumps(cfg.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def save_weights(model: NeuralTradingModel, path: str | Path, feature_schema_hash: str | None = None,
                 state_dict: dict[str, torch.Tensor] | None = None) -> None:
    """Write the model's weights (or ``state_dict``) as safetensors with metadata, atomically."""
    sd = state_dict if state_dict is not None else model.state_dict()
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in sd.items()}
    meta = {"format": FORMAT, "n_features": str(model.n_features), "config_hash": model_config_hash(model.cfg),
            "model_config": json.dumps(model.cfg.model_dump(mode="json"), sort_keys=True),
            "package_version": package_version()}
    if feature_schema_hash:
        meta["feature_schema_hash"] = str(feature_schema_hash)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)


def read_weights_metadata(path: str | Path) -> dict[str, str]:
    p = Path(path)
    if not p.is_file():
        raise ArtifactError(f"model weights {p} are missing; train the run first (`nts train`)")
    try:
        with safe_open(str(p), framework="pt") as fh:
            return dict(fh.metadata() or {})
    except Exception as exc:  # safetensors raises its own error types for a corrupt header
        raise ArtifactError(f"model weights {p} are not a readable safetensors file ({exc}); retrain the run") from None


def load_weights(model: NeuralTradingModel, path: str | Path) -> dict[str, str]:
    """Load safetensors weights into ``model`` after checking width and config; return the metadata."""
    meta = read_weights_metadata(path)
    found_n = int(meta.get("n_features", -1))
    if found_n != model.n_features:
        raise SchemaMismatchError(
            f"{path}: weights were trained on {found_n} features, the model was built for {model.n_features}; "
            "build the model with the run's n_features (load_run does) or retrain"
        )
    if meta.get("config_hash") and meta["config_hash"] != model_config_hash(model.cfg):
        raise ArtifactError(
            f"{path}: weights belong to model config {meta.get('model_config')} (hash {meta['config_hash']}), "
            f"not to {model.cfg.model_dump(mode='json')} (hash {model_config_hash(model.cfg)}); "
            + _config_mismatch_fix(meta.get("model_config"), model.cfg.model_dump(mode="json"))
        )
    state = load_file(str(path), device=str(next(model.parameters()).device))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ArtifactError(f"{path}: weights do not fit the model ({exc}); retrain the run") from None
    return meta


def _config_mismatch_fix(stored: str | None, current: dict[str, Any]) -> str:
    """How to fix a config-hash mismatch: an older model version (other fields) needs a retrain."""
    try:
        old = json.loads(stored) if stored else {}
    except (TypeError, ValueError):
        old = {}
    new_keys, gone = sorted(set(current) - set(old)), sorted(set(old) - set(current))
    if old and (new_keys or gone):
        return (f"the weights come from another version of the model (fields added since: {new_keys}, removed: "
                f"{gone}; the architecture changed with them), so retrain the run with this version (`nts train`)")
    return "build the model from the run's config.json (load_run does)"


def write_manifest(run_dir: str | Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into ``run_dir/manifest.json`` (dict values merged one level deep), atomically."""
    path = Path(run_dir) / MANIFEST_FILE
    manifest = read_json(path, "run manifest") if path.is_file() else {}
    for k, v in fields.items():
        if isinstance(v, dict) and isinstance(manifest.get(k), dict):
            manifest[k] = {**manifest[k], **v}
        else:
            manifest[k] = v
    write_json_atomic(path, manifest)
    return manifest


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    manifest = read_json(Path(run_dir) / MANIFEST_FILE, "run manifest")
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{Path(run_dir) / MANIFEST_FILE}: expected a JSON object, found {type(manifest).__name__}")
    return manifest


def check_feature_compat(run_dir: Path, expected_n: int, found_n: int, expected_hash: str | None,
                         found_hash: str | None, found_where: str) -> None:
    """Raise :class:`SchemaMismatchError` when the width or the schema hash differ."""
    width_bad = int(expected_n) != int(found_n)
    hash_bad = bool(expected_hash) and bool(found_hash) and expected_hash != found_hash
    if not (width_bad or hash_bad):
        return
    raise SchemaMismatchError(
        f"feature mismatch for the model in {run_dir}: it was trained on {expected_n} features "
        f"(schema hash {expected_hash or 'unrecorded'}), but {found_where} gives {found_n} features "
        f"(schema hash {found_hash or 'unrecorded'}). Fix: transform the data with the run's own extractor "
        f"({Path(run_dir) / EXTRACTOR_FILE}), or retrain (`nts train`) with the new extractor"
    )


@dataclass
class LoadedRun:
    """A trained run: its config, manifest, model (eval mode), feature width and extractor."""

    run_dir: Path
    config: Config
    manifest: dict[str, Any]
    model: NeuralTradingModel
    n_features: int
    feature_schema_hash: str | None
    extractor: Any = None  # features.FeatureExtractor when extractor.json was loaded or passed
    weights_metadata: dict[str, str] = field(default_factory=dict)


def _load_extractor(path: Path) -> Any:
    try:
        from ..features import FeatureExtractor  # type: ignore[attr-defined]
    except ImportError:
        log.warning("features.FeatureExtractor is not available; %s not checked", path)
        return None
    return FeatureExtractor.load(path)


def load_run(run_dir: str | Path, extractor: Any = None, device: str | torch.device = "cpu") -> LoadedRun:
    """Load ``run_dir``: config.json, manifest.json, model.safetensors and extractor.json.

    ``extractor``: check this fitted extractor (``feature_names_``, ``schema_hash_``) instead of
    the run's ``extractor.json``. Raises :class:`ArtifactError` for a missing or corrupt file and
    :class:`SchemaMismatchError` when weights, manifest and extractor disagree on the features.
    """
    rd = Path(run_dir)
    if not rd.is_dir():
        raise ArtifactError(f"run directory {rd} does not exist; pass a directory made by `nts train`")
    raw = read_json(rd / CONFIG_FILE, "run config")
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as exc:
        raise ArtifactError(
            f"{rd / CONFIG_FILE} does not validate against this package's config ({exc.errors()[0]['loc']}: "
            f"{exc.errors()[0]['msg']}); retrain the run with this version, or fix that key"
        ) from None
    manifest = read_manifest(rd)
    meta = read_weights_metadata(rd / WEIGHTS_FILE)
    if "n_features" not in manifest:
        raise ArtifactError(f"{rd / MANIFEST_FILE} has no 'n_features'; the run did not finish writing, retrain it")
    n_features = int(manifest["n_features"])
    schema_hash = manifest.get("feature_schema_hash")
    weights_n = int(meta.get("n_features", -1))
    check_feature_compat(rd, weights_n, n_features, meta.get("feature_schema_hash"), schema_hash,
                         f"its manifest ({rd / MANIFEST_FILE})")
    if extractor is None and (rd / EXTRACTOR_FILE).is_file():
        extractor = _load_extractor(rd / EXTRACTOR_FILE)
        where = f"the run's extractor ({rd / EXTRACTOR_FILE})"
    else:
        where = "the extractor passed in"
    if extractor is not None:
        names = getattr(extractor, "feature_names_", None)
        found_n = len(names) if names is not None else int(getattr(extractor, "n_features_", -1))
        check_feature_compat(rd, n_features, found_n, schema_hash, getattr(extractor, "schema_hash_", None), where)
    model = NeuralTradingModel(cfg.model, n_features).to(device)
    load_weights(model, rd / WEIGHTS_FILE)
    model.eval()
    return LoadedRun(rd, cfg, manifest, model, n_features, schema_hash, extractor, meta)

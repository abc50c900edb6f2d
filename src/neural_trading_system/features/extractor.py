"""The feature extractor: fit on the training rows, transform any captured frame, save as JSON.

``FeatureExtractor(cfg).fit(captured, train_end)`` learns from rows ``< train_end`` only:
which features to keep (:mod:`.selection`), their robust scaling (:mod:`.sanitize`), the
warm-up length and the schema hash. ``transform(captured) -> (N, F) float32`` computes only
the selected features; ``transform_last(tail) -> (F,) float32`` computes the last bar's row
from a trailing buffer of ``required_history_`` rows with the same kernels (live and backtest),
and ``transform_last_array(tail, columns)`` does the same from a bare float64 array (the live
predictor's ring buffer, no DataFrame per bar).
The learned state is JSON (never pickle), written atomically, checked by a sha256 on load.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..artifacts import package_version, read_json, write_json_atomic
from ..config import FeatureConfig
from ..errors import ArtifactError, DataValidationError, SchemaMismatchError
from .kernels import (Plan, build_last_levels, build_levels, compute_features, level_reach, make_plan,
                      reach_tiers)
from .sanitize import first_valid_row, fit_robust, scale_clip, scale_clip_row
from .schema import (OHLCV, InputFrame, check_columns, check_schema, is_captured_column, parse_feature,
                     resolve_input, schema_hash)
from .selection import select_features

__all__ = ["FeatureExtractor"]

log = logging.getLogger(__name__)

_FORMAT = "nts-feature-extractor"
_FORMAT_VERSION = 1
#: extra bars kept in the streaming buffer beyond the longest window + lag
HISTORY_MARGIN = 8
#: fewest training rows after warm-up the robust scaler is fitted on
MIN_SCALER_ROWS = 32
#: level cells a reach tier of the live row must save to be worth its array calls (see reach_tiers)
TIER_COST = 4000
_STATE = ("input_columns_", "ignored_columns_", "price_like_", "feature_names_", "center_", "scale_", "clip_",
          "first_valid_row_", "required_history_", "train_end_", "schema_hash_", "fit_report_")


class FeatureExtractor:
    """Captured indicator frame → fixed-width, named, scaled feature matrix.

    Learned attributes (after :meth:`fit`): ``input_columns_`` (captured columns of the schema),
    ``ignored_columns_`` (captured columns left out by ``max_columns``), ``price_like_``,
    ``feature_names_`` (F names), ``center_`` / ``scale_`` ((F,) float64 median / IQR),
    ``clip_``, ``first_valid_row_``, ``required_history_``, ``train_end_``, ``schema_hash_``,
    ``fit_report_`` (NaN/Inf counts, drops, selection summary).
    """

    def __init__(self, cfg: FeatureConfig | None = None) -> None:
        self.cfg = cfg if cfg is not None else FeatureConfig()

    # fitting ----------------------------------------------------------------------------------
    def fit(self, captured: Any, train_end: int,
            price_like: set[str] | Mapping[str, bool] | None = None) -> "FeatureExtractor":
        """Learn the schema, selection and scaler from rows ``0 … train_end-1`` only.

        captured: a ``Captured`` (``.frame``, ``.meta``) or an indicator frame with ``price_like``
        (set of column names, or column -> bool). Rows at and after ``train_end`` are never read.
        """
        inp = resolve_input(captured, price_like)
        if inp.price_like is None:
            raise SchemaMismatchError(
                "fit: no price-like metadata for the captured columns; pass a Captured (with .meta) or "
                "price_like=set_of_columns so price lines become log-distance to close")
        missing = [c for c in inp.columns if c not in inp.price_like]
        if missing:
            raise SchemaMismatchError(f"fit: captured columns {missing} have no metadata (price_like unknown); "
                                      "pass them in Captured.meta or in price_like")
        if not 1 <= train_end <= inp.n:
            raise DataValidationError("fit: train_end out of range", column="train_end",
                                      expected=f"1 <= train_end <= {inp.n} (rows of the captured frame)",
                                      found=str(train_end), fix="pass the end row of the training split")
        cfg = self.cfg
        columns = list(inp.columns)
        ignored = columns[cfg.max_columns:] if cfg.max_columns is not None else []
        columns = columns[: len(columns) - len(ignored)]
        flags = {c: inp.price_like[c] for c in columns}
        train = InputFrame(inp.frame.slice(0, train_end), inp.columns, inp.price_like)
        names, report = select_features(train, columns, flags, cfg, cfg.fe_workers, MIN_SCALER_ROWS)
        if not names:
            raise DataValidationError("fit: no feature survived selection", expected="at least one usable feature",
                                      found=f"{report['candidates']} candidates, all NaN/constant/duplicate",
                                      fix="give more training rows or shorter lookback_windows")
        plan = make_plan([parse_feature(s) for s in names], flags)
        raw = self._raw(train, plan, start=0)
        fv = first_valid_row(raw)
        if train_end - fv < MIN_SCALER_ROWS:
            raise DataValidationError(
                "fit: the training split ends inside or just after the feature warm-up", column="train_end",
                expected=f"train_end >= warm-up ({fv} rows) + {MIN_SCALER_ROWS} rows to fit the scaler",
                found=str(train_end),
                fix="use more data or shorter lookback_windows / indicator periods")
        center, scale, bad = fit_robust(raw, fv)
        report["feature_nonfinite"] = {names[j]: int(bad[j]) for j in np.flatnonzero(bad)}
        for name, k in report["feature_nonfinite"].items():
            log.warning("fit: feature '%s' has %d NaN/Inf value(s) after warm-up in the training rows "
                        "(replaced by the training median in transform)", name, k)
        report["first_valid_row"] = fv
        report["scale_fallback_iqr0"] = int((np.percentile(raw[:, fv:], 75, axis=1)
                                             == np.percentile(raw[:, fv:], 25, axis=1)).sum())
        self.input_columns_ = columns
        self.ignored_columns_ = ignored
        self.price_like_ = [flags[c] for c in columns]
        self.feature_names_ = names
        self.center_, self.scale_ = center, scale
        self.clip_ = float(cfg.clip)
        self.first_valid_row_ = fv
        self.required_history_ = plan.history + max(cfg.diff_lags) + HISTORY_MARGIN
        self.train_end_ = int(train_end)
        self.schema_hash_ = schema_hash(columns, self.price_like_, names)
        self.fit_report_ = report
        self._plan = plan
        self._array_index: dict[tuple[str, ...], tuple[np.ndarray, list]] = {}
        log.info("feature extractor fitted on %d training rows: %d captured columns -> %d features, "
                 "warm-up %d rows, streaming history %d bars, schema %s", train_end, len(columns), len(names),
                 fv, self.required_history_, self.schema_hash_[:12])
        return self

    # transforming -----------------------------------------------------------------------------
    def transform(self, captured: Any) -> np.ndarray:
        """Scaled, clipped features of every bar: (N, F) float32; rows < ``first_valid_row_`` are NaN.

        Raises SchemaMismatchError when the captured columns differ from the fitted ones.
        """
        inp = self._checked(captured)
        raw = self._raw(inp, self._plan, start=0)
        return scale_clip(raw, self.center_, self.scale_, self.clip_, self.feature_names_, 0,
                          self.first_valid_row_, "transform")

    def transform_last(self, captured_tail: Any) -> np.ndarray:
        """Feature row of the LAST bar, (F,) float32, from a buffer of >= ``required_history_`` rows.

        Equals ``transform(full)[-1]`` bit for bit (same kernels on the same window). All NaN while
        the last bar is still in an indicator's warm-up.
        """
        inp = self._checked(captured_tail)
        self._check_rows(inp.n, "transform_last")
        h = self._last_rows(inp.n)
        rows = slice(inp.n - h, inp.n)
        values = inp.matrix(self._plan.sources[:-2], rows)  # (C_used, h)
        if not np.isfinite(values[:, -1]).all():
            return np.full(len(self.feature_names_), np.nan, dtype=np.float32)
        ohlcv = inp.ohlcv(rows)
        return self._last_row(build_levels(values, self._plan.price_like, ohlcv), ohlcv, "transform_last")

    def transform_last_array(self, tail: np.ndarray, columns: Sequence[str]) -> np.ndarray:
        """:meth:`transform_last` on a bare array: the LAST bar's feature row, (F,) float32.

        tail: (rows, 5 + C) float64, rows >= ``required_history_``, oldest first; columns open,
        high, low, close, volume, then the C captured columns named by ``columns`` (in that order;
        non-captured names, without a ``.``, are ignored as in a frame). The column list is checked
        against the fitted schema once and its index cached, so a live caller passes the same list
        every bar. Price-like flags are not re-checked (a bare array has no metadata).
        """
        self._check_fitted()
        tail = np.asarray(tail, dtype=np.float64)
        key = columns if type(columns) is tuple else tuple(columns)
        layout = self._array_index.get(key)
        if layout is None:
            layout = self._index_columns(key)
        src, tiers = layout
        if tail.ndim != 2 or tail.shape[1] != len(OHLCV) + len(key):
            raise DataValidationError("transform_last_array: tail has the wrong shape", column="tail",
                                      expected=f"(rows, {len(OHLCV) + len(key)}): {', '.join(OHLCV)} then the "
                                               f"{len(key)} named columns", found=str(tail.shape),
                                      fix="pass the buffer rows with OHLCV first and one column per name")
        n = tail.shape[0]
        self._check_rows(n, "transform_last_array")
        if not np.isfinite(tail[n - 1, src]).all():
            return np.full(len(self.feature_names_), np.nan, dtype=np.float32)
        h = self._last_rows(n)
        block = tail[n - h:].T  # (5 + C, h) view
        ohlcv = dict(zip(OHLCV, np.ascontiguousarray(block[: len(OHLCV)])))
        return self._last_row(build_last_levels(block, tiers, ohlcv), ohlcv, "transform_last_array")

    def _index_columns(self, key: tuple[str, ...]) -> np.ndarray:
        """For a tail laid out as OHLCV + ``key``: the columns holding the plan's sources, and the
        reach tiers of :func:`~.kernels.build_last_levels` over them; cached."""
        captured = [c for c in key if is_captured_column(c)]
        dupes = sorted(c for c, k in Counter(captured).items() if k > 1)
        if dupes:
            raise SchemaMismatchError(f"transform_last_array: columns {dupes} are named more than once; "
                                      "name each captured column of the buffer once")
        check_columns(captured, self.input_columns_, self.ignored_columns_,
                      dict(zip(self.input_columns_, self.price_like_)))
        pos = {c: len(OHLCV) + j for j, c in enumerate(key)}
        src = np.array([pos[c] for c in self._plan.sources[:-2]], dtype=np.int64)
        price_like = self._plan.price_like
        tiers = [(rows, src[rows], width, price_like[rows]) for rows, width in reach_tiers(level_reach(self._plan), TIER_COST)]
        if len(self._array_index) >= 8:  # a caller keeps one layout; bound the cache all the same
            self._array_index.clear()
        self._array_index[key] = (src, tiers)
        return src, tiers

    def _check_rows(self, n: int, what: str) -> None:
        need = self.required_history_
        if n < need:
            raise DataValidationError(f"{what}: history buffer too short", column="rows",
                                      expected=f">= {need} rows (required_history_)", found=f"{n} rows",
                                      fix="keep at least required_history_ captured rows in the buffer")

    def _last_rows(self, n: int) -> int:
        """Rows the last bar's features read: the plan's longest history, plus one (the first
        one-bar return of a buffer is undefined). Fewer rows, the same values."""
        return min(n, self._plan.history + 1)

    def _last_row(self, levels: np.ndarray, ohlcv: dict[str, np.ndarray], what: str) -> np.ndarray:
        """(F,) float32 features of the last of h bars from their levels (C_used + 2, h) and
        ``ohlcv`` name -> (h,)."""
        raw = compute_features(levels, ohlcv, self._plan, start=levels.shape[1] - 1)  # (F, 1)
        return scale_clip_row(raw[:, 0], self.center_, self.scale_, self.clip_, self.feature_names_, what)

    def fit_transform(self, captured: Any, train_end: int,
                      price_like: set[str] | Mapping[str, bool] | None = None) -> np.ndarray:
        return self.fit(captured, train_end, price_like).transform(captured)

    @property
    def n_features_(self) -> int:
        self._check_fitted()
        return len(self.feature_names_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "schema_hash_"):
            raise ArtifactError("FeatureExtractor is not fitted; call fit(captured, train_end) or "
                                "FeatureExtractor.load(path) first")

    def _checked(self, captured: Any) -> InputFrame:
        self._check_fitted()
        inp = resolve_input(captured)
        check_schema(inp, self.input_columns_, self.ignored_columns_, dict(zip(self.input_columns_, self.price_like_)))
        return inp

    def _raw(self, inp: InputFrame, plan: Plan, start: int = 0) -> np.ndarray:
        """Raw features (F, N - start) float64 of ``inp`` under ``plan``."""
        ohlcv = inp.ohlcv()
        values = inp.matrix(plan.sources[:-2])
        levels = build_levels(values, plan.price_like, ohlcv)
        cfg = self.cfg
        return compute_features(levels, ohlcv, plan, start, cfg.fe_workers, cfg.fe_chunk, cfg.fe_parallel_threshold)

    # persistence ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The learned state as plain JSON types (floats round-trip exactly)."""
        self._check_fitted()
        state: dict[str, Any] = {"format": _FORMAT, "format_version": _FORMAT_VERSION,
                                 "package_version": package_version(), "config": self.cfg.model_dump(mode="json")}
        for key in _STATE:
            v = getattr(self, key)
            state[key] = v.tolist() if isinstance(v, np.ndarray) else v
        state["state_sha256"] = _digest(state)
        return state

    def save(self, path: str | Path) -> Path:
        """Write the fitted state as JSON, atomically."""
        path = Path(path)
        write_json_atomic(path, self.state_dict())
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FeatureExtractor":
        """Read a state written by :meth:`save`; refuses edited, truncated or foreign files."""
        path = Path(path)
        state = read_json(path, "feature extractor state")
        return cls.from_state(state, str(path))

    @classmethod
    def from_state(cls, state: dict[str, Any], where: str = "<state>") -> "FeatureExtractor":
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ArtifactError(f"{where}: not a feature extractor state (expected format '{_FORMAT}')")
        if state.get("format_version") != _FORMAT_VERSION:
            raise ArtifactError(f"{where}: extractor format version {state.get('format_version')}, this code reads "
                                f"{_FORMAT_VERSION}; re-fit the extractor")
        missing = [k for k in (*_STATE, "config", "state_sha256") if k not in state]
        if missing:
            raise ArtifactError(f"{where}: extractor state lacks keys {missing}; re-fit the extractor")
        body = {k: v for k, v in state.items() if k != "state_sha256"}
        if _digest(body) != state["state_sha256"]:
            raise ArtifactError(f"{where}: extractor state sha256 does not match its content (edited or corrupt); "
                                "re-fit the extractor or restore the file")
        try:
            cfg = FeatureConfig.model_validate(state["config"])
        except ValidationError as exc:
            raise ArtifactError(f"{where}: extractor config is invalid ({exc.errors()[0]['msg']}); re-fit") from None
        self = cls(cfg)
        for key in _STATE:
            setattr(self, key, state[key])
        self.center_ = np.asarray(self.center_, dtype=np.float64)
        self.scale_ = np.asarray(self.scale_, dtype=np.float64)
        n = len(self.feature_names_)
        if self.center_.shape != (n,) or self.scale_.shape != (n,):
            raise ArtifactError(f"{where}: {n} feature names but center/scale of length "
                                f"{len(self.center_)}/{len(self.scale_)}; re-fit the extractor")
        if schema_hash(self.input_columns_, self.price_like_, self.feature_names_) != self.schema_hash_:
            raise ArtifactError(f"{where}: schema hash does not match its columns and feature names; re-fit")
        self._plan = make_plan([parse_feature(s) for s in self.feature_names_],
                               dict(zip(self.input_columns_, self.price_like_)))
        self._array_index = {}
        return self

    def __repr__(self) -> str:
        if not hasattr(self, "schema_hash_"):
            return "FeatureExtractor(unfitted)"
        return (f"FeatureExtractor({len(self.input_columns_)} columns -> {len(self.feature_names_)} features, "
                f"schema {self.schema_hash_[:12]})")


def _digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()

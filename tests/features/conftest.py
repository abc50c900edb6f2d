"""Captured-like inputs for the feature tests: the default suite over the seeded market."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from neural_trading_system.config import FeatureConfig
from neural_trading_system.features import FeatureExtractor
from neural_trading_system.indicators import default_suite, run_bulk
from tests.conftest import make_ohlcv

#: a small configuration so the tests stay fast (the default one is exercised by the benchmark)
SMALL = FeatureConfig(lookback_windows=(5, 20, 50), diff_lags=(1, 5), max_features=160)
TRAIN_END = 450


@dataclass
class CapturedLike:
    """The capture stage's ``Captured`` contract, duck-typed: ``.frame`` and ``.meta``."""

    frame: pl.DataFrame
    meta: dict


def build_captured(n: int = 700, seed: int = 3, ohlcv: pl.DataFrame | None = None) -> CapturedLike:
    f = ohlcv if ohlcv is not None else make_ohlcv(n=n, seed=seed, flat_from=400, flat_len=6)
    arrays = {k: f[k].to_numpy() for k in ("open", "high", "low", "close", "volume")}
    specs = default_suite()
    cols = run_bulk(specs, arrays)
    meta = {f"{s.name}.{line}": SimpleNamespace(price_like=line in s.definition.price_like, family=s.family,
                                                indicator=s.name, kind=s.kind, line=line, params=s.params,
                                                warmup=0)
            for s in specs for line in s.lines}
    return CapturedLike(f.with_columns([pl.Series(k, v) for k, v in cols.items()]), meta)


def with_frame(cap: CapturedLike, frame: pl.DataFrame) -> CapturedLike:
    return CapturedLike(frame, {k: v for k, v in cap.meta.items() if k in frame.columns})


@pytest.fixture(scope="session")
def captured() -> CapturedLike:
    return build_captured()


@pytest.fixture(scope="session")
def fitted(captured) -> FeatureExtractor:
    return FeatureExtractor(SMALL).fit(captured, TRAIN_END)


@pytest.fixture(scope="session")
def features(fitted, captured) -> np.ndarray:
    return fitted.transform(captured)

"""The synthetic market: determinism, regimes and their dynamics, OHLC from the intrabar path, the null market."""

from __future__ import annotations

import numpy as np
import pytest

from neural_trading_system.data import REGIMES, generate_market, validate_ohlcv
from neural_trading_system.data.synthetic import NEXT, PARAMS, transition_matrix

N = 60_000


@pytest.fixture(scope="module")
def market():
    return generate_market(N, seed=7)


@pytest.fixture(scope="module")
def null_market():
    return generate_market(N, seed=7, null=True)


def _ac1(x: np.ndarray) -> float:
    return float(np.corrcoef(x[:-1], x[1:])[0, 1])


def test_deterministic_by_seed() -> None:
    a, ra, _ = generate_market(2_000, seed=3)
    b, rb, _ = generate_market(2_000, seed=3)
    c, _, _ = generate_market(2_000, seed=4)
    assert a.equals(b) and np.array_equal(ra, rb)
    assert not a["close"].equals(c["close"])


def test_contract_and_defaults(market) -> None:
    frame, regimes, names = market
    out, report = validate_ohlcv(frame, source="synthetic")
    assert out.height == N and report.gaps == 0 and report.changes == []
    assert str(frame["timestamp"][0]) == "2020-01-01 00:00:00+00:00" and report.interval_ms == 4 * 3_600_000
    assert regimes.dtype == np.int8 and regimes.shape == (N,)
    assert names == REGIMES and {"uptrend", "range", "high_volatility", "breakdown", "recovery"} <= set(names)
    assert set(np.unique(regimes)) == set(range(len(names)))


def test_transition_matrix_is_sticky() -> None:
    m = transition_matrix()
    assert np.allclose(m.sum(axis=1), 1) and np.allclose(NEXT.sum(axis=1), 1) and np.all(np.diag(NEXT) == 0)
    durations = 1 / (1 - np.diag(m))
    assert np.all((durations >= 50) & (durations <= 300))


def test_observed_regime_durations(market) -> None:
    _, regimes, _ = market
    change = np.flatnonzero(np.diff(regimes) != 0)
    runs = np.diff(change)
    assert 50 <= runs.mean() <= 300


def test_regime_dynamics(market) -> None:
    frame, regimes, names = market
    r = np.diff(np.log(frame["close"].to_numpy()))
    k = regimes[1:]
    idx = {n: i for i, n in enumerate(names)}
    std = {n: r[k == i].std() for n, i in idx.items()}
    mean = {n: r[k == i].mean() for n, i in idx.items()}
    assert std["high_volatility"] > 2 * std["range"] and std["breakdown"] > std["uptrend"]
    assert all(0.004 < s < 0.035 for s in std.values())            # per-bar vol 0.5-3%
    assert mean["uptrend"] > 0 > mean["breakdown"] and mean["recovery"] > 0
    pairs = {n: np.flatnonzero((k[1:] == i) & (k[:-1] == i)) for n, i in idx.items()}
    ac = {n: float(np.corrcoef(r[p], r[p + 1])[0, 1]) for n, p in pairs.items()}
    assert ac["uptrend"] > 0.08 and ac["breakdown"] > 0.08          # momentum in trends
    assert ac["range"] < -0.02                                      # mean reversion in the range
    log_vol = np.log(frame["volume"].to_numpy()[1:])
    vol_mean = {n: log_vol[k == i].mean() for n, i in idx.items()}
    assert vol_mean["high_volatility"] > vol_mean["range"] and vol_mean["breakdown"] > vol_mean["uptrend"]
    assert np.corrcoef(log_vol, np.abs(r))[0, 1] > 0.3


def test_ohlc_from_intrabar_path(market) -> None:
    frame, _, _ = market
    o, h, l, c = (frame[x].to_numpy() for x in ("open", "high", "low", "close"))
    assert np.array_equal(o[1:], c[:-1])                            # open = previous close
    assert np.all(h >= np.maximum(o, c)) and np.all(l <= np.minimum(o, c))
    assert np.mean(h > np.maximum(o, c)) > 0.5                      # wicks exist
    assert np.mean(l < np.minimum(o, c)) > 0.5


def test_null_market_has_no_structure(null_market) -> None:
    frame, regimes, names = null_market
    r = np.diff(np.log(frame["close"].to_numpy()))
    assert names == ("null",) and np.all(regimes == 0)
    assert abs(_ac1(r)) < 0.02 and abs(_ac1(np.abs(r))) < 0.02      # no momentum, no vol clustering
    assert abs(r.mean()) < 3 * r.std() / np.sqrt(r.size)            # driftless
    halves = np.array_split(r, 4)
    assert max(h.std() for h in halves) / min(h.std() for h in halves) < 1.05   # constant volatility
    v = np.log(frame["volume"].to_numpy()[1:])
    assert abs(np.corrcoef(v, np.abs(r))[0, 1]) < 0.02 and abs(_ac1(v)) < 0.02


def test_params_documented() -> None:
    assert len(PARAMS) == len(REGIMES) == NEXT.shape[0]

"""Labels: a hand-worked price path, a plain-loop reference, causality by truncation, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neural_trading_system.config import LabelConfig
from neural_trading_system.errors import DataValidationError
from neural_trading_system.labels import TARGET_COLUMNS, first_barrier_hit, make_labels
from tests.conftest import make_ohlcv
from tests.labels.reference import reference_labels

SMALL = LabelConfig(prediction_horizon=5, vol_window=10, vol_long_window=40)


def _frame(log_close_pct, high_over=None, low_over=None):
    """Closes 100*exp(p/100); highs/lows 0.5% (log) around the close unless overridden {bar: log%}."""
    p = np.asarray(log_close_pct, dtype=float)
    hi, lo = p + 0.5, p - 0.5
    for k, v in (high_over or {}).items():
        hi[k] = v
    for k, v in (low_over or {}).items():
        lo[k] = v
    px = lambda a: 100 * np.exp(a / 100)  # noqa: E731
    return pl.DataFrame({"open": px(p), "high": px(hi), "low": px(lo), "close": px(p), "volume": np.ones(len(p))})


def test_hand_worked_tp_sl_hold():
    """12 bars whose closes alternate 100 and 100*e^0.01, so every log return is +-1%.

    vol_window=2: ctx_vol = std(+a, -a, ddof=1) = a*sqrt(2) = 0.0141421 from bar 2 on; h=3 gives
    sigma_h = a*sqrt(6) = 0.0244949, so with tp_mult = sl_mult = 1 (regime normal: ratio 1) the
    barriers sit +-2.449% (log) from the entry close. Highs/lows are +-0.5% around the close except
    high[4] = +3%, low[6] = -2%, and bar 9 with high +3% AND low -3%. Log prices in %:
    closes 0,1,0,1,...  Entries:
      t=2 (c 0; TP 2.449, SL -2.449): bar 3 no, bar 4 high 3 >= 2.449 -> TP at k=2, weight 1-0.5*1/2 = .75
      t=3 (c 1; TP 3.449, SL -1.449): bar 4 high 3 < 3.449, bar 5 no, bar 6 low -2 <= -1.449 -> SL k=3, w .5
      t=4 (c 0): bars 5, 6 (low -2 > -2.449), 7: nothing -> HOLD, weight 1, hit bars NaN
      t=5 (c 1; SL -1.449): bar 6 low -2 -> SL k=1, w 1
      t=6 (c 0): bars 7, 8 nothing, bar 9 touches both -> SL (conservative) k=3, w .5
      t=7 (c 1; SL -1.449): bar 8 low -.5 no, bar 9 low -3 -> SL k=2, w .75
      t=8 (c 0): bar 9 touches both -> SL k=1, w 1
      t=0, 1: ctx_vol still warming up -> NaN targets; t=9..11: horizon past the data -> NaN.
    Forward return: +1% from even bars, -1% from odd ones; z = +-1/sqrt(6) = +-0.408.
    Forward vol: returns (+1, -1, +1)% -> population std sqrt(1 - 1/9)% = 0.9428%.
    Size (size_full_z 2): TP -> z_trade = tp_mult = 1 -> 0.5; SL -> 0; hold t=4 -> 0.408/2 = 0.204.
    Exit: every SL; the TP (z>0) and the hold (z>0) are 0.
    """
    closes = [0, 1] * 6
    frame = _frame(closes, high_over={4: 3.0, 9: 3.0}, low_over={6: -2.0, 9: -3.0})
    cfg = LabelConfig(prediction_horizon=3, vol_window=2, vol_long_window=2, tp_mult=1.0, sl_mult=1.0,
                      late_hit_weight=0.5, entry_threshold=0.25, entry_temperature=0.25, exit_threshold=0.25,
                      size_full_z=2.0, max_position=1.0)
    out = make_labels(frame, cfg)
    nan = np.nan
    rows = slice(2, 9)
    np.testing.assert_array_equal(out["target_tp"].to_numpy()[rows], [1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(out["target_sl"].to_numpy()[rows], [0, 1, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(out["target_hold"].to_numpy()[rows], [0, 0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(out["target_hit_bars"].to_numpy()[rows], [2, 3, nan, 1, 3, 2, 1])
    np.testing.assert_allclose(out["target_barrier_weight"].to_numpy()[rows], [.75, .5, 1, 1, .5, .75, 1])
    z = 1 / math.sqrt(6)
    sign = np.array([1, -1, 1, -1, 1, -1, 1])
    np.testing.assert_allclose(out["target_return"].to_numpy()[rows], 0.01 * sign, rtol=1e-9)
    np.testing.assert_allclose(out["target_volatility"].to_numpy()[rows], 0.01 * math.sqrt(8 / 9), rtol=1e-9)
    entry = 1 / (1 + np.exp(-(z * sign - 0.25) / 0.25))
    np.testing.assert_allclose(out["target_entry"].to_numpy()[rows], entry, rtol=1e-9)
    np.testing.assert_array_equal(out["target_exit"].to_numpy()[rows], [0, 1, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(out["target_size"].to_numpy()[rows], [0.5, 0, z / 2, 0, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(out["ctx_vol"].to_numpy()[2:], 0.01 * math.sqrt(2), rtol=1e-9)
    np.testing.assert_array_equal(out["ctx_vol_regime"].to_numpy()[3:], 1.0)
    np.testing.assert_allclose(out["ctx_barrier_tp"].to_numpy()[2], 100 * math.exp(0.01 * math.sqrt(6)), rtol=1e-12)
    for c in TARGET_COLUMNS:  # the last h rows have no targets; warm-up rows none that need ctx_vol
        v = out[c].to_numpy()
        assert np.isnan(v[[9, 10, 11]]).all(), c
        if c not in ("target_return", "target_volatility"):
            assert np.isnan(v[[0, 1]]).all(), c
    np.testing.assert_allclose(out["target_return"].to_numpy()[:2], [0.01, -0.01], rtol=1e-9)


def test_matches_plain_loop_reference():
    frame = make_ohlcv(700, seed=5, flat_from=300, flat_len=8)
    # regime thresholds tight enough that all three regimes occur
    cfg = LabelConfig(prediction_horizon=6, vol_window=12, vol_long_window=60, regime_low=0.9, regime_high=1.1)
    out = make_labels(frame, cfg)
    ref = reference_labels(frame["high"].to_numpy(), frame["low"].to_numpy(), frame["close"].to_numpy(), cfg)
    assert set(np.unique(ref["ctx_vol_regime"][np.isfinite(ref["ctx_vol_regime"])])) == {0.0, 1.0, 2.0}
    for col, expected in ref.items():
        np.testing.assert_allclose(out[col].to_numpy(), expected, rtol=1e-9, atol=1e-12, err_msg=col)
    # all three barrier outcomes occur, one-hot where defined
    tp, sl, hold = (out[c].to_numpy() for c in ("target_tp", "target_sl", "target_hold"))
    ok = np.isfinite(tp)
    assert np.all(tp[ok] + sl[ok] + hold[ok] == 1) and tp[ok].any() and sl[ok].any() and hold[ok].any()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 60), h=st.integers(1, 8), seed=st.integers(0, 10_000))
def test_first_hit_kernel_matches_loop(n, h, seed):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    high, low = close * np.exp(rng.uniform(0, 0.02, n)), close * np.exp(-rng.uniform(0, 0.02, n))
    up, dn = close * np.exp(rng.uniform(0.005, 0.05, n)), close * np.exp(-rng.uniform(0.005, 0.05, n))
    up[rng.random(n) < 0.1] = np.nan
    outcome, bars = first_barrier_hit(high, low, up, dn, h)
    for t in range(n):
        if t + h > n - 1 or np.isnan(up[t]):
            assert outcome[t] == -1 and bars[t] == 0
            continue
        exp_o, exp_k = 0, 0
        for k in range(1, h + 1):
            if low[t + k] <= dn[t]:
                exp_o, exp_k = 2, k
                break
            if high[t + k] >= up[t]:
                exp_o, exp_k = 1, k
                break
        assert (outcome[t], bars[t]) == (exp_o, exp_k), t


def _assert_same(a: pl.DataFrame, b: pl.DataFrame, cols, rows: int) -> None:
    for c in cols:
        np.testing.assert_array_equal(a[c].to_numpy()[:rows], b[c].to_numpy()[:rows], err_msg=c)


@settings(max_examples=15, deadline=None)
@given(t=st.integers(0, 380))
def test_only_targets_look_forward_and_only_h_bars(t):
    frame = make_ohlcv(400, seed=11)
    h = SMALL.prediction_horizon
    full = make_labels(frame, SMALL)
    targets = [c for c in full.columns if c.startswith("target_")]
    context = [c for c in full.columns if not c.startswith("target_")]
    # targets of rows <= t need bars up to t+h only
    _assert_same(make_labels(frame[: t + 1 + h], SMALL), full, targets, t + 1)
    # everything else at rows <= t needs bars up to t only
    _assert_same(make_labels(frame[: t + 1], SMALL), full, context, t + 1)


def test_changing_future_bars_changes_only_targets():
    frame = make_ohlcv(300, seed=2)
    t, h = 150, SMALL.prediction_horizon
    moved = frame.with_columns(
        [pl.when(pl.int_range(pl.len()) > t).then(pl.col(c) * 1.3).otherwise(pl.col(c)).alias(c)
         for c in ("open", "high", "low", "close")])
    a, b = make_labels(frame, SMALL), make_labels(moved, SMALL)
    context = [c for c in a.columns if not c.startswith("target_")]
    _assert_same(a, b, context, t + 1)  # bars <= t unchanged -> context unchanged
    _assert_same(a, b, [c for c in a.columns if c.startswith("target_")], t - h + 1)  # rows whose horizon ends <= t
    assert a["target_return"][t] != b["target_return"][t]  # the row right before the change does see it


def test_horizon_one_and_flat_stretch_are_finite():
    frame = make_ohlcv(200, seed=4, flat_from=100, flat_len=40)
    out = make_labels(frame, LabelConfig(prediction_horizon=1, vol_window=5, vol_long_window=20))
    body = out[30:198]
    for c in ("target_entry", "target_size", "target_barrier_weight", "target_volatility"):
        assert np.isfinite(body[c].to_numpy()).all(), c
    assert (out["target_barrier_weight"].to_numpy()[30:198] == 1.0).all()  # h=1: every hit is at t+1


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda f: f.drop("low"), "column 'low'"),
        (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(-1.0).otherwise(pl.col("close"))
                                  .alias("close")), "row 7, column 'close'"),
        (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(float("nan")).otherwise(pl.col("high"))
                                  .alias("high")), "row 3, column 'high'"),
        (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.col("low") * 0.5)
                                  .otherwise(pl.col("high")).alias("high")), "row 5, column 'high'"),
    ],
)
def test_bad_prices_raise_naming_row_and_column(mutate, needle):
    with pytest.raises(DataValidationError, match=needle):
        make_labels(mutate(make_ohlcv(50)), SMALL)


def test_rejects_non_frame():
    with pytest.raises(DataValidationError, match="polars DataFrame"):
        make_labels({"close": [1.0]}, SMALL)  # type: ignore[arg-type]


@pytest.mark.slow
def test_btc_labels_sane(btc_csv):
    raw = pl.read_csv(btc_csv)
    out = make_labels(raw.select(["open", "high", "low", "close", "volume"]), LabelConfig())
    tp, sl, hold = (np.nanmean(out[c].to_numpy()) for c in ("target_tp", "target_sl", "target_hold"))
    assert abs(tp + sl + hold - 1) < 1e-9 and min(tp, sl, hold) > 0.02
    assert np.isnan(out["target_return"].to_numpy()[-5:]).all()

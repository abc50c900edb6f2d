"""Score one fold's test period: probability scores of the entry event and a backtest of every strategy.

Trading goes through the backtest stage, so the evaluation trades exactly as ``nts backtest``:
decisions by :class:`~..backtest.policy.Policy` (neural and LightGBM alike; no regime filter here,
so the two models are held to the same rules), the SMA crossover and buy & hold from
:mod:`~..backtest.baselines`, executed by :func:`~..backtest.engine.simulate` (decision at the close
of bar t, fill at the open of t+1 with slippage, commission per side, every trade closed by the end).
Buy & hold asks to enter at every bar until it is filled (``backtest.buy_hold_decisions`` asks once;
the engine refuses an entry that costs more than the cash, which a gap-up open beyond the policy's
cash reserve can cause).
The simulated bars are the test windows' end bars plus the bar after the last one (its open fills
the last decision). ATR(14) and ``ctx_vol_regime`` feed the policy's stop and high-volatility scale.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import polars as pl

from ..config import Config
from .scores import probability_scores

__all__ = ["score_test_period", "STRATEGIES"]

STRATEGIES = ("neural", "lightgbm", "classic_rule", "buy_hold")


def score_test_period(cfg: Config, bars: pl.DataFrame, test: np.ndarray, event: np.ndarray,
                      preds: Mapping[str, Mapping[str, np.ndarray]], fold: int, seed: int,
                      val_preds: Mapping[str, Mapping[str, np.ndarray]] | None = None) -> list[dict[str, Any]]:
    """One record per strategy for the test end bars ``test`` ``(S,)`` (consecutive).

    ``bars``: prices (``open``, ``high``, ``low``, ``close``) and labels (``ctx_vol_regime``) of every bar;
    ``event``: ``(N,)`` 0/1 (NaN where undefined) of ``target_entry > 0.5``; ``preds``: per probability
    model (``neural``, ``lightgbm``) the policy inputs over the test bars (``entry_prob``, ``exit_prob``,
    ``sl_prob``, ``expected_return``, ``volatility``, each ``(S,)``).
    """
    from ..backtest import Policy, compute_metrics, payoff_ratio, simulate
    from ..backtest.policy import calibrate_thresholds
    from ..backtest.baselines import buy_hold_decisions, sma_cross_decisions
    from ..backtest.metrics import bars_per_year
    from ..backtest.predictions import atr_bulk

    test = np.asarray(test, dtype=np.int64)
    if test.size < 2 or np.any(np.diff(test) != 1) or test[-1] + 1 >= bars.height:
        raise ValueError("score_test_period: the test end bars must be consecutive and leave one bar after them")
    seg = np.arange(test[0], test[-1] + 2)  # (S+1,) decision bars + the fill bar of the last decision
    o, h, lo, c = (bars[k].to_numpy().astype(np.float64) for k in ("open", "high", "low", "close"))
    atr = atr_bulk(o, h, lo, c)[seg]
    vol_regime = bars["ctx_vol_regime"].to_numpy().astype(np.float64)[seg]
    bcfg = cfg.backtest
    policy = Policy(bcfg, payoff_ratio(cfg.labels))

    def pad(v: np.ndarray) -> np.ndarray:  # the extra fill bar has no prediction (never enters)
        return np.concatenate([np.asarray(v, dtype=np.float64), [np.nan]])

    def policy_for(name: str) -> Policy:  # thresholds from that model's validation predictions, as the backtest
        if not val_preds or name not in val_preds:
            return policy
        return Policy(calibrate_thresholds(bcfg, val_preds[name]), payoff_ratio(cfg.labels))

    decisions = {name: policy_for(name).decisions({k: pad(p[k]) for k in ("entry_prob", "exit_prob", "sl_prob",
                                                                          "expected_return", "volatility")},
                                                  c[seg], atr, vol_regime, None)
                 for name, p in preds.items()}
    decisions["classic_rule"] = sma_cross_decisions(c[: seg[-1] + 1], int(seg[0]), bcfg)
    bh = buy_hold_decisions(c[seg], bcfg)
    bh.entry[:] = True  # retried until filled: an all-in order is refused when the next open gaps above the close
    decisions["buy_hold"] = bh
    scores = {"neural": preds["neural"]["entry_prob"], "lightgbm": preds["lightgbm"]["entry_prob"],
              "classic_rule": decisions["classic_rule"].entry[:-1].astype(np.float64)}  # the rule's long state
    y = event[test]
    bpy = bars_per_year(cfg.data.interval)
    records = []
    for name in STRATEGIES:
        sim = simulate(o[seg], c[seg], decisions[name], bcfg)
        m = compute_metrics(sim.equity, sim.trade_returns, sim.position, sim.traded_notional, bpy)
        rec: dict[str, Any] = {"fold": fold, "seed": seed, "model": name, "sharpe": m.sharpe,
                               "max_drawdown": m.max_drawdown, "return": m.total_return, "exposure": m.exposure,
                               "n_trades": m.n_trades, "base_rate": float(np.nanmean(y))}
        if name in scores:
            ps = probability_scores(y, scores[name])
            rec["auc"] = ps["auc"]
            # a 0/1 rule has an AUC (of its long state) but no probabilities to score
            rec["log_loss"] = ps["log_loss"] if name != "classic_rule" else None
            rec["ece"] = ps["ece"] if name != "classic_rule" else None
        else:
            rec.update(auc=None, log_loss=None, ece=None)
        records.append(rec)
    return records

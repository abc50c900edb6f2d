"""Backtest: the neural Backtrader strategy, the shared decision policy, costs, metrics, baselines, dashboard.

``run_backtest(run_dir=None, data_cfg=None, allow_in_sample=False, streaming=False)`` is the entry
point (``nts backtest``, ``nts run`` and ``nts evaluate`` call it); ``simulate`` is the fast
account simulator with the same trades as the Backtrader path.
"""

from .engine import SimResult, simulate
from .guard import TradeWindow
from .metrics import Metrics, bars_per_year, compute_metrics, drawdown_curve, rolling_sharpe
from .policy import Decisions, Policy, RegimeFilter, payoff_ratio
from .run import STRATEGY_LABELS, BacktestResult, StrategyRun, run_backtest

__all__ = [
    "run_backtest", "BacktestResult", "StrategyRun", "STRATEGY_LABELS", "simulate", "SimResult", "Decisions",
    "Policy", "RegimeFilter", "payoff_ratio", "TradeWindow", "Metrics", "compute_metrics", "bars_per_year",
    "drawdown_curve", "rolling_sharpe",
]

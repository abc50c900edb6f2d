"""One tiny trained run on the synthetic market, analysed once through the CLI, for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

#: tiny and fast: 2,000 synthetic bars, the minimal indicator suite, 4 optimizer steps
TINY_RUN = {"data.synthetic_bars": 2000, "capture.suite": "minimal", "training.num_epochs": 1,
            "training.max_steps_per_epoch": 4, "training.device": "cpu", "training.progress_bar": False,
            "run_name": "tiny"}
#: small analysis samples, so the CLI run stays short
ANALYZE_ARGS = ["--attribution-windows", "8", "--ig-steps", "4", "--clusters", "4"]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A finished run directory trained by ``api.train`` (with true_regimes.npy)."""
    import torch

    from neural_trading_system import api
    from neural_trading_system.config import load_config

    root = tmp_path_factory.mktemp("analysis_runs")
    cfg = load_config("debug", overrides={**TINY_RUN, "runs_dir": str(root / "runs"),
                                          "data.data_dir": str(root / "cache")})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = api.train(cfg, progress=False)
    finally:
        torch.set_num_threads(threads)
    return out.run_dir


@pytest.fixture(scope="session")
def analyzed_run(tiny_run: Path):
    """``(run_dir, CliRunner result)`` of ``nts analyze RUN_DIR`` with small samples."""
    from typer.testing import CliRunner

    from neural_trading_system.cli import app

    result = CliRunner().invoke(app, ["analyze", str(tiny_run), *ANALYZE_ARGS])
    return tiny_run, result

"""Walk-forward folds × seeds on a tiny configuration: records, tables, report files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from neural_trading_system.errors import ConfigError
from neural_trading_system.evaluation import MODELS, markdown_table, run_evaluation, summarize, write_report
from neural_trading_system.evaluation.report import METRICS


@pytest.mark.slow
def test_two_folds_one_seed_tables(tiny_cfg):
    calls = []
    out = run_evaluation(tiny_cfg.with_overrides({"run_name": "ev"}), 2, 1, "expanding", 2,  # 2 spawned workers
                         progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (2, 2)
    assert [(r["fold"], r["model"]) for r in out.records] == [(f, m) for f in (0, 1) for m in MODELS]
    for r in out.records:
        for k in ("sharpe", "max_drawdown", "return"):
            assert math.isfinite(r[k]), (r["model"], k)
        assert 0.0 <= r["max_drawdown"] <= 1.0
        if r["model"] in ("neural", "lightgbm"):
            assert 0.0 <= r["auc"] <= 1.0 and r["log_loss"] > 0 and 0.0 <= r["ece"] <= 1.0
        if r["model"] == "buy_hold":
            assert r["auc"] is None and r["n_trades"] == 1
    # folds: test blocks in time order, every fold trained before its test block
    f0, f1 = out.folds
    assert f0["test_bars"][1] < f1["test_bars"][0]
    for f in out.folds:
        assert f["train_bars"][1] < f["val_bars"][0] <= f["val_bars"][1] < f["test_bars"][0]
    assert (out.eval_dir / "fold0_seed0" / "model.safetensors").is_file()

    summary = summarize(out.records)
    assert set(summary["overall"]) == set(MODELS)
    assert set(summary["per_fold"]["neural"]) == {"0", "1"}
    s = summary["overall"]["neural"]["auc"]
    assert s["n"] == 2 and math.isfinite(s["mean"]) and s["std"] >= 0
    auc0 = [r["auc"] for r in out.records if r["model"] == "neural"]
    assert s["mean"] == pytest.approx(np.mean(auc0)) and s["std"] == pytest.approx(np.std(auc0, ddof=1))
    table = markdown_table(summary)
    lines = table.splitlines()
    assert len(lines) == 2 + len(MODELS) * 3  # header, rule, overall row + 2 folds per model
    assert all(line.count("|") == len(METRICS) + 3 for line in lines)

    paths = write_report(out.eval_dir, out.records, {"n_folds": 2, "n_seeds": 1, "mode": "expanding",
                                                     "folds": out.folds})
    data = json.loads(paths["json"].read_text())
    assert len(data["records"]) == 2 * len(MODELS)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = paths["html"].read_text()
    assert "data:image/png;base64," in html and "<table>" in html
    assert "| neural | all |" in paths["md"].read_text()


def test_bad_arguments(tiny_cfg):
    with pytest.raises(ConfigError, match="--mode"):
        run_evaluation(tiny_cfg, 2, 1, "sideways")
    with pytest.raises(ConfigError, match="--folds"):
        run_evaluation(tiny_cfg, 0, 1)

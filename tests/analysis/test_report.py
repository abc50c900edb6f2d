"""``nts analyze`` end to end on a tiny trained run: files, metrics, offline HTML, clean errors."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neural_trading_system.cli import app

from .conftest import ANALYZE_ARGS

pytestmark = pytest.mark.slow
SECTIONS = ("attention", "attribution", "regimes", "calibration", "exits")


def _strict_json(path: Path):
    def bad(token):
        raise ValueError(f"{path} holds {token}, not strict JSON")
    return json.loads(path.read_text(), parse_constant=bad)


def test_cli_writes_report_pngs_and_metrics(analyzed_run) -> None:
    run_dir, result = analyzed_run
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output and "NMI" in result.output
    pngs = sorted(p.name for p in (run_dir / "analysis").glob("*.png"))
    assert len(pngs) == 15 and "attention_bar.png" in pngs and "calibration_reliability.png" in pngs
    for p in (run_dir / "analysis").glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    m = _strict_json(run_dir / "analysis_metrics.json")
    c = m["calibration"]
    assert 0 <= c["ece"] <= 1 and 0 <= c["brier"] <= 1 and c["n"] > 0 and "target_entry > 0.5" in c["event"]
    assert sum(c["bins"]["count"]) == c["n"]
    g = m["regimes"]
    assert g["k"] == 4 and len(g["table"]) == 4 and sum(r["count"] for r in g["table"]) == c["n"]
    assert g["nmi_true_regimes"] is not None and 0 <= g["nmi_true_regimes"] <= 1  # synthetic: true regimes known
    a = m["attribution"]
    assert a["method"] == "ig" and a["target"] == "entry logit" and a["n_windows"] == 8 and len(a["top_features"]) == 20
    assert sum(r["share"] for r in a["by_family"]) == pytest.approx(1.0)
    assert m["chosen_bar"]["split"] == "test"  # default: the test bar with the highest entry probability


def test_metrics_agree_with_a_recomputation(analyzed_run) -> None:
    """ECE and Brier in the JSON equal a plain recomputation from the model's test predictions."""
    from neural_trading_system.pipeline import load_run_bundle
    from neural_trading_system.training import predict

    run_dir, _ = analyzed_run
    m = _strict_json(run_dir / "analysis_metrics.json")["calibration"]
    rb = load_run_bundle(run_dir)
    p = predict(rb.model, rb.bundle.test)
    y = (rb.bundle.labels["target_entry"].to_numpy()[p["end_bars"]] > 0.5).astype(float)
    prob = p["entry_prob"].astype(float)
    assert m["brier"] == pytest.approx(np.mean((prob - y) ** 2), rel=1e-5)
    ece = 0.0
    for lo in np.arange(10) / 10:  # plain loop over the 10 equal-width bins
        inside = (prob >= lo) & ((prob < lo + 0.1) if lo < 0.85 else (prob <= 1.0))
        if inside.any():
            ece += inside.sum() / len(prob) * abs(prob[inside].mean() - y[inside].mean())
    assert m["ece"] == pytest.approx(ece, rel=1e-5, abs=1e-9)


def test_report_is_self_contained(analyzed_run) -> None:
    run_dir, _ = analyzed_run
    html = (run_dir / "report.html").read_text()
    for sid in ("header", *SECTIONS):
        assert f'id="{sid}"' in html
    assert 'id="metrics"' in html and "Brier score" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # no external URL
    assert "<script" not in html and "<link" not in html
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(imgs) == 15
    assert all(base64.b64decode(b)[:4] == b"\x89PNG" for b in imgs)


def test_bar_option_and_default_run(tiny_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No RUN_DIR: the most recent run under --runs-dir; --bar by index is drawn and recorded."""
    m = _strict_json(tiny_run / "analysis_metrics.json") if (tiny_run / "analysis_metrics.json").is_file() else None
    runs = tmp_path / "runs"
    shutil.copytree(tiny_run, runs / "copy")
    bar = str(int(np.load(tiny_run / "true_regimes.npy").size) - 10)
    res = CliRunner().invoke(app, ["analyze", "--runs-dir", str(runs), "--bar", bar, *ANALYZE_ARGS,
                                   "--method", "grad_x_input"])
    assert res.exit_code == 0, res.output
    got = _strict_json(runs / "copy" / "analysis_metrics.json")
    assert got["chosen_bar"]["bar"] == int(bar) and got["attribution"]["method"] == "grad_x_input"
    assert (runs / "copy" / "report.html").is_file()
    if m is not None:  # same model, same test split: the calibration figures do not depend on the options
        assert got["calibration"]["ece"] == pytest.approx(m["calibration"]["ece"])


def _broken_copy(tiny_run: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(tiny_run, dst, ignore=shutil.ignore_patterns("analysis", "report.html"))
    return dst


@pytest.mark.parametrize("damage, needle", [
    ("missing_dir", "does not exist"),
    ("no_extractor", "extractor.json"),
    ("bad_manifest", "manifest.json"),
    ("bad_weights", "model.safetensors"),
    ("bad_bar", "--bar"),
])
def test_bad_runs_exit_2_naming_the_file(tiny_run: Path, tmp_path: Path, damage: str, needle: str) -> None:
    run = _broken_copy(tiny_run, tmp_path, "r") if damage != "missing_dir" else tmp_path / "nope"
    args = ["analyze", str(run)]
    if damage == "no_extractor":
        (run / "extractor.json").unlink()
    elif damage == "bad_manifest":
        (run / "manifest.json").write_text("{not json")
    elif damage == "bad_weights":
        (run / "model.safetensors").write_bytes(b"garbage")
    elif damage == "bad_bar":
        args += ["--bar", "1999-01-01T00:00"]
    res = CliRunner().invoke(app, args)
    text = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert "error:" in text and needle in text and "Traceback" not in res.output


def test_no_run_at_all_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["analyze", "--runs-dir", str(tmp_path)])
    assert res.exit_code == 2 and "no run directory" in " ".join(res.output.split())


@pytest.mark.browser
def test_report_renders_in_chromium(analyzed_run, tmp_path: Path) -> None:
    from tests.browser import broken_images, launch_chromium, severe_console_errors

    run_dir, result = analyzed_run
    assert result.exit_code == 0, result.output
    driver = launch_chromium(tmp_path)
    try:
        driver.get((run_dir / "report.html").resolve().as_uri())
        driver.execute_script("return document.readyState")
        for sid in ("header", *SECTIONS):
            el = driver.find_element("id", sid)
            assert el.is_displayed() and el.size["height"] > 50, sid
            imgs = el.find_elements("tag name", "img")
            assert sid == "header" or imgs, f"section {sid} has no image"
        assert driver.execute_script("return document.images.length") == 15
        assert broken_images(driver) == []
        assert severe_console_errors(driver) == []
    finally:
        driver.quit()

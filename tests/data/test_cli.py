"""``nts data``: summaries for real and synthetic data, clean errors (exit 2, no traceback) for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from neural_trading_system.cli import app


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # the default cache directory is relative to the working directory
    return CliRunner()


def test_btc_summary(runner: CliRunner, btc_csv: Path) -> None:
    result = runner.invoke(app, ["data", "--data", str(btc_csv)])
    assert result.exit_code == 0, result.output
    assert "13791" in result.output and "32h" in result.output and "BTCUSDT" in result.output
    assert (Path("data_cache") / "files").is_dir()


def test_synthetic_summary(runner: CliRunner) -> None:
    result = runner.invoke(app, ["data", "--synthetic", "--bars", "2000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "2000" in result.output and "high_volatility" in result.output and "True regimes" in result.output


def test_malformed_file_exits_2_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,open,high,low,close,volume\n2021-01-01,1,2,0.5,1.5,1\n2021-01-02,1,0.4,0.5,1.5,1\n")
    result = runner.invoke(app, ["data", "--data", str(bad)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # rich may wrap long lines
    assert "high below low" in text and "bad.csv" in text and "row 2" in text and "column 'high'" in text
    assert "Traceback" not in result.output


def test_repair_prints_every_change(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "fixable.csv"
    bad.write_text("timestamp,open,high,low,close,volume\n2021-01-01,1,2,0.5,1.5,1\n2021-01-02,1,1.2,0.5,1.5,1\n"
                   "2021-01-02,1,1.2,0.5,1.5,1\n")
    result = runner.invoke(app, ["data", "--data", str(bad), "--repair"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "repairs (2 changes)" in text and "exact duplicate" in text and "high 1.2 -> 1.5" in text


def test_two_sources_is_an_error(runner: CliRunner, btc_csv: Path) -> None:
    result = runner.invoke(app, ["data", "--data", str(btc_csv), "--synthetic"])
    assert result.exit_code == 2 and "choose one data source" in result.output

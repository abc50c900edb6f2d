"""The ``nts`` command. Every command parses options, then calls :mod:`.api`.

Project errors (:class:`NTSError`) are printed as one clear message with no traceback and exit
with status 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
import typing
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from .errors import NTSError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help=(
        "Transparent neural trading research: capture every indicator line, learn with a multi-task "
        "transformer, explain it, backtest and paper-trade it through one code path.\n\n"
        "DATA options (any command that reads market data): --data PATH (CSV/Parquet, Binance kline "
        "exports included) | --synthetic [--bars N] [--seed S] [--null] | --exchange NAME --symbol "
        "BTC/USDT --interval 4h --start DATE --end DATE. With none, the embedded synthetic market is used."
    ),
)
# piped output (logs, CI) gets 120 columns instead of rich's 80 so the summary tables stay legible
console = Console(stderr=False, width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)
_DEBUG = {"on": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logging."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors."),
) -> None:
    _DEBUG["on"] = debug
    level = logging.DEBUG if debug else (logging.WARNING if quiet else logging.INFO)
    from rich.logging import RichHandler

    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err_console, show_path=False)])
    os.environ.setdefault("MPLBACKEND", "Agg")


# --- shared option groups --------------------------------------------------------------------
DataOpt = typer.Option(None, "--data", help="CSV or Parquet file (generic OHLCV or a Binance kline export).")
SyntheticOpt = typer.Option(False, "--synthetic", help="The embedded regime-switching synthetic market (default).")
BarsOpt = typer.Option(None, "--bars", help="Bars of synthetic market to generate.")
SeedOpt = typer.Option(None, "--seed", help="Random seed (synthetic market and training).")
NullOpt = typer.Option(False, "--null", help="Synthetic null market: driftless random walk, nothing to learn.")
ExchangeOpt = typer.Option(None, "--exchange", help="ccxt exchange id to download from (needs the \\[exchange] extra).")
SymbolOpt = typer.Option(None, "--symbol", help="Market symbol, e.g. BTC/USDT.")
IntervalOpt = typer.Option(None, "--interval", help="Bar interval, e.g. 4h.")
StartOpt = typer.Option(None, "--start", help="Start date (inclusive, ISO).")
EndOpt = typer.Option(None, "--end", help="End date (exclusive, ISO).")
ResampleOpt = typer.Option(None, "--resample", help="Resample to a coarser interval after loading, e.g. 4h.")
RepairOpt = typer.Option(False, "--repair", help="Apply documented repairs to bad data and print every change.")
ForceOpt = typer.Option(False, "--force-recollect", help="Ignore caches and rebuild them.")
PresetOpt = typer.Option("default", "--preset", "-p", help="Config preset: debug, default or deep.")
ConfigOpt = typer.Option(None, "--config", "-c", help="TOML or YAML config file (nested or flat keys).")
SetOpt = typer.Option(None, "--set", "-s", help="Override a config key: --set seq_len=64 --set training.lr=1e-3.")
RunDirOpt = typer.Option(None, "--run-dir", help="Run directory (default runs/<timestamp>-<preset>).")


def run_dir_overrides(run_dir: Optional[Path]) -> dict[str, Any] | None:
    """``--run-dir runs/x`` as config keys (``runs_dir``, ``run_name``)."""
    return {"runs_dir": str(run_dir.parent), "run_name": run_dir.name} if run_dir is not None else None


def data_overrides(
    data: Optional[Path] = None,
    synthetic: bool = False,
    bars: Optional[int] = None,
    seed: Optional[int] = None,
    null: bool = False,
    exchange: Optional[str] = None,
    symbol: Optional[str] = None,
    interval: Optional[str] = None,
    start: Optional[str] = None,
    end: Optional[str] = None,
    resample: Optional[str] = None,
    repair: bool = False,
    force_recollect: bool = False,
) -> dict[str, Any]:
    """Turn the DATA options into config overrides."""
    chosen = [n for n, on in (("--data", data is not None), ("--synthetic", synthetic or null),
                              ("--exchange", exchange is not None)) if on]
    if len(chosen) > 1:
        raise NTSError(f"choose one data source; got {' and '.join(chosen)}")
    o: dict[str, Any] = {}
    if data is not None:
        o.update({"data.source": "file", "data.path": str(data)})
    elif exchange is not None:
        o.update({"data.source": "exchange", "data.exchange": exchange})
    else:
        o["data.source"] = "synthetic"
    for key, val in (("data.synthetic_bars", bars), ("data.symbol", symbol), ("data.interval", interval),
                     ("data.start", start), ("data.end", end), ("data.resample", resample), ("seed", seed)):
        if val is not None:
            o[key] = val
    if null:
        o["data.null_market"] = True
    if repair:
        o["data.repair"] = True
    if force_recollect:
        o["data.force_recollect"] = True
    return o


def build_config(preset: str, config_file: Optional[Path], sets: Optional[list[str]], extra: dict[str, Any]):
    """Preset → file → DATA options → --set overrides."""
    from .config import load_config

    cfg = load_config(preset, config_file, None)
    overrides = {**extra, **_parse_sets(sets or [])}
    return cfg.with_overrides(overrides) if overrides else cfg


def _parse_sets(sets: list[str]) -> dict[str, Any]:
    from .config import parse_overrides

    return parse_overrides(sets, what="--set")


_CONFIG_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("data", Optional[Path], DataOpt), ("synthetic", bool, SyntheticOpt), ("bars", Optional[int], BarsOpt),
    ("seed", Optional[int], SeedOpt), ("null", bool, NullOpt), ("exchange", Optional[str], ExchangeOpt),
    ("symbol", Optional[str], SymbolOpt), ("interval", Optional[str], IntervalOpt), ("start", Optional[str], StartOpt),
    ("end", Optional[str], EndOpt), ("resample", Optional[str], ResampleOpt), ("repair", bool, RepairOpt),
    ("force_recollect", bool, ForceOpt), ("preset", str, PresetOpt), ("config", Optional[Path], ConfigOpt),
    ("set_", Optional[list[str]], SetOpt),
)


class ConfigArgs:
    """The DATA, --preset, --config and --set options of one command invocation."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @property
    def data(self) -> Optional[Path]:
        return self.values["data"]

    def config(self, defaults: dict[str, Any] | None = None, extra: dict[str, Any] | None = None):
        """The resolved Config: preset → file → ``defaults`` → DATA options → ``extra`` → --set."""
        v = self.values
        opts = run_command(data_overrides, v["data"], v["synthetic"], v["bars"], v["seed"], v["null"], v["exchange"],
                           v["symbol"], v["interval"], v["start"], v["end"], v["resample"], v["repair"],
                           v["force_recollect"])
        return run_command(build_config, v["preset"], v["config"], v["set_"], {**(defaults or {}), **opts,
                                                                                **(extra or {})})


def config_options(fn):
    """Give a command the DATA, --preset, --config and --set options, passed as ``cfg_args: ConfigArgs``."""
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn)  # resolve the command's string annotations in its own module
    own = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()
           if p.name != "cfg_args"]
    added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=opt, annotation=ann)
             for name, ann, opt in _CONFIG_OPTIONS]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _, _ in _CONFIG_OPTIONS}
        return fn(*args, cfg_args=ConfigArgs(values), **kwargs)

    params = own + added
    wrapper.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must read this signature, not the wrapped one
    return wrapper


def run_command(fn, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; print project errors cleanly and exit 2."""
    try:
        return fn(*args, **kwargs)
    except NTSError as exc:
        if _DEBUG["on"]:
            raise
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2) from None


# --- commands (one module per command group under cli_commands/ to keep this file small) -----
from .commands import register_all  # noqa: E402

register_all(app)


def main() -> None:  # console entry point
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)


if __name__ == "__main__":
    main()

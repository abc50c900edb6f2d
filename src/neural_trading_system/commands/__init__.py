"""``nts`` sub-commands, one module each; every module exposes ``register(app)``."""

from __future__ import annotations

from importlib import import_module

import typer

#: command modules in the order ``nts --help`` lists them
COMMAND_MODULES = ("data", "collect", "train", "analyze", "backtest", "run", "evaluate", "check_leakage", "live",
                   "config")


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        try:
            module = import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue  # stage not built yet
            raise
        module.register(app)

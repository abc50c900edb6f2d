"""``nts config``: show the resolved configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..cli import ConfigOpt, PresetOpt, SetOpt, build_config, console, run_command


def register(app: typer.Typer) -> None:
    @app.command("config")
    def config_cmd(
        preset: str = PresetOpt,
        config: Optional[Path] = ConfigOpt,
        set_: Optional[list[str]] = SetOpt,
    ) -> None:
        """Print the resolved configuration (preset → file → --set) as JSON; typos are errors."""
        cfg = run_command(build_config, preset, config, set_, {})
        console.print_json(json.dumps(cfg.to_dict()))

"""What the server commands share: the error console, the --config option, loading the settings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from authward.settings import Settings, load_settings

err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config file (keys are option names).", exists=True)
]


def load_cli_settings(config: Path | None, **env: object) -> Settings:
    """Settings from CLI options > environment > TOML, failing cleanly on a bad value."""
    for name, value in env.items():
        if value is not None:
            os.environ[f"AUTHWARD_{name.upper()}"] = str(value)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            settings = load_settings(config)
        for warning in caught:
            err.print(f"[yellow]warning:[/] {warning.message}")
        return settings
    except ValidationError as exc:
        for error in exc.errors():
            option = "AUTHWARD_" + "_".join(str(p) for p in error["loc"]).upper()
            err.print(f"[red]error:[/] {option}: {error['msg']}")
        raise typer.Exit(2) from None

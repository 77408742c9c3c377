"""What the server commands share: the error console, the --config option, loading the settings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from authward.settings import ConfigFileError, Settings, load_settings

err = Console(stderr=True)
# Set once the CLI has printed the settings' warnings; not an AUTHWARD_ name, so never an unknown option.
WARNINGS_SHOWN = "_AUTHWARD_SETTINGS_WARNED"

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config file (keys are option names).", exists=True)
]


def load_cli_settings(config: Path | None, **env: object) -> Settings:
    """Settings from CLI options > environment > TOML, failing cleanly (exit 2) on a bad value or a bad file."""
    for name, value in env.items():
        if value is not None:
            os.environ[f"AUTHWARD_{name.upper()}"] = str(value)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            settings = load_settings(config)
        for warning in caught:
            if issubclass(warning.category, UserWarning):
                err.print(f"[yellow]warning:[/] {escape(str(warning.message))}", soft_wrap=True, highlight=False)
        os.environ[WARNINGS_SHOWN] = "1"  # the server's workers load the same settings: they stay quiet
        return settings
    except ConfigFileError as exc:
        given = "--config" if config is not None else "AUTHWARD_CONFIG"
        err.print(f"[red]error:[/] {escape(str(exc))}\n  Fix the file, or give another one with {given}.",
                  soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors():
            option = "AUTHWARD_" + "_".join(str(p) for p in error["loc"]).upper()
            err.print(f"[red]error:[/] {option}: {error['msg']}")
        raise typer.Exit(2) from None

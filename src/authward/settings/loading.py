"""`load_settings`, the server's way in: reads the TOML file's keys and warns about options it does not know.

A typo must not go unnoticed; an option from a newer version must not stop the server: unknown names are warned
about, with the closest known one, and then ignored.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from authward.settings.names import CLIENT_ENV_VARS, ENV_PREFIX, FLAT_NAMES, NESTED_DELIMITER
from authward.settings.root import Settings
from authward.settings.sections import SECTIONS
from authward.settings.sources import nested_location


def _known_env_names() -> tuple[list[str], list[str]]:
    nested = [f"{section}{NESTED_DELIMITER}{key}" for section, model in SECTIONS.items() for key in model.model_fields]
    return sorted(FLAT_NAMES), sorted(nested)


def _toml_keys(data: Mapping[str, Any]) -> list[str]:
    """Top-level keys, and `section.key` for the keys of each section table."""
    keys: list[str] = []
    for key, value in data.items():
        keys.append(key)
        if key.lower() in SECTIONS and isinstance(value, Mapping):
            keys.extend(f"{key}.{sub}" for sub in value)
    return keys


def unknown_option_warnings(
    environ: Mapping[str, str] | None = None, toml_keys: Iterable[str] | None = None
) -> list[str]:
    """Name AUTHWARD_* variables and config keys we do not know, with the closest known one.

    `toml_keys` are top-level keys and `section.key` paths. A typo must not go unnoticed; an option from a newer
    version must not stop the server.
    """
    flat, nested = _known_env_names()
    messages: list[str] = []
    env = os.environ if environ is None else environ
    for var in sorted(env):
        if not var.upper().startswith(ENV_PREFIX) or var.upper() in CLIENT_ENV_VARS:
            continue
        name = var[len(ENV_PREFIX) :].lower()
        if name not in FLAT_NAMES and nested_location(name) is None:
            candidates = nested if NESTED_DELIMITER in name else flat
            messages.append(_unknown_message(var, name, candidates, prefix=ENV_PREFIX))
    top_level = [*FLAT_NAMES, *SECTIONS]
    dotted = [f"{section}.{key}" for section, model in SECTIONS.items() for key in model.model_fields]
    for key in toml_keys or []:
        name = key.lower()
        section, dot, sub = name.partition(".")
        known = nested_location(f"{section}{NESTED_DELIMITER}{sub}") is not None if dot else name in top_level
        if not known:
            messages.append(_unknown_message(key, name, dotted if dot else top_level, prefix=""))
    return messages


def _unknown_message(shown: str, name: str, known: Iterable[str], prefix: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {prefix}{close[0].upper() if prefix else close[0]}?" if close else ""
    return f"unknown option {shown} is ignored{hint}"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings, warning about unknown options (never failing on them).

    `config_file` defaults to $AUTHWARD_CONFIG; the environment wins over the file. `overrides` may use flat names.
    """
    previous = os.environ.get("AUTHWARD_CONFIG")
    if config_file is not None:
        os.environ["AUTHWARD_CONFIG"] = str(config_file)
    try:
        toml_keys: list[str] = []
        path = os.environ.get("AUTHWARD_CONFIG")
        if path:
            import tomllib

            with open(path, "rb") as fh:
                toml_keys = _toml_keys(tomllib.load(fh))
        for message in unknown_option_warnings(toml_keys=toml_keys):
            warnings.warn(message, UserWarning, stacklevel=2)
        return Settings(**overrides)
    finally:
        if config_file is not None:
            if previous is None:
                os.environ.pop("AUTHWARD_CONFIG", None)
            else:
                os.environ["AUTHWARD_CONFIG"] = previous

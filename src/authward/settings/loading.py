"""`load_settings`, the server's way in: reads the TOML file's keys and warns about options it does not know.

A typo must not go unnoticed; an option from a newer version must not stop the server: unknown names are warned
about, with the closest known one, and then ignored. A file that cannot be read or is not TOML raises
`ConfigFileError`, naming the file (and the line of a syntax error).
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from authward.settings.names import CLIENT_ENV_VARS, ENV_PREFIX, FLAT_NAMES, NESTED_DELIMITER
from authward.settings.root import Settings
from authward.settings.sections import SECTIONS
from authward.settings.social_sections import provider_option
from authward.settings.sources import nested_location


class ConfigFileError(ValueError):
    """The config file cannot be read, or is not valid TOML: `path`, and `line`/`column` of a syntax error."""

    def __init__(self, path: str, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.problem, self.line, self.column = path, problem, line, column
        where = f"{path}, line {line}" + (f", column {column}" if column else "") if line else path
        super().__init__(f"{where}: {problem}")


def read_toml(path: str) -> dict[str, Any]:
    """The config file's data, or ConfigFileError."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            text = fh.read().decode()
    except FileNotFoundError:
        raise ConfigFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(path, "a directory, not a TOML file") from None
    except OSError as exc:
        raise ConfigFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigFileError(path, "not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The position is in the message: "Invalid value (at line 3, column 8)", or "(at end of document)".
        message = str(exc)
        line: int | None = None
        column: int | None = None
        if found := re.search(r"\(at line (\d+), column (\d+)\)$", message):
            line, column = int(found[1]), int(found[2])
        elif message.endswith("(at end of document)"):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
        problem = problem[:1].lower() + problem[1:]
        raise ConfigFileError(path, f"{problem}: not valid TOML (https://toml.io)", line, column) from None


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
        if name not in FLAT_NAMES and nested_location(name) is None and provider_option(name) is None:
            candidates = nested if NESTED_DELIMITER in name else flat
            messages.append(_unknown_message(var, name, candidates, prefix=ENV_PREFIX))
    top_level = [*FLAT_NAMES, *SECTIONS]
    dotted = [f"{section}.{key}" for section, model in SECTIONS.items() for key in model.model_fields]
    for key in toml_keys or []:
        name = key.lower()
        section, dot, sub = name.partition(".")
        if dot:
            known = nested_location(f"{section}{NESTED_DELIMITER}{sub}") is not None or section == "providers"
        else:
            known = name in top_level
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
            toml_keys = _toml_keys(read_toml(path))
        for message in unknown_option_warnings(toml_keys=toml_keys):
            warnings.warn(message, UserWarning, stacklevel=2)
        return Settings(**overrides)
    finally:
        if config_file is not None:
            if previous is None:
                os.environ.pop("AUTHWARD_CONFIG", None)
            else:
                os.environ["AUTHWARD_CONFIG"] = previous

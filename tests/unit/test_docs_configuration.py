"""The configuration reference matches the settings object: every option, in its section, with its real default."""

from __future__ import annotations

import re
import warnings
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from authward.settings import FLAT_NAMES, SECTIONS, load_settings

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SECTION_HEADING = re.compile(r"^## .*`\[(\w+)\]`\s*$")
OPTION_ROW = re.compile(r"^\| `(AUTHWARD_\w+)` \| `(\w+)` \| (.*?) \| .* \|$")


def documented_options() -> dict[str, tuple[str | None, str, str]]:
    """AUTHWARD_NAME -> (section of the heading above it, TOML key, default cell)."""
    options: dict[str, tuple[str | None, str, str]] = {}
    section: str | None = None
    for line in REFERENCE.read_text().splitlines():
        if heading := SECTION_HEADING.match(line):
            section = heading.group(1)
        elif row := OPTION_ROW.match(line):
            assert row.group(1) not in options, f"{row.group(1)} is documented twice"
            options[row.group(1)] = (section, row.group(2), row.group(3))
    return options


def expected_options() -> dict[str, tuple[str, str]]:
    return {f"AUTHWARD_{flat.upper()}": location for flat, location in FLAT_NAMES.items()}


def test_every_option_is_documented_and_every_documented_option_exists():
    documented = documented_options()
    expected = expected_options()
    assert sorted(set(expected) - set(documented)) == [], "options missing from docs/configuration.md"
    assert sorted(set(documented) - set(expected)) == [], "documented options that do not exist"
    # Every field of every section has a flat name (else it could not be documented by one).
    assert sorted(expected.values()) == sorted((s, k) for s, model in SECTIONS.items() for k in model.model_fields)


def test_each_option_is_documented_in_its_section_with_its_toml_key():
    wrong = {
        name: (section, key)
        for name, (section, key, _) in documented_options().items()
        if name in expected_options() and (section, key) != expected_options()[name]
    }
    assert wrong == {}, "documented as (section, key) but the settings say otherwise"


def _rendered(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_documented_defaults_are_the_real_ones():
    wrong = {}
    for name, (_, _, cell) in documented_options().items():
        if name not in expected_options():
            continue  # reported by the first test
        section, key = expected_options()[name]
        default = SECTIONS[section].model_fields[key].get_default(call_default_factory=True)
        if cell.startswith("`"):  # `value`, maybe followed by a remark
            shown = cell[1:].split("`", 1)[0]
            if shown != _rendered(default):
                wrong[name] = (shown, _rendered(default))
        elif default not in (None, []):  # (unset), (empty), generated...: only for options with no value
            wrong[name] = (cell, _rendered(default))
    assert wrong == {}


def toml_examples() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", REFERENCE.read_text(), re.S)


@pytest.mark.parametrize("index", range(2))
def test_toml_examples_load_without_warnings(tmp_path, monkeypatch, index):
    import os

    for name in list(os.environ):
        if name.upper().startswith("AUTHWARD_"):
            monkeypatch.delenv(name)
    examples = toml_examples()
    assert len(examples) == 2, "the sectioned example and its flat form"
    config = tmp_path / "authward.toml"
    config.write_text(examples[index])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown key would be a warning
        settings = load_settings(config)
    assert settings.server.public_url == "https://auth.example.com"
    assert settings.database.url.startswith("postgresql://")
    assert settings.passwords.min_length == 14 and settings.users.allowed_roles == ["user", "me", "editor"]


def test_both_toml_examples_say_the_same():
    import tomllib

    from authward.settings import Settings

    sectioned, flat = (tomllib.loads(example) for example in toml_examples())
    assert Settings(**sectioned).model_dump() == Settings(**flat).model_dump()

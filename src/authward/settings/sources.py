"""Where option values come from: keyword arguments, AUTHWARD_* variables and the TOML file, each with its flat names
routed into sections.

Every source is sectioned before pydantic-settings merges them, so precedence holds per option whatever form each
source uses (see the package docstring).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

from authward.settings.names import ENV_PREFIX, FLAT_NAMES, NESTED_DELIMITER
from authward.settings.sections import SECTIONS
from authward.settings.social_sections import provider_option


def settings_sources(
    settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
) -> tuple[PydanticBaseSettingsSource, ...]:
    """Keyword arguments, then the environment, then $AUTHWARD_CONFIG if set: strongest first."""
    # Each source is sectioned before the merge, so a flat key of a stronger source beats a sectioned one
    # of a weaker source (keyword port=1 beats [server] port = 2 in the file).
    sources: list[PydanticBaseSettingsSource] = [
        _Sectioned(settings_cls, init_settings),
        _Environment(settings_cls),
    ]
    config_file = os.environ.get("AUTHWARD_CONFIG")
    if config_file:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file))
        sources.append(_Sectioned(settings_cls, toml))
    return tuple(sources)


def sectioned(data: Mapping[str, Any]) -> dict[str, Any]:
    """Flat option names moved into their sections; sections stay; unknown keys are kept (validation ignores them).

    Names are case-insensitive. Within one mapping a sectioned key wins over the same option given flat.
    """
    result: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        location = FLAT_NAMES.get(key.lower())
        if location is not None:
            sections.setdefault(location[0], {})[location[1]] = value
        elif key.lower() not in SECTIONS:
            result[key] = value
    for key, value in data.items():
        name = key.lower()
        if name not in SECTIONS:
            continue
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=True)
        if isinstance(value, Mapping):
            sections.setdefault(name, {}).update({str(k).lower(): v for k, v in value.items()})
        else:  # not a table: let validation say so
            sections.pop(name, None)
            result[name] = value
    return {**result, **sections}


def nested_location(name: str) -> tuple[str, str] | None:
    """"passwords__min_length" -> ("passwords", "min_length"), if that option exists."""
    section, delimiter, key = name.partition(NESTED_DELIMITER)
    model = SECTIONS.get(section)
    if delimiter and model is not None and key in model.model_fields:
        return section, key
    return None


class _Sectioned(PydanticBaseSettingsSource):
    """Another source (keyword arguments, the TOML file) with its flat option names moved into sections."""

    def __init__(self, settings_cls: type[BaseSettings], inner: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._inner = inner

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ does the work

    def __call__(self) -> dict[str, Any]:
        return sectioned(self._inner())


class _Environment(PydanticBaseSettingsSource):
    """AUTHWARD_<FLAT_NAME> and AUTHWARD_<SECTION>__<KEY>, raw strings (pydantic converts them, lists split on ',')."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ does the work

    def __call__(self) -> dict[str, Any]:
        flat: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {}
        for var, value in os.environ.items():
            if not var.upper().startswith(ENV_PREFIX):
                continue
            name = var[len(ENV_PREFIX) :].lower()
            location = nested_location(name)
            provider = provider_option(name)
            if name in FLAT_NAMES:
                flat[name] = value
            elif location is not None:
                sections.setdefault(location[0], {})[location[1]] = value
            elif provider is not None:  # AUTHWARD_PROVIDER_<NAME>_<OPTION> (settings/social_sections.py)
                providers = sections.setdefault("providers", {})
                providers.setdefault(provider[0], {})[provider[1]] = value
        return sectioned({**flat, **sections})

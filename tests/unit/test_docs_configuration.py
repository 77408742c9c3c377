"""Every option of the settings object is documented in the configuration reference."""

from __future__ import annotations

from pathlib import Path

from authward.settings import Settings

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_option_is_in_the_configuration_reference():
    text = REFERENCE.read_text()
    missing = [f"AUTHWARD_{name.upper()}" for name in Settings.model_fields if f"AUTHWARD_{name.upper()}" not in text]
    assert missing == []

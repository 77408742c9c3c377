"""What every settings section shares: its base model, comma-separated lists, URL checks."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


CsvList = Annotated[list[str], BeforeValidator(split_csv)]  # comma-separated in the environment, an array in TOML


class Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)

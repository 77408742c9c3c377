"""AUTHWARD_DATABASE_REPLICA_URL: PostgreSQL only, for the primary and the replica."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from authward.settings import Settings

PRIMARY = "postgresql://authward@db-primary:5432/authward"
REPLICA = "postgresql://authward@db-replica:5432/authward"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("AUTHWARD_"):
            monkeypatch.delenv(name)


def test_unset_by_default():
    assert Settings(database_url=PRIMARY, _env_file=None).database.replica_url is None


def test_a_postgresql_replica_of_a_postgresql_primary():
    settings = Settings(database_url=PRIMARY, database_replica_url=REPLICA, _env_file=None)
    assert settings.database.replica_url == REPLICA
    assert Settings(database={"url": PRIMARY, "replica_url": REPLICA}, _env_file=None).database.replica_url == REPLICA


def test_an_empty_value_means_unset():
    assert Settings(database_url=PRIMARY, database_replica_url="", _env_file=None).database.replica_url is None


@pytest.mark.parametrize(
    ("primary", "replica", "message"),
    [
        ("sqlite:///./authward.db", REPLICA, "AUTHWARD_DATABASE_REPLICA_URL needs PostgreSQL"),
        (PRIMARY, "sqlite:///./replica.db", "must start with postgresql://"),
    ],
)
def test_refused_without_postgresql(primary: str, replica: str, message: str):
    with pytest.raises(ValidationError, match=message):
        Settings(database_url=primary, database_replica_url=replica, _env_file=None)

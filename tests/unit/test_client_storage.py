"""Session storages: persistence, permissions, atomic replacement, corrupt files."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from authward.client import FileStorage, KeyringStorage, MemoryStorage, StoredSession

RECORD = StoredSession(base_url="http://auth.test", access_token="a.b.c", refresh_token="r1", expires_at=1.0)


def test_file_storage_survives_a_new_instance_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "session.json"
    FileStorage(path).save(RECORD)
    assert FileStorage(path).load() == RECORD
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_file_storage_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "session.json")
    storage.save(RECORD)
    inode = storage.path.stat().st_ino
    storage.save(RECORD.model_copy(update={"refresh_token": "r2"}))
    assert storage.path.stat().st_ino != inode  # a new file renamed over, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]
    loaded = storage.load()
    assert loaded is not None and loaded.refresh_token == "r2"


def test_file_storage_path_from_environment_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHWARD_SESSION_FILE", str(tmp_path / "env.json"))
    assert FileStorage().path == tmp_path / "env.json"
    monkeypatch.delenv("AUTHWARD_SESSION_FILE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert FileStorage().path == tmp_path / ".config" / "authward" / "session.json"


def test_corrupt_or_missing_file_reads_as_no_session_and_clear_is_idempotent(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "session.json")
    assert storage.load() is None
    storage.path.write_text("{not json")
    assert storage.load() is None
    storage.clear()
    storage.clear()
    assert not storage.path.exists()


def test_memory_storage_round_trip() -> None:
    storage = MemoryStorage()
    storage.save(RECORD)
    assert storage.load() == RECORD
    storage.clear()
    assert storage.load() is None


def test_keyring_storage_round_trip_on_a_memory_backend() -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.secrets.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.secrets[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if (service, username) not in self.secrets:
                raise PasswordDeleteError(username)
            del self.secrets[(service, username)]

    previous: Any = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        storage = KeyringStorage(service="authward-test")
        assert storage.load() is None
        storage.save(RECORD)
        assert storage.load() == RECORD
        storage.clear()
        storage.clear()
        assert storage.load() is None
    finally:
        keyring.set_keyring(previous)

"""Where a client keeps its session between calls and between runs.

A storage holds one `StoredSession`. `MemoryStorage` forgets at exit; `FileStorage` (what the
CLI uses) survives restarts; `KeyringStorage` keeps the secret in the OS keyring. Writes are
whole-record replacements, so a rotated refresh token is never half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from authward.client.models import StoredSession

__all__ = ["DEFAULT_SESSION_FILE", "FileStorage", "KeyringStorage", "MemoryStorage", "SessionStorage"]

DEFAULT_SESSION_FILE = Path("~/.config/authward/session.json")
SESSION_FILE_ENV = "AUTHWARD_SESSION_FILE"


def _parsed(text: str) -> StoredSession | None:
    """A stored record, or None when it is corrupt or from an incompatible version."""
    try:
        return StoredSession.model_validate_json(text)
    except ValidationError:
        return None


@runtime_checkable
class SessionStorage(Protocol):
    def load(self) -> StoredSession | None: ...

    def save(self, session: StoredSession) -> None: ...

    def clear(self) -> None: ...


class MemoryStorage:
    """The default in code: the session lives as long as the process."""

    def __init__(self) -> None:
        self._session: StoredSession | None = None
        self._lock = threading.Lock()

    def load(self) -> StoredSession | None:
        with self._lock:
            return self._session

    def save(self, session: StoredSession) -> None:
        with self._lock:
            self._session = session

    def clear(self) -> None:
        with self._lock:
            self._session = None


class FileStorage:
    """A JSON file readable by its owner only (0600), replaced atomically on every save.

    The path is, in order: the `path` argument, `$AUTHWARD_SESSION_FILE`,
    `~/.config/authward/session.json`. An unreadable or corrupt file reads as "no session".
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        chosen = path if path is not None else os.environ.get(SESSION_FILE_ENV) or DEFAULT_SESSION_FILE
        self.path = Path(chosen).expanduser()

    def load(self) -> StoredSession | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return None
        return _parsed(text)

    def save(self, session: StoredSession) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = session.model_dump_json(exclude_none=True).encode()
        fd, tmp = tempfile.mkstemp(prefix=".session-", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class KeyringStorage:
    """The session in the OS keyring (needs `pip install authward[keyring]`).

    `keyring` is imported on first use so that the base install does not need it.
    """

    def __init__(self, service: str = "authward", username: str = "session") -> None:
        self.service = service
        self.username = username

    @staticmethod
    def _keyring() -> Any:
        try:
            import keyring
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("KeyringStorage needs the keyring package: pip install 'authward[keyring]'") from exc
        return keyring

    def load(self) -> StoredSession | None:
        text = self._keyring().get_password(self.service, self.username)
        return _parsed(text) if text else None

    def save(self, session: StoredSession) -> None:
        self._keyring().set_password(self.service, self.username, session.model_dump_json(exclude_none=True))

    def clear(self) -> None:
        keyring = self._keyring()
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self.service, self.username)

"""The real server process: `authward serve` on a free port, started and stopped by the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import (
    IN_CI,
    TEST_SECRET_KEY,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
)

REPO = Path(__file__).resolve().parents[2]
AUTHWARD_BIN = str(Path(sys.executable).parent / "authward")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    database_url: str
    _extra: dict[str, Any] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(workdir: Path, database_url: str, **overrides: Any) -> LiveServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    settings_env = {
        "AUTHWARD_PORT": str(port),
        "AUTHWARD_HOST": "127.0.0.1",
        "AUTHWARD_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AUTHWARD_DATABASE_URL": database_url,
        "AUTHWARD_DATA_DIR": str(workdir / "data"),
        "AUTHWARD_SECRET_KEY": TEST_SECRET_KEY,
        "AUTHWARD_LOG_LEVEL": "warning",
        # The product default is true (docs/email.md); servers that exercise verification say so.
        "AUTHWARD_EMAIL_VERIFICATION_REQUIRED": "false",
        # Suites sign in many times from 127.0.0.1; the tests of the limits turn them on.
        "AUTHWARD_RATELIMIT_ENABLED": "false",
        # Dozens of servers share one PostgreSQL during a run (max_connections 100): a small pool each.
        "AUTHWARD_DATABASE_POOL_SIZE": "4",
    }
    for name, value in overrides.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(value)
        settings_env[f"AUTHWARD_{name.upper()}"] = str(value)
    env.update(settings_env)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen([AUTHWARD_BIN, "serve"], cwd=workdir, env=env, stdout=log_file,
                               stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", settings_env, process, log_path, database_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start in time:\n{server.log()}")


ServerFactory = Callable[..., LiveServer]


@pytest.fixture(scope="session")
async def _postgres_ok() -> bool:
    ok = await postgres_available()
    if not ok and IN_CI:
        raise RuntimeError("CI=true but PostgreSQL is not reachable")
    return ok


@pytest.fixture(scope="session")
async def server_factory(tmp_path_factory: pytest.TempPathFactory, _postgres_ok: bool) -> AsyncIterator[ServerFactory]:
    """`server_factory(database="sqlite"|"postgres", **settings)` -> a started LiveServer."""
    servers: list[LiveServer] = []
    pg_databases: list[str] = []

    def factory(database: str = "sqlite", **overrides: Any) -> LiveServer:
        workdir = tmp_path_factory.mktemp("server")
        if database == "postgres":
            if not _postgres_ok:
                pytest.skip("PostgreSQL not reachable (runs in CI)")
            import asyncio
            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                url = pool.submit(asyncio.run, create_postgres_database()).result()
            pg_databases.append(url)
        else:
            url = f"sqlite:///{workdir / 'authward.db'}"
        server = start_server(workdir, url, **overrides)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
    for url in pg_databases:
        await drop_postgres_database(url)


@pytest.fixture(scope="session")
def live_server(server_factory: ServerFactory) -> LiveServer:
    return server_factory()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live_server_any_db(request: pytest.FixtureRequest, server_factory: ServerFactory) -> LiveServer:
    """The default server on each database backend."""
    return server_factory(database=request.param)


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client

"""What a new user trips over in the first hour (issue 15), through the real `authward` process.

Configuration mistakes end in two lines and exit code 2, never a traceback; server commands that read the
server's database create nothing when run in the wrong folder; the public URL follows the port; the outbox gives
scripts a link or a code; the CLI says what to do next.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.e2e.conftest import AUTHWARD_BIN, REPO, LiveServer, free_port
from tests.support import (
    IN_CI,
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
)

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env["HOME"] = env.get("HOME", "/tmp")
    env.update(settings)
    return env


def authward(cwd: Path, *args: str, stdin: str | None = None, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUTHWARD_BIN, *args], cwd=cwd, env=clean_env(**settings), input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def assert_short_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 2, no traceback, one or two lines on stderr saying what is wrong and what to try."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "File \"" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


@pytest.fixture(scope="module")
def postgres() -> bool:
    ok = asyncio.run(postgres_available())
    if not ok and IN_CI:
        raise RuntimeError("CI=true but PostgreSQL is not reachable")
    return ok


# -- 1. messages instead of tracebacks

def test_postgres_refusing_the_connection(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/authward"
    for command in (["migrate"], ["serve"], ["clients", "list"]):
        result = authward(tmp_path, *command, AUTHWARD_DATABASE_URL=url)
        assert_short_error(result, "AUTHWARD_DATABASE_URL", "connection refused", "Is PostgreSQL running")


def test_a_database_that_does_not_exist(tmp_path: Path, postgres: bool) -> None:
    if not postgres:
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = POSTGRES_ADMIN_URL.rpartition("/")[0] + "/authward_no_such_database"
    result = authward(tmp_path, "migrate", AUTHWARD_DATABASE_URL=url)
    assert_short_error(result, "AUTHWARD_DATABASE_URL", "'authward_no_such_database' does not exist", "createdb")


def test_a_sqlite_path_that_cannot_be_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/authward.db"
    result = authward(tmp_path, "serve", AUTHWARD_DATABASE_URL=url)
    assert_short_error(result, "AUTHWARD_DATABASE_URL", "cannot open the SQLite database",
                       f"The folder {tmp_path}/no/such/folder does not exist")


def test_the_configuration_reference_example_names_the_missing_role(tmp_path: Path, postgres: bool) -> None:
    if not postgres:
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    example = re.findall(r"```toml\n(.*?)```", (REPO / "docs" / "configuration.md").read_text(), re.S)[0]
    (tmp_path / "authward.toml").write_text(example)
    result = authward(tmp_path, "serve", "--config", "authward.toml")
    assert_short_error(result, "AUTHWARD_DATABASE_URL", 'role "authward" does not exist', "createuser")
    assert "secret" not in result.stderr  # the password of the URL is masked


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "authward.toml").write_text('[server]\nport = 4000\nhost = "127.0.0.1\n')
    for args, env in ((["config", "--config", "authward.toml"], {}), (["serve"], {"AUTHWARD_CONFIG": "authward.toml"})):
        result = authward(tmp_path, *args, **env)
        assert_short_error(result, "authward.toml, line 3", "not valid TOML")
    assert not (tmp_path / "authward.db").exists()


def test_a_config_file_that_is_not_there(tmp_path: Path) -> None:
    result = authward(tmp_path, "config", AUTHWARD_CONFIG="missing.toml")
    assert_short_error(result, "missing.toml: no such file", "AUTHWARD_CONFIG")


# -- 2. commands that read the server's database never create one

READERS = [
    ["outbox"], ["outbox", "--to", "ada@example.com", "--link"], ["outbox", "show", "abc"], ["keys", "list"],
    ["keys", "rotate"], ["clients", "list"], ["clients", "show", "aw_x"], ["clients", "create", "--name", "x"],
    ["db", "copy", "--to", "sqlite:///elsewhere.db"],
]


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_no_database_here_is_said_and_nothing_is_created(tmp_path: Path, command: list[str]) -> None:
    result = authward(tmp_path, *command)
    assert_short_error(result, f"no database at {tmp_path}/authward.db", "AUTHWARD_DATABASE_URL", "authward migrate")
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing may be created"


def test_an_empty_postgres_database_is_not_mistaken_for_the_servers(tmp_path: Path, postgres: bool) -> None:
    if not postgres:
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = asyncio.run(create_postgres_database())
    try:
        result = authward(tmp_path, "outbox", AUTHWARD_DATABASE_URL=url)
        assert_short_error(result, "has no authward tables", "authward migrate")
    finally:
        asyncio.run(drop_postgres_database(url))


def test_migrate_and_serve_still_create(tmp_path: Path) -> None:
    assert authward(tmp_path, "migrate").returncode == 0
    assert (tmp_path / "authward.db").exists()
    empty = authward(tmp_path, "outbox")
    assert empty.returncode == 0 and "no message in the outbox of sqlite:///./authward.db" in empty.stderr


# -- a default server: nothing set but the port (as `make serve`, on a free port)

def start_default_server(workdir: Path, **settings: str) -> LiveServer:
    port = free_port()
    env = clean_env(AUTHWARD_PORT=str(port), **settings)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    process = subprocess.Popen([AUTHWARD_BIN, "serve"], cwd=workdir, env=env, stdout=log_path.open("wb"),
                               stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", {"AUTHWARD_PORT": str(port), **settings}, process, log_path,
                        "sqlite:///./authward.db")
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
    raise RuntimeError(f"server did not start:\n{server.log()}")


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_default_server(tmp_path_factory.mktemp("default"),
                                  AUTHWARD_DATABSE_URL="sqlite:///typo.db",  # a typo: warned about once
                                  AUTHWARD_ACCESS_LOG="true")
    yield server
    server.stop()


def workdir(server: LiveServer) -> Path:
    return server.log_path.parent


def beside(server: LiveServer, *args: str, stdin: str | None = None, **settings: str) -> subprocess.CompletedProcess[str]:
    """A command run beside the server: its folder, its port; the CLI's session in that folder."""
    return authward(workdir(server), *args, stdin=stdin, AUTHWARD_PORT=server.env["AUTHWARD_PORT"],
                    AUTHWARD_URL=server.url, AUTHWARD_SESSION_FILE=str(workdir(server) / "session.json"),
                    **settings)


def sign_up(server: LiveServer) -> str:
    email = f"first-{uuid.uuid4().hex[:8]}@example.com"
    answer = httpx.post(f"{server.url}/signup/email-password", json={"email": email, "password": PASSWORD})
    assert answer.json() == {"session": None}, answer.text  # verification is on by default
    return email


# -- 3. the public URL follows the port

def test_the_public_url_follows_the_port(default_server: LiveServer) -> None:
    email = sign_up(default_server)
    link = beside(default_server, "outbox", "--to", email, "--link")
    assert link.returncode == 0, link.stderr
    assert link.stdout.strip().startswith(f"{default_server.url}/verify?ticket=verifyEmail"), link.stdout
    assert httpx.get(link.stdout.strip(), follow_redirects=False).status_code == 302

    signed_in = httpx.post(f"{default_server.url}/signin/email-password", json={"email": email, "password": PASSWORD})
    claims = jwt.decode(signed_in.json()["session"]["accessToken"], options={"verify_signature": False})
    assert claims["iss"] == default_server.url
    discovery = httpx.get(f"{default_server.url}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == default_server.url

    config = beside(default_server, "config")
    assert json.loads(config.stdout)["server"]["public_url"] == default_server.url
    assert "AUTHWARD_PUBLIC_URL is not set" in config.stderr and default_server.url in config.stderr
    assert "is not set" not in beside(default_server, "config", AUTHWARD_PUBLIC_URL="https://auth.example.com").stderr
    assert "AUTHWARD_PUBLIC_URL is not set" in default_server.log()


def test_a_wildcard_bind_address_gives_links_to_this_machine(tmp_path: Path) -> None:
    result = authward(tmp_path, "config", AUTHWARD_HOST="0.0.0.0", AUTHWARD_PORT="4602")
    assert json.loads(result.stdout)["server"]["public_url"] == "http://127.0.0.1:4602"


# -- 7. the outbox for scripts

def test_outbox_link_and_code_for_scripts(default_server: LiveServer) -> None:
    email = sign_up(default_server)
    link = beside(default_server, "outbox", "--to", email, "--link")
    assert link.returncode == 0 and re.fullmatch(r"http://\S+/verify\?\S+\n", link.stdout), link.stdout
    no_code = beside(default_server, "outbox", "--to", email, "--code")
    assert no_code.returncode == 1 and "has no 6-digit code" in no_code.stderr and no_code.stdout == ""

    assert httpx.post(f"{default_server.url}/signin/otp/email", json={"email": email}).status_code == 200
    code = beside(default_server, "outbox", "--to", email, "--code")
    assert code.returncode == 0 and re.fullmatch(r"\d{6}\n", code.stdout), code.stdout
    verified = httpx.post(f"{default_server.url}/signin/otp/email/verify", json={"email": email, "otp": code.stdout.strip()})
    assert verified.status_code == 200 and verified.json()["session"]

    nobody = beside(default_server, "outbox", "--to", "nobody@example.com", "--link")
    assert nobody.returncode == 1 and nobody.stdout == "" and "no message to nobody@example.com" in nobody.stderr
    both = beside(default_server, "outbox", "--link", "--code")
    assert both.returncode == 2


# -- 8. CLI polish

def test_version(tmp_path: Path) -> None:
    result = authward(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == "authward 0.1.0"


@pytest.mark.parametrize("command", [[], ["login"], ["register"], ["outbox"], ["clients", "create"],
                                     ["clients", "update"], ["keys", "list"], ["db", "copy"], ["2fa", "disable"]],
                         ids=lambda c: " ".join(c) or "authward")
def test_help_shows_flags_as_flags(tmp_path: Path, command: list[str]) -> None:
    result = authward(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "<bool>" not in result.stdout
    assert re.search(r"--help\s+Show this message", result.stdout)


def test_the_first_factor_flags_pair(tmp_path: Path) -> None:
    help_text = authward(tmp_path, "clients", "create", "--help").stdout
    assert re.search(r"--public\s+--no-public", help_text) and re.search(r"--first-party\s+--no-first-party", help_text)


def test_an_unknown_option_is_warned_about_once(default_server: LiveServer) -> None:
    log = default_server.log()
    assert log.count("unknown option AUTHWARD_DATABSE_URL") == 1, log
    assert "UserWarning" not in log and ".py:" not in log


def test_password_too_short_says_the_minimum(default_server: LiveServer) -> None:
    result = beside(default_server, "register", "-e", "short@example.com", "--password-stdin", stdin="too short\n")
    assert result.returncode == 1
    assert "Password is too short: use at least 12 characters" in result.stderr
    answer = httpx.post(f"{default_server.url}/signup/email-password",
                        json={"email": "short@example.com", "password": "short"})
    assert answer.status_code == 400 and answer.json()["error"] == "password-too-short"
    assert "at least 12" in answer.json()["message"]


def test_an_unverified_user_is_told_how_to_get_the_mail_again(default_server: LiveServer) -> None:
    email = sign_up(default_server)
    result = beside(default_server, "login", "-e", email, "--password-stdin", stdin=f"{PASSWORD}\n")
    assert result.returncode == 1
    assert "User is not verified" in result.stderr and "authward email verify EMAIL" in result.stderr


def test_connection_refused_names_the_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = authward(tmp_path, "login", "-e", "a@example.com", "--password-stdin", stdin=f"{PASSWORD}\n",
                      AUTHWARD_URL=url, AUTHWARD_SESSION_FILE=str(tmp_path / "s.json"))
    assert result.returncode == 5
    assert f"cannot reach the server at {url}" in result.stderr and "Connection refused" in result.stderr
    as_json = authward(tmp_path, "whoami", "--json", "--server", url, AUTHWARD_SESSION_FILE=str(tmp_path / "s.json"))
    assert as_json.returncode in (3, 5)


def test_keys_list_is_a_table_and_json_on_demand(default_server: LiveServer) -> None:
    table = beside(default_server, "keys", "list")
    assert table.returncode == 0, table.stderr
    kids = [key["kid"] for key in json.loads(beside(default_server, "keys", "list", "--json").stdout)]
    assert len(kids) == 1 and kids[0] in table.stdout
    assert "┃ kid" in table.stdout and "signing" in table.stdout


def test_the_access_log_setting(default_server: LiveServer) -> None:
    httpx.get(f"{default_server.url}/healthz")
    assert re.search(r'"GET /healthz HTTP/1.1" 200', default_server.log()), default_server.log()

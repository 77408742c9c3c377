"""Installing without make: a wheel built from the checkout, installed client-only into a fresh virtual environment.

authward is not on PyPI; the README says to install from a checkout or a built wheel. This builds the wheel
(`uv build`), installs it without the `server` extra into a new virtualenv (its dependencies from uv.lock), and
runs it there: the SDK imports, the user commands run against a real server, the server's dependencies are absent
and the server commands say they need the extra.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO, LiveServer
from tests.support import IN_CI

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
SERVER_ONLY = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "jwt", "pydantic_settings", "argon2")


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not Path(found).exists():
        if IN_CI:
            raise RuntimeError("CI=true but uv is missing (make installs it)")
        pytest.skip("uv is not installed")
    return found


def run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def uv_offline_first(*args: str, env: dict[str, str] | None = None) -> None:
    """uv from its cache when it can (no network here), else from the index."""
    first = subprocess.run([uv(), *args, "--offline"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    if first.returncode != 0:
        run(uv(), *args, env=env)


@pytest.fixture(scope="module")
def client_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed, client only."""
    work = tmp_path_factory.mktemp("install")
    uv_offline_first("build", "--wheel", "--out-dir", str(work / "dist"), str(REPO))
    [wheel] = (work / "dist").glob("authward-*-py3-none-any.whl")
    venv = work / "venv"
    run(uv(), "venv", "--quiet", "--python", sys.executable, str(venv))
    # The client's dependencies at their locked versions (the base install: no extra, no dev group) ...
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    uv_offline_first("sync", "--frozen", "--no-dev", "--no-install-project", "--quiet", env=env)
    # ... then the wheel itself, as `pip install authward-<version>-py3-none-any.whl` would.
    uv_offline_first("pip", "install", "--quiet", "--no-deps", "--python", str(venv / "bin" / "python"), str(wheel))
    return venv


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHWARD_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(extra)
    return env


def test_the_client_imports_without_the_server_dependencies(client_venv: Path) -> None:
    script = (
        "import importlib.util, authward, authward.client as c\n"
        f"print(json.dumps({{'missing': [m for m in {SERVER_ONLY!r} if importlib.util.find_spec(m) is None],"
        " 'file': authward.__file__}))\n"
        "c.AuthClient('http://127.0.0.1:1', storage=c.FileStorage('/nonexistent/session.json'))\n"
    )
    result = run(str(client_venv / "bin" / "python"), "-c", "import json\n" + script, cwd=client_venv,
                 env=clean_env())
    answer = json.loads(result.stdout)
    assert answer["missing"] == list(SERVER_ONLY), "the client install must not bring the server's dependencies"
    assert answer["file"].startswith(str(client_venv)), "imported from the wheel, not from the checkout"


def test_the_user_commands_run_and_server_commands_need_the_extra(client_venv: Path, live_server: LiveServer,
                                                                  tmp_path: Path) -> None:
    authward = str(client_venv / "bin" / "authward")
    env = clean_env(AUTHWARD_URL=live_server.url, AUTHWARD_SESSION_FILE=str(tmp_path / "session.json"))

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([authward, *args], cwd=tmp_path, env=env, input=stdin, capture_output=True, text=True,
                              timeout=60, check=False)

    top = cli("--help")
    assert top.returncode == 0, top.stderr
    for command in ("login", "whoami", "register", "2fa", "pat"):
        assert command in top.stdout
    assert "need the server extra: pip install '.[server]'" in " ".join(top.stdout.split())
    assert cli("whoami", "--help").returncode == 0
    assert cli("--version").stdout.strip() == "authward 0.1.0"

    email = f"wheel-{uuid.uuid4().hex[:8]}@example.com"
    assert httpx.post(f"{live_server.url}/signup/email-password",
                      json={"email": email, "password": PASSWORD}).status_code == 200
    assert cli("whoami").returncode == 3
    login = cli("login", "-e", email, "--password-stdin", stdin=f"{PASSWORD}\n")
    assert login.returncode == 0, login.stderr
    whoami = cli("whoami", "--json")
    assert whoami.returncode == 0 and json.loads(whoami.stdout)["email"] == email

    for command in (["serve"], ["migrate"], ["keys", "list"], ["outbox", "--to", email, "--link"], ["db", "copy"]):
        result = cli(*command)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"`authward {command[0]}` is a server command" in result.stderr
        assert "pip install '.[server]'" in result.stderr and "Traceback" not in result.stderr

"""The client installs alone: importing it must not need the server's dependencies."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap


def test_client_and_user_cli_import_without_server_dependencies() -> None:
    script = textwrap.dedent(
        """
        import sys
        BLOCKED = ("fastapi", "starlette", "sqlalchemy", "jwt", "keyring", "alembic", "uvicorn", "pydantic_settings")

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {name}")
                return None

        sys.meta_path.insert(0, Block())
        import authward.client as c
        import authward.cli.user
        c.AuthClient("http://127.0.0.1:1", storage=c.FileStorage("/nonexistent/session.json"))
        c.TokenVerifier("http://127.0.0.1:1/v1/.well-known/jwks.json")
        try:
            c.require_user
        except ImportError:
            pass
        else:
            raise SystemExit("the Starlette integration should need Starlette")
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_authward_command_offers_the_user_commands_without_server_dependencies() -> None:
    script = textwrap.dedent(
        """
        import sys
        BLOCKED = ("fastapi", "starlette", "sqlalchemy", "jwt", "alembic", "uvicorn", "pydantic_settings")

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {name}")
                return None

        sys.meta_path.insert(0, Block())
        sys.argv = ["authward", "--help"]
        from authward.cli.main import app
        app()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("login", "logout", "whoami", "token", "2fa"):
        assert command in result.stdout
    assert re.search(r"│\s+serve\s", result.stdout) is None  # the server commands need `authward[server]`


def test_public_names_are_exported() -> None:
    import authward.client as client

    for name in client.__all__:
        assert getattr(client, name) is not None

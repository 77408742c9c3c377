"""The README's quick start runs as written against a real server with the default settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import AUTHWARD_BIN, REPO


def readme_blocks(language: str) -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_quick_start_curl_session(server_factory, tmp_path: Path):
    # the product defaults (verification required, dev outbox), only the port differs
    server = server_factory(email_verification_required=True)
    (script,) = [block for block in readme_blocks("sh") if "curl" in block and "register" not in block]
    host = server.url.removeprefix("http://")
    script = script.replace("127.0.0.1:4000", host).replace(".venv/bin/authward", AUTHWARD_BIN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env.update(server.env)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = json_values(result.stdout)  # curl prints no newline between answers
    assert outputs[0] == {"session": None}, "sign-up waits for the address to be verified"
    user = next(o for o in outputs if isinstance(o, dict) and "emailVerified" in o)
    assert user["email"] == "ada@example.com" and user["emailVerified"] is True
    refreshed = next(o for o in outputs if isinstance(o, dict) and "accessToken" in o)
    assert refreshed["user"]["id"] == user["id"]
    assert outputs[-1]["keys"], "the last command prints the JWKS"
    assert list(tmp_path.iterdir()) == [], "the quick start leaves no session (a live refresh token) behind here"


def json_values(text: str) -> list[object]:
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


def client_env(server, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env.update(server.env)
    env["AUTHWARD_URL"] = server.url
    env["AUTHWARD_SESSION_FILE"] = str(tmp_path / "session.json")
    return env


def outbox_link(env: dict[str, str], to: str) -> str:
    """The verification link of the newest message to `to`, polled from `authward outbox`."""
    for _ in range(100):
        listed = subprocess.run([AUTHWARD_BIN, "outbox", "--json", "--to", to, "--limit", "1"], env=env,
                                capture_output=True, text=True, timeout=60, check=True)
        messages = json.loads(listed.stdout)
        if messages:
            return re.search(r"http\S+/verify\?\S+", messages[0]["text"])[0]  # type: ignore[index]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to}")


def test_sdk_example(server_factory, tmp_path: Path):
    server = server_factory(email_verification_required=True)
    (example,) = [block for block in readme_blocks("python") if "AuthClient" in block]
    example = example.replace("http://127.0.0.1:4000", server.url)
    env = client_env(server, tmp_path)
    with subprocess.Popen([sys.executable, "-c", example], env=env, cwd=tmp_path, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        link = outbox_link(env, "lin@example.com")
        stdout, stderr = process.communicate(link + "\n", timeout=60)
    assert process.returncode == 0, stdout + stderr
    assert "lin@example.com" in stdout.splitlines()[-2]


def test_cli_example(server_factory, tmp_path: Path):
    server = server_factory(email_verification_required=True)
    (script,) = [block for block in readme_blocks("sh") if "authward register" in block]
    script = script.replace("127.0.0.1:4000", server.url.removeprefix("http://")).replace(
        ".venv/bin/authward", AUTHWARD_BIN)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=client_env(server, tmp_path),
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("grace@example.com") >= 2  # whoami, then whoami signed in with the PAT
    assert '"email":"grace@example.com"' in result.stdout.replace(" ", "")  # the curl with `authward token`

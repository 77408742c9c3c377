"""The README's quick start runs as written against a real server with the default settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import AUTHWARD_BIN, REPO


def readme_blocks(language: str) -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_quick_start_curl_session(server_factory, tmp_path: Path):
    # the product defaults (verification required, dev outbox), only the port differs
    server = server_factory(email_verification_required=True)
    (script,) = [block for block in readme_blocks("sh") if "curl" in block]
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


def json_values(text: str) -> list[object]:
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values

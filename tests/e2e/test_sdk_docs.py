"""The Python examples of docs/sdk.md, run in order against a fresh real server.

The server is configured as `make serve` (email verification required, no SMTP: mail goes to the dev
outbox), plus dev mode for `GET /dev/outbox`. Where an example asks the reader for a link or a code
from an email (`input(...)`), the test plays the reader: it answers with the newest unread message's
link or code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, ServerFactory

pytestmark = pytest.mark.e2e

DOC = REPO / "docs" / "sdk.md"
DEFAULT_URL = "http://127.0.0.1:4000"

# Replaces `input()` in the examples: the reader opens the first new message with what is asked for.
READER = '''
import builtins, re, time, httpx
def _outbox():
    return httpx.get(SERVER + "/dev/outbox", params={"limit": 20}).json()["messages"]
_read = {m["id"] for m in _outbox()}  # mail sent before this example is not the one it waits for
def _reader(prompt=""):
    pattern = r"\\b\\d{6}\\b" if "code" in prompt.lower() else r"http\\S+/verify\\?\\S+"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for m in reversed(_outbox()):
            found = re.search(pattern, m["text"] or "")
            if m["id"] not in _read and found:
                _read.add(m["id"])
                return found[0]
        time.sleep(0.02)
    raise SystemExit("no new message for: " + prompt)
builtins.input = _reader
'''


def runnable_examples() -> list[str]:
    """The ```python blocks that talk to a server (the others are fragments)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return [block for block in blocks if DEFAULT_URL in block]


def test_the_sdk_guide_examples_run(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory(email_verification_required=True, dev_mode=True)
    examples = runnable_examples()
    assert len(examples) >= 6
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")},
        "HOME": str(tmp_path),
        "AUTHWARD_SESSION_FILE": str(tmp_path / "session.json"),
    }
    for number, example in enumerate(examples, 1):
        code = example.replace(DEFAULT_URL, server.url)
        if "input(" in code:
            code = f"SERVER = {server.url!r}\n{READER}\n{code}"
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"example {number} failed:\n{example}\n{result.stderr}"

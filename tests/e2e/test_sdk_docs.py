"""The Python examples of docs/sdk.md, run in order against a fresh real server."""

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


def runnable_examples() -> list[str]:
    """The ```python blocks that talk to a server (the others are fragments)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return [block for block in blocks if DEFAULT_URL in block]


def test_the_sdk_guide_examples_run(server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory()
    examples = runnable_examples()
    assert len(examples) >= 4
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")},
        "HOME": str(tmp_path),
        "AUTHWARD_SESSION_FILE": str(tmp_path / "session.json"),
    }
    for number, example in enumerate(examples, 1):
        code = example.replace(DEFAULT_URL, server.url)
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"example {number} failed:\n{example}\n{result.stderr}"

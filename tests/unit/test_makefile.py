"""The Makefile's two installs: `make serve` installs what serving needs, `make test` everything, whatever the order.

`make` runs for real in a scratch copy of the Makefile, with stand-ins for uv, npm's stamp, `authward` and `pytest`
that only record how they were called.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    if shutil.which("make") is None:
        pytest.skip("no make")
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "uv.lock").write_text("")
    js = tmp_path / "tests" / "e2e" / "js"
    (js / "node_modules").mkdir(parents=True)
    (js / "package.json").write_text("{}")
    (js / "package-lock.json").write_text("{}")
    (js / "node_modules" / ".installed").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("uv", "authward", "pytest"):
        tool = (tmp_path / "fake-uv") if name == "uv" else bin_dir / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/calls.log"\n')
        tool.chmod(0o755)
    return tmp_path


def make(checkout: Path, target: str, *variables: str, env: dict[str, str] | None = None) -> list[str]:
    """Run `make TARGET`; the calls the stand-ins saw during it."""
    log = checkout / "calls.log"
    before = log.read_text().splitlines() if log.exists() else []
    result = subprocess.run(["make", target, f"UV={checkout / 'fake-uv'}", "CHROMIUM=/bin/true", *variables],
                            cwd=checkout, capture_output=True, text=True, timeout=60, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines()[len(before):]


SERVE_SYNC = "uv sync --frozen --inexact --extra server --no-dev --compile-bytecode"
DEV_SYNC = "uv sync --frozen --all-extras --compile-bytecode"
# the suite in parallel workers, then the `serial` tests alone (four workers on this two-core machine)
PYTEST_RUNS = ["pytest -n 4 --dist loadfile -m not serial", "pytest -m serial"]


def test_serve_installs_only_what_serving_needs(checkout: Path) -> None:
    assert make(checkout, "serve") == [SERVE_SYNC, "authward serve"]
    assert make(checkout, "serve") == ["authward serve"]  # installed once


def test_test_after_serve_still_installs_the_dev_tools(checkout: Path) -> None:
    make(checkout, "serve")
    assert make(checkout, "test", "TEST_WORKERS=4") == [DEV_SYNC, *PYTEST_RUNS]
    assert make(checkout, "serve") == ["authward serve"]  # the full install serves too: no second sync
    assert make(checkout, "test", "TEST_WORKERS=4") == PYTEST_RUNS


def test_serve_after_test_keeps_the_dev_tools(checkout: Path) -> None:
    assert make(checkout, "test", "TEST_WORKERS=4") == [DEV_SYNC, *PYTEST_RUNS]
    assert make(checkout, "serve") == ["authward serve"]


@pytest.mark.parametrize(("cores", "workers"), [(1, 4), (2, 4), (5, 5), (16, 6)])
def test_the_suite_runs_in_four_to_six_workers(checkout: Path, cores: int, workers: int) -> None:
    """Four at least (the e2e tests mostly wait), six at most (PostgreSQL's 100 connections)."""
    fake = checkout / "fake-bin"
    fake.mkdir()
    (fake / "nproc").write_text(f"#!/bin/sh\necho {cores}\n")
    (fake / "nproc").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin"}
    assert make(checkout, "test", env=env)[-2:] == [f"pytest -n {workers} --dist loadfile -m not serial",
                                                   "pytest -m serial"]

"""What the README and docs/ tell a new user (issue 15): installing, the refresh reuse interval, what balena and
Yat are, what AUTHWARD_DISABLE_NEW_USERS really does. (The examples themselves run in tests/e2e.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def paragraph_of_first(text: str, word: str) -> str | None:
    """The paragraph (or table row, or list item) holding the first mention of `word`, as a whole word."""
    found = re.search(rf"\b{word}\b", text)
    if found is None:
        return None
    start = text.rfind("\n\n", 0, found.start()) + 2
    end = text.find("\n\n", found.end())
    return text[start: end if end >= 0 else len(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_balena_and_yat_are_said_where_they_first_appear(page: Path) -> None:
    text = page.read_text()
    balena = paragraph_of_first(text, "balena")
    if balena is not None:
        assert "balena-sdk" in balena, f"{page.name}: say what balena is where it first appears"
    yat = paragraph_of_first(text, "Yat")
    if yat is not None:
        assert "user authentication API" in yat, f"{page.name}: say what Yat is where it first appears"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_install_from_an_index_that_does_not_have_it(page: Path) -> None:
    text = page.read_text()
    assert re.search(r"pip install (authward|'authward\[)", text.replace("`pip install authward` finds nothing", "")) \
        is None, f"{page.name}: authward is not on PyPI"
    assert "authward[server]" not in text


def test_the_readme_says_how_to_install_without_make() -> None:
    readme = (REPO / "README.md").read_text()
    assert "pip install ." in readme and "pip install '.[server]'" in readme and "uv build" in readme


def test_the_quick_start_keeps_its_refresh_token_out_of_the_repository_and_names_the_reuse_interval() -> None:
    readme = (REPO / "README.md").read_text()
    quick_start = re.findall(r"```sh\n(.*?)```", readme, re.S)[1]
    assert "session.json" not in quick_start and "mktemp" in quick_start
    rotation = quick_start[quick_start.index("rotates on every use"):]
    assert "AUTHWARD_REFRESH_TOKEN_REUSE_INTERVAL" in rotation.split("curl")[0]


def test_disable_new_users_says_nothing_can_enable_them_yet() -> None:
    row = next(line for line in (REPO / "docs" / "configuration.md").read_text().splitlines()
               if line.startswith("| `AUTHWARD_DISABLE_NEW_USERS`"))
    assert "admin enables" not in row and "Nothing can enable a user yet" in row and "admin API" in row


def test_make_serve_is_documented_as_installing_what_serving_needs() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "--no-dev" in makefile and ".venv/.installed-server" in makefile and ".venv/.installed-dev" in makefile
    assert "without the test tools" in (REPO / "README.md").read_text() or "no test tools" in (
        REPO / "README.md").read_text()

"""Every runnable example of docs/ runs as written against a default server (see tests/e2e/doc_examples.py).

docs/sdk.md's Python examples run in test_sdk_docs.py and the README's in test_readme.py. Every other code block
is run here, or is data (JSON, TOML, a file tree), a fragment (Python that talks to no server), or marked
`<!-- not run: REASON -->`; the inventory test keeps that list honest.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import free_port
from tests.e2e.doc_examples import (
    DATA_LANGUAGES,
    PROGRAM_LANGUAGES,
    SERVER_URL,
    SHELL_LANGUAGES,
    Block,
    Session,
    blocks,
    documents,
    starts_a_server,
    unmet,
)

pytestmark = pytest.mark.e2e

# Runs elsewhere: the SDK guide's Python examples (test_sdk_docs.py).
ELSEWHERE = {"sdk.md"}


def runnable(doc: str) -> list[Block]:
    return [b for b in blocks(doc) if b.language in SHELL_LANGUAGES and b.not_run is None]


def test_every_example_is_run_or_says_why_not() -> None:
    unaccounted, not_run = [], []
    for doc in documents():
        for block in blocks(doc):
            if block.not_run is not None:
                not_run.append(f"{block.where} ({block.not_run})")
            elif block.language in SHELL_LANGUAGES or block.language in DATA_LANGUAGES:
                continue  # run below, or data
            elif block.language == "python":
                if SERVER_URL in block.text and doc not in ELSEWHERE:
                    unaccounted.append(f"{block.where}: Python talking to a server")
            elif block.language in PROGRAM_LANGUAGES:
                unaccounted.append(f"{block.where}: a {block.language} program")
            else:
                unaccounted.append(f"{block.where}: ```{block.language}")
    assert unaccounted == [], "run these, or mark them <!-- not run: why -->"
    assert len(not_run) <= 20, not_run  # TLS, a registered OAuth client, an external service, installing


@pytest.mark.parametrize("doc", [doc for doc in documents() if runnable(doc)])
def test_the_examples_of(doc: str, tmp_path) -> None:
    session = Session(tmp_path, free_port())
    try:
        examples = runnable(doc)
        if not starts_a_server(first_command(examples)):
            status, output = session.run(session.as_run("authward serve"))
            assert status == 0, output
        for block in examples:
            if block.run_first:
                status, output = session.run(session.as_run(block.run_first))
                assert status == 0, f"{block.where}: the setup before the block failed:\n{output}"
            for command in block.commands():
                text = session.as_run(command.text)
                expected = session.as_shown(command.expected)
                status, output = session.run(text, expected)
                where = f"docs/{doc}:{command.line}"
                assert status == 0, f"{where}: `{command.text}` exited {status}:\n{output}\n{server_log(tmp_path)}"
                missing = unmet(expected, output)
                assert missing == [], f"{where}: `{command.text}` printed\n{output}\nnot {missing}"
                session.learn(command.expected, output)
    finally:
        session.close()


def first_command(examples: list[Block]) -> str:
    block = examples[0]
    return block.run_first or block.commands()[0].text


def server_log(workdir) -> str:
    log = workdir / "server.log"
    return "server.log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""

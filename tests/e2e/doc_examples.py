"""Run the shell examples of docs/*.md as written, one document per bash session, against a default server.

A document's examples are its ```sh, ```bash and ```console blocks, run in order in one bash process (variables
and files carry from one block to the next, as for a reader following the page). A block preceded by
`<!-- not run: REASON -->` is left out; `<!-- run first: COMMANDS -->` runs COMMANDS (not shown to readers)
before the next block, for what its prose takes as given ("with the quick start's `$ACCESS`").

- The server: `authward serve` with nothing set but a free port (AUTHWARD_PORT), in the session's folder, as
  `make serve` would be; started before the first block unless the document starts its own. A command that runs
  `authward serve` (with or without `&`) replaces the running server and waits until it answers.
- Written for port 4000: `127.0.0.1:4000` and `localhost:4000` become the free port, `.venv/bin/` the test's
  virtualenv; the CLI's default server is the same (AUTHWARD_URL).
- In a ```console block, `$ ` starts a command (continued by lines ending in `\\`); the lines up to the next
  command are what it prints, and are checked loosely: JSON keys and error codes, and the text lines that hold no
  value that changes from run to run. Prompts in them (`Password:`, `Code sent to ADDRESS: 123456`,
  `Authenticator code ...: 123456`) are answered as the reader would: the documents' password, the code from the
  outbox, the authenticator's current code. Values a transcript copies from earlier output (a link ending in `...`,
  a 6-digit authenticator code, an id prefix) are replaced by the real ones of this run.
- In ```sh blocks, a `# {...}` or `# "OK"` comment right after a command is what it prints, checked the same way.
- Every command must exit 0.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyotp

from tests.e2e.conftest import AUTHWARD_BIN, REPO

DOCS = REPO / "docs"
SHELL_LANGUAGES = ("sh", "bash", "console")
PROGRAM_LANGUAGES = ("js", "javascript", "html", "ts", "typescript")
DATA_LANGUAGES = ("json", "toml", "yaml", "text", "")
PASSWORD = "correct horse battery staple"  # the password of every example
NEW_PASSWORD = "a brand new passphrase"
SERVER_URL = "http://127.0.0.1:4000"

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.*?)\s*-->$", re.S)
RUN_FIRST = re.compile(r"<!--\s*run first:\s*(.*?)\s*-->$", re.S)


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)  # what the document shows it printing
    line: int = 0


@dataclass
class Block:
    doc: str
    line: int
    language: str
    text: str
    not_run: str | None = None
    run_first: str | None = None

    @property
    def where(self) -> str:
        return f"docs/{self.doc}:{self.line}"

    def commands(self) -> list[Command]:
        return console_commands(self) if self.language == "console" else shell_commands(self)


def blocks(doc: str) -> list[Block]:
    text = (DOCS / doc).read_text()
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip()
        comment = before[before.rfind("<!--"):] if before.endswith("-->") else ""  # right above the block
        not_run = NOT_RUN.match(comment)
        run_first = RUN_FIRST.match(comment)
        found.append(Block(doc, text[: match.start()].count("\n") + 1, match[1], match[2],
                           not_run=not_run[1] if not_run else None, run_first=run_first[1] if run_first else None))
    return found


def documents() -> list[str]:
    return sorted(path.name for path in DOCS.glob("*.md"))


def shell_commands(block: Block) -> list[Command]:
    """Commands of a ```sh block: a line and its `\\` continuations (or heredoc), then `# <output>` comments."""
    lines = block.text.splitlines()
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            if commands and line.startswith("# ") and re.match(r"# [\[{\"]", line) and commands[-1].expected == []:
                commands[-1].expected.append(line[2:])
            index += 1
            continue
        start = index
        text = [line]
        heredoc = re.search(r"<<-?'?(\w+)'?", line)
        while text[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            text.append(lines[index])
        if heredoc:
            while index + 1 < len(lines) and lines[index].strip() != heredoc[1]:
                index += 1
                text.append(lines[index])
        commands.append(Command("\n".join(text), line=block.line + 1 + start))
        index += 1
    return commands


def console_commands(block: Block) -> list[Command]:
    """Commands of a ```console transcript: `$ ` lines (and continuations), each with the lines it prints."""
    commands: list[Command] = []
    continuing = False
    for number, line in enumerate(block.text.splitlines(), start=block.line + 1):
        if continuing:
            commands[-1].text += "\n" + line
            continuing = line.endswith("\\")
        elif line.startswith("$ "):
            commands.append(Command(line[2:], line=number))
            continuing = line.endswith("\\")
        elif commands and line.strip() and not line.startswith("# "):
            commands[-1].expected.append(line)
    return commands


# -- what the documents show, checked loosely

VARIABLE = re.compile(
    r"\.\.\.|…|[0-9a-f]{8}-[0-9a-f]{4}|\d{4}-\d{2}-\d{2}|[┏┃┡│└━─┳╇┴┗]|\b[A-Z2-7]{16,}\b|eyJ|aw_[0-9a-f]{6}"
    r"|\b\d{6}\b|^\(.*\)$|verify\?ticket"
)


def expectations(expected: list[str]) -> list[str]:
    """Fragments the actual output must contain (whitespace removed for JSON, collapsed for text)."""
    wanted: list[str] = []
    for line in expected:
        stripped = line.strip()
        if stripped.startswith(("{", "[", '"')):
            compact = re.sub(r"\s+", "", stripped)
            wanted += [f'"{key}":' for key in re.findall(r'"([A-Za-z_][\w-]*)"\s*:', stripped)]
            wanted += [f'"error":"{code}"' for code in re.findall(r'"error"\s*:\s*"([\w-]+)"', stripped)]
            if compact in ('"OK"', "null", "true", "false"):
                wanted.append(compact)
        elif not VARIABLE.search(stripped) and not is_prompt(stripped):
            wanted.append(" ".join(stripped.split()))
    return wanted


def unmet(expected: list[str], actual: str) -> list[str]:
    compact = re.sub(r"\s+", "", actual)
    collapsed = " ".join(actual.split())
    return [want for want in expectations(expected)
            if want not in (compact if want.startswith(('"', "null", "true", "false")) else collapsed)]


# -- prompts of interactive commands, answered as the reader would

PROMPT = re.compile(r"^(?P<prompt>Password|New password|Repeat for confirmation|Email|Code sent to (?P<to>.+?)"
                    r"|Authenticator code(?: \(or a recovery code\))?):(?: (?P<typed>.*))?$")


def is_prompt(line: str) -> bool:
    return PROMPT.match(line.strip()) is not None


class Session:
    """One bash process for one document, fed a command at a time (so prompts can be answered)."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir, self.port = workdir, port
        self.url = f"http://127.0.0.1:{port}"
        home = workdir / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHWARD_", "_AUTHWARD_"))}
        self.env.update({"PATH": f"{Path(AUTHWARD_BIN).parent}:{os.environ['PATH']}", "HOME": str(home),
                         "AUTHWARD_PORT": str(port), "AUTHWARD_URL": self.url})
        self.process = subprocess.Popen(["bash", "--noprofile", "--norc", "-s"], cwd=workdir, env=self.env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.totp_secret: str | None = None
        self.totp_step = 0
        self.ids: dict[str, str] = {}  # an id the document shows -> the one of this run
        self.last_password = PASSWORD
        self.send("set -o pipefail -u\n"
                  "_doc_wait() { for _ in $(seq 600); do curl -sf \"$AUTHWARD_URL/healthz\" >/dev/null && return 0;"
                  " sleep 0.1; done; echo 'the server did not start:' >&2; tail -20 server.log >&2; return 1; }\n"
                  "_doc_stop() { for pid in $(jobs -p); do kill \"$pid\" 2>/dev/null; wait \"$pid\" 2>/dev/null;"
                  " done; return 0; }\n")

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.run("_doc_stop", timeout=60)
            finally:
                self.process.kill()
                self.process.wait()

    # -- one command

    def run(self, command: str, expected: list[str] | None = None, timeout: float = 180) -> tuple[int, str]:
        """Run `command`; answer the prompts `expected` shows; (exit status, output)."""
        prompts = [m for m in (PROMPT.match(line.strip()) for line in expected or []) if m]
        marker = f"@@doc-{uuid.uuid4().hex}@@"
        stdin = "" if prompts else " </dev/null"
        self.send(f"{{ {{\n{command}\n}}{stdin}; printf '\\n{marker} %s\\n' \"$?\"; }}\n")
        assert self.process.stdout is not None
        output = b""
        answered = 0
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"bash ended (exit {self.process.wait()}):\n{output.decode(errors='replace')}")
                output += chunk
            text = output.decode(errors="replace")
            if (found := re.search(rf"\n?{marker} (\d+)\n", text)) is not None:
                return int(found[1]), text[: found.start()]
            if answered < len(prompts) and self._asked(text, prompts[answered], prompts[:answered]):
                self.send(self.answer(prompts[answered]) + "\n")
                answered += 1
        raise AssertionError(f"no end after {timeout} s:\n{output.decode(errors='replace')}")

    @staticmethod
    def _asked(text: str, prompt: re.Match[str], before: list[re.Match[str]]) -> bool:
        position = 0
        for earlier in before:
            position = text.find(earlier["prompt"] + ":", position) + 1
        return text.find(prompt["prompt"] + ":", position) >= 0

    def answer(self, prompt: re.Match[str]) -> str:
        name = prompt["prompt"]
        if name == "Password":
            return self.last_password
        if name == "New password":
            self.last_password = NEW_PASSWORD
            return NEW_PASSWORD
        if name == "Repeat for confirmation":
            return self.last_password
        if name == "Email":
            return str(prompt["typed"])
        if prompt["to"]:
            return self.outbox_code(prompt["to"])
        return self.totp_code()

    # -- values that change from run to run

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([AUTHWARD_BIN, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=60, check=False)

    def outbox_code(self, to: str) -> str:
        address = re.sub(r"[\s()-]", "", to) if to.startswith("+") else to
        for _ in range(50):
            result = self.cli("outbox", "--to", address, "--code")
            if result.returncode == 0:
                return result.stdout.strip()
            time.sleep(0.1)
        raise AssertionError(f"no code for {to}: {result.stderr}")

    def outbox_link(self, kind: str) -> str:
        for _ in range(50):
            messages = json.loads(self.cli("outbox", "--json", "--limit", "50").stdout or "[]")
            for message in messages:
                for link in re.findall(r"https?://\S+", message["text"] or ""):
                    if f"ticket={kind}" in link:
                        return str(link)
            time.sleep(0.1)
        raise AssertionError(f"no {kind} link in the outbox")

    def totp_code(self) -> str:
        """The authenticator's code: this 30 s step's, or the next one when this one was used (±1 step)."""
        assert self.totp_secret is not None, "no TOTP secret seen yet"
        step = int(time.time() // 30)
        use = max(step, self.totp_step + 1)
        if use > step + 1:
            time.sleep(max(0.0, (use - 1) * 30 - time.time()) + 0.05)
        self.totp_step = use
        return pyotp.TOTP(self.totp_secret).at(use * 30)

    def learn(self, expected: list[str], actual: str) -> None:
        """Secrets and ids the document copies from this output into later commands."""
        if secret := re.search(r"(?:key\s+|\"totpSecret\":\s*\")([A-Z2-7]{16,})\b", actual):
            self.totp_secret, self.totp_step = secret[1], 0
        for pattern in (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", r"\baw_[0-9a-f]{24}\b"):
            shown = re.findall(pattern, "\n".join(expected))
            real = re.findall(pattern, actual)
            self.ids.update(dict(zip(shown, real, strict=False)))

    def as_shown(self, lines: list[str]) -> list[str]:
        """What the document shows, on this run's port."""
        return [re.sub(r"(127\.0\.0\.1|localhost):4000\b", rf"\1:{self.port}", line) for line in lines]

    def as_run(self, command: str) -> str:
        """The command for this run: port, virtualenv, and the values a transcript copied from earlier output."""
        command = re.sub(r"(127\.0\.0\.1|localhost):4000\b", rf"\1:{self.port}", command)
        command = command.replace(".venv/bin/", f"{Path(AUTHWARD_BIN).parent}/")
        command = re.sub(r"'(https?://[^']*?ticket=(\w+):[^']*\.\.\.[^']*)'",
                         lambda m: f"'{self.outbox_link(m[2])}'", command)
        if self.totp_secret is not None and re.match(r"authward 2fa ", command):
            command = re.sub(r"(?<![\w-])\d{6}(?![\w-])", lambda _: self.totp_code(), command)
        for shown, real in self.ids.items():  # an id, or a prefix of one (`pat revoke 3eea`)
            command = re.sub(rf"(?<![\w-])({re.escape(shown[:4])}[\w-]*)(?![\w-])",
                             lambda m, s=shown, r=real: r[: len(m[1])] if s.startswith(m[1]) else m[1], command)
        if re.search(r"(^|[\s;&])authward serve\b", command):  # a new server replaces the running one
            serve = re.sub(r"\s*#.*$", "", command).rstrip().removesuffix("&").rstrip()
            command = f"_doc_stop\n{serve} >>server.log 2>&1 &\n_doc_wait"
        return command


def starts_a_server(command: str) -> bool:
    return re.search(r"(^|[\s;&])authward serve\b", command) is not None

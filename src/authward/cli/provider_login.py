"""`authward login --provider NAME`: sign in through a social provider in the browser, as `gh auth login`.

A one-shot HTTP server listens on the loopback interface (127.0.0.1, `--port`, default 8976); the
browser opens the server's `GET /signin/provider/{name}` with `redirectTo` pointing at it, and the
provider's round trip ends there with `refreshToken` (or `mfaTicket`, or `error`). A random `state`
rides along and must come back, so a page elsewhere cannot push its own session into this listener.
The server must allow the loopback address: AUTHWARD_ALLOWED_REDIRECT_URLS=http://127.0.0.1:8976.
"""

from __future__ import annotations

import secrets
import threading
import webbrowser
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_PORT = 8976
CALLBACK_PATH = "/callback"
DONE_PAGE = (b"<!doctype html><meta charset=utf-8><title>authward</title>"
             b"<p>Signed in. You can close this window and return to the terminal.</p>")
FAILED_PAGE = (b"<!doctype html><meta charset=utf-8><title>authward</title>"
               b"<p>The sign-in did not complete. The terminal says why.</p>")


@dataclass
class LoopbackAnswer:
    """What the browser brought back: the redirect's query parameters."""

    params: dict[str, str] = field(default_factory=dict)
    received: threading.Event = field(default_factory=threading.Event)


class LoopbackReceiver:
    """Listens on 127.0.0.1:`port` for one redirect to /callback carrying `state`."""

    def __init__(self, port: int, state: str) -> None:
        self.state = state
        self.answer = LoopbackAnswer()
        self._server = HTTPServer(("127.0.0.1", port), self._handler())
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> dict[str, str] | None:
        return self.answer.params if self.answer.received.wait(timeout) else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                ours = parts.path == CALLBACK_PATH and secrets.compare_digest(params.get("state", ""), receiver.state)
                if not ours or receiver.answer.received.is_set():
                    self.send_response(404)
                    self.end_headers()
                    return
                ok = "refreshToken" in params or "mfaTicket" in params
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(DONE_PAGE if ok else FAILED_PAGE)
                receiver.answer.params = params
                receiver.answer.received.set()

        return Handler


def open_in_browser(url: str) -> bool:
    """webbrowser's choice (or $BROWSER); False when none could be started."""
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False

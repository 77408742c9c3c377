"""A real HTTP server on a free port that records what it receives: stands in for Twilio, SMS webhooks,
Have I Been Pwned's range API and captcha verifiers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True, strict_parsing=True)

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """Answers every request with `status` and `body`, after recording it in `requests`."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.status = 201
        self.body: bytes = b'{"sid": "SM00000000000000000000000000000000", "status": "queued"}'
        self.content_type = "application/json"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._record("POST")

            def do_GET(self) -> None:
                self._record("GET")

            def _record(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                receiver.requests.append(ReceivedRequest(
                    method, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                ))
                self.send_response(receiver.status)
                self.send_header("content-type", receiver.content_type)
                self.send_header("content-length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, status: int, body: Any) -> None:
        self.status = status
        self.body = json.dumps(body).encode()
        self.content_type = "application/json"

    def answer_text(self, status: int, text: str) -> None:
        self.status = status
        self.body = text.encode()
        self.content_type = "text/plain"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def running_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()

"""SIGTERM drains: a request in flight when the server is told to stop still gets its whole answer."""

from __future__ import annotations

import json
import signal
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import ServerFactory

pytestmark = pytest.mark.e2e


def test_a_request_in_flight_at_sigterm_completes(server_factory: ServerFactory) -> None:
    server = server_factory(shutdown_grace_seconds=20)
    address = urlsplit(server.url)
    body = json.dumps({"email": "drain@example.com", "password": "a-long-enough-password-1"}).encode()
    head = (f"POST /signup/email-password HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head + body[:10])  # the request is in flight: its body is still arriving
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        with pytest.raises(httpx.ConnectError):  # the server took no new connection meanwhile
            httpx.get(f"{server.url}/healthz", timeout=2)
        assert server.process.poll() is None, "the server left before the request in flight was answered"
        sock.sendall(body[10:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", answer
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["session"]["user"]["email"] == "drain@example.com"
    # uvicorn re-raises SIGTERM once it has shut down cleanly, so the exit status is the signal's
    assert server.process.wait(timeout=20) in (0, -signal.SIGTERM), server.log()
    assert "Traceback" not in server.log()

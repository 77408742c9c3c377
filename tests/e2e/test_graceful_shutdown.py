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
from tests.e2e.inbox import mail_to
from tests.mail_sink import MailSink, mail_server, mail_sink  # noqa: F401 - fixtures

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


def test_mail_being_sent_at_sigterm_is_delivered_before_the_process_exits(
    server_factory: ServerFactory, mail_sink: MailSink,  # noqa: F811
) -> None:
    server = server_factory(**mail_sink.settings(), smtp_timeout_seconds=15, email_send_wait_ms=100)
    mail_sink.hold()  # a slow SMTP server: the message is in flight when the server is told to stop
    answer = httpx.post(f"{server.url}/signin/passwordless/email", json={"email": "drain@example.com"}, timeout=30)
    assert answer.status_code == 200, answer.text
    server.process.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    assert server.process.poll() is None, "the server left with mail in flight"
    mail_sink.release()
    assert server.process.wait(timeout=20) in (0, -signal.SIGTERM), server.log()
    assert mail_to(mail_sink, "drain@example.com").ticket()

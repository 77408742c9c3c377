"""A small local HTTP server answering like GitHub's OAuth endpoints and REST profile (no internet here).

`/login/oauth/authorize` sends the browser straight back with a code (the user "agreed"); the token
endpoint checks the client's credentials and the PKCE verifier; `/user` and `/user/emails` answer
the profile the test chose with `next_profile`. It records what it was sent, for the assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


class FakeGitHub:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.next_profile: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}  # code -> {profile, challenge, redirect_uri}
        self.tokens: dict[str, dict[str, Any]] = {}  # access token -> profile
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/login/oauth/authorize":
                    fake.authorize_requests.append(query)
                    code = secrets.token_urlsafe(16)
                    fake.codes[code] = {"profile": fake.next_profile, "challenge": query.get("code_challenge"),
                                        "redirect_uri": query["redirect_uri"]}
                    self.send_response(302)
                    self.send_header("location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}")
                    self.end_headers()
                    return
                token = (self.headers.get("authorization") or "").removeprefix("Bearer ").removeprefix("token ")
                profile = fake.tokens.get(token)
                if profile is None:
                    self._json(401, {"message": "Bad credentials"})
                elif parts.path == "/user":
                    self._json(200, profile["user"])
                elif parts.path == "/user/emails":
                    self._json(200, profile["emails"])
                else:
                    self._json(404, {"message": "Not Found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = self.headers.get("authorization") or ""
                if auth.startswith("Basic "):
                    cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                    form.setdefault("client_id", cid)
                    form.setdefault("client_secret", secret)
                fake.token_requests.append(form)
                entry = fake.codes.pop(form.get("code", ""), None)
                if (entry is None or form.get("client_id") != fake.client_id
                        or form.get("client_secret") != fake.client_secret
                        or form.get("redirect_uri") != entry["redirect_uri"]):
                    self._json(400, {"error": "bad_verification_code"})
                    return
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if entry["challenge"] is not None and digest != entry["challenge"]:
                    self._json(400, {"error": "invalid_grant", "error_description": "PKCE verifier mismatch"})
                    return
                access = "gho_" + secrets.token_urlsafe(16)
                fake.tokens[access] = entry["profile"]
                self._json(200, {"access_token": access, "token_type": "bearer", "scope": "user:email"})

        return Handler

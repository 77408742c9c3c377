"""Debian's nginx as the test's own load balancer: round-robin over server processes, all files in tmp.

`start_nginx(tmp, port, upstreams)` writes an nginx.conf (pid file, logs and temp dirs under `tmp`),
runs `nginx -g 'daemon off;'` as a child process listening on `port`, and waits until it answers.
Every answer carries the upstream that gave it in `X-Upstream` (nginx's `$upstream_addr`: two
addresses when the first could not be reached), so a test sees which instance served a request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import IN_CI

NGINX = os.environ.get("AUTHWARD_TEST_NGINX", "/usr/sbin/nginx")
UPSTREAM_HEADER = "X-Upstream"

CONFIG = """\
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream authward {{
        # Round-robin. A dead instance is skipped for {fail_timeout} s after one failed connection.
{servers}
        # No keepalive to the instances: a new connection per request, so an instance killed is met
        # as a refused connection (retried on the other) rather than as a dead pooled connection.
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://authward;
            proxy_set_header Host $http_host;
            # Bodies and answers stay in memory: no temp files (nginx's workers may not write in tmp).
            proxy_buffering off;
            client_body_buffer_size 1m;
            # A request the instance never received (connection refused) goes to the next one. A POST it
            # received is never sent again (nginx retries non-idempotent requests only with
            # `non_idempotent`): the client sees 502 and decides, as a real client of a load balancer would.
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            add_header {header} $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    url: str
    root: Path
    process: subprocess.Popen[bytes]

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def nginx_binary() -> str:
    """The nginx executable; missing, a skip on a laptop and a failure in CI (.ci/run installs it)."""
    found = NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")
    if found is None:
        message = f"no nginx at {NGINX}: install Debian's package (apt-get install nginx; .ci/run does)"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return found


def start_nginx(root: Path, port: int, upstreams: list[str], fail_timeout: int = 10) -> Nginx:
    """nginx on 127.0.0.1:`port` balancing over `upstreams` ("127.0.0.1:4001", ...)."""
    binary = nginx_binary()
    root.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout={fail_timeout}s;" for address in upstreams)
    conf = root / "nginx.conf"
    conf.write_text(CONFIG.format(root=root, port=port, servers=servers, fail_timeout=fail_timeout,
                                  header=UPSTREAM_HEADER))
    output = (root / "nginx.out").open("wb")
    # -e: the error log before the configuration is read (else Debian's /var/log/nginx/error.log)
    process = subprocess.Popen([binary, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log"),
                                "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT)
    proxy = Nginx(f"http://127.0.0.1:{port}", root, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{proxy.error_log()}"
                               f"{(root / 'nginx.out').read_text(errors='replace')}")
        try:
            if httpx.get(f"{proxy.url}/healthz", timeout=1).status_code == 200:
                return proxy
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proxy.stop()
    raise RuntimeError(f"nginx did not answer in time:\n{proxy.error_log()}")

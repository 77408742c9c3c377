"""Throughput of the hot routes on one core: `make bench`.

The server runs pinned to CPU 0 (one worker, SQLite, real argon2id parameters); wrk runs on CPU 1.
Besides wrk's req/s, the server process's own CPU time per request is reported ("req/s/core" is its
inverse): it stays meaningful on a machine shared with other work, where wall-clock req/s does not.
Figures go to stdout and bench/results/latest.json; they are measurements, never test assertions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
AUTHWARD = str(Path(sys.executable).parent / "authward")
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env.update(AUTHWARD_PORT=str(port), AUTHWARD_DATABASE_URL=database_url, AUTHWARD_LOG_LEVEL="warning",
               AUTHWARD_DATA_DIR=str(workdir / "data"), AUTHWARD_PUBLIC_URL=f"http://127.0.0.1:{port}",
               AUTHWARD_EMAIL_VERIFICATION_REQUIRED="false")  # the bench user signs in at once
    cmd = [AUTHWARD, "serve"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process: cost per request, robust to a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVER_PID = 0


def wrk(url: str, script: str | None, env: dict[str, str], connections: int = CONNECTIONS,
        threads: int = 2) -> dict[str, float]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", DURATION, "--latency"]
    if script:
        cmd += ["-s", str(BENCH / "lua" / script)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "1", *cmd]
    cpu_before = cpu_seconds(SERVER_PID)
    out = subprocess.run([*cmd, url], env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    cpu_used = cpu_seconds(SERVER_PID) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    cpu_us = cpu_used / total * 1e6 if total else float("nan")
    return {"rps": rps, "p50": _ms(p50), "p99": _ms(p99), "errors": int(non2xx.group(1)) if non2xx else 0,
            "cpu_us_per_req": cpu_us, "rps_per_core": 1e6 / cpu_us if cpu_us else float("nan")}


def _ms(match: re.Match[str] | None) -> float:
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        # BENCH_DATABASE_URL: an empty PostgreSQL database, e.g. postgresql://postgres@127.0.0.1:5432/bench
        proc, url = start_server(workdir, os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}")
        global SERVER_PID
        SERVER_PID = proc.pid
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                http.post("/v1/signup/email-password", json={"email": "bench@example.com", "password": PASSWORD})
                sessions = [
                    http.post("/v1/signin/email-password",
                              json={"email": "bench@example.com", "password": PASSWORD}).json()["session"]
                    for _ in range(8)
                ]
            access = sessions[0]["accessToken"]
            results["GET /healthz"] = wrk(url + "/healthz", None, {})
            results["GET /.well-known/jwks.json"] = wrk(url + "/.well-known/jwks.json", None, {})
            results["GET /v1/user"] = wrk(url + "/v1/user", "bearer_get.lua", {"TOKEN": access})
            results["POST /v1/token/verify"] = wrk(url + "/v1/token/verify", "post_json.lua",
                                                   {"BODY": json.dumps({"token": access})})
            results["POST /v1/token (rotation, 8 chains)"] = wrk(
                url + "/v1/token", "refresh_chain.lua",
                {"TOKENS": ",".join(s["refreshToken"] for s in sessions)}, connections=8, threads=8)
            results["POST /v1/signin/email-password"] = wrk(
                url + "/v1/signin/email-password", "post_json.lua",
                {"BODY": json.dumps({"email": "bench@example.com", "password": PASSWORD})}, connections=8)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    width = max(len(k) for k in results)
    print(f"{'route':<{width}}  {'req/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}  {'CPU us/req':>10}  "
          f"{'req/s/core':>10}")
    for name, r in results.items():
        print(f"{name:<{width}}  {r['rps']:>8.0f}  {r['p50']:>7.2f}  {r['p99']:>7.2f}  {int(r['errors']):>7}  "
              f"{r['cpu_us_per_req']:>10.0f}  {r['rps_per_core']:>10.0f}")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

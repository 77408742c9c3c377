"""`make bench`: the hot routes on SQLite and PostgreSQL, each beside its limit measured in the same run.

The server runs pinned to CPU 0 (`authward serve`, one worker unless BENCH_WORKERS), wrk on CPU 1. Every
figure stands beside the limit it should approach, measured on CPU 0 in this run, because machines and
their neighbours differ: the raw-ASGI floor for reads (again before each database's reads), JWT signs/s
with the server's algorithm for token issuing, argon2id hashes/s with the server's parameters for
password routes (right before and right after each, averaged: a box's speed drifts over minutes). Printed as a table
and written to bench/results/latest.json (and a dated copy). Figures, never test assertions.

Environment: BENCH_DURATION (8s per route), BENCH_USERS (1000 loaded in bulk; 1000000 for the scale
run), BENCH_ROUTES (comma-separated subset of user, verify, refresh, client, signin, signup, sdk),
BENCH_BACKENDS (sqlite,postgres), BENCH_POSTGRES_URL (an admin URL; a database is created and
dropped), BENCH_WORKERS (1), BENCH_JWT_ALGORITHM (ES256), BENCH_SQLITE_SYNCHRONOUS (full, the default; normal).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "8s")
USERS = int(os.environ.get("BENCH_USERS", "1000"))
TOKEN_USERS = 200  # GET /user round-robins over this many users' tokens
CHAINS = 16  # concurrent refresh-token chains (one wrk connection each)
ROUTES = set(os.environ.get("BENCH_ROUTES", "user,verify,refresh,client,signin,signup,sdk").split(","))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
ALGORITHM = os.environ.get("BENCH_JWT_ALGORITHM", "ES256")
SQLITE_SYNCHRONOUS = os.environ.get("BENCH_SQLITE_SYNCHRONOUS", "full")  # the server's default; "normal" to compare
HASH_PARAMS = ("2", "19456", "1")  # the server's defaults: time cost, memory KiB, parallelism
PASSWORD = "correct horse battery staple"
PINNED = shutil.which("taskset") is not None


@dataclass
class Figure:
    route: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    limit_name: str
    limit: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.rps / self.limit if self.limit else float("nan")


def on_core(core: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *cmd] if PINNED else cmd


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def wrk(url: str, script: str | None, env: dict[str, str], connections: int = 16, threads: int = 1) -> dict[str, Any]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", DURATION, "--latency"]
    if script:
        cmd += ["-s", str(BENCH / "lua" / script)]
    out = subprocess.run(on_core(1, [*cmd, url]), env={**os.environ, **env}, capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": rps, "p50_ms": _ms(re.search(r"50%\s+([\d.]+)(\w+)", out)),
            "p99_ms": _ms(re.search(r"99%\s+([\d.]+)(\w+)", out)), "errors": errors}


def _ms(match: re.Match[str] | None) -> float:
    if match is None:
        return float("nan")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]


def measure_limit(*args: str) -> float:
    out = subprocess.run(on_core(0, [sys.executable, str(BENCH / "limits.py"), *args]), capture_output=True,
                         text=True, check=True).stdout
    return float(json.loads(out))


def measure_floor() -> float:
    """Raw ASGI req/s under uvicorn on CPU 0, with the loop and HTTP parser `authward serve` uses."""
    port = free_port()
    proc = subprocess.Popen(on_core(0, [str(BIN / "uvicorn"), "floor_app:app", "--port", str(port),
                                        "--log-level", "warning", "--no-access-log", "--app-dir", str(BENCH)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy_any(f"http://127.0.0.1:{port}/")
        return float(wrk(f"http://127.0.0.1:{port}/", None, {})["rps"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_healthy_any(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def rss_mib(pid: int) -> float:
    """Resident memory of the server: the process and its workers."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            total += int(match.group(1)) if match else 0
    return total / 1024


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += [int(child), *_children(int(child))]
    return found


class Server:
    """`authward serve` on one database, pinned to CPU 0 (unless several workers share both cores)."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
        huge = "1000000000/minute"
        self.env.update(
            AUTHWARD_PORT=str(self.port), AUTHWARD_DATABASE_URL=database_url, AUTHWARD_LOG_LEVEL="warning",
            AUTHWARD_DATA_DIR=str(workdir / "data"), AUTHWARD_PUBLIC_URL=self.url, AUTHWARD_WORKERS=str(WORKERS),
            AUTHWARD_JWT_ALGORITHM=ALGORITHM, AUTHWARD_EMAIL_VERIFICATION_REQUIRED="false",
            # the limits stay on (their cost is part of each request) but out of the way of one client IP
            AUTHWARD_RATELIMIT_PASSWORD_SIGNIN=huge, AUTHWARD_RATELIMIT_SIGNUP=huge, AUTHWARD_RATELIMIT_REFRESH=huge,
            AUTHWARD_RATELIMIT_OAUTH_TOKEN=huge, AUTHWARD_RATELIMIT_SIGNIN=huge,
            AUTHWARD_DATABASE_SQLITE_SYNCHRONOUS=SQLITE_SYNCHRONOUS,
        )
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        return subprocess.run([str(BIN / "authward"), *args], env=self.env, cwd=self.workdir, capture_output=True,
                              text=True, check=True).stdout

    def start(self) -> None:
        cmd = [str(BIN / "authward"), "serve"]
        self.proc = subprocess.Popen(cmd if WORKERS > 1 else on_core(0, cmd), env=self.env, cwd=self.workdir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(self.url)

    def stop(self) -> float:
        assert self.proc is not None
        rss = rss_mib(self.proc.pid)
        self.proc.terminate()
        self.proc.wait(timeout=20)
        return rss


def sign_in_many(url: str, count: int) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            async def one(n: int) -> dict[str, Any]:
                answer = await http.post("/v1/signin/email-password",
                                         json={"email": f"bench-{n}@example.com", "password": PASSWORD})
                answer.raise_for_status()
                return dict(answer.json()["session"])
            return list(await asyncio.gather(*(one(n) for n in range(count))))
    return asyncio.run(run())


def bench_backend(name: str, database_url: str, limits: dict[str, float], workdir: Path) -> dict[str, Any]:
    server = Server(workdir, database_url)
    server.cli("migrate")
    began = time.perf_counter()
    subprocess.run([sys.executable, str(BENCH / "load_users.py"), database_url, str(USERS)], env=server.env,
                   check=True)
    load_seconds = time.perf_counter() - began
    client = json.loads(server.cli("clients", "create", "--name", "bench", "--grant", "client_credentials",
                                   "--audience", "https://api.example.com", "--json"))
    server.start()
    figures: list[Figure] = []
    try:
        sessions = sign_in_many(server.url, max(TOKEN_USERS, CHAINS))
        tokens_file = workdir / "tokens.txt"
        tokens_file.write_text("\n".join(s["accessToken"] for s in sessions[:TOKEN_USERS]) + "\n")
        access = sessions[0]["accessToken"]
        # The box's speed drifts over minutes (neighbours, turbo): the limits a route is compared with are
        # measured next to it. The floor before this backend's reads; argon2id right before and right after
        # each password route, averaged (a route takes longer than the limit's own measurement).
        floor = measure_floor() if ROUTES & {"user", "verify"} else limits["floor"]
        signs = limits["jwt"]

        def hashes() -> float:
            return measure_limit("argon2", *HASH_PARAMS)

        def run(key: str, route: str, limit_name: str, limit: float | Callable[[], float], path: str,
                script: str | None, env: dict[str, str], **kw: Any) -> None:
            if key not in ROUTES:
                return
            before = limit() if callable(limit) else limit
            measured = wrk(server.url + path, script, env, **kw)
            after = limit() if callable(limit) else limit
            extra = {"limit_before": before, "limit_after": after} if callable(limit) else {}
            figures.append(Figure(route, limit_name=limit_name, limit=(before + after) / 2, extra=extra,
                                  **measured))

        run("user", f"GET /user ({TOKEN_USERS} users)", "raw ASGI", floor, "/v1/user", "bearer_many.lua",
            {"TOKENS_FILE": str(tokens_file)})
        run("verify", "POST /token/verify", "raw ASGI", floor, "/v1/token/verify", "post_json.lua",
            {"BODY": json.dumps({"token": access})})
        run("refresh", f"POST /token (rotation, {CHAINS} chains)", f"{ALGORITHM} signs", signs, "/v1/token",
            "refresh_chain.lua", {"TOKENS": ",".join(s["refreshToken"] for s in sessions[:CHAINS])},
            connections=CHAINS, threads=CHAINS)
        basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
        run("client", "POST /oauth/token (client_credentials)", f"{ALGORITHM} signs", signs, "/oauth/token",
            "client_credentials.lua", {"BASIC": basic})
        signin_body = '{"email":"bench-%s@example.com","password":"' + PASSWORD + '"}'
        run("signin", "POST /signin/email-password", "argon2id hashes", hashes, "/v1/signin/email-password",
            "post_many.lua", {"BODY": signin_body, "USERS": str(USERS)}, connections=4)
        signup_body = '{"email":"new-%s@example.com","password":"' + PASSWORD + '"}'
        run("signup", "POST /signup/email-password", "argon2id hashes", hashes, "/v1/signup/email-password",
            "post_many.lua", {"BODY": signup_body, "UNIQUE": "1", "RUN": f"{name}{int(time.time())}"},
            connections=4)
        if "sdk" in ROUTES:
            figures.append(Figure("SDK TokenVerifier.verify (local)", measure_limit("verifier", server.url, access),
                                  float("nan"), float("nan"), 0, f"{ALGORITHM} verifies", limits["jwt_verify"]))
    finally:
        rss = server.stop()
    size = _database_size(database_url)
    return {"figures": [asdict(f) | {"ratio": f.ratio} for f in figures], "rss_mib": rss, "users": USERS,
            "load_seconds": load_seconds, "database_mib": size}


def _database_size(url: str) -> float:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    import asyncpg  # type: ignore[import-untyped]

    async def size() -> float:
        conn = await asyncpg.connect(url)
        try:
            return float(await conn.fetchval("SELECT pg_database_size(current_database())")) / 2**20
        finally:
            await conn.close()
    return asyncio.run(size())


def postgres_database() -> tuple[str, str] | None:
    """Create an empty database for the run: (its URL, its name), or None when PostgreSQL is not there."""
    import asyncpg

    name = f"authward_bench_{os.getpid()}"

    async def create() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL not reachable at {POSTGRES_ADMIN} ({exc}): skipped", file=sys.stderr)
        return None
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    asyncio.run(drop())


def print_table(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}: {result['users']:,} users (loaded in {result['load_seconds']:.1f} s), "
          f"database {result['database_mib']:.1f} MiB, server RSS after the run {result['rss_mib']:.0f} MiB")
    rows = result["figures"]
    width = max(len(r["route"]) for r in rows) if rows else 10
    print(f"{'route':<{width}}  {'req/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  {'errors':>6}  "
          f"{'limit (same core, same run)':>30}  {'ratio':>6}")
    for r in rows:
        limit = f"{r['limit_name']} {r['limit']:,.0f}/s"
        print(f"{r['route']:<{width}}  {r['rps']:>8,.0f}  {r['p50_ms']:>7.2f}  {r['p99_ms']:>7.2f}  "
              f"{r['errors']:>6}  {limit:>30}  {r['ratio']:>6.2f}")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    limits = {"floor": measure_floor(), "jwt": measure_limit("jwt", ALGORITHM),
              "jwt_verify": measure_limit("jwt-verify", ALGORITHM), "argon2": measure_limit("argon2", *HASH_PARAMS)}
    print(f"limits on CPU 0: raw ASGI {limits['floor']:,.0f} req/s, {ALGORITHM} {limits['jwt']:,.0f} signs/s "
          f"and {limits['jwt_verify']:,.0f} verifies/s, "
          f"argon2id (t={HASH_PARAMS[0]}, m={HASH_PARAMS[1]} KiB, p={HASH_PARAMS[2]}) {limits['argon2']:,.1f} hashes/s")
    results: dict[str, Any] = {"limits": limits, "workers": WORKERS, "algorithm": ALGORITHM, "duration": DURATION}
    if "sqlite" in BACKENDS:
        with tempfile.TemporaryDirectory() as tmp:
            limits["sqlite_commits"] = measure_limit("sqlite-commits", tmp)
        print(f"SQLite write transactions on this disk (WAL, synchronous=FULL, the default): "
              f"{limits['sqlite_commits']:,.0f}/s: the ceiling of every SQLite write route")
    for backend in BACKENDS:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            if backend == "sqlite":
                results["sqlite"] = bench_backend("sqlite", f"sqlite:///{workdir / 'bench.db'}", limits, workdir)
            else:
                created = postgres_database()
                if created is None:
                    continue
                try:
                    results["postgres"] = bench_backend("postgres", created[0], limits, workdir)
                finally:
                    drop_postgres(created[1])
            print_table(f"{backend} ({WORKERS} worker{'s' if WORKERS > 1 else ''}, {ALGORITHM})", results[backend])
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2)
    (out / "latest.json").write_text(text)
    (out / time.strftime("%Y%m%d-%H%M%S.json")).write_text(text)


if __name__ == "__main__":
    main()

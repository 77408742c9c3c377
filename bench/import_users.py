"""How fast `authward users import` is: N generated users (default 100,000) into a fresh database, then again.

    .venv/bin/python bench/import_users.py [--count N] [--format csv|auth0|nhost] [--database-url URL]

The users come from tests/user_exports.py (real bcrypt hashes, cost 4). The CLI runs as an operator runs it; the
wall time and the CLI process's own CPU time are printed (CPU time stays meaningful on a shared, busy machine).
Without --database-url: a SQLite file in a temporary folder. A measurement, never a test assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.user_exports import write_auth0, write_generic_csv, write_nhost_csv  # noqa: E402

AUTHWARD = str(Path(sys.executable).parent / "authward")
WRITERS = {"csv": write_generic_csv, "auth0": write_auth0, "nhost": write_nhost_csv}


def timed(args: list[str], env: dict[str, str]) -> tuple[dict[str, object], float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([AUTHWARD, *args], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return json.loads(done.stdout), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/authward.db"
        source = WRITERS[options.format](Path(folder) / f"users.{options.format}", options.count)
        env = {**os.environ, "AUTHWARD_DATABASE_URL": url, "AUTHWARD_DATA_DIR": f"{folder}/data"}
        subprocess.run([AUTHWARD, "migrate"], env=env, capture_output=True, check=True)  # noqa: S603
        command = ["users", "import", "--from", options.format, str(source), "--json"]
        for run in ("import", "re-import"):
            summary, wall, cpu = timed(command, env)
            print(f"{run}: {summary['imported']} imported, {summary['skipped']} skipped, {summary['failed']} failed "
                  f"in {wall:.1f} s ({options.count / wall:,.0f} users/s; CLI process CPU {cpu:.1f} s)")


if __name__ == "__main__":
    main()

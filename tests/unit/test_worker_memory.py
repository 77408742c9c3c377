"""authward/memory.py: what each worker does to its memory at startup."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from authward.memory import huge_page_tunables


def test_startup_objects_leave_the_collector_s_generations() -> None:
    """Run in a child: freezing is process-wide and this test process must keep its own GC as it is."""
    code = (
        "import gc\n"
        "from authward.memory import freeze_startup_objects\n"
        "from authward.app import create_asgi\n"
        "from authward.settings import Settings\n"
        "app = create_asgi(Settings(database={'url': 'sqlite:///:memory:'}))\n"
        "freeze_startup_objects()\n"
        "print(gc.get_freeze_count(), sum(gc.get_count()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    frozen, tracked = int(out[0]), int(out[1])
    assert frozen > 50_000  # the app, its routes, models and modules
    assert tracked < 1_000  # nothing left for the first collections to walk


def test_malloc_settings_are_taken_on_glibc() -> None:
    """Run in a child (the settings are process-wide): mallopt took all three, and trimming is there;
    on another C library nothing is changed (False)."""
    code = (
        "from authward.memory import hold_hash_memory, release_free_memory\n"
        "print(hold_hash_memory(19_456 * 1024), release_free_memory())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    glibc = platform.libc_ver()[0] == "glibc"
    assert out == [str(glibc), str(glibc)]


def test_huge_pages_are_added_to_the_operator_s_tunables() -> None:
    assert huge_page_tunables(None) == "glibc.malloc.hugetlb=1"
    assert huge_page_tunables("") == "glibc.malloc.hugetlb=1"
    assert huge_page_tunables("glibc.malloc.arena_max=2") == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"
    assert huge_page_tunables("glibc.malloc.hugetlb=0:x=1") == "glibc.malloc.hugetlb=0:x=1"  # their choice stands


HASHES_CODE = (
    "import resource, sys, threading\n"
    "from argon2 import PasswordHasher\n"
    "from authward.memory import hold_hash_memory, release_free_memory\n"
    "if sys.argv[1] == 'hold':\n"
    "    hold_hash_memory(19_456 * 1024)\n"
    "else:\n"  # glibc's fixed default threshold (128 KiB): every block above it mapped afresh
    "    import ctypes\n"
    "    ctypes.CDLL('libc.so.6').mallopt(-3, 128 * 1024)\n"
    "hasher = PasswordHasher(time_cost=1, memory_cost=19_456, parallelism=1)\n"
    "def rss():\n"
    "    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024\n"
    "def run():\n"  # on a thread, as the server's hasher does
    "    stored = hasher.hash('x')\n"
    "    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt\n"
    "    for _ in range(5):\n"
    "        hasher.verify(stored, 'x')\n"
    "    print((resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before) // 5, rss())\n"
    "thread = threading.Thread(target=run)\n"
    "thread.start()\n"
    "thread.join()\n"
    "release_free_memory()\n"
    "print(rss())\n"
)


def _hashes(mode: str) -> tuple[int, int, int]:
    """(page faults per hash, RSS MiB while hashing, RSS MiB once released) in a child process."""
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", HASHES_CODE, mode], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not Path("/proc/self/status").exists(),
                    reason="glibc's malloc and Linux's /proc")
def test_a_busy_hasher_reuses_its_memory_and_gives_it_back_when_idle() -> None:
    """Mapped afresh, a hash's 19 MiB block faults page by page (the kernel zeroes each): held, the next
    hash reuses it with no faults; released, it leaves the process's resident memory."""
    fresh_faults, _, _ = _hashes("fresh")
    faults, busy_rss, idle_rss = _hashes("hold")
    assert fresh_faults > 4_000  # 19 MiB in 4 KiB pages, every hash
    assert faults < 500
    assert busy_rss - idle_rss >= 15  # the block went back to the system


def test_huge_pages_spare_the_hash_its_page_faults() -> None:
    """A block over glibc's mmap ceiling (a 64 MiB hash) is mapped afresh for every hash and faults page
    by page; with the tunable (and THP on `madvise` or `always`) about twenty times fewer. Counted in a
    child started with and without it."""
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if platform.libc_ver()[0] != "glibc" or not thp.exists() or "[never]" in thp.read_text():
        pytest.skip("needs glibc and transparent huge pages")
    code = (
        "import resource\n"
        "from argon2 import PasswordHasher\n"
        "from authward.memory import hold_hash_memory\n"
        "hold_hash_memory(65_536 * 1024)\n"
        "hasher = PasswordHasher(time_cost=1, memory_cost=65_536, parallelism=1)\n"
        "stored = hasher.hash('x')\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(3):\n"
        "    hasher.verify(stored, 'x')\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 3)\n"
    )

    def faults(tunables: str | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
        if tunables is not None:
            env["GLIBC_TUNABLES"] = tunables
        return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                  check=True).stdout)

    plain, huge = faults(None), faults(huge_page_tunables(None))
    assert plain > 15_000  # 64 MiB in 4 KiB pages
    assert huge * 5 < plain

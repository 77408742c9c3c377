"""authward/memory.py: what each worker does to its memory at startup."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from authward.memory import huge_page_tunables, keep_large_blocks_unmapped


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


def test_the_mmap_threshold_is_fixed_on_glibc() -> None:
    """mallopt answers 1 when it took the setting; on another C library nothing is changed (False)."""
    assert keep_large_blocks_unmapped() is (platform.libc_ver()[0] == "glibc")


def test_huge_pages_are_added_to_the_operator_s_tunables() -> None:
    assert huge_page_tunables(None) == "glibc.malloc.hugetlb=1"
    assert huge_page_tunables("") == "glibc.malloc.hugetlb=1"
    assert huge_page_tunables("glibc.malloc.arena_max=2") == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"
    assert huge_page_tunables("glibc.malloc.hugetlb=0:x=1") == "glibc.malloc.hugetlb=0:x=1"  # their choice stands


def test_huge_pages_spare_the_hash_its_page_faults() -> None:
    """A hash's 19 MiB block, mapped afresh each time, faults page by page; with the tunable (and THP on
    `madvise` or `always`) about twenty times fewer. Counted in a child started with and without it."""
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if platform.libc_ver()[0] != "glibc" or not thp.exists() or "[never]" in thp.read_text():
        pytest.skip("needs glibc and transparent huge pages")
    code = (
        "import resource\n"
        "from argon2 import PasswordHasher\n"
        "from authward.memory import keep_large_blocks_unmapped\n"
        "keep_large_blocks_unmapped()\n"
        "hasher = PasswordHasher(time_cost=1, memory_cost=19_456, parallelism=1)\n"
        "stored = hasher.hash('x')\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(5):\n"
        "    hasher.verify(stored, 'x')\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 5)\n"
    )

    def faults(tunables: str | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
        if tunables is not None:
            env["GLIBC_TUNABLES"] = tunables
        return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                  check=True).stdout)

    plain, huge = faults(None), faults(huge_page_tunables(None))
    assert plain > 4_000  # 19 MiB in 4 KiB pages
    assert huge * 5 < plain

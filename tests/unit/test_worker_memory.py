"""authward/memory.py: what each worker does to its memory at startup."""

from __future__ import annotations

import platform
import subprocess
import sys

from authward.memory import keep_large_blocks_unmapped


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

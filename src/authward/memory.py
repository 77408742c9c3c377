"""A worker's memory: freed password-hash memory goes back to the system, startup objects leave the GC's sight.

Each argon2id hash takes `hash_memory_kib` (19 MiB by default) from malloc. glibc serves such blocks
with mmap and returns them on free, but the first free raises its mmap threshold to the block's size
(the "dynamic threshold"), so later hashes are carved from the heap and per-thread arenas and stay
resident: a worker grew from ~130 to ~210 MiB under parallel sign-ins. Fixing the threshold with
mallopt turns the dynamic threshold off (measured: ~133 MiB after the same load).

A block mapped afresh for every hash is faulted in page by page: 4,865 faults of 4 KiB per hash, which
took a hash from 56 to 35 per second on one core (`make bench`'s argon2id limit is measured without
them). glibc's `glibc.malloc.hugetlb=1` tunable advises transparent huge pages for its mapped blocks
(with THP set to `madvise` or `always`, the default of most distributions): ~270 faults per hash and 53
hashes per second, memory still returned after each. Tunables are read when a process starts, so
`authward serve` sets it for the serving process it hands over to (`huge_page_tunables`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger("authward")

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own default, kept fixed


def keep_large_blocks_unmapped() -> bool:
    """Fix glibc's mmap threshold; False (and nothing changed) on another C library."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb"


def huge_page_tunables(current: str | None) -> str:
    """`GLIBC_TUNABLES` with huge pages for malloc's mapped blocks, keeping what the operator set
    (their own `glibc.malloc.hugetlb` included). Other C libraries ignore the variable."""
    tunables = [item for item in (current or "").split(":") if item]
    if any(item.split("=", 1)[0] == HUGE_PAGES_TUNABLE for item in tunables):
        return ":".join(tunables)
    return ":".join([*tunables, f"{HUGE_PAGES_TUNABLE}=1"])


def freeze_startup_objects() -> None:
    """Move everything alive after startup (modules, the app, routes, settings, models) out of the GC's
    generations, so that a full collection walks only what requests allocated since.

    A worker holds ~170,000 objects after startup and a full collection walked them all: 80-250 ms with
    the event loop stopped, a latency spike whenever one ran under load. They live as long as the
    process anyway. (Python's documented `gc.freeze`, as Instagram's and gunicorn's servers use it.)
    """
    gc.collect()
    gc.freeze()

"""A worker's memory: password-hash memory reused while hashing is busy and returned when it idles;
startup objects out of the GC's sight.

Each argon2id hash takes `hash_memory_kib` (19 MiB by default) from malloc and frees it. Three ways to
serve that block, measured on one core:
- mapped afresh for each hash (glibc's own rule above its mmap threshold): every page faulted in and
  zeroed by the kernel, 4,865 faults and ~10 ms of system time per hash (35 hashes/s instead of 50);
  with transparent huge pages (`glibc.malloc.hugetlb=1`) still ~3.5 ms of zeroing per hash;
- kept by malloc after the first free (glibc's "dynamic threshold"): no faults, but the blocks stay
  resident in every thread's arena (a worker grew from ~130 to ~210 MiB under parallel sign-ins);
- what this module does: the block comes from one arena, below a fixed mmap threshold and a high trim
  threshold, so a busy hasher reuses it (20.7 ms a hash, no faults: as fast as a hash in a fresh
  process); the hasher gives it back (`release_free_memory`, ~0.1 ms) each time its queue empties.

One arena (`M_ARENA_MAX` 1) because glibc returns a thread arena's top block to the system only by
itself (trimming above the threshold), never on `malloc_trim`; the interpreter serialises the threads'
allocations anyway. Tunables are read when a process starts, so `authward serve` sets the huge-page
one for the process it hands over to (`huge_page_tunables`): the reused block then sits on huge pages.
On another C library (musl, macOS) nothing here changes anything.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger("authward")

# glibc's mallopt parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc refuses a larger fixed threshold on 64-bit systems
BLOCK_MARGIN = 1024 * 1024  # argon2's block plus its own bookkeeping stays below the threshold
TRIM_THRESHOLD = 256 * 1024 * 1024  # free memory malloc keeps before it trims by itself (hashes in parallel)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):  # musl, macOS: no mallopt, no malloc_trim
        return None
    return libc


_LIBC = _libc()


def hold_hash_memory(block_bytes: int) -> bool:
    """Let malloc keep a freed block of `block_bytes` for the next hash (one arena, fixed thresholds);
    False (and nothing changed) on another C library. Call it once per process, before it hashes.
    A block over 31 MiB is still mapped for each hash (glibc's ceiling): huge pages then soften the cost."""
    if _LIBC is None:
        return False
    threshold = min(MMAP_THRESHOLD_MAX, max(block_bytes + BLOCK_MARGIN, 128 * 1024))
    done = [_LIBC.mallopt(M_ARENA_MAX, 1), _LIBC.mallopt(M_MMAP_THRESHOLD, threshold),
            _LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)]
    return all(done)


def release_free_memory() -> bool:
    """Give malloc's free memory back to the system (the hasher calls it when its queue empties)."""
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True


HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb"


def huge_page_tunables(current: str | None) -> str:
    """`GLIBC_TUNABLES` with huge pages for malloc's memory, keeping what the operator set (their own
    `glibc.malloc.hugetlb` included). Other C libraries ignore the variable."""
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

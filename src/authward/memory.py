"""Give freed password-hash memory back to the system (glibc), so a worker stays near its idle size.

Each argon2id hash takes `hash_memory_kib` (19 MiB by default) from malloc. glibc serves such blocks
with mmap and returns them on free, but the first free raises its mmap threshold to the block's size
(the "dynamic threshold"), so later hashes are carved from the heap and per-thread arenas and stay
resident: a worker grew from ~130 to ~210 MiB under parallel sign-ins. Fixing the threshold with
mallopt turns the dynamic threshold off (measured: ~133 MiB after the same load).
"""

from __future__ import annotations

import ctypes
import ctypes.util
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

"""What `relais run` does with its memory once started (settle_memory) and before any thread (fewer_arenas).

Apart from the runner so that a process can use them without importing Relais (bench.import_floor).
"""

from __future__ import annotations

import ctypes
import gc
import sys

M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


def settle_memory() -> None:
    """Once started: what was made so far lives as long as the process (modules, models, clients).
    Moved out of the collector's reach, a full collection no longer walks it (no pause of tens of
    milliseconds in the middle of a command); what starting freed goes back to the system."""
    gc.collect()
    gc.freeze()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def fewer_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates an arena of its own, kept once freed: with a few worker
    threads (database work, Slack listeners) that is megabytes of memory nobody uses. Before any
    thread starts, ask for `arenas` at most (what MALLOC_ARENA_MAX does)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


def _libc() -> ctypes.CDLL | None:
    """The C library when it is glibc (malloc_trim, mallopt); None elsewhere (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None

"""Giving freed memory back to the operating system between trials.

A search fits many models one after another, on several threads. glibc's allocator keeps what
those threads freed in per-thread arenas rather than returning it, so the resident size of a
long search grows with every large model it has ever fitted, not with the models it keeps.
``malloc_trim`` hands the free pages back (Dask's workers do the same for the same reason).
Elsewhere than glibc it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
import time
from typing import Any

#: between trials, memory is released only once this many times its last cost has passed:
#: a full collection costs about 0.1 s in a large process, as much as a cheap trial
RELEASE_SPACING = 10.0


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Collect cyclic garbage, let pyarrow's pool (pandas' strings) drop its unused buffers,
    and return the allocator's free pages to the operating system; True when it could."""
    gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


class Releaser:
    """:func:`release_freed_memory` between trials, at most as often as keeps its cost under
    a tenth of the time (:data:`RELEASE_SPACING`): after every long trial, after every few
    short ones."""

    def __init__(self) -> None:
        self._next = 0.0

    def __call__(self) -> None:
        """Release now if enough time has passed since the last release."""
        started = time.monotonic()
        if started >= self._next:
            release_freed_memory()
            ended = time.monotonic()
            self._next = ended + RELEASE_SPACING * (ended - started)

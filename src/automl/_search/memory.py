"""Giving freed memory back to the operating system between trials.

A search fits many models one after another, on several threads. glibc's allocator keeps what
those threads freed in per-thread arenas rather than returning it, so the resident size of a
long search grows with every large model it has ever fitted, not with the models it keeps.
``malloc_trim`` hands the free pages back (Dask's workers do the same for the same reason).
Elsewhere than glibc it is a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import sys
import time
from collections.abc import Iterator
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


class Spacing:
    """When an optional step that costs time may run again: once :data:`RELEASE_SPACING` times
    what it last cost has passed since it ended, which keeps it under about a tenth of the
    time. ``if spacing.due(): with spacing.timed(): step()``."""

    def __init__(self) -> None:
        self.next = 0.0

    def due(self) -> bool:
        """True when the step may run now."""
        return time.monotonic() >= self.next

    @contextlib.contextmanager
    def timed(self) -> Iterator[None]:
        """Run the step in this block; its cost sets when it is due again."""
        started = time.monotonic()
        yield
        ended = time.monotonic()
        self.next = ended + RELEASE_SPACING * (ended - started)


class Releaser:
    """:func:`release_freed_memory` between trials, at most as often as keeps its cost under
    a tenth of the time (:class:`Spacing`): after every long trial, after every few short
    ones."""

    def __init__(self) -> None:
        self._spacing = Spacing()

    def __call__(self) -> None:
        """Release now if enough time has passed since the last release."""
        if self._spacing.due():
            with self._spacing.timed():
                release_freed_memory()

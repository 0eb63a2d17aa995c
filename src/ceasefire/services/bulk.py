"""Helpers for work over a large part of the record at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector during bulk work (an import, a year's replay).

    Bulk work allocates a few small objects per field and keeps them all until the transaction
    commits; the collector then runs over the growing heap again and again, for nothing, as
    these objects hold no cycles. Pausing it made large imports about a quarter faster
    (BENCHMARKS.md). Reference counting still frees memory as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

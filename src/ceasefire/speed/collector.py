"""Python's cycle collector: paused for bulk work, set for a serving process.

A server keeps the record's incident stories in memory for the dashboard: about ten objects
an incident, a million for 100,000 incidents. Under Python's default thresholds (700, 10, 10)
the objects of the requests in flight at each middle-generation collection were promoted to
the oldest generation, so a full collection followed every few seconds, and each stopped the
whole process, every request with it, for up to 0.6 s (BENCHMARKS.md, "the cycle collector").

The youngest generation is still collected as often as by default, in pauses of a millisecond
or so. Its survivors are collected again a hundred times less often, by when nearly all of them,
a request's own objects, are gone, so they no longer pile up in the oldest generation and full
collections become rare. Cyclic garbage that survives one collection then waits seconds rather
than milliseconds to be freed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SERVING_THRESHOLDS = (700, 1_000, 10)


def set_for_serving() -> None:
    """Set the collector's thresholds for a process that serves the API (this process only)."""
    gc.set_threshold(*SERVING_THRESHOLDS)


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

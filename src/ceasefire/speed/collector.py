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

At a million reports that was not enough: the state a server reads once (every incident's
violation and each plan's run, tens of millions of objects) was scanned by each full collection
that did come, and one stopped the process for 8 s in the middle of a load (every request and
the clock with it). What a serving process reads in full is therefore frozen once read
(`freeze_what_was_read`: the collector no longer scans it; reference counting still frees
it), and a full collection that still takes long is logged.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SERVING_THRESHOLDS = (700, 1_000, 10)
SLOW_COLLECTION_SECONDS = 0.25  # a full collection longer than this is logged

log = logging.getLogger("ceasefire.collector")
_serving = False
_started: list[float] = []


def set_for_serving() -> None:
    """Set the collector's thresholds for a process that serves the API (this process only),
    and log full collections that stop it for long."""
    global _serving
    gc.set_threshold(*SERVING_THRESHOLDS)
    if not _serving:
        gc.callbacks.append(_timed)
    _serving = True


def freeze_what_was_read() -> None:
    """In a serving process, after reading the record in full: leave every object alive now
    out of later collections (`gc.freeze`). Elsewhere (a command that ends), nothing."""
    if _serving:
        gc.freeze()


def _timed(phase: str, info: dict[str, Any]) -> None:
    if info.get("generation") != 2:
        return
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        took = time.perf_counter() - _started.pop()
        if took > SLOW_COLLECTION_SECONDS:
            log.info(
                "the cycle collector stopped the process for %.2f s (%s objects frozen)",
                took,
                f"{gc.get_freeze_count():,}",
            )


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

"""The serving process's cycle collector: requests in flight over a large heap of long-lived
objects (the incident stories a server keeps) no longer drive full collections."""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from ceasefire.speed.collector import set_for_serving


@pytest.fixture(autouse=True)
def _a_heap_of_its_own() -> Iterator[None]:
    """What the test process already holds moved aside (how often full collections come
    depends on how many objects the oldest generation holds), and put back afterwards with
    the thresholds."""
    saved = gc.get_threshold()
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


def full_collections_while_serving(configure: Callable[[], None]) -> int:
    """Full collections while batches of objects come and go (each alive for three batches,
    as a request's objects are while it is in flight) beside 100,000 long-lived objects."""
    kept = [{"incident": n, "reports": [n]} for n in range(50_000)]
    gc.collect()  # the long-lived objects in the oldest generation, as in a warm server
    configure()
    before = gc.get_stats()[2]["collections"]
    in_flight: deque[list[dict[str, object]]] = deque(maxlen=3)
    for request in range(2_000):
        in_flight.append([{"request": request, "parts": [k]} for k in range(500)])
    full = gc.get_stats()[2]["collections"] - before
    del kept
    return full


def test_requests_in_flight_no_longer_drive_full_collections() -> None:
    python_default = full_collections_while_serving(lambda: gc.set_threshold(700, 10, 10))
    serving = full_collections_while_serving(set_for_serving)
    assert python_default >= 5  # each of them a pass over every long-lived object
    assert serving == 0

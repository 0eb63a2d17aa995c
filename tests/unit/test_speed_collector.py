"""The serving process's cycle collector: requests in flight over a large heap of long-lived
objects (the incident stories a server keeps) no longer drive full collections."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from ceasefire.speed import collector
from ceasefire.speed.collector import set_for_serving


@pytest.fixture(autouse=True)
def _a_heap_of_its_own() -> Iterator[None]:
    """What the test process already holds moved aside (how often full collections come
    depends on how many objects the oldest generation holds), and put back afterwards with
    the thresholds."""
    saved = gc.get_threshold()
    callbacks, serving = list(gc.callbacks), collector._serving
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)
    gc.callbacks[:] = callbacks
    collector._serving = serving


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


SCRIPT = """
import gc, logging, sys
from ceasefire.speed import collector
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
kept = [[i] for i in range(10_000)]  # what a server reads in full
if sys.argv[1] == "serving":
    collector.set_for_serving()
collector.freeze_what_was_read()
print("frozen", gc.get_freeze_count())
collector.SLOW_COLLECTION_SECONDS = 0.0
gc.collect()
"""


def run(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_a_serving_process_freezes_what_it_read_and_logs_long_collections() -> None:
    said = run("serving")
    frozen = int(said.split("frozen ")[1].split()[0])
    assert frozen > 10_000
    assert "the cycle collector stopped the process for" in said


def test_a_command_that_ends_freezes_nothing_and_logs_nothing() -> None:
    said = run("command")
    assert "frozen 0" in said
    assert "cycle collector" not in said

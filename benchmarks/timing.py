"""What the benchmarks share: timing a function over repeats."""

from __future__ import annotations

import time
from collections.abc import Callable


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Seconds for each of `repeat` calls."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds

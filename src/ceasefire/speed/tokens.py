"""Tokens this process found valid a moment ago, so that it does not ask the database again.

Checking a token in the database took a sixth of a busy server's time (a connection, three
statements and a trip through the thread pool per request). A token found valid is trusted for
`seconds` more, then checked again. What that means for revocation:

- revoked through this process's API, a token stops working at once (the route clears the
  cache, and a check that was in flight when it did is not kept);
- revoked with `ceasefire users revoke`, or through another serving process, it stops working
  within `seconds` (default 1).

Only tokens found valid are kept: an unknown or wrong token is checked in the database every
time, as before. Tokens are kept by their SHA-256, never as they were sent.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ceasefire.domain.access import Principal

RECHECK_SECONDS = 1.0
KEPT = 4096  # distinct valid tokens kept; the least recently used goes first


class TokenCache:
    def __init__(
        self,
        seconds: float = RECHECK_SECONDS,
        kept: int = KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._kept = kept
        self._clock = clock
        self._valid: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()  # the revoke route clears from a worker thread

    @property
    def generation(self) -> int:
        """Taken before a database check and given back to `keep`, so that a check which
        started before a revocation cannot put the revoked token back."""
        return self._generation

    def principal(self, token: str) -> Principal | None:
        """Who the token belongs to, if it was found valid less than `seconds` ago."""
        key = _key(token)
        with self._lock:
            found = self._valid.get(key)
            if found is None:
                return None
            principal, until = found
            if self._clock() >= until:
                del self._valid[key]
                return None
            self._valid.move_to_end(key)
            return principal

    def keep(self, token: str, principal: Principal, generation: int) -> None:
        """Trust the token for `seconds`, unless the cache was cleared since `generation`."""
        key = _key(token)
        with self._lock:
            if generation != self._generation or self._seconds <= 0:
                return
            self._valid[key] = (principal, self._clock() + self._seconds)
            self._valid.move_to_end(key)
            while len(self._valid) > self._kept:
                self._valid.popitem(last=False)

    def forget_all(self) -> None:
        """After a revocation: every token is checked in the database again."""
        with self._lock:
            self._valid.clear()
            self._generation += 1


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()

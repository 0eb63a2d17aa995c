"""Numbers into the sentences a mission's report is written in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ceasefire.domain.publishing.tally import COUNTED_KINDS, Tally
from ceasefire.domain.timeparse import MONTH_NAMES

_KIND_WORDS = {
    "explosions": ("explosion", "explosions"),
    "projectiles": ("projectile", "projectiles"),
    "bursts": ("burst of fire", "bursts of fire"),
    "shots": ("shot", "shots"),
}
_MONTHS = MONTH_NAMES


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 incident`, `2 incidents`, `1,200 explosions`.

    >>> plural(1, "incident"), plural(1200, "burst of fire", "bursts of fire")
    ('1 incident', '1,200 bursts of fire')
    """
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def listing(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def including(t: Tally) -> str:
    """`, including 16 explosions and 3 bursts of fire` (nothing when the reports counted no
    explosions, projectiles, bursts or shots)."""
    parts = [plural(getattr(t, k), *_KIND_WORDS[k]) for k in COUNTED_KINDS if getattr(t, k)]
    return f", including {listing(parts)}" if parts else ""


def change(now: int, before: int, *, same: str = "the same number as") -> str:
    """`up from 87`, `down from 87`, or `same` (in a sentence that goes on to name the
    previous period), against the previous period.

    >>> change(112, 87), change(3, 9), change(4, 4), change(4, 4, same="unchanged")
    ('up from 87', 'down from 9', 'the same number as', 'unchanged')
    """
    if now > before:
        return f"up from {before:,}"
    if now < before:
        return f"down from {before:,}"
    return same


def day_text(moment: date) -> str:
    """`16 February 2015` (no leading zero, English month, whatever the locale)."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def hours_text(hours: float) -> str:
    return f"{hours:g} hours"

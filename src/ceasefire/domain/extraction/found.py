"""What an extractor returns for one field: the value, where in the text, why, how sure.

A value without its span and rule could not be checked by the analyst who has to accept it,
so every extractor returns `Found` or nothing; a field left empty carries a `Flag` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Confidence is a rank, not a probability: what the rule that fired says about itself. The
# levels are named so that every extractor grades on the same scale.
CERTAIN = 0.95  # the text states it in a fixed form ("On 9 October 2018", "12 explosions")
LIKELY = 0.8  # one reading, found by a looser rule (a keyword, a unique place name)
PLAUSIBLE = 0.6  # chosen among readings by a tie-break that can be wrong (proximity, population)
WEAK = 0.4  # a reading the analyst should check before relying on it
# Below this, the value is kept but the field is flagged for the analyst as well.
FLAG_BELOW = 0.6


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Character offsets into the text, end exclusive: `text[start:end]` is the evidence."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """One field's value with its evidence (`span`), the rule that read it and a confidence."""

    value: T
    span: Span
    rule: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Flag:
    """A field the analyst must look at: empty because the text does not settle it, or kept
    but uncertain. `reason` says which, in words the analyst can act on."""

    field: str
    reason: str


def sentence_around(text: str, start: int, end: int) -> Span:
    """The sentence (or clause after a semicolon) holding text[start:end]: what a reader takes
    together, as a list of places or the actor of a verb."""
    first = max(text.rfind(".", 0, start), text.rfind(";", 0, start)) + 1
    stops = [i for i in (text.find(".", end), text.find(";", end)) if i >= 0]
    return Span(first, min(stops) if stops else len(text))

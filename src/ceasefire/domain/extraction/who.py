"""Who a text says did it: the parties behind the actors it names, as a proposal.

A news item names actors ("NAF rebel forces", "Military Forces of Ukraine", "DPR"), not the
parties to an agreement; the table below maps them. The party proposed is the actor that is
the subject of the attack: named before the verb of violence in the sentence that carries it
("Russian forces shelled ..."). An actor that is only the target ("fired at Ukrainian
positions") proposes the other side, at a lower confidence. It stays a proposal: attribution
is the analyst's decision, never the extractor's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ceasefire.domain.extraction.found import (
    LIKELY,
    PLAUSIBLE,
    WEAK,
    Flag,
    Found,
    Span,
    sentence_around,
)

FIELD = "alleged_party"


@dataclass(frozen=True, slots=True)
class Actor:
    """Words that name an actor, and the party the actor belongs to."""

    pattern: str
    party: str


# Fire or weapons named with a side's adjective ("Russian shelling", "Ukrainian drones"):
# the side that fired, as the adjective of a country alone ("a Ukrainian village") is not.
_ARMS = (
    r"(?:shelling|strikes?|attacks?|missiles?|drones?|artillery|mortars?|bombs?|aviation"
    r"|aircraft|fire|offensive|assault)"
)
# A country's name acts only as the subject of a verb of violence ("Russia launched ..."):
# "in Ukraine" is a place.
_ACTS = r"(?=\s+(?:launched|fired|struck|attacked|shelled|hit|bombed|used))"
ACTORS: tuple[Actor, ...] = (
    Actor(r"(?:military|armed) forces of russia|russian (?:armed |occupying |occupation )?"
          r"(?:forces|troops|military|army|soldiers|servicemen|units?|air ?forces?|navy|aviation"
          rf"|artillery|drones?|side)|russian(?=\s+{_ARMS})|russia{_ACTS}|russians|occupiers"
          r"|occupying forces|wagner(?: group)?"
          r"|(?:pro-russian |nrf |naf |dpr |lpr )?(?:rebels?|separatists?|militants?)"
          r"(?: forces)?|naf|nrf|dpr|lpr|donetsk people'?s republic|luhansk people'?s republic"
          r"|armed formations|окупант\w*|оккупант\w*"
          r"|російськ\w* (?:військ\w*|сил\w*|армі\w*|артилер\w*|дрон\w*|окупант\w*)"
          r"|российск\w* (?:войск\w*|сил\w*|арми\w*|военн\w*|артиллер\w*|дрон\w*)", "RU"),
    Actor(r"(?:military|armed) forces of ukraine|ukrainian (?:armed )?(?:government )?"
          r"(?:forces|troops|military|army|soldiers|servicemen|units?|air ?forces?|navy"
          r"|artillery|drones?|side|government|defenders|border guards?)"
          rf"|ukrainian(?=\s+{_ARMS})|ukraine{_ACTS}|afu|zsu|зсу|всу"
          r"|українськ\w* (?:військ\w*|сил\w*|артилер\w*|дрон\w*)"
          r"|украинск\w* (?:войск\w*|сил\w*|военн\w*|артиллер\w*|дрон\w*)", "UA"),
)  # fmt: skip
_ACTORS = [(re.compile(rf"(?<![\w-])(?:{a.pattern})(?![\w-])", re.IGNORECASE), a) for a in ACTORS]
_TARGET_BEFORE = re.compile(
    r"(?<!\w)(?:at|on|against|targeting|targeted|hit|struck|shelled|attacked|positions of|with"
    r"|по|на|проти|против|по\s+позиці\w*|по\s+позици\w*)\s+"
    r"(?:the\s+)?(?:positions of\s+(?:the\s+)?)?$",
    re.IGNORECASE,
)
_OTHER = {"RU": "UA", "UA": "RU"}
LOOK_BACK = 30


def find_party(
    text: str, violence_at: Span | None, parties: Sequence[str] = ("RU", "UA")
) -> tuple[Found[str] | None, list[Flag]]:
    """The party proposed as the one that did what the text describes.

    `violence_at` is the span of the words that say what happened (from `what.find_kind`): the
    actor named before it in its sentence is the one that acted.
    """
    named = _actors(text)
    if violence_at is not None:  # the actors of the sentence that says what happened
        sentence = sentence_around(text, violence_at.start, violence_at.end)
        named = [a for a in named if sentence.start <= a[0].start < sentence.end] or named
    if not named:
        return None, [Flag(FIELD, "no party or armed group named in the text")]
    acting = [(s, p) for s, p, target in named if not target]
    before = [(s, p) for s, p in acting if violence_at is None or s.end <= violence_at.start]
    flags: list[Flag] = []
    if before:
        span, party = before[-1] if violence_at is not None else before[0]
        rule = "proposed: the actor named before what it did"
        confidence = LIKELY
        others = {p for _, p in acting} - {party}
        if others:
            confidence = PLAUSIBLE
            flags.append(Flag(FIELD, "both sides named as acting; the proposal is the one "
                                     "named before the violence, check it"))  # fmt: skip
    elif acting:
        span, party = acting[0]
        rule, confidence = "proposed: the first actor named (not before the violence)", PLAUSIBLE
    else:
        span, target = named[0][0], named[0][1]
        party = _OTHER.get(target, "")
        if not party:
            return None, [Flag(FIELD, f"only {target} is named, as the target")]
        rule, confidence = f"proposed: the side opposite the target ({target})", WEAK
        flags.append(Flag(FIELD, f"only the target ({target}) is named; the proposal is the "
                                 "other side, check it"))  # fmt: skip
    if party not in parties:
        return None, [Flag(FIELD, f"{party} is not a party to the agreement")]
    return Found(party, span, rule, confidence), flags


def _actors(text: str) -> list[tuple[Span, str, bool]]:
    """Actors in reading order, each with whether the text names it as a target."""
    found: list[tuple[Span, str, bool]] = []
    taken: list[Span] = []
    for pattern, actor in _ACTORS:
        for match in pattern.finditer(text):
            span = Span(match.start(), match.end())
            if any(s.start < span.end and span.start < s.end for s in taken):
                continue
            taken.append(span)
            before = text[max(0, span.start - LOOK_BACK) : span.start]
            found.append((span, actor.party, bool(_TARGET_BEFORE.search(before))))
    return sorted(found, key=lambda f: f[0].start)

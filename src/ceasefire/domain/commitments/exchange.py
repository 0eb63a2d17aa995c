"""Prisoner-exchange reconciliation: who was agreed and handed over, who was agreed and not,
who was handed over without being on a list, and which pairings a human must decide.

A wrong automatic match hides a missing person behind someone else's name, so the rules only
match on their own when the names agree after transliteration and the full dates of birth are
equal, and no other candidate comes close. Everything less certain is a doubt with its reasons,
for an analyst to confirm or reject (`exchange decide`); a decision, once recorded, is applied
before any rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from ceasefire.domain.commitments.names import BirthDate, GivenNames
from ceasefire.domain.transliteration import latin_key

REVIEW_NAME = 0.80  # below this, two entries are different people
REVIEW_DESPITE_BIRTH = 0.93  # names this close go to a human even if the dates of birth differ
AMBIGUITY_MARGIN = 0.05  # a rival this close in confidence to the best sends both to a human
PREFILTER = REVIEW_NAME  # pairs whose best possible name score is lower are not compared
_BLOCK = 1_000  # agreed entries per block of the prefilter (a block x list matrix of floats)


@dataclass(frozen=True, slots=True)
class Person:
    ref: str  # the list's id and the person's row: L3.17
    side: str  # the party that holds them and is to hand them over
    surname: str
    given: str
    patronymic: str
    birth: BirthDate | None
    source: str  # file and line, for the analyst to find the entry
    order_known: bool = True

    @property
    def written(self) -> str:
        parts = [self.surname, self.given, self.patronymic]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Comparison:
    name_score: float
    confidence: float
    reasons: tuple[str, ...]
    birth: str  # equal | partial | swapped | missing | differs
    names_agree: bool = False  # same surname and given name after transliteration, and
    # the same patronymic where both lists give one: similar is not enough to match alone

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Match:
    agreed: Person
    delivered: Person
    confidence: float
    reason: str
    by: str  # "rules", or the analyst who confirmed it


@dataclass(frozen=True, slots=True)
class Doubt:
    agreed: Person
    delivered: Person
    confidence: float
    reason: str
    why: str  # why a human must decide


@dataclass(frozen=True)
class SideReconciliation:
    side: str
    agreed: int
    delivered: int
    matched: tuple[Match, ...]
    doubts: tuple[Doubt, ...]
    not_delivered: tuple[Person, ...]  # agreed, no candidate at all among those handed over
    not_listed: tuple[Person, ...]  # handed over, no candidate on the agreed list
    duplicates: tuple[tuple[Person, Person], ...] = field(default=())


def compare(a: Person, b: Person, names: GivenNames) -> Comparison:
    """How alike two entries are, and why, in words an analyst can check."""
    options = [(a.surname, a.given, b.surname, b.given, "")]
    if not (a.order_known and b.order_known):
        options.append((a.surname, a.given, b.given, b.surname, " (name order read both ways)"))
    best: tuple[float, list[str], bool] | None = None
    for surname_a, given_a, surname_b, given_b, note in options:
        score, reasons = _names(surname_a, given_a, surname_b, given_b, names)
        if best is None or score > best[0]:
            same = (
                bool(given_a and given_b)
                and latin_key(surname_a) == latin_key(surname_b)
                and names.canonical(given_a) == names.canonical(given_b)
            )
            best = (score, [r + note if i == 0 else r for i, r in enumerate(reasons)], same)
    assert best is not None
    score, reasons, agree = best
    patronymic = _patronymic(a.patronymic, b.patronymic, names)
    if patronymic is not None:
        p_score, p_reason = patronymic
        score = 0.9 * score + 0.1 * p_score
        reasons.append(p_reason)
        agree = agree and p_score >= 0.999
    birth, factor, birth_reason = _birth(a.birth, b.birth)
    reasons.append(birth_reason)
    return Comparison(round(score, 3), round(score * factor, 3), tuple(reasons), birth, agree)


def _names(
    surname_a: str, given_a: str, surname_b: str, given_b: str, names: GivenNames
) -> tuple[float, list[str]]:
    sa, sb = latin_key(surname_a), latin_key(surname_b)
    s = JaroWinkler.normalized_similarity(sa, sb) if sa and sb else 0.0
    reasons = [f"surname {surname_a} / {surname_b}: " + _likeness(s, surname_a, surname_b)]
    if not given_a or not given_b:
        reasons.append("a given name is missing")
        return 0.8 * s, reasons
    ga, gb = names.canonical(given_a), names.canonical(given_b)
    if ga == gb:
        g = 1.0
        same_key = latin_key(given_a) == latin_key(given_b)
        how = "the same name" if same_key else "forms of one name (Ukrainian, Russian, Latin)"
        reasons.append(f"given name {given_a} / {given_b}: {how}")
    else:
        g = JaroWinkler.normalized_similarity(ga, gb)
        reasons.append(f"given name {given_a} / {given_b}: " + _likeness(g, given_a, given_b))
    return 0.6 * s + 0.4 * g, reasons


def _likeness(score: float, a: str, b: str) -> str:
    if score >= 0.999:
        return "identical" if a == b else "the same after transliteration"
    return f"similar ({score:.2f})" if score >= REVIEW_NAME else f"different ({score:.2f})"


def _patronymic(a: str, b: str, names: GivenNames) -> tuple[float, str] | None:
    if not a or not b:
        return None
    ra, rb = names.patronymic_root(a), names.patronymic_root(b)
    score = 1.0 if ra == rb else JaroWinkler.normalized_similarity(ra, rb)
    return score, f"patronymic {a} / {b}: " + ("agree" if score >= 0.999 else f"{score:.2f}")


def _birth(a: BirthDate | None, b: BirthDate | None) -> tuple[str, float, str]:
    if a is None or b is None:
        return "missing", 0.85, "a date of birth is missing"
    if a.full and b.full:
        if (a.year, a.month, a.day) == (b.year, b.month, b.day):
            return "equal", 1.0, f"born {a} on both"
        swapped_a, swapped_b = a.swapped(), b.swapped()
        if (swapped_a and str(swapped_a) == str(b)) or (swapped_b and str(swapped_b) == str(a)):
            return "swapped", 0.8, f"born {a} / {b}: day and month may be swapped"
        return "differs", 0.5, f"born {a} / {b}: dates of birth differ"
    if a.year == b.year and (a.month is None or b.month is None or a.month == b.month):
        return "partial", 0.9, f"born {a} / {b}: agree as far as both go"
    return "differs", 0.5, f"born {a} / {b}: dates of birth differ"


def reconcile(
    side: str,
    agreed: Sequence[Person],
    delivered: Sequence[Person],
    names: GivenNames,
    decisions: Mapping[tuple[str, str], tuple[bool, str]] | None = None,
) -> SideReconciliation:
    """`decisions` maps (agreed ref, delivered ref) to (same person?, analyst): a confirmed
    pair is matched before any rule runs, a rejected one is never proposed again."""
    decisions = decisions or {}
    by_ref_a = {p.ref: p for p in agreed}
    by_ref_d = {p.ref: p for p in delivered}
    matched: list[Match] = []
    taken_a: set[str] = set()
    taken_d: set[str] = set()
    for (ref_a, ref_d), (same, analyst) in decisions.items():  # in the order recorded
        if same and ref_a in by_ref_a and ref_d in by_ref_d:
            if ref_a in taken_a or ref_d in taken_d:
                continue
            a, d = by_ref_a[ref_a], by_ref_d[ref_d]
            comparison = compare(a, d, names)
            matched.append(Match(a, d, 1.0, comparison.reason, analyst))
            taken_a.add(ref_a)
            taken_d.add(ref_d)
    rejected = {pair for pair, (same, _) in decisions.items() if not same}
    free_a = [p for p in agreed if p.ref not in taken_a]
    free_d = [p for p in delivered if p.ref not in taken_d]
    candidates = [
        (a, d, c)
        for a, d, c in _candidates(free_a, free_d, names)
        if (a.ref, d.ref) not in rejected and _worth_review(c)
    ]
    doubts: list[Doubt] = []
    in_doubt: set[str] = set()
    best_a: dict[str, list[float]] = {}
    best_d: dict[str, list[float]] = {}
    for a, d, c in candidates:
        best_a.setdefault(a.ref, []).append(c.confidence)
        best_d.setdefault(d.ref, []).append(c.confidence)
    for a, d, c in sorted(candidates, key=lambda t: (-t[2].confidence, t[0].ref, t[1].ref)):
        if a.ref in taken_a or d.ref in taken_d:
            continue
        rival = _rival(best_a[a.ref], c.confidence) or _rival(best_d[d.ref], c.confidence)
        if c.names_agree and c.birth == "equal" and not rival:
            matched.append(Match(a, d, c.confidence, c.reason, "rules"))
            taken_a.add(a.ref)
            taken_d.add(d.ref)
            continue
        why = _why_doubt(c, rival)
        doubts.append(Doubt(a, d, c.confidence, c.reason, why))
        in_doubt.update((a.ref, d.ref))
    doubts = [x for x in doubts if x.agreed.ref not in taken_a and x.delivered.ref not in taken_d]
    in_doubt = {x.agreed.ref for x in doubts} | {x.delivered.ref for x in doubts}
    return SideReconciliation(
        side=side,
        agreed=len(agreed),
        delivered=len(delivered),
        matched=tuple(sorted(matched, key=lambda m: m.agreed.ref)),
        doubts=tuple(sorted(doubts, key=lambda x: (x.agreed.ref, -x.confidence))),
        not_delivered=tuple(p for p in agreed if p.ref not in taken_a and p.ref not in in_doubt),
        not_listed=tuple(p for p in delivered if p.ref not in taken_d and p.ref not in in_doubt),
        duplicates=(*_duplicates(agreed, names), *_duplicates(delivered, names)),
    )


def _rival(scores: list[float], score: float) -> bool:
    """Another candidate for the same person scores within the margin of this one."""
    return sum(1 for s in scores if s >= score - AMBIGUITY_MARGIN) > 1


def _worth_review(c: Comparison) -> bool:
    if c.name_score < REVIEW_NAME:
        return False
    return c.birth != "differs" or c.name_score >= REVIEW_DESPITE_BIRTH


def _why_doubt(c: Comparison, rival: bool) -> str:
    """Every reason the rules would not decide alone, most telling first."""
    reasons = ["another entry is as likely a match"] if rival else []
    if not c.names_agree:
        reasons.append("the names are only similar")
    birth = {
        "missing": "no date of birth on one list to confirm the names",
        "partial": "the dates of birth are incomplete",
        "swapped": "the dates of birth may be written differently",
        "differs": "the dates of birth differ",
    }.get(c.birth)
    if birth:
        reasons.append(birth)
    return "; ".join(reasons) or "below the threshold for an automatic match"


def _candidates(
    agreed: Sequence[Person], delivered: Sequence[Person], names: GivenNames
) -> Iterable[tuple[Person, Person, Comparison]]:
    """Pairs worth comparing closely. A bound on the name score, from surname and given-name
    similarity matrices computed in C a block of rows at a time, drops pairs that could not
    reach review, so lists of thousands are not compared pair by pair in Python. Where a list
    may have put the given name first, the bound covers both readings, as `compare` does."""
    if not agreed or not delivered:
        return
    as_written = [_keys(p, names, swap=False) for p in delivered]
    swapped = [_keys(p, names, swap=True) for p in delivered]
    unknown_d = np.array([not p.order_known for p in delivered])
    for start in range(0, len(agreed), _BLOCK):
        block = agreed[start : start + _BLOCK]
        keys_a = [_keys(p, names, swap=False) for p in block]
        bound = _bound(keys_a, as_written)
        # `compare` also reads the handed-over name the other way when either order is unknown.
        either = np.logical_or.outer(np.array([not p.order_known for p in block]), unknown_d)
        if either.any():
            bound = np.where(either, np.maximum(bound, _bound(keys_a, swapped)), bound)
        # compare() rounds its score to 3 places, and the bound is float32: leave room for both.
        for i, j in zip(*np.nonzero(bound >= PREFILTER - 0.001), strict=True):
            a, d = block[int(i)], delivered[int(j)]
            yield a, d, compare(a, d, names)


def _keys(person: Person, names: GivenNames, *, swap: bool) -> tuple[str, str]:
    """(surname key, canonical given name), read the other way round when `swap`."""
    surname, given = (person.given, person.surname) if swap else (person.surname, person.given)
    return latin_key(surname), names.canonical(given) if given else ""


def _bound(a: Sequence[tuple[str, str]], d: Sequence[tuple[str, str]]) -> Any:
    """An upper bound on `compare`'s name score for every pair: its surname and given-name
    weights, a missing given name counted as agreeing, and the patronymic's most."""
    jw = JaroWinkler.normalized_similarity
    surnames = process.cdist([k[0] for k in a], [k[0] for k in d], scorer=jw, dtype=np.float32)
    given = process.cdist([k[1] for k in a], [k[1] for k in d], scorer=jw, dtype=np.float32)
    missing = np.logical_or.outer(np.array([not k[1] for k in a]), np.array([not k[1] for k in d]))
    given[missing] = 1.0
    score = 0.6 * surnames + 0.4 * given
    return 0.9 * score + 0.1


def _whole(person: Person, names: GivenNames) -> str:
    given = names.canonical(person.given) if person.given else ""
    return f"{latin_key(person.surname)} {given}".strip()


def _duplicates(people: Sequence[Person], names: GivenNames) -> Iterable[tuple[Person, Person]]:
    """The same person listed twice (on the agreed lists, or among those handed over): same
    names, same birth date."""
    seen: dict[tuple[str, str, str], Person] = {}
    for person in people:
        if person.birth is None or not person.birth.full:
            continue
        key = (_whole(person, names), str(person.birth), person.side)
        if key in seen:
            yield seen[key], person
        else:
            seen[key] = person

"""Analysts' reviews and the parties' replies, as values with their rules.

A review is written once, as a ledger entry, and never changed: a later review supersedes an
earlier one in effect, never in the record, so the whole history can always be shown.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ceasefire.domain.incidents.book import incident_label, incident_number
from ceasefire.domain.incidents.vocabulary import Action as Action
from ceasefire.domain.incidents.vocabulary import Basis as Basis
from ceasefire.domain.incidents.vocabulary import Confidence as Confidence

# The reviews that set an incident's status, and the status each sets.
STATUS_OF: dict[Action, str] = {
    Action.VERIFY: "verified",
    Action.DISPUTE: "disputed",
    Action.REJECT: "rejected",
}


@dataclass(frozen=True, slots=True)
class Review:
    seq: int  # its ledger entry
    incident: int  # the incident as named when reviewed
    action: Action
    reviewer: str
    at: datetime  # its record time
    reason: str = ""
    party: str = ""  # attribute: the party held responsible; respond: the party replying
    basis: Basis | None = None
    confidence: Confidence | None = None
    other: int | None = None  # merge: the incident merged in
    reports: tuple[str, ...] = ()  # split: the reports moved out
    text: str = ""  # respond: the party's reply


def review_content(review: Review) -> dict[str, Any]:
    """What the ledger entry records (its seq and time are the entry's own)."""
    content: dict[str, Any] = {
        "incident": incident_label(review.incident),
        "action": review.action.value,
        "reviewer": review.reviewer,
        "reason": review.reason,
    }
    if review.party:
        content["party"] = review.party
    if review.basis is not None:
        content["basis"] = review.basis.value
    if review.confidence is not None:
        content["confidence"] = review.confidence.value
    if review.other is not None:
        content["other"] = incident_label(review.other)
    if review.reports:
        content["reports"] = list(review.reports)
    if review.text:
        content["text"] = review.text
    return content


def review_from_content(seq: int, at: datetime, content: Mapping[str, Any]) -> Review:
    other = content.get("other")
    return Review(
        seq=seq,
        incident=_number(content["incident"]),
        action=Action(content["action"]),
        reviewer=str(content["reviewer"]),
        at=at,
        reason=str(content.get("reason", "")),
        party=str(content.get("party", "")),
        basis=Basis(content["basis"]) if "basis" in content else None,
        confidence=Confidence(content["confidence"]) if "confidence" in content else None,
        other=None if other is None else _number(other),
        reports=tuple(content.get("reports", ())),
        text=str(content.get("text", "")),
    )


def _number(label: str) -> int:
    number = incident_number(label)
    if number is None:
        raise ValueError(f"{label!r} is not an incident id")
    return number


def review_problems(review: Review, parties: Sequence[str]) -> list[str]:
    """What is wrong with a review before it is recorded, each naming its option."""
    problems: list[str] = []
    if not review.reviewer.strip():
        problems.append("--by: who is reviewing must be named")
    if review.action in STATUS_OF and not review.reason.strip():
        problems.append(f"--reason: say why the incident is {STATUS_OF[review.action]}")
    if review.action in (Action.ATTRIBUTE, Action.RESPOND) and review.party not in parties:
        known = ", ".join(parties) or "none loaded"
        problems.append(f"--party: {review.party!r} is not a party to the agreement ({known})")
    if review.action is Action.ATTRIBUTE and (review.basis is None or review.confidence is None):
        problems.append("attribute needs --basis and --confidence")
    if review.action is Action.RESPOND and not review.text.strip():
        problems.append("--text: the party's reply is empty")
    if review.action is Action.MERGE and review.other is None:
        problems.append("merge needs the other incident's id")
    if review.action is Action.SPLIT and not review.reports:
        problems.append("split needs the ids of the reports to move out")
    return problems


def judged_after_split(
    judged: Iterable[tuple[int, str]], moved: Collection[str], rest: Collection[str]
) -> set[tuple[int, str]]:
    """Which (review, report) pairs a split undoes: a review that judged some of the moved
    reports together with some of the rest judged the incident the analyst now says they do
    not belong to, so it no longer covers the moved ones (the part split off starts its own
    history at the split). A review that judged only moved reports, before they were ever
    merged with the rest, keeps them."""
    by_review: dict[int, set[str]] = {}
    for seq, report_id in judged:
        by_review.setdefault(seq, set()).add(report_id)
    return {
        (seq, report_id)
        for seq, ids in by_review.items()
        if ids & set(rest)
        for report_id in ids & set(moved)
    }


def undo_split(judged: dict[int, set[str]], split_seq: int, moved: Collection[str]) -> None:
    """Apply `judged_after_split` to judged sets held in memory (a replay): the split's own
    set says what the rest was; only reviews that judged a moved report are looked at."""
    moved = set(moved)
    rest = judged.get(split_seq, set()) - moved
    touching = {
        (seq, report_id)
        for seq, ids in judged.items()
        if seq != split_seq and not ids.isdisjoint(moved)
        for report_id in ids
    }
    for seq, report_id in judged_after_split(touching, moved, rest):
        judged[seq].discard(report_id)

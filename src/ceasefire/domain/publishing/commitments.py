"""Commitments as a daily report lists them: what is overdue or disputed, what falls due in the
next three days, what was fulfilled in the period. States come in as the record stood at the
cut-off, so a report of a past day reads as it would have then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ceasefire.domain.commitments.status import CommitmentState, Status
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.wording import plural

DUE_SOON = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class CommitmentLine:
    commitment_id: str
    kind: str
    party: str
    what: str
    due: datetime  # local to the report's zone
    status: str
    progress: str
    why: str
    note: str  # why it is in the report


def commitment_lines(
    states: Sequence[CommitmentState], period: Period
) -> tuple[CommitmentLine, ...]:
    """The commitments worth a reader's attention in this period, most urgent first."""
    picked: list[tuple[int, CommitmentState, str]] = []
    for state in states:
        due = state.spec.due
        if state.status is Status.OVERDUE:
            picked.append((0, state, "overdue"))
        elif state.status is Status.DISPUTED:
            picked.append((1, state, "disputed"))
        elif state.status is not Status.FULFILLED and due <= period.end + DUE_SOON:
            picked.append((2, state, "due within 72 hours"))
        elif state.fulfilled_at is not None and period.holds(state.fulfilled_at):
            late = " (late)" if state.fulfilled_at > due else ""
            picked.append((3, state, f"fulfilled in this period{late}"))
    picked.sort(key=lambda item: (item[0], item[1].spec.due, item[1].spec.commitment_id))
    return tuple(_line(state, note, period) for _, state, note in picked)


def _line(state: CommitmentState, note: str, period: Period) -> CommitmentLine:
    spec = state.spec
    return CommitmentLine(
        commitment_id=spec.commitment_id,
        kind=spec.kind.value,
        party=spec.party,
        what=spec.text,
        due=period.local(spec.due),
        status=state.status.value.replace("_", " "),
        progress=state.progress,
        why=state.why,
        note=note,
    )


def commitment_sentence(lines: Sequence[CommitmentLine]) -> str:
    """One summary sentence, or none when nothing is overdue or disputed."""
    overdue = [line for line in lines if line.note == "overdue"]
    if not overdue:
        return ""
    named = ", ".join(f"{line.commitment_id} ({line.party}, {line.progress})" for line in overdue)
    verb = "is" if len(overdue) == 1 else "are"
    return f"{plural(len(overdue), 'commitment')} {verb} overdue: {named}."

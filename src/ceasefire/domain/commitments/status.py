"""A commitment's status, derived from what was recorded, never typed in.

Status is a function of the commitment, the evidence recorded up to a moment, and what the
records themselves show delivered (persons exchanged, weapons found in their holding areas).
So the same question asked of a past moment ("where did the exchange stand at the cut-off of
the 20 February report?") gets the answer the record gave then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.commitments.spec import CommitmentSpec, Verification
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.taxonomy import Category


class EvidenceKind(StrEnum):
    FULFILLED = "fulfilled"  # done; with a quantity, this much more was delivered
    PARTIAL = "partial"  # this much more was delivered
    DISPUTED = "disputed"  # someone contests the commitment's state; a human must settle it
    RESOLVED = "resolved"  # the dispute is settled; the record's own evidence stands again


class Status(StrEnum):
    PENDING = "pending"
    PARTLY_FULFILLED = "partly_fulfilled"
    FULFILLED = "fulfilled"
    OVERDUE = "overdue"
    DISPUTED = "disputed"


@dataclass(frozen=True, slots=True)
class Evidence:
    commitment_id: str
    kind: EvidenceKind
    at: datetime  # when it happened, as the evidence says
    recorded_at: datetime  # when the record learned of it
    by: str
    text: str
    quantity: int | None = None
    seq: int = 0  # its ledger entry: the order the record learned things in

    def order(self) -> tuple[datetime, int, datetime, str, int]:
        """Record order; ties (possible only in tests, never in a ledger) broken by content
        so a state never depends on the order evidence was handed over in."""
        return (self.recorded_at, self.seq, self.at, self.kind.value, self.quantity or 0)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the records show delivered towards a commitment verified from records."""

    quantity: int
    completed_at: datetime | None  # when the quantity was reached, if it was
    awaiting_review: int = 0  # delivered, but not yet matched by a human
    detail: str = ""
    target: int | None = None  # how many make it complete, when the commitment names none


@dataclass(frozen=True, slots=True)
class CommitmentState:
    spec: CommitmentSpec
    status: Status
    delivered: int
    fulfilled_at: datetime | None
    evidence: tuple[Evidence, ...]
    why: str
    awaiting_review: int = 0
    target: int | None = None  # the quantity, or what the records say makes it complete

    @property
    def met_by_deadline(self) -> bool:
        return self.fulfilled_at is not None and self.fulfilled_at <= self.spec.due

    @property
    def deadline_missed(self) -> bool:
        """The deadline passed and the commitment was not complete by then (it may have been
        completed late since); a disputed commitment is a question, not yet a miss."""
        return self.status is not Status.DISPUTED and (
            self.status is Status.OVERDUE
            or (self.fulfilled_at is not None and self.fulfilled_at > self.spec.due)
        )

    @property
    def progress(self) -> str:
        if self.target is None:
            return "done" if self.fulfilled_at else "not done"
        return f"{self.delivered} of {self.target} {self.spec.unit}".strip()


def assess(
    spec: CommitmentSpec,
    evidence: Iterable[Evidence],
    at: datetime,
    delivery: Delivery | None = None,
) -> CommitmentState:
    """The commitment's state at `at`, from evidence recorded by then (later entries are
    ignored) and, for record-verified kinds, the delivery the records showed by then."""
    known = tuple(
        sorted(
            (e for e in evidence if e.commitment_id == spec.commitment_id and e.recorded_at <= at),
            key=Evidence.order,
        )
    )
    if spec.verification is Verification.EVIDENCE:
        delivered, fulfilled_at = _from_evidence(spec, known)
        awaiting, detail, target = 0, "", spec.quantity
    else:
        found = delivery or Delivery(0, None)
        delivered, fulfilled_at = found.quantity, found.completed_at
        awaiting, detail = found.awaiting_review, found.detail
        target = spec.quantity or found.target
    dispute = _open_dispute(known)
    if dispute is not None:
        status = Status.DISPUTED
        # Who disputed it and why are in the evidence, for the roles that may read it.
        why = f"disputed since {_day(dispute.at)}"
    elif fulfilled_at is not None:
        status = Status.FULFILLED
        late = (
            f", {_late(spec.due, fulfilled_at)} after the deadline"
            if fulfilled_at > spec.due
            else ""
        )
        why = f"fulfilled on {_day(fulfilled_at)}{late}"
    elif at >= spec.due:
        status = Status.OVERDUE
        why = f"{_late(spec.due, at)} past its deadline"
    elif delivered > 0:
        status = Status.PARTLY_FULFILLED
        why = f"{_late(at, spec.due)} left"
    else:
        status = Status.PENDING
        why = f"{_late(at, spec.due)} left"
    if detail:
        why += f"; {detail}"
    return CommitmentState(spec, status, delivered, fulfilled_at, known, why, awaiting, target)


def _from_evidence(
    spec: CommitmentSpec, known: tuple[Evidence, ...]
) -> tuple[int, datetime | None]:
    """Quantities add up in the order things happened, and it was fulfilled when they reached
    the quantity; a `fulfilled` entry without a quantity says the rest was delivered then."""
    delivered = 0
    fulfilled_at: datetime | None = None
    for item in sorted(known, key=lambda e: (e.at, *e.order())):
        if item.kind in (EvidenceKind.DISPUTED, EvidenceKind.RESOLVED):
            continue
        if item.kind is EvidenceKind.FULFILLED and item.quantity is None:
            delivered = max(delivered, spec.quantity or 0)
        else:
            delivered += item.quantity or 0
        complete = (
            item.kind is EvidenceKind.FULFILLED
            if spec.quantity is None
            else delivered >= spec.quantity
        )
        if complete and fulfilled_at is None:
            fulfilled_at = item.at
    return delivered, fulfilled_at


def _open_dispute(known: tuple[Evidence, ...]) -> Evidence | None:
    """The latest entry is a dispute: nothing recorded since answers it."""
    return known[-1] if known and known[-1].kind is EvidenceKind.DISPUTED else None


def _day(moment: datetime) -> str:
    return utc_iso(moment)[:16].replace("T", " ") + " UTC"


def _late(due: datetime, later: datetime) -> str:
    hours = (later - due).total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def missed_deadline(state: CommitmentState, known_from: datetime) -> Violation | None:
    """A missed deadline as an input the plan can count: the obligated party's, at the
    deadline, learned by the record at the deadline (or when the commitment itself was first
    recorded, if that came later)."""
    if not state.deadline_missed:
        return None
    spec = state.spec
    return Violation(
        violation_id=f"commitment:{spec.commitment_id}",
        party=spec.party,
        observed_at=spec.due,
        known_at=max(spec.due, known_from),
        severity=spec.severity,
        category=Category.MISSED_COMMITMENT,
        status="verified",
        commitment_kind=spec.kind.value,
    )

"""Commitments as the record knows them: their state at a moment, evidence, missed deadlines.

The states of record-verified commitments come from the exchange and weapons services; this
module puts them together and is the one place the rest of the system (the engine, reports,
the API) asks about commitments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.commitments.spec import CommitmentSpec, Verification
from ceasefire.domain.commitments.status import (
    CommitmentState,
    Delivery,
    Evidence,
    EvidenceKind,
    Status,
    assess,
    missed_deadline,
)
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.services.exchange import exchange_delivery
from ceasefire.services.weapons import holding_area_delivery
from ceasefire.store.agreement_store import (
    AgreementChoiceError,
    agreement_version_at,
    commitments_first_recorded,
    named_or_only,
)
from ceasefire.store.commitment_store import EVIDENCE, Record, append_record, records


class CommitmentError(ValueError):
    """A request about commitments that cannot be met; the message names what is wrong."""


def commitment_agreement(connection: Connection, name: str | None) -> LoadedAgreement:
    """The agreement whose commitments are meant: named, or the record's default one."""
    try:
        agreement = named_or_only(connection, name)
    except AgreementChoiceError as exc:
        raise CommitmentError(str(exc)) from None
    if agreement is None:
        raise CommitmentError("the record holds no agreement: `ceasefire agreement load` one")
    return agreement


def find_commitment(agreement: LoadedAgreement, commitment_id: str) -> CommitmentSpec:
    spec = agreement.spec.commitment(commitment_id)
    if spec is None:
        known = ", ".join(c.commitment_id for c in agreement.spec.commitments) or "none"
        raise CommitmentError(
            f"no commitment {commitment_id!r} in agreement {agreement.name} (it has: {known})"
        )
    return spec


def evidence_from(record: Record) -> Evidence:
    c = record.content
    return Evidence(
        commitment_id=c["commitment"],
        kind=EvidenceKind(c["kind"]),
        at=datetime.fromisoformat(c["at"]),
        recorded_at=record.recorded_at,
        by=c["by"],
        text=c["text"],
        quantity=c.get("quantity"),
        seq=record.ledger_seq,
    )


def commitment_states(
    connection: Connection,
    agreement: LoadedAgreement,
    at: datetime,
    *,
    only: str | None = None,
) -> list[CommitmentState]:
    """Every commitment of the agreement (or `only` the one with that id) as the record
    stood at `at`: the terms of the version loaded by then, and the evidence recorded by
    then. Record-verified commitments reconcile lists or inspections, so ask for one when
    one is all that is needed."""
    terms = agreement_version_at(connection, agreement.name, at)
    if terms is None:
        return []
    evidence = [
        evidence_from(r)
        for r in records(connection, EVIDENCE, until=at)
        if r.content["agreement"] == agreement.name
    ]
    return [
        assess(spec, evidence, at, _delivery(connection, terms, spec, at))
        for spec in terms.spec.commitments
        if only is None or spec.commitment_id == only
    ]


def _delivery(
    connection: Connection, agreement: LoadedAgreement, spec: CommitmentSpec, at: datetime
) -> Delivery | None:
    if spec.verification is Verification.EXCHANGE:
        return exchange_delivery(connection, agreement, spec, at)
    if spec.verification is Verification.HOLDING_AREAS:
        return holding_area_delivery(connection, agreement.name, spec, at)
    return None


def missed_commitments(
    connection: Connection,
    agreement: LoadedAgreement,
    at: datetime,
    states: Sequence[CommitmentState] | None = None,
) -> list[Violation]:
    """Missed deadlines as the engine's inputs: each known from its deadline, or from when
    the agreement that holds the commitment was loaded, whichever is later. `states`: the
    commitments at `at`, when the caller has them already."""
    first = commitments_first_recorded(connection, agreement.name)
    if states is None:
        states = commitment_states(connection, agreement, at)
    found = (
        missed_deadline(state, first.get(state.spec.commitment_id, state.spec.due))
        for state in states
    )
    return [v for v in found if v is not None]


def record_evidence(
    connection: Connection,
    agreement: LoadedAgreement,
    commitment_id: str,
    kind: EvidenceKind,
    *,
    text: str,
    by: str,
    at: datetime,
    quantity: int | None,
    clock: Callable[[], datetime],
) -> Record:
    """Evidence about a commitment, checked against what the commitment can take now."""
    spec = find_commitment(agreement, commitment_id)
    now = clock()
    if at > now:
        raise CommitmentError(f"--at: {utc_iso(at)} is in the future")
    current = commitment_states(connection, agreement, now, only=commitment_id)
    state = current[0] if current else assess(spec, [], now)
    problem = evidence_problem(state, kind, quantity, text, by)
    if problem:
        raise CommitmentError(problem)
    content: dict[str, Any] = {
        "agreement": agreement.name,
        "commitment": spec.commitment_id,
        "kind": kind.value,
        "at": utc_iso(at),
        "by": by,
        "text": text,
    }
    if quantity is not None:
        content["quantity"] = quantity
    return append_record(connection, clock, EVIDENCE, spec.commitment_id, content)


def evidence_problem(
    state: CommitmentState, kind: EvidenceKind, quantity: int | None, text: str, by: str
) -> str | None:
    """What is wrong with recording this evidence against the commitment as it stands."""
    spec = state.spec
    if not text.strip():
        return "--evidence: say what shows it (a document, a visit, a notification)"
    if not by.strip():
        return "--by: name who records this"
    if kind in (EvidenceKind.DISPUTED, EvidenceKind.RESOLVED) and quantity is not None:
        return f"--quantity: a {kind.value} entry carries no quantity"
    if kind is EvidenceKind.RESOLVED:
        return None if state.status is Status.DISPUTED else f"{spec.commitment_id} is not disputed"
    if kind is EvidenceKind.DISPUTED:
        return None
    if spec.verification is not Verification.EVIDENCE:
        source = {
            Verification.EXCHANGE: "`exchange record` and `exchange decide`",
            Verification.HOLDING_AREAS: "`weapons declare` and `weapons inspect`",
        }[spec.verification]
        return (
            f"{spec.commitment_id} is verified from the record ({source}); "
            "its fulfilment cannot be typed in, only disputed and resolved"
        )
    return _quantity_problem(state, kind, quantity)


def _quantity_problem(
    state: CommitmentState, kind: EvidenceKind, quantity: int | None
) -> str | None:
    spec = state.spec
    if quantity is not None and spec.quantity is None:
        return f"--quantity: {spec.commitment_id} is a single act, with no quantity"
    if kind is EvidenceKind.PARTIAL and quantity is None:
        return "--quantity: say how much more was delivered"
    if quantity is not None and quantity <= 0:
        return f"--quantity: must be at least 1, not {quantity}"
    if spec.quantity is None or quantity is None:
        return None
    remaining = spec.quantity - state.delivered
    if quantity > remaining:
        return f"--quantity: {quantity} is more than the {remaining} {spec.unit} still due".replace(
            "  ", " "
        )
    if kind is EvidenceKind.FULFILLED and quantity < remaining:
        return (
            f"--quantity: {quantity} leaves {remaining - quantity} still due; "
            "record it with `commitments partial`"
        )
    return None


def commitment_row(
    state: CommitmentState, *, recorders: bool, evidence: bool = True
) -> dict[str, Any]:
    """A commitment's state as the command line's JSON and the API give it: the evidence
    (free text, which may say more than a public summary should) only when `evidence`, and
    who recorded each piece only when `recorders` (an analyst's view)."""
    spec = state.spec
    return {
        "id": spec.commitment_id,
        "kind": spec.kind.value,
        "party": spec.party,
        "what": spec.text,
        "due": utc_iso(spec.due),
        "quantity": spec.quantity,
        "status": state.status.value,
        "progress": state.progress,
        "delivered": state.delivered,
        "awaiting_review": state.awaiting_review,
        "why": state.why,
        "evidence": [
            {"kind": e.kind.value, "at": utc_iso(e.at), "text": e.text, "quantity": e.quantity}
            | ({"by": e.by} if recorders else {})
            for e in (state.evidence if evidence else ())
        ],
    }

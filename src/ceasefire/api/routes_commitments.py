"""Commitments, evidence, and exchange reconciliation: names only ever leave for analysts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from ceasefire.api.params import Page, page_params, parse_time
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.commitments.status import EvidenceKind, Status
from ceasefire.services.commitments import (
    CommitmentError,
    commitment_agreement,
    commitment_row,
    commitment_states,
    record_evidence,
)
from ceasefire.services.exchange import ExchangeError, decide, disclosed, reconciliations
from ceasefire.store.db import reading, writing

router = APIRouter(tags=["commitments"])
# Most urgent first, so the first page is what needs attention.
URGENCY = {
    Status.OVERDUE: 0,
    Status.DISPUTED: 1,
    Status.PARTLY_FULFILLED: 2,
    Status.PENDING: 3,
    Status.FULFILLED: 4,
}
AgreementQuery = Annotated[
    str | None, Query(description="The agreement (default: the agreement in use).")
]
AtQuery = Annotated[str | None, Query(description="As the record stood then (default: now).")]


def _at(request: Request, at: str | None) -> datetime:
    state = request.app.state
    moment = parse_time("at", at, state.zone, end=False)
    return moment or state.clock()


@router.get(
    "/commitments",
    summary="Every commitment: what, who, due, status and evidence",
    **needs(Permission.COMMITMENTS_READ),
)
def list_commitments(
    request: Request, agreement: AgreementQuery = None, at: AtQuery = None, page: Page = page_params
) -> dict[str, Any]:
    moment = _at(request, at)
    principal = principal_of(request)
    try:
        with reading(request.app.state.engine) as connection:
            found = commitment_states(
                connection, commitment_agreement(connection, agreement), moment
            )
    except CommitmentError as exc:
        raise HTTPException(422, str(exc)) from None
    urgent_first = sorted(found, key=lambda s: (URGENCY[s.status], s.spec.due))
    items = [
        commitment_row(
            s,
            recorders=principal.role is Role.ANALYST,
            evidence=principal.role is not Role.OBSERVER,
        )
        for s in urgent_first
    ]
    return {"at": utc_iso(moment), "total": len(items), **page.echo(), "items": page.cut(items)}


class EvidenceIn(BaseModel):
    kind: Literal["fulfilled", "partial", "disputed", "resolved"]
    text: str = Field(min_length=1, max_length=4000, description="What shows it.")
    at: datetime | None = Field(None, description="When it happened (default: now).")
    quantity: int | None = Field(None, ge=1, description="How much more this delivered.")


@router.post(
    "/commitments/{commitment}/evidence",
    status_code=201,
    summary="Record evidence about a commitment",
    **needs(Permission.COMMITMENTS_RECORD),
)
def add_evidence(
    request: Request, commitment: str, body: EvidenceIn, agreement: AgreementQuery = None
) -> dict[str, Any]:
    state = request.app.state
    if body.at is not None and body.at.tzinfo is None:
        raise HTTPException(422, "at: give the time with its UTC offset")
    try:
        with writing(state.engine) as connection:
            found = commitment_agreement(connection, agreement)
            if found.spec.commitment(commitment) is None:
                raise HTTPException(404, f"no commitment {commitment!r} in {found.name}")
            record = record_evidence(
                connection,
                found,
                commitment,
                EvidenceKind(body.kind),
                text=body.text,
                by=principal_of(request).name,
                at=body.at or state.clock(),
                quantity=body.quantity,
                clock=state.clock,
            )
    except CommitmentError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"id": record.record_id, "ledger_seq": record.ledger_seq}


@router.get(
    "/exchange/reconciliation",
    summary="Exchange reconciliation: names for analysts, counts for guarantors and liaisons",
    **needs(Permission.EXCHANGE_READ),
)
def reconciliation(
    request: Request, agreement: AgreementQuery = None, at: AtQuery = None
) -> dict[str, Any]:
    moment = _at(request, at)
    personal = principal_of(request).role is Role.ANALYST
    try:
        with reading(request.app.state.engine) as connection:
            found = reconciliations(connection, commitment_agreement(connection, agreement), moment)
    except CommitmentError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"at": utc_iso(moment), "sides": [disclosed(r, personal=personal) for r in found]}


class DecisionIn(BaseModel):
    agreed: str = Field(description="The person on the agreed list, like L1.7.")
    handed_over: str = Field(description="The person handed over, like L3.2.")
    same: bool = Field(description="Whether they are the same person.")
    reason: str = Field(min_length=1, max_length=4000, description="What settled it.")


@router.post(
    "/exchange/decisions",
    status_code=201,
    summary="An analyst's decision on a doubtful match",
    **needs(Permission.COMMITMENTS_RECORD),
)
def add_decision(
    request: Request, body: DecisionIn, agreement: AgreementQuery = None
) -> dict[str, Any]:
    state = request.app.state
    try:
        with writing(state.engine) as connection:
            record = decide(
                connection,
                commitment_agreement(connection, agreement),
                body.agreed,
                body.handed_over,
                same=body.same,
                by=principal_of(request).name,
                reason=body.reason,
                clock=state.clock,
            )
    except (CommitmentError, ExchangeError) as exc:
        raise HTTPException(422, str(exc)) from None
    return {"id": record.record_id, "ledger_seq": record.ledger_seq}

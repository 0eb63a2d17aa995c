"""The record as a transparency log over HTTP: the latest signed checkpoint (with its
witnesses' cosignatures), consistency proofs for witnesses, receipts for reports, and the
door by which the parties' witnesses hand in their cosignatures."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from ceasefire.api.security import needs
from ceasefire.domain.access import Permission
from ceasefire.services.transparency import NotYetSigned, adopted_keys, entries_bundle, report_seq
from ceasefire.services.witnesses import (
    WitnessError,
    accept_cosignature,
    cosignatures_of,
    quorum,
    with_cosignatures,
    witnesses,
)
from ceasefire.store.db import reading, writing
from ceasefire.store.transparency_store import StoredTree, latest_checkpoint

router = APIRouter(tags=["log"])

# How soon a receipt asked for too early is worth asking again: the running clock signs a
# checkpoint at most this long after the log grows.
RECEIPT_RETRY_SECONDS = 5


@router.get(
    "/log/checkpoint",
    summary="The latest signed checkpoint, with its witnesses' cosignatures (a C2SP note)",
    response_class=PlainTextResponse,
    **needs(Permission.LOG_READ),
)
def get_checkpoint(request: Request) -> PlainTextResponse:
    with reading(request.app.state.engine) as connection:
        latest = latest_checkpoint(connection)
        if latest is None:
            raise HTTPException(404, "no checkpoint is signed yet")
        note = with_cosignatures(latest, cosignatures_of(connection, latest.size))
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


@router.get(
    "/log/status",
    summary="The log: its key, its latest checkpoint, who cosigned it, the witnesses",
    **needs(Permission.LOG_READ),
)
def get_status(request: Request) -> dict[str, Any]:
    with reading(request.app.state.engine) as connection:
        keys = adopted_keys(connection)
        latest = latest_checkpoint(connection)
        cosigned = cosignatures_of(connection, latest.size) if latest else []
        needed = quorum(connection)
        known = witnesses(connection)
    checkpoint = None
    if latest is not None:
        checkpoint = {
            "size": latest.size,
            "root_hash": latest.root_hash,
            "signed_at": latest.signed_at.isoformat(),
            "cosigned_by": [
                {"witness": c.witness, "party": c.party, "signed_time": c.signed_time}
                for c in cosigned
            ],
            "witnessed": len(cosigned) >= needed,
        }
    return {
        "origin": keys[-1].origin if keys else None,
        "log_key": keys[-1].vkey if keys else None,
        "quorum": needed,
        "checkpoint": checkpoint,
        "witnesses": [
            {"name": w.name, "party": w.party, "vkey": w.vkey, "added_at": w.added_at.isoformat()}
            for w in known
        ],
    }


@router.get(
    "/log/consistency",
    summary="A consistency proof between two sizes of the log (RFC 9162 2.1.4)",
    **needs(Permission.LOG_READ),
)
def get_consistency(
    request: Request,
    first: Annotated[int, Query(ge=1, description="The smaller tree size.")],
    second: Annotated[
        int | None, Query(ge=1, description="The larger (default: the latest checkpoint's).")
    ] = None,
) -> dict[str, Any]:
    with reading(request.app.state.engine) as connection:
        latest = latest_checkpoint(connection)
        if latest is None:
            raise HTTPException(404, "no checkpoint is signed yet")
        upper = latest.size if second is None else second
        if upper > latest.size:
            raise HTTPException(
                422, f"second: the latest signed checkpoint has {latest.size:,} entries"
            )
        if first > upper:
            raise HTTPException(422, f"first: {first:,} is more than second ({upper:,})")
        proof = StoredTree(connection).consistency(first, upper)
    return {
        "first": first,
        "second": upper,
        "proof": [base64.b64encode(p).decode() for p in proof],
    }


@router.get(
    "/log/receipts/{report_id}",
    summary="A report's receipt: its log entry with an inclusion proof and the checkpoint",
    **needs(Permission.REPORTS_READ),
)
def get_receipt(request: Request, report_id: str) -> dict[str, Any]:
    """Check it offline with `ceasefire log check-bundle FILE --key LOGKEY`. 202 with
    Retry-After while no signed checkpoint covers the report yet."""
    with reading(request.app.state.engine) as connection:
        seq = report_seq(connection, report_id)
        if seq is None:
            raise HTTPException(404, f"no report {report_id!r} in the record")
        try:
            return entries_bundle(connection, [seq], about=f"receipt: {report_id}")
        except NotYetSigned as exc:
            raise HTTPException(
                202, str(exc), headers={"Retry-After": str(RECEIPT_RETRY_SECONDS)}
            ) from None


class CosignatureIn(BaseModel):
    size: int = Field(ge=1, description="The size of the checkpoint cosigned.")
    cosignature: str = Field(
        max_length=400, description="The witness's signature line (C2SP tlog-cosignature)."
    )


@router.post(
    "/log/cosignatures",
    status_code=201,
    summary="A witness's cosignature of a checkpoint (verified against its registered key)",
    **needs(Permission.LOG_COSIGN),
)
def post_cosignature(request: Request, body: CosignatureIn) -> dict[str, Any]:
    state = request.app.state
    with writing(state.engine) as connection:
        try:
            cosigned, new = accept_cosignature(
                connection, body.size, body.cosignature, state.clock()
            )
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        except WitnessError as exc:
            raise HTTPException(422, str(exc)) from None
        count = len(cosignatures_of(connection, body.size))
        needed = quorum(connection)
    return {
        "witness": cosigned.witness,
        "size": body.size,
        "new": new,
        "cosignatures": count,
        "quorum": needed,
        "witnessed": count >= needed,
    }

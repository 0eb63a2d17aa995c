"""`ceasefire commitments`, `exchange` and `weapons`: the agreement's dated promises."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from ceasefire.cli.context import AppState, fail, out, styled, time_zone
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ceasefire.domain.commitments.status import CommitmentState, EvidenceKind
    from ceasefire.domain.geo.loaded_agreement import LoadedAgreement

commitments_app = typer.Typer(
    help="The agreement's commitments: what, who, due, status, evidence.", no_args_is_help=True
)
exchange_app = typer.Typer(help="Prisoner exchanges reconciled name by name.", no_args_is_help=True)
lists_app = typer.Typer(help="The agreed lists of persons to exchange.", no_args_is_help=True)
exchange_app.add_typer(lists_app, name="lists")
weapons_app = typer.Typer(
    help="Declared holding-area inventories and monitors' inspections.", no_args_is_help=True
)

AgreementOption = Annotated[
    str | None, typer.Option(help="The agreement (default: the agreement in use).")
]
ByOption = Annotated[
    str, typer.Option("--by", help="Who records this (default: $USER).", show_default=False)
]
TzOption = Annotated[str, typer.Option("--tz", help="Zone for times given without an offset.")]
T = TypeVar("T")


def _by(value: str) -> str:
    return value or os.environ.get("USER", "") or "unknown"


def _run(
    state: AppState,
    work: Callable[[Connection, LoadedAgreement], T],
    agreement: str | None,
    *,
    write: bool,
) -> T:
    """Run `work` in one transaction with the agreement; errors end the command cleanly and
    leave nothing half-written."""
    from ceasefire.services.commitments import CommitmentError, commitment_agreement
    from ceasefire.services.exchange import ExchangeError
    from ceasefire.services.weapons import WeaponsError
    from ceasefire.store.db import reading, writing

    engine = state.engine()
    try:
        with (writing if write else reading)(engine) as connection:
            return work(connection, commitment_agreement(connection, agreement))
    except (CommitmentError, ExchangeError, WeaponsError) as exc:
        raise fail(str(exc)) from None


def _table_rows(
    path: Path, columns: dict[str, tuple[str, ...]], required: list[str]
) -> list[tuple[str, dict[str, str]]]:
    from ceasefire.ingest.records import FileProblem
    from ceasefire.ingest.tables import read_table

    if not path.is_file():
        raise fail(f"{path}: no such file")
    try:
        return read_table(path, columns, required)
    except FileProblem as exc:
        raise fail(str(exc)) from None


def _moment(option: str, text: str | None, tz: str) -> datetime:
    from ceasefire.cli.reports_cmd import parse_time

    return parse_time(option, text, time_zone(tz), end=False) or utc_now()


# commitments ---------------------------------------------------------------------------------


@commitments_app.command("list")
def list_cmd(
    ctx: typer.Context,
    agreement: AgreementOption = None,
    at: Annotated[str | None, typer.Option(help="As the record stood then (default: now).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table|json|csv")] = "table",
    tz: TzOption = "UTC",
) -> None:
    """Every commitment in the agreement: what, who, due, status and the evidence behind it."""
    from ceasefire.services.commitments import commitment_row, commitment_states

    moment = _moment("--at", at, tz)
    if output_format not in ("table", "json", "csv"):
        raise fail(f"--format: {output_format!r} is not one of table, json, csv")
    name, found = _run(
        ctx.obj, lambda c, a: (a.name, commitment_states(c, a, moment)), agreement, write=False
    )
    if not found:
        out.print(
            f"{name} lists no commitments, or the record did not hold it yet at "
            f"{_minute(moment)} UTC (see `ceasefire agreement list`)"
        )
        return
    rows = [commitment_row(s, recorders=True) for s in found]
    if output_format == "json":
        out.print(json.dumps(rows, indent=1, ensure_ascii=False))
    elif output_format == "csv":
        out.print(_csv(rows), end="")
    else:
        _print_states(found, moment)


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    columns = [k for k in rows[0] if k != "evidence"] if rows else ["id"]
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _print_states(states: list[CommitmentState], moment: datetime) -> None:
    """One block per commitment: a table would squeeze the explanation into a sliver."""
    from ceasefire.domain.commitments.status import Status

    status_style = {
        Status.PENDING: "",
        Status.PARTLY_FULFILLED: "yellow",
        Status.FULFILLED: "green",
        Status.OVERDUE: "bold red",
        Status.DISPUTED: "magenta",
    }
    out.print(f"{len(states)} commitments as the record stood at {_minute(moment)} UTC")
    for state in states:
        spec = state.spec
        out.print(
            Text.assemble(
                (spec.commitment_id, "bold"),
                f" ({spec.kind.value}, {spec.party}) due {_minute(spec.due)} UTC: ",
                (state.status.value.replace("_", " "), status_style[state.status]),
                f", {state.progress}",
            )
        )
        if spec.text:
            out.print(f"  {spec.text}")
        out.print(f"  {state.why}")
        for item in state.evidence:
            amount = f" ({item.quantity})" if item.quantity is not None else ""
            out.print(f"  - {item.kind.value}{amount} {_minute(item.at)} by {item.by}: {item.text}")


def _minute(moment: datetime) -> str:
    from ceasefire.domain.canonical import utc_iso

    return utc_iso(moment)[:16].replace("T", " ")


def _evidence(
    ctx: typer.Context,
    commitment_id: str,
    kind: EvidenceKind,
    text: str,
    by: str,
    at: str | None,
    quantity: int | None,
    agreement: str | None,
    tz: str,
) -> None:
    from ceasefire.services.commitments import record_evidence

    moment = _moment("--at", at, tz)
    record = _run(
        ctx.obj,
        lambda c, a: record_evidence(
            c,
            a,
            commitment_id,
            kind,
            text=text,
            by=_by(by),
            at=moment,
            quantity=quantity,
            clock=utc_now,
        ),
        agreement,
        write=True,
    )
    out.print(
        f"{record.record_id}: {commitment_id} {kind.value} recorded "
        f"(ledger entry {record.ledger_seq})"
    )


EvidenceOption = Annotated[
    str, typer.Option("--evidence", help="What shows it: a document, a visit, a notification.")
]
AtOption = Annotated[str | None, typer.Option(help="When it happened (default: now).")]


@commitments_app.command("fulfil")
def fulfil_cmd(
    ctx: typer.Context,
    commitment_id: Annotated[str, typer.Argument(help="The commitment's id.")],
    evidence: EvidenceOption,
    quantity: Annotated[
        int | None, typer.Option(help="How much more this delivered (default: the rest).")
    ] = None,
    at: AtOption = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record that a commitment was fulfilled. A ledger entry, like everything else."""
    from ceasefire.domain.commitments.status import EvidenceKind

    _evidence(ctx, commitment_id, EvidenceKind.FULFILLED, evidence, by, at, quantity, agreement, tz)


@commitments_app.command("partial")
def partial_cmd(
    ctx: typer.Context,
    commitment_id: Annotated[str, typer.Argument(help="The commitment's id.")],
    quantity: Annotated[int, typer.Option(help="How much more was delivered.")],
    evidence: EvidenceOption,
    at: AtOption = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record part of a commitment delivered, with the quantity."""
    from ceasefire.domain.commitments.status import EvidenceKind

    _evidence(ctx, commitment_id, EvidenceKind.PARTIAL, evidence, by, at, quantity, agreement, tz)


@commitments_app.command("dispute")
def dispute_cmd(
    ctx: typer.Context,
    commitment_id: Annotated[str, typer.Argument(help="The commitment's id.")],
    reason: Annotated[str, typer.Option("--reason", help="What is contested and by whom.")],
    at: AtOption = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record that a commitment's state is contested: it shows as disputed, and a missed
    deadline is not counted, until `commitments resolve` (or, for evidence-verified
    commitments, new evidence) settles it."""
    from ceasefire.domain.commitments.status import EvidenceKind

    _evidence(ctx, commitment_id, EvidenceKind.DISPUTED, reason, by, at, None, agreement, tz)


@commitments_app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    commitment_id: Annotated[str, typer.Argument(help="The commitment's id.")],
    evidence: EvidenceOption,
    at: AtOption = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record that a dispute is settled: the commitment's status comes from its evidence (or
    the exchange and weapons records) again, a missed deadline included."""
    from ceasefire.domain.commitments.status import EvidenceKind

    _evidence(ctx, commitment_id, EvidenceKind.RESOLVED, evidence, by, at, None, agreement, tz)


# exchange ------------------------------------------------------------------------------------


@lists_app.command("import")
def lists_import_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="CSV: name or surname/given_name/patronymic, date_of_birth.")
    ],
    side: Annotated[
        str, typer.Option("--side", help="The party that is to hand these persons over.")
    ],
    replaces: Annotated[
        str | None, typer.Option(help="An earlier agreed list this one amends, like L1.")
    ] = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
) -> None:
    """Import the agreed list of persons one side is to hand over. The names are kept for
    analysts only; the record holds a salted digest of the list."""
    from ceasefire.domain.commitments.rows import PERSON_COLUMNS
    from ceasefire.services.exchange import import_agreed

    rows = _table_rows(path, PERSON_COLUMNS, [])
    record = _run(
        ctx.obj,
        lambda c, a: import_agreed(
            c, a, side, rows, path.name, by=_by(by), clock=utc_now, replaces=replaces
        ),
        agreement,
        write=True,
    )
    out.print(
        f"{record.record_id}: {record.content['count']} persons {side} is to hand over "
        f"({path.name})"
    )


@exchange_app.command("record")
def record_cmd(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="When the exchange took place.")],
    side: Annotated[
        str,
        typer.Option(
            "--side",
            help="Whose record this is: it handed over --handed-over and received --received.",
        ),
    ],
    handed_over: Annotated[
        Path | None, typer.Option("--handed-over", help="CSV of persons --side handed over.")
    ] = None,
    received: Annotated[
        Path | None, typer.Option("--received", help="CSV of persons --side received.")
    ] = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record an exchange: both lists in one transaction, or neither."""
    from ceasefire.domain.commitments.rows import PERSON_COLUMNS
    from ceasefire.services.exchange import record_exchange

    moment = _moment("--date", date, tz)
    given = {
        name: (_table_rows(path, PERSON_COLUMNS, []), path.name)
        for name, path in (("handed", handed_over), ("received", received))
        if path is not None
    }
    stored = _run(
        ctx.obj,
        lambda c, a: record_exchange(
            c,
            a,
            side,
            moment,
            handed_over=given.get("handed"),
            received=given.get("received"),
            by=_by(by),
            clock=utc_now,
        ),
        agreement,
        write=True,
    )
    for record in stored:
        c = record.content
        out.print(
            f"{record.record_id}: {c['count']} persons handed over by {c['side']} ({c['file']})"
        )


Roles = ("analyst", "guarantor", "liaison")


@exchange_app.command("reconcile")
def reconcile_cmd(
    ctx: typer.Context,
    output_format: Annotated[str, typer.Option("--format", help="table|csv|json")] = "table",
    role: Annotated[
        str, typer.Option("--as", help="analyst (names) | guarantor | liaison (counts only)")
    ] = "analyst",
    at: Annotated[str | None, typer.Option(help="As the record stood then (default: now).")] = None,
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Who was agreed and handed over, agreed but not handed over, handed over but on no
    list, and the likely matches an analyst must decide (`exchange decide`)."""
    from ceasefire.services.exchange import disclosed, reconciliations

    if role not in Roles:
        raise fail(f"--as: {role!r} is not one of {', '.join(Roles)}")
    if output_format not in ("table", "csv", "json"):
        raise fail(f"--format: {output_format!r} is not one of table, csv, json")
    moment = _moment("--at", at, tz)
    found = _run(ctx.obj, lambda c, a: reconciliations(c, a, moment), agreement, write=False)
    views = [disclosed(r, personal=role == "analyst") for r in found]
    if not views:
        out.print("no exchange lists in the record yet: `exchange lists import` the agreed lists")
        return
    if output_format == "json":
        out.print(json.dumps(views, indent=1, ensure_ascii=False))
    elif output_format == "csv":
        out.print(_reconciliation_csv(views, personal=role == "analyst"), end="")
    else:
        for view in views:
            _print_reconciliation(view, personal=role == "analyst")


def _reconciliation_csv(views: list[dict[str, Any]], *, personal: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not personal:
        columns = list(views[0])
        writer.writerow(columns)
        writer.writerows([[v[c] for c in columns] for v in views])
        return buffer.getvalue()
    writer.writerow(
        [
            "side",
            "outcome",
            "agreed_ref",
            "agreed_name",
            "agreed_born",
            "handed_over_ref",
            "handed_over_name",
            "handed_over_born",
            "confidence",
            "by",
            "reason",
        ]
    )
    for v in views:
        for m in v["matches"]:
            writer.writerow(
                [
                    v["side"],
                    "matched",
                    *_p(m["agreed"]),
                    *_p(m["handed_over"]),
                    m["confidence"],
                    m["by"],
                    m["reason"],
                ]
            )
        for d in v["review"]:
            writer.writerow(
                [
                    v["side"],
                    "review",
                    *_p(d["agreed"]),
                    *_p(d["handed_over"]),
                    d["confidence"],
                    "",
                    f"{d['why']}: {d['reason']}",
                ]
            )
        for p in v["not_handed_over"]:
            writer.writerow([v["side"], "agreed_not_handed_over", *_p(p), "", "", "", "", "", ""])
        for p in v["not_listed"]:
            writer.writerow([v["side"], "handed_over_not_listed", "", "", "", *_p(p), "", "", ""])
    return buffer.getvalue()


def _p(person: dict[str, Any]) -> list[str]:
    return [person["ref"], person["name"], person["born"] or ""]


def _print_reconciliation(view: dict[str, Any], *, personal: bool) -> None:
    out.print(
        styled("bold", f"Persons {view['side']} is to hand over: "),
        f"{view['agreed']} agreed, {view['handed_over']} handed over; {view['matched']} matched "
        f"({view['matched_by_analyst']} by an analyst), {view['awaiting_review']} awaiting review, "
        f"{view['agreed_not_handed_over']} agreed but not handed over, "
        f"{view['handed_over_not_listed']} handed over but on no list",
    )
    if not personal:
        return
    for d in view["review"]:
        out.print(styled("bold yellow", "needs an analyst: ", d["why"]))
        out.print(f"  agreed       {_cell(d['agreed'])}")
        out.print(f"  handed over  {_cell(d['handed_over'])}")
        out.print(f"  confidence {d['confidence']:.2f}: {d['reason']}")
        ref_a, ref_d = d["agreed"]["ref"], d["handed_over"]["ref"]
        out.print(
            f"  decide: ceasefire exchange decide {ref_a} {ref_d} same|different --reason ..."
        )
    for title, people in (
        ("Agreed, not handed over", view["not_handed_over"]),
        ("Handed over, on no list", view["not_listed"]),
    ):
        if people:
            out.print(styled("bold", f"{title}: "), "; ".join(_cell(p) for p in people))
    if view["matches"]:
        table = Table(title=f"Matched ({len(view['matches'])})", title_justify="left")
        for column in ("agreed", "handed over", "conf.", "by"):
            table.add_column(column)
        for m in view["matches"]:
            table.add_row(
                _cell(m["agreed"]), _cell(m["handed_over"]), f"{m['confidence']:.2f}", m["by"]
            )
        out.print(table)


def _cell(person: dict[str, Any]) -> str:
    born = f", b. {person['born']}" if person["born"] else ""
    return f"{person['ref']} {person['name']}{born} ({person['source']})"


@exchange_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    agreed: Annotated[str, typer.Argument(help="The person on the agreed list, like L1.7.")],
    handed_over: Annotated[str, typer.Argument(help="The person handed over, like L3.2.")],
    verdict: Annotated[str, typer.Argument(help="same | different")],
    reason: Annotated[str, typer.Option("--reason", help="What settled it.")],
    by: ByOption = "",
    agreement: AgreementOption = None,
) -> None:
    """An analyst's decision on a doubtful match; it overrides the rules from now on."""
    from ceasefire.services.exchange import decide

    if verdict not in ("same", "different"):
        raise fail(f"VERDICT: {verdict!r}: say same or different")
    record = _run(
        ctx.obj,
        lambda c, a: decide(
            c,
            a,
            agreed,
            handed_over,
            same=verdict == "same",
            by=_by(by),
            reason=reason,
            clock=utc_now,
        ),
        agreement,
        write=True,
    )
    out.print(
        f"{record.record_id}: {agreed} and {handed_over} are "
        + ("the same person" if verdict == "same" else "different people")
    )


# weapons -------------------------------------------------------------------------------------


@weapons_app.command("declare")
def declare_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV: area_id, area_name, lon, lat, weapon_type, weapon_class, serial."
        ),
    ],
    party: Annotated[str, typer.Option("--party", help="The party declaring these weapons.")],
    by: ByOption = "",
    agreement: AgreementOption = None,
) -> None:
    """Declare the weapons kept in holding areas; a later declaration of an area replaces
    that area's earlier one."""
    from ceasefire.domain.commitments.rows import WEAPON_COLUMNS
    from ceasefire.services.weapons import declare

    rows = _table_rows(path, WEAPON_COLUMNS, ["area_id", "serial", "weapon_class", "lon", "lat"])
    result = _run(
        ctx.obj,
        lambda c, a: declare(c, a, party, rows, path.name, by=_by(by), clock=utc_now),
        agreement,
        write=True,
    )
    areas = ", ".join(f"{area} ({n})" for area, n in sorted(result.areas.items()))
    out.print(
        f"{result.record.record_id}: {sum(result.areas.values())} weapons declared by {party} "
        f"in {areas}"
    )
    for warning in result.warnings:
        out.print(styled("bold yellow", "warning: ", warning))


@weapons_app.command("inspect")
def inspect_cmd(
    ctx: typer.Context,
    area: Annotated[str, typer.Option("--area", help="The holding area visited.")],
    seen: Annotated[
        Path,
        typer.Option(
            "--seen",
            help="CSV: serial[, weapon_type, weapon_class, lon, lat]; "
            "a position marks a weapon seen outside the area.",
        ),
    ],
    at: Annotated[
        str | None, typer.Option(help="When the visit took place (default: now).")
    ] = None,
    by: ByOption = "",
    agreement: AgreementOption = None,
    tz: TzOption = "UTC",
) -> None:
    """Record a monitors' visit: present, missing, moved, extra; a declared weapon seen
    inside its withdrawal zone is filed as a report (a candidate violation)."""
    from ceasefire.domain.commitments.rows import SEEN_COLUMNS
    from ceasefire.services.weapons import inspect_area

    moment = _moment("--at", at, tz)
    rows = _table_rows(seen, SEEN_COLUMNS, ["serial"])
    result = _run(
        ctx.obj,
        lambda c, a: inspect_area(c, a, area, rows, at=moment, by=_by(by), clock=utc_now),
        agreement,
        write=True,
    )
    found = result.inspection
    out.print(f"{result.record.record_id}: holding area {area}: {found.summary}")
    for entry in found.missing:
        out.print(
            styled(
                "bold red",
                "missing ",
                f"{entry.weapon.serial} {entry.weapon.weapon_type} (declared {entry.weapon.where})",
            )
        )
    for entry, weapon in found.moved:
        out.print(
            styled(
                "yellow",
                "moved ",
                f"{weapon.serial}: declared in {entry.area_id}, seen here ({weapon.where})",
            )
        )
    for weapon in found.extra:
        out.print(
            styled(
                "yellow",
                "extra ",
                f"{weapon.serial} {weapon.weapon_type}: declared nowhere ({weapon.where})",
            )
        )
    for report_id in result.candidates:
        out.print(
            styled(
                "bold red",
                "candidate violation ",
                f"report {report_id}: a weapon inside its withdrawal zone",
            )
        )

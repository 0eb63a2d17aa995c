"""Prisoner exchanges in the record: agreed lists, exchanges, analysts' decisions, and the
reconciliation of one against the others.

Every list is stored whole or not at all. The ledger entry of a list carries its salted digest,
never the names (`store.commitment_store`); the names are read back only to reconcile, and only
the analyst's view of a reconciliation shows them (`disclosed`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection

from ceasefire.domain.canonical import canonical_json, utc_iso
from ceasefire.domain.commitments.exchange import Person, SideReconciliation, reconcile
from ceasefire.domain.commitments.names import BirthDate, GivenNames
from ceasefire.domain.commitments.rows import person_from_row
from ceasefire.domain.commitments.spec import CommitmentSpec
from ceasefire.domain.commitments.status import Delivery
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.store.commitment_store import (
    EXCHANGE_DECISION,
    EXCHANGE_LIST,
    Record,
    append_record,
    list_persons,
    new_salt,
    persons_digest,
    records,
    store_persons,
)

AGREED = "agreed"
HANDED_OVER = "handed_over"
Rows = Sequence[tuple[str, dict[str, str]]]


class ExchangeError(ValueError):
    """An exchange request that cannot be met; the message names what is wrong and where."""


@cache
def given_names() -> GivenNames:
    """The bundled table of Ukrainian, Russian and Latin forms of given names."""
    path = resources.files("ceasefire.data").joinpath("names/given_names.csv")
    with path.open(encoding="utf-8") as handle:
        return GivenNames(list(csv.DictReader(handle)))


def _person_content(person: Person) -> dict[str, Any]:
    birth = person.birth
    return {
        "surname": person.surname,
        "given": person.given,
        "patronymic": person.patronymic,
        "birth": None if birth is None else str(birth),
        "birth_swappable": bool(birth and birth.swappable),
        "source": person.source,
        "order_known": person.order_known,
    }


def _person(ref: str, side: str, content: dict[str, Any]) -> Person:
    birth = None
    if content["birth"]:
        parts = [int(p) for p in str(content["birth"]).split("-")]
        birth = BirthDate(
            parts[0],
            parts[1] if len(parts) > 1 else None,
            parts[2] if len(parts) > 2 else None,
            bool(content["birth_swappable"]),
        )
    return Person(
        ref=ref,
        side=side,
        surname=content["surname"],
        given=content["given"],
        patronymic=content["patronymic"],
        birth=birth,
        source=content["source"],
        order_known=content["order_known"],
    )


def _check_side(agreement: LoadedAgreement, side: str, option: str = "--side") -> None:
    if side not in agreement.spec.parties:
        parties = ", ".join(agreement.spec.parties)
        raise ExchangeError(f"{option}: {side!r} is not a party to {agreement.name} ({parties})")


def _other_party(agreement: LoadedAgreement, side: str) -> str:
    others = [p for p in agreement.spec.parties if p != side]
    if len(others) != 1:
        raise ExchangeError(
            f"{agreement.name} has {len(agreement.spec.parties)} parties: a received list must "
            "be recorded as the handing-over side's (--side that party, --handed-over FILE)"
        )
    return others[0]


def _read_persons(rows: Rows, side: str) -> list[Person]:
    names = given_names()
    people: list[Person] = []
    problems: list[str] = []
    for index, (where, row) in enumerate(rows):
        found = person_from_row(row, where, f"?.{index + 1}", side, names)
        if isinstance(found, list):
            problems.extend(found)
        else:
            people.append(found)
    if problems:
        raise ExchangeError("nothing stored:\n  " + "\n  ".join(problems))
    return people


def store_list(
    connection: Connection,
    agreement: LoadedAgreement,
    *,
    role: str,
    side: str,
    rows: Rows,
    file_name: str,
    by: str,
    clock: Callable[[], datetime],
    date: datetime | None = None,
    recorded_by_side: str | None = None,
    replaces: str | None = None,
) -> Record:
    """One list of persons that `side` is to hand over (`agreed`) or handed over."""
    _check_side(agreement, side)
    people = _read_persons(rows, side)
    contents = [_person_content(p) for p in people]
    earlier = [
        r
        for r in records(connection, EXCHANGE_LIST, subject=side)
        if r.content["agreement"] == agreement.name and r.content["role"] == role
    ]
    _refuse_repeat(connection, earlier, contents, file_name)
    if date is not None:
        _refuse_second_record(earlier, date, side, file_name)
    if replaces is not None:
        _check_replaced(earlier, replaces, side)
    salt = new_salt()
    content: dict[str, Any] = {
        "agreement": agreement.name,
        "role": role,
        "side": side,
        "file": file_name,
        "count": len(contents),
        "persons_sha256": persons_digest(salt, contents),
        "by": by,
    }
    if date is not None:
        content["date"] = utc_iso(date)
    if recorded_by_side is not None:
        content["recorded_by"] = recorded_by_side
    if replaces is not None:
        content["replaces"] = replaces
    record = append_record(connection, clock, EXCHANGE_LIST, side, content)
    store_persons(connection, record.record_id, salt, contents)
    return record


def _refuse_repeat(
    connection: Connection, earlier: list[Record], contents: list[dict[str, Any]], file_name: str
) -> None:
    """The same list stored twice, in any row order, would count everyone on it twice."""

    def persons(found: list[dict[str, Any]]) -> list[str]:
        return sorted(canonical_json({k: v for k, v in c.items() if k != "source"}) for c in found)

    new = persons(contents)
    for record in earlier:
        same_size = record.content["count"] == len(contents)
        if same_size and persons(list_persons(connection, record.record_id)[1]) == new:
            raise ExchangeError(
                f"{file_name}: the same persons were already recorded as list "
                f"{record.record_id} ({record.content['file']}); nothing stored"
            )


def _refuse_second_record(earlier: list[Record], date: datetime, side: str, file_name: str) -> None:
    """One record per exchange and handing-over side: the other side's copy of the same
    exchange would count everyone twice."""
    for record in earlier:
        if record.content.get("date") == utc_iso(date):
            by = record.content.get("recorded_by", side)
            raise ExchangeError(
                f"{file_name}: the persons {side} handed over on {utc_iso(date)[:10]} are "
                f"already recorded as list {record.record_id} (recorded by {by}); "
                "nothing stored. Record each exchange once, from one side's lists."
            )


def _check_replaced(earlier: list[Record], replaces: str, side: str) -> None:
    known = {r.record_id for r in earlier}
    replaced = {r.content.get("replaces") for r in earlier}
    if replaces not in known:
        lists = ", ".join(sorted(known)) or "none"
        raise ExchangeError(
            f"--replaces: {replaces!r} is not an agreed list of {side} (they are: {lists})"
        )
    if replaces in replaced:
        raise ExchangeError(f"--replaces: {replaces} was already replaced")


def import_agreed(
    connection: Connection,
    agreement: LoadedAgreement,
    side: str,
    rows: Rows,
    file_name: str,
    *,
    by: str,
    clock: Callable[[], datetime],
    replaces: str | None = None,
) -> Record:
    """An agreed list; `replaces` an earlier agreed list of the same side (an amended list),
    which then no longer counts."""
    return store_list(
        connection,
        agreement,
        role=AGREED,
        side=side,
        rows=rows,
        file_name=file_name,
        by=by,
        clock=clock,
        replaces=replaces,
    )


def record_exchange(
    connection: Connection,
    agreement: LoadedAgreement,
    side: str,
    date: datetime,
    *,
    handed_over: tuple[Rows, str] | None,
    received: tuple[Rows, str] | None,
    by: str,
    clock: Callable[[], datetime],
) -> list[Record]:
    """An exchange as `side` recorded it: whom it handed over and whom it received (handed
    over by the other party). Both lists go in one transaction, or neither."""
    _check_side(agreement, side)
    if handed_over is None and received is None:
        raise ExchangeError("give --handed-over, --received or both")
    if date > clock():
        raise ExchangeError(f"--date: {utc_iso(date)} is in the future")
    given = [(handed_over, side)]
    if received is not None:
        given.append((received, _other_party(agreement, side)))
    return [
        store_list(
            connection,
            agreement,
            role=HANDED_OVER,
            side=by_side,
            rows=lines[0],
            file_name=lines[1],
            by=by,
            clock=clock,
            date=date,
            recorded_by_side=side,
        )
        for lines, by_side in given
        if lines is not None
    ]


def _lists(connection: Connection, agreement: str, at: datetime) -> list[Record]:
    """The agreement's lists recorded by `at`, less those a later list replaced by then."""
    found = [
        r
        for r in records(connection, EXCHANGE_LIST, until=at)
        if r.content["agreement"] == agreement
    ]
    replaced = {r.content.get("replaces") for r in found}
    return [r for r in found if r.record_id not in replaced]


def _people(connection: Connection, record: Record) -> list[Person]:
    _, contents = list_persons(connection, record.record_id)
    return [
        _person(f"{record.record_id}.{i + 1}", record.content["side"], c)
        for i, c in enumerate(contents)
    ]


def _decisions(
    connection: Connection, agreement: str, at: datetime
) -> dict[tuple[str, str], tuple[bool, str]]:
    """The latest decision on each pair, in the order those decisions were recorded."""
    decided: dict[tuple[str, str], tuple[bool, str]] = {}
    for record in records(connection, EXCHANGE_DECISION, until=at):
        c = record.content
        if c["agreement"] == agreement:
            decided.pop((c["agreed"], c["delivered"]), None)
            decided[(c["agreed"], c["delivered"])] = (bool(c["same"]), c["by"])
    return decided


def reconciliations(
    connection: Connection,
    agreement: LoadedAgreement,
    at: datetime,
    sides: Sequence[str] | None = None,
    lists: Sequence[Record] | None = None,
) -> list[SideReconciliation]:
    """For each party (or those in `sides`): its agreed list(s) against everyone it handed
    over, as known at `at`. `lists`: the agreement's lists at `at`, when the caller has them."""
    lists = _lists(connection, agreement.name, at) if lists is None else lists
    decided = _decisions(connection, agreement.name, at)
    result = []
    for side in sides if sides is not None else agreement.spec.parties:
        agreed = [
            p
            for r in lists
            if r.content["side"] == side and r.content["role"] == AGREED
            for p in _people(connection, r)
        ]
        delivered = [
            p
            for r in lists
            if r.content["side"] == side and r.content["role"] == HANDED_OVER
            for p in _people(connection, r)
        ]
        if agreed or delivered:
            result.append(reconcile(side, agreed, delivered, given_names(), decided))
    return result


def exchange_delivery(
    connection: Connection, agreement: LoadedAgreement, spec: CommitmentSpec, at: datetime
) -> Delivery:
    """Persons the obligated party handed over who match its agreed list, and when the
    agreed number was reached (the date of the exchange that reached it)."""
    lists = _lists(connection, agreement.name, at)
    found = reconciliations(connection, agreement, at, sides=[spec.party], lists=lists)
    if not found:
        return Delivery(0, None, 0, "no list recorded yet")
    (side,) = found
    dates = {
        r.record_id: datetime.fromisoformat(r.content["date"]) for r in lists if "date" in r.content
    }
    when = sorted(dates[m.delivered.ref.split(".")[0]] for m in side.matched)
    target = spec.quantity or side.agreed
    completed = when[target - 1] if target and len(when) >= target else None
    awaiting = len({d.delivered.ref for d in side.doubts})
    detail = f"{len(side.matched)} matched to the agreed list"
    if awaiting:
        detail += f", {awaiting} handed over awaiting an analyst's decision"
    return Delivery(len(side.matched), completed, awaiting, detail)


def decide(
    connection: Connection,
    agreement: LoadedAgreement,
    agreed_ref: str,
    delivered_ref: str,
    *,
    same: bool,
    by: str,
    reason: str,
    clock: Callable[[], datetime],
) -> Record:
    """An analyst's decision that two entries are (or are not) the same person."""
    lists = {r.record_id: r for r in _lists(connection, agreement.name, clock())}
    for ref, role, option in (
        (agreed_ref, AGREED, "AGREED"),
        (delivered_ref, HANDED_OVER, "DELIVERED"),
    ):
        list_id, _, row = ref.partition(".")
        record = lists.get(list_id)
        if record is None or record.content["role"] != role or not row.isdigit():
            raise ExchangeError(
                f"{option}: {ref!r} is not a person on an {role.replace('_', ' ')} list (like L1.7)"
            )
        if not 1 <= int(row) <= record.content["count"]:
            raise ExchangeError(
                f"{option}: list {list_id} has {record.content['count']} persons, not {row}"
            )
    if (
        lists[agreed_ref.split(".")[0]].content["side"]
        != lists[delivered_ref.split(".")[0]].content["side"]
    ):
        raise ExchangeError(f"{agreed_ref} and {delivered_ref} are on different sides' lists")
    if not reason.strip():
        raise ExchangeError("--reason: say what settled it (a photograph, a document, a call)")
    _check_decision(
        _decisions(connection, agreement.name, clock()), agreed_ref, delivered_ref, same
    )
    # The reason may name people or their families: it is kept with the persons, for analysts,
    # and the ledger holds its salted digest.
    salt, private = new_salt(), [{"reason": reason}]
    content = {
        "agreement": agreement.name,
        "agreed": agreed_ref,
        "delivered": delivered_ref,
        "same": same,
        "by": by,
        "count": 1,
        "persons_sha256": persons_digest(salt, private),
    }
    record = append_record(connection, clock, EXCHANGE_DECISION, agreed_ref, content)
    store_persons(connection, record.record_id, salt, private)
    return record


def _check_decision(
    decided: dict[tuple[str, str], tuple[bool, str]], agreed: str, delivered: str, same: bool
) -> None:
    """A decision must change something, and one person is matched to one other at most."""
    current = decided.get((agreed, delivered))
    if current is not None and current[0] == same:
        verdict = "the same person" if same else "different people"
        raise ExchangeError(f"{agreed} and {delivered} are already decided to be {verdict}")
    if not same:
        return
    for (a, d), (is_same, _) in decided.items():
        if is_same and (a, d) != (agreed, delivered) and (a == agreed or d == delivered):
            other = d if a == agreed else a
            mine = agreed if a == agreed else delivered
            raise ExchangeError(
                f"{mine} is already decided to be the same person as {other}: decide that "
                "pair `different` first"
            )


def disclosed(reconciled: SideReconciliation, *, personal: bool) -> dict[str, Any]:
    """A reconciliation as a role may see it: with persons for analysts, counts otherwise.
    What a role may not see is left out here, before anything is sent or printed."""
    counts = {
        "side": reconciled.side,
        "agreed": reconciled.agreed,
        "handed_over": reconciled.delivered,
        "matched": len(reconciled.matched),
        "matched_by_analyst": sum(1 for m in reconciled.matched if m.by != "rules"),
        # persons handed over whose match awaits an analyst (a person may have several doubts)
        "awaiting_review": len({d.delivered.ref for d in reconciled.doubts}),
        "agreed_not_handed_over": len(reconciled.not_delivered),
        "handed_over_not_listed": len(reconciled.not_listed),
        "possible_duplicates": len(reconciled.duplicates),
    }
    if not personal:
        return counts

    def person(p: Person) -> dict[str, Any]:
        return {
            "ref": p.ref,
            "name": p.written,
            "born": None if p.birth is None else str(p.birth),
            "source": p.source,
        }

    return counts | {
        "matches": [
            {
                "agreed": person(m.agreed),
                "handed_over": person(m.delivered),
                "confidence": m.confidence,
                "by": m.by,
                "reason": m.reason,
            }
            for m in reconciled.matched
        ],
        "review": [
            {
                "agreed": person(d.agreed),
                "handed_over": person(d.delivered),
                "confidence": d.confidence,
                "why": d.why,
                "reason": d.reason,
            }
            for d in reconciled.doubts
        ],
        "not_handed_over": [person(p) for p in reconciled.not_delivered],
        "not_listed": [person(p) for p in reconciled.not_listed],
        "duplicates": [[person(a), person(b)] for a, b in reconciled.duplicates],
    }

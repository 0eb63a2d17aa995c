"""What the agreement file says each commitment is: who owes what, how much, by when, and how
its fulfilment is verified.

A deadline may be written as a time or as days after the agreement takes effect (Minsk II's
"within 14 days"), and is resolved to a time here so that every later step compares times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from ceasefire.domain.keypath import KeyPathProblems
from ceasefire.domain.taxonomy import Severity, WeaponClass

E = TypeVar("E", bound=StrEnum)


class CommitmentKind(StrEnum):
    EXCHANGE = "exchange"
    WITHDRAWAL = "withdrawal"
    DISENGAGEMENT = "disengagement"
    NOTIFICATION = "notification"
    OTHER = "other"


class Verification(StrEnum):
    """Where the quantity delivered comes from.

    `evidence`: recorded statements (`commitments fulfil` / `partial`), each checked by whoever
    records it. `exchange`: persons the obligated party handed over who match its agreed list.
    `holding_areas`: the party's declared weapons that monitors last found in place.
    """

    EVIDENCE = "evidence"
    EXCHANGE = "exchange"
    HOLDING_AREAS = "holding_areas"


# A kind's usual verification, when the file does not name one.
DEFAULT_VERIFICATION = {
    CommitmentKind.EXCHANGE: Verification.EXCHANGE,
    CommitmentKind.WITHDRAWAL: Verification.HOLDING_AREAS,
}


@dataclass(frozen=True, slots=True)
class CommitmentSpec:
    commitment_id: str
    kind: CommitmentKind
    party: str  # the obligated party
    text: str
    due: datetime
    quantity: int | None  # None: a single act (a written notification), fulfilled or not
    unit: str
    verification: Verification
    weapon_classes: frozenset[WeaponClass] | None  # holding_areas: which classes count
    severity: Severity  # of the missed deadline, for plans that count missed commitments


_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KEYS = {
    "id",
    "kind",
    "party",
    "text",
    "due",
    "due_after_days",
    "quantity",
    "unit",
    "verification",
    "weapon_classes",
    "severity",
}
MAX_QUANTITY = 10_000_000


def parse_commitments(
    p: KeyPathProblems, value: Any, parties: Mapping[str, str], effective_from: datetime | None
) -> tuple[CommitmentSpec, ...]:
    """Every commitment of the `commitments` list, each problem named by its key path."""
    if not isinstance(value, list):
        p.fail("commitments", "must be a list of {id, kind, party, due or due_after_days} entries")
        return ()
    specs: list[CommitmentSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        path = f"commitments[{index}]"
        entry = p.mapping(item, path, KEYS, frozenset({"id", "kind", "party"}))
        spec = _commitment(p, entry, path, parties, effective_from)
        if spec is None:
            continue
        if spec.commitment_id in seen:
            p.fail(f"{path}.id", f"{spec.commitment_id!r} is used twice")
            continue
        seen.add(spec.commitment_id)
        specs.append(spec)
    return tuple(specs)


def _commitment(
    p: KeyPathProblems,
    entry: dict[str, Any],
    path: str,
    parties: Mapping[str, str],
    effective_from: datetime | None,
) -> CommitmentSpec | None:
    before = len(p.problems)
    commitment_id = str(entry.get("id", ""))
    if "id" in entry and not _ID.match(commitment_id):
        p.fail(f"{path}.id", f"{commitment_id!r}: lower-case letters, digits, '.', '-' or '_'")
    kind = _choice(p, entry.get("kind"), f"{path}.kind", CommitmentKind)
    party = str(entry.get("party", ""))
    if "party" in entry and party not in parties:
        p.fail(f"{path}.party", f"{party!r} is not one of the parties ({', '.join(parties)})")
    due = _due(p, entry, path, effective_from)
    quantity = _quantity(p, entry.get("quantity"), f"{path}.quantity")
    verification = (
        _choice(p, entry["verification"], f"{path}.verification", Verification)
        if "verification" in entry
        else DEFAULT_VERIFICATION.get(kind, Verification.EVIDENCE)
        if kind
        else None
    )
    if verification is Verification.EXCHANGE and quantity is None:
        p.fail(f"{path}.quantity", "an exchange commitment says how many persons")
    classes = _weapon_classes(p, entry.get("weapon_classes"), f"{path}.weapon_classes")
    severity = _choice(p, entry.get("severity", "major"), f"{path}.severity", Severity)
    if len(p.problems) > before or kind is None or due is None or verification is None:
        return None
    assert severity is not None
    return CommitmentSpec(
        commitment_id=commitment_id,
        kind=kind,
        party=party,
        text=str(entry.get("text") or "").strip(),
        due=due,
        quantity=quantity,
        unit=str(entry.get("unit") or _default_unit(verification)),
        verification=verification,
        weapon_classes=classes,
        severity=severity,
    )


def _default_unit(verification: Verification) -> str:
    return {Verification.EXCHANGE: "persons", Verification.HOLDING_AREAS: "weapons"}.get(
        verification, ""
    )


def _choice(p: KeyPathProblems, value: Any, path: str, enum: type[E]) -> E | None:
    try:
        return enum(str(value))
    except ValueError:
        p.fail(path, f"{value!r} is not one of {', '.join(e.value for e in enum)}")
        return None


def _due(
    p: KeyPathProblems, entry: dict[str, Any], path: str, effective_from: datetime | None
) -> datetime | None:
    if ("due" in entry) == ("due_after_days" in entry):
        p.fail(f"{path}.due", "give either due (a time) or due_after_days (after effective_from)")
        return None
    if "due" in entry:
        return p.time(entry["due"], f"{path}.due")
    days = entry["due_after_days"]
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= 3650:
        p.fail(f"{path}.due_after_days", f"must be a number of days up to ten years, not {days!r}")
        return None
    return None if effective_from is None else effective_from + timedelta(days=float(days))


def _quantity(p: KeyPathProblems, value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        p.fail(path, f"must be a whole number from 1 to {MAX_QUANTITY:,}, not {value!r}")
        return None
    return value


def _weapon_classes(p: KeyPathProblems, value: Any, path: str) -> frozenset[WeaponClass] | None:
    if value is None:
        return None
    valid = {w.value for w in WeaponClass}
    if not isinstance(value, list) or not value or any(str(v) not in valid for v in value):
        p.fail(path, f"must be a list of weapon classes from: {', '.join(sorted(valid))}")
        return None
    return frozenset(WeaponClass(str(v)) for v in value)

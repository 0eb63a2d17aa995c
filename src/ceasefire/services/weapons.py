"""Declared holding-area inventories and monitors' inspections, in the record.

An inspection that finds a declared weapon away from its holding area and inside its class's
withdrawal zone files a report (category `heavy_weapon_sighted`): a candidate violation that
goes through placement, grouping and an analyst's verification like any other report, so the
system never turns an inventory discrepancy into a violation on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.commitments.rows import Weapon, weapon_from_row
from ceasefire.domain.commitments.spec import CommitmentSpec
from ceasefire.domain.commitments.status import Delivery
from ceasefire.domain.commitments.weapons import (
    Declared,
    Inspection,
    duplicate_serials,
    inspect,
    inventory,
)
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.taxonomy import WeaponClass
from ceasefire.domain.validation import IngestRules, parse_report
from ceasefire.services.ingest import store_accepted
from ceasefire.store.commitment_store import (
    WEAPONS_DECLARED,
    WEAPONS_INSPECTED,
    Record,
    append_record,
    records,
)

Rows = Sequence[tuple[str, dict[str, str]]]


class WeaponsError(ValueError):
    """A declaration or inspection that cannot be stored; the message names where."""


def _weapons(rows: Rows, *, declared: bool) -> list[Weapon]:
    weapons: list[Weapon] = []
    problems: list[str] = []
    for where, row in rows:
        found = weapon_from_row(row, where, declared=declared)
        if isinstance(found, list):
            problems.extend(found)
        else:
            weapons.append(found)
    problems += duplicate_serials(weapons)
    if problems:
        raise WeaponsError("nothing stored:\n  " + "\n  ".join(problems))
    return weapons


def _weapon_content(weapon: Weapon) -> dict[str, Any]:
    return {
        "serial": weapon.serial,
        "weapon_type": weapon.weapon_type,
        "weapon_class": None if weapon.weapon_class is None else weapon.weapon_class.value,
        "area_id": weapon.area_id,
        "lon": weapon.lon,
        "lat": weapon.lat,
        "where": weapon.where,
    }


def _weapon(content: dict[str, Any]) -> Weapon:
    return Weapon(
        serial=content["serial"],
        weapon_type=content["weapon_type"],
        weapon_class=None
        if content["weapon_class"] is None
        else WeaponClass(content["weapon_class"]),
        where=content["where"],
        area_id=content["area_id"],
        lon=content["lon"],
        lat=content["lat"],
    )


@dataclass(frozen=True)
class DeclarationResult:
    record: Record
    areas: dict[str, int]  # weapons per holding area
    warnings: list[str]  # holding areas inside the withdrawal zone of what they hold


def declare(
    connection: Connection,
    agreement: LoadedAgreement,
    party: str,
    rows: Rows,
    file_name: str,
    *,
    by: str,
    clock: Callable[[], datetime],
) -> DeclarationResult:
    if party not in agreement.spec.parties:
        parties = ", ".join(agreement.spec.parties)
        raise WeaponsError(f"--party: {party!r} is not a party to {agreement.name} ({parties})")
    weapons = _weapons(rows, declared=True)
    content = {
        "agreement": agreement.name,
        "party": party,
        "file": file_name,
        "by": by,
        "weapons": [_weapon_content(w) for w in weapons],
    }
    record = append_record(connection, clock, WEAPONS_DECLARED, party, content)
    areas: dict[str, int] = {}
    for weapon in weapons:
        areas[weapon.area_id] = areas.get(weapon.area_id, 0) + 1
    return DeclarationResult(record, areas, _zone_warnings(agreement, weapons))


def _in_zone(agreement: LoadedAgreement, weapons: Sequence[Weapon]) -> list[tuple[Weapon, float]]:
    """Weapons whose position lies inside their class's withdrawal zone, with the distance
    to the line in km."""
    placed = [w for w in weapons if w.lon is not None and w.lat is not None and w.weapon_class]
    if not placed:
        return []
    classifier = agreement.classifier
    result = classifier.classify(
        np.array([w.lon for w in placed], dtype=float),
        np.array([w.lat for w in placed], dtype=float),
    )
    classes = list(classifier.weapon_classes)
    inside = []
    for i, weapon in enumerate(placed):
        if weapon.weapon_class in classes:
            j = classes.index(weapon.weapon_class)
            if bool(result.in_weapon_zone[i][j]):
                inside.append((weapon, float(result.distance_m[i]) / 1000))
    return inside


def _zone_warnings(agreement: LoadedAgreement, weapons: Sequence[Weapon]) -> list[str]:
    warned: dict[tuple[str, str], str] = {}
    for weapon, km in _in_zone(agreement, weapons):
        assert weapon.weapon_class is not None
        limit = agreement.spec.weapon_withdrawal_km[weapon.weapon_class]
        warned.setdefault(
            (weapon.area_id, weapon.weapon_class.value),
            f"holding area {weapon.area_id} is {km:.1f} km from the line, inside the {limit:g} km "
            f"withdrawal zone for {weapon.weapon_class.value} (first: {weapon.where})",
        )
    return list(warned.values())


def declared_inventory(
    connection: Connection, agreement: str, until: datetime | None = None
) -> dict[str, Declared]:
    found = [
        (r.content["party"], [_weapon(w) for w in r.content["weapons"]])
        for r in records(connection, WEAPONS_DECLARED, until=until)
        if r.content["agreement"] == agreement
    ]
    return inventory(found)


@dataclass(frozen=True)
class InspectionResult:
    record: Record
    inspection: Inspection
    candidates: list[str]  # report ids filed for weapons seen inside their withdrawal zones


def inspect_area(
    connection: Connection,
    agreement: LoadedAgreement,
    area_id: str,
    rows: Rows,
    *,
    at: datetime,
    by: str,
    clock: Callable[[], datetime],
) -> InspectionResult:
    """Record a visit to one holding area and what it found; file candidate violations."""
    declared = declared_inventory(connection, agreement.name)
    if not any(d.area_id == area_id for d in declared.values()):
        areas = sorted({d.area_id for d in declared.values()})
        raise WeaponsError(
            f"--area: no weapons are declared in holding area {area_id!r} "
            f"(declared areas: {', '.join(areas) or 'none; `weapons declare` first'})"
        )
    if at > clock():
        raise WeaponsError(f"--at: {utc_iso(at)} is in the future")
    seen = _weapons(rows, declared=False)
    found = inspect(area_id, seen, declared)
    candidates = _candidates(connection, agreement, found, at, by, clock)
    content = {
        "agreement": agreement.name,
        "area_id": area_id,
        "at": utc_iso(at),
        "by": by,
        "seen": [_weapon_content(w) for w in seen],
        "present": [d.weapon.serial for d in found.present],
        "missing": [d.weapon.serial for d in found.missing],
        "moved": [{"serial": w.serial, "declared_in": d.area_id} for d, w in found.moved],
        "extra": [w.serial for w in found.extra],
        "candidate_reports": candidates,
    }
    record = append_record(connection, clock, WEAPONS_INSPECTED, area_id, content)
    return InspectionResult(record, found, candidates)


def _candidates(
    connection: Connection,
    agreement: LoadedAgreement,
    found: Inspection,
    at: datetime,
    by: str,
    clock: Callable[[], datetime],
) -> list[str]:
    sighted = [(declared, _as_declared(weapon, declared)) for declared, weapon in found.outside]
    inside = {w.serial for w, _ in _in_zone(agreement, [w for _, w in sighted])}
    fields = []
    for declared, weapon in sighted:
        if weapon.serial not in inside:
            continue
        assert weapon.weapon_class is not None
        where = f"declared in holding area {declared.area_id}" if declared else "declared nowhere"
        fields.append(
            {
                "source_id": f"inspection:{by}",
                "source_kind": "monitor_patrol",
                "source_org": "holding-area inspection",
                "source_reliability": "B",
                "external_id": f"inspection:{found.area_id}:{utc_iso(at)}:{weapon.serial}",
                "observed_start": utc_iso(at),
                "lon": weapon.lon,
                "lat": weapon.lat,
                "uncertainty_m": 100,
                "category": "heavy_weapon_sighted",
                "weapon_class": weapon.weapon_class.value,
                "alleged_party": declared.party if declared else "",
                "text": (
                    f"During the inspection of holding area {found.area_id}, "
                    f"{weapon.weapon_type or weapon.weapon_class.value} serial {weapon.serial} "
                    f"({where}) was seen outside it, inside its withdrawal zone ({weapon.where})."
                ),
            }
        )
    if not fields:
        return []
    rules = IngestRules(now=clock(), zone=UTC)
    accepted = []
    for item in fields:
        parsed = parse_report({k: v for k, v in item.items() if v not in ("", None)}, rules)
        if isinstance(parsed, list):
            raise WeaponsError("; ".join(str(p) for p in parsed))
        accepted.append(parsed)
    plan, _ = store_accepted(connection, accepted, clock=clock)
    return [prepared.report.report_id for prepared in plan.reports]


def _as_declared(weapon: Weapon, declared: Declared | None) -> Weapon:
    """A sighting, its class and type filled in from the declaration where the monitors
    noted only the serial."""
    if declared is None:
        return weapon
    return replace(
        weapon,
        weapon_class=weapon.weapon_class or declared.weapon.weapon_class,
        weapon_type=weapon.weapon_type or declared.weapon.weapon_type,
    )


def holding_area_delivery(
    connection: Connection, agreement: str, spec: CommitmentSpec, at: datetime
) -> Delivery:
    """The obligated party's declared weapons (of the commitment's classes) that the latest
    visit to their holding area found in place, as known at `at`; fulfilled at the first visit
    after which all of them (or the commitment's quantity) had been found in place. Visits
    count in the order they took place, whatever order they were recorded in."""
    declared = {
        serial: d
        for serial, d in declared_inventory(connection, agreement, at).items()
        if d.party == spec.party
        and (spec.weapon_classes is None or d.weapon.weapon_class in spec.weapon_classes)
    }
    if not declared:
        return Delivery(0, None, 0, "no weapons declared in holding areas yet")
    target = spec.quantity or len(declared)
    visits = sorted(
        (
            (datetime.fromisoformat(r.content["at"]), r.ledger_seq, r.content)
            for r in records(connection, WEAPONS_INSPECTED, until=at)
            if r.content["agreement"] == agreement
        ),
        key=lambda visit: (visit[0], visit[1]),
    )
    found_in: dict[str, set[str]] = {}  # holding area -> serials its latest visit found
    present, completed = 0, None
    for when, _, content in visits:
        found_in[content["area_id"]] = set(content["present"])
        present = sum(
            1 for d in declared.values() if d.weapon.serial in found_in.get(d.area_id, ())
        )
        if completed is None and present >= target:
            completed = when
    detail = f"{present} of {len(declared)} declared found in place at the last inspection"
    return Delivery(present, completed, 0, detail, len(declared))

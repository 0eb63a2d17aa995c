"""The agreement file: parties, when it is in force, its geography and its zone rules.

Parsed from plain data (what YAML gives) into a typed spec, or into every problem found, each
naming its key path (`zones.weapon_withdrawal.tank: ...`). Geometry files are references here;
the adapter reads them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ceasefire.domain.commitments.spec import CommitmentSpec, parse_commitments
from ceasefire.domain.keypath import KeyPathProblems
from ceasefire.domain.reports import ObjectClass
from ceasefire.domain.taxonomy import WeaponClass
from ceasefire.domain.validation import PARTY_CODE

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# Minsk II (Package of Measures, 12 February 2015, point 2) and its addendum of 29 September
# 2015 on tanks, artillery under 100 mm and mortars: the width of each security zone, halved,
# is the distance each side withdraws from the line of contact.
MINSK_II_WITHDRAWAL_KM: dict[WeaponClass, float] = {
    WeaponClass.ARTILLERY_100MM_PLUS: 25.0,  # zone at least 50 km wide
    WeaponClass.MLRS: 35.0,  # 70 km
    WeaponClass.HEAVY_ROCKET_MISSILE: 70.0,  # 140 km: Tornado-S, Uragan, Smerch, Tochka-U
    WeaponClass.TANK: 15.0,  # addendum: tanks, artillery under 100 mm, mortars up to 120 mm
    WeaponClass.ARTILLERY_UNDER_100MM: 15.0,
    WeaponClass.MORTAR: 15.0,
}
WITHDRAWAL_PRESETS: dict[str, dict[WeaponClass, float]] = {"minsk-ii": MINSK_II_WITHDRAWAL_KM}


class ClauseKind(StrEnum):
    """What a clause forbids, as the system can test it against an incident."""

    HOSTILE_ACT = "hostile_act"  # any fire, strike or attack
    FIRE_ACROSS_LINE = "fire_across_line"  # impact on the other side's ground
    ARMED_PRESENCE_IN_DMZ = "armed_presence_in_dmz"
    WEAPON_IN_WITHDRAWAL_ZONE = "weapon_in_withdrawal_zone"
    STRIKE_ON_PROTECTED_OBJECT = "strike_on_protected_object"


DEFAULT_PROTECTED = (
    ObjectClass.ENERGY,
    ObjectClass.MEDICAL,
    ObjectClass.EDUCATION,
    ObjectClass.WATER,
)


@dataclass(frozen=True, slots=True)
class Clause:
    """One undertaking of the agreement that an incident can breach."""

    clause_id: str
    kind: ClauseKind
    text: str = ""
    objects: tuple[ObjectClass, ...] = DEFAULT_PROTECTED  # for strike_on_protected_object


# An agreement file that names no clauses binds the parties to cease all hostile acts.
DEFAULT_CLAUSES = (Clause("ceasefire", ClauseKind.HOSTILE_ACT, "All hostile acts cease."),)
# How long an accused party has to reply once an incident is verified and attributed to it,
# when the agreement file does not say (the OSCE's practice was to ask within days).
DEFAULT_REPLY_PERIOD = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class ControlRule:
    """`party` holds `area` (a GeoJSON reference), except what earlier rules already gave."""

    party: str
    area: str


@dataclass(frozen=True, slots=True)
class AreaSet:
    """Named polygons from one file, named by `name_property`."""

    file: str
    name_property: str | None = None


@dataclass(frozen=True)
class AgreementSpec:
    name: str
    title: str
    parties: dict[str, str]
    effective_from: datetime
    effective_until: datetime | None
    line_of_contact: str
    control: tuple[ControlRule, ...]
    positive_side: str
    admin_areas: AreaSet | None
    sectors: AreaSet | None  # None with `sectors_from_admin_areas`: one sector per admin area
    sectors_from_admin_areas: bool
    dmz_half_width_km: float
    weapon_withdrawal_km: dict[WeaponClass, float] = field(default_factory=dict)
    plan: str | None = None
    clauses: tuple[Clause, ...] = DEFAULT_CLAUSES
    reply_period: timedelta = DEFAULT_REPLY_PERIOD
    commitments: tuple[CommitmentSpec, ...] = ()
    # How many of the parties' witnesses must cosign a checkpoint of the record for it to
    # count as witnessed (`services.witnesses`).
    witness_quorum: int = 1

    def commitment(self, commitment_id: str) -> CommitmentSpec | None:
        return next((c for c in self.commitments if c.commitment_id == commitment_id), None)


class AgreementError(ValueError):
    """An agreement file that cannot be used; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class _Problems(KeyPathProblems):
    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be non-empty text")
            return ""
        return value.strip()

    def km(self, value: Any, path: str) -> float:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value <= 0:
            self.fail(path, f"must be a positive number of km, not {value!r}")
            return 0.0
        return float(value)


TOP_KEYS = {
    "witness_quorum",
    "name",
    "title",
    "parties",
    "effective_from",
    "effective_until",
    "geography",
    "zones",
    "plan",
    "clauses",
    "reply_period_hours",
    "commitments",
}
GEOGRAPHY_KEYS = {"line_of_contact", "control", "positive_side", "admin_areas", "sectors"}
ZONE_KEYS = {"dmz_half_width_km", "weapon_withdrawal"}


def parse_agreement(data: Any) -> AgreementSpec | list[str]:
    """The spec, or every problem with its key path."""
    p = _Problems()
    top = p.mapping(
        data, "", TOP_KEYS, frozenset({"name", "parties", "effective_from", "geography", "zones"})
    )
    name = p.text(top.get("name"), "name") if "name" in top else ""
    if name and not _NAME.match(name):
        p.fail("name", f"{name!r}: lower-case letters, digits and hyphens")
    parties = _parties(p, top.get("parties", {}))
    start = p.time(top.get("effective_from"), "effective_from") if "effective_from" in top else None
    end = (
        p.time(top["effective_until"], "effective_until")
        if top.get("effective_until") is not None
        else None
    )
    if start and end and end <= start:
        p.fail("effective_until", "must be after effective_from")
    geography = p.mapping(
        top.get("geography", {}),
        "geography",
        GEOGRAPHY_KEYS,
        frozenset({"line_of_contact", "control", "positive_side"}),
    )
    control = _control(p, geography.get("control", []), parties)
    positive = str(geography.get("positive_side", ""))
    if "positive_side" in geography and positive not in parties:
        p.fail(
            "geography.positive_side",
            f"{positive!r} is not one of the parties ({', '.join(parties)})",
        )
    admin_areas = _area_set(p, geography.get("admin_areas"), "geography.admin_areas")
    sectors_value = geography.get("sectors")
    from_admin = sectors_value == "admin_areas"
    sectors = None if from_admin else _area_set(p, sectors_value, "geography.sectors")
    if from_admin and admin_areas is None:
        p.fail("geography.sectors", "'admin_areas' needs geography.admin_areas")
    zones = p.mapping(top.get("zones", {}), "zones", ZONE_KEYS, frozenset({"dmz_half_width_km"}))
    dmz = (
        p.km(zones.get("dmz_half_width_km"), "zones.dmz_half_width_km")
        if "dmz_half_width_km" in zones
        else 0.0
    )
    withdrawal = _withdrawal(p, zones.get("weapon_withdrawal", {}))
    clauses = _clauses(p, top["clauses"]) if "clauses" in top else DEFAULT_CLAUSES
    reply_hours = top.get("reply_period_hours", DEFAULT_REPLY_PERIOD.total_seconds() / 3600)
    if (
        isinstance(reply_hours, bool)
        or not isinstance(reply_hours, (int, float))
        or not (0 < reply_hours <= 24 * 365)
    ):
        p.fail("reply_period_hours", f"must be a number of hours up to a year, not {reply_hours!r}")
        reply_hours = 72
    commitments = (
        parse_commitments(p, top["commitments"], parties, start) if "commitments" in top else ()
    )
    quorum = top.get("witness_quorum", 1)
    if isinstance(quorum, bool) or not isinstance(quorum, int) or not 1 <= quorum <= 64:
        p.fail("witness_quorum", f"a number of witnesses from 1 to 64, not {quorum!r}")
        quorum = 1
    if p.problems:
        return p.problems
    assert start is not None
    return AgreementSpec(
        name=name,
        title=str(top.get("title") or name),
        parties=parties,
        effective_from=start,
        effective_until=end,
        line_of_contact=p.text(geography["line_of_contact"], "geography.line_of_contact"),
        control=control,
        positive_side=positive,
        admin_areas=admin_areas,
        sectors=sectors,
        sectors_from_admin_areas=from_admin,
        dmz_half_width_km=dmz,
        weapon_withdrawal_km=withdrawal,
        plan=None if top.get("plan") is None else str(top["plan"]),
        clauses=clauses,
        reply_period=timedelta(hours=float(reply_hours)),
        commitments=commitments,
        witness_quorum=quorum,
    )


_CLAUSE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _clauses(p: _Problems, value: Any) -> tuple[Clause, ...]:
    if not isinstance(value, list) or not value:
        p.fail("clauses", "must be a list of {id, kind, text} entries")
        return ()
    clauses: list[Clause] = []
    for index, item in enumerate(value):
        path = f"clauses[{index}]"
        entry = p.mapping(item, path, {"id", "kind", "text", "objects"}, frozenset({"id", "kind"}))
        clause_id = str(entry.get("id", ""))
        if "id" in entry and not _CLAUSE_ID.match(clause_id):
            p.fail(f"{path}.id", f"{clause_id!r}: lower-case letters, digits, '.', '-' or '_'")
        if any(c.clause_id == clause_id for c in clauses):
            p.fail(f"{path}.id", f"{clause_id!r} is used twice")
        kind_text = str(entry.get("kind", ""))
        if kind_text not in ClauseKind.__members__.values():
            kinds = ", ".join(k.value for k in ClauseKind)
            p.fail(f"{path}.kind", f"unknown clause kind {kind_text!r}; kinds: {kinds}")
            continue
        objects = _objects(p, entry.get("objects"), f"{path}.objects")
        if "id" in entry:
            text = str(entry.get("text") or "").strip()
            clauses.append(Clause(clause_id, ClauseKind(kind_text), text, objects))
    return tuple(clauses)


def _objects(p: _Problems, value: Any, path: str) -> tuple[ObjectClass, ...]:
    if value is None:
        return DEFAULT_PROTECTED
    valid = {o.value for o in ObjectClass}
    if not isinstance(value, list) or not value or any(str(v) not in valid for v in value):
        p.fail(path, f"must be a list of object classes from: {', '.join(sorted(valid))}")
        return DEFAULT_PROTECTED
    return tuple(ObjectClass(str(v)) for v in value)


def _parties(p: _Problems, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        p.fail(
            "parties", "must map party codes to names, e.g. {RU: Russian Federation, UA: Ukraine}"
        )
        return {}
    parties: dict[str, str] = {}
    for code, title in value.items():
        if not isinstance(code, str) or not PARTY_CODE.match(code):
            p.fail(f"parties.{code}", "a party code is upper-case, like RU or UA")
            continue
        parties[code] = str(title)
    if len(parties) < 2:
        p.fail("parties", "an agreement binds at least two parties")
    return parties


def _control(p: _Problems, value: Any, parties: dict[str, str]) -> tuple[ControlRule, ...]:
    if not isinstance(value, list) or not value:
        p.fail("geography.control", "must be a list of {party, area} rules, first match wins")
        return ()
    rules = []
    for index, item in enumerate(value):
        path = f"geography.control[{index}]"
        rule = p.mapping(item, path, {"party", "area"}, frozenset({"party", "area"}))
        party = str(rule.get("party", ""))
        if "party" in rule and party not in parties:
            p.fail(f"{path}.party", f"{party!r} is not one of the parties ({', '.join(parties)})")
        if "area" in rule:
            rules.append(ControlRule(party, p.text(rule["area"], f"{path}.area")))
    return tuple(rules)


def _area_set(p: _Problems, value: Any, path: str) -> AreaSet | None:
    if value is None:
        return None
    if isinstance(value, str):
        return AreaSet(value)
    entry = p.mapping(value, path, {"file", "name_property"}, frozenset({"file"}))
    if "file" not in entry:
        return None
    name_property = entry.get("name_property")
    return AreaSet(
        p.text(entry["file"], f"{path}.file"), None if name_property is None else str(name_property)
    )


def _withdrawal(p: _Problems, value: Any) -> dict[WeaponClass, float]:
    if isinstance(value, str):
        if value not in WITHDRAWAL_PRESETS:
            p.fail(
                "zones.weapon_withdrawal",
                f"unknown preset {value!r}; presets: {', '.join(WITHDRAWAL_PRESETS)}",
            )
            return {}
        return dict(WITHDRAWAL_PRESETS[value])
    if not isinstance(value, Mapping):
        p.fail(
            "zones.weapon_withdrawal", "a preset name or a mapping of weapon class to km per side"
        )
        return {}
    result: dict[WeaponClass, float] = {}
    for key, km in value.items():
        path = f"zones.weapon_withdrawal.{key}"
        try:
            weapon = WeaponClass(str(key))
        except ValueError:
            p.fail(path, f"unknown weapon class; valid: {', '.join(w.value for w in WeaponClass)}")
            continue
        result[weapon] = p.km(km, path)
    return result

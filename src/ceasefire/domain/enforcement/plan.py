"""The enforcement plan as data: a YAML file of named parameters for the three-phase structure.

The structure is the one the February 2026 proposal describes (warning; coalition
reinforcement; coordinated response from 72 hours after the initial incident; stand-down after
a quiet period). Every threshold the text leaves open is a parameter here, with a default and a
note of how the text was read, so two plans differ by a file, not by code.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceasefire.domain.commitments.spec import CommitmentKind
from ceasefire.domain.keypath import KeyPathProblems
from ceasefire.domain.taxonomy import Category, Severity

MAX_HOURS = 87_600  # ten years: any clock longer is a typo
SEVERITY_RANK = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.GRAVE: 3}
ALL = "all"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What a phase requires of an actor. `actor` names a group of the plan's `actors`, or
    `violator` / `defender` (the track's party and its defending party)."""

    action: str
    actor: str
    due_h: float  # after the phase is entered (0: at once)
    description: str
    # False (the default): each actor of the group owes the action and acknowledges it on its
    # own, so one guarantor's answer never closes it for twenty. True: the plan says "any of
    # them", and the first acknowledgement discharges it for all.
    shared: bool = False


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    number: int
    name: str
    actions: tuple[ActionSpec, ...]
    # Actors who must confirm entering this phase: when its conditions are met the track
    # waits ("awaiting confirmation by US") and enters it only on a recorded confirmation.
    # Empty (the default): the phase is entered when its conditions are met.
    confirm_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Counting:
    """Which violations count towards the plan."""

    statuses: frozenset[str]
    min_severity: Severity
    categories: frozenset[Category] | None  # None: every category
    damaged_objects: frozenset[str] | None  # None: any (energy-moratorium plans name `energy`)
    # Missed commitment deadlines of these kinds count too; empty (the default): none do, so a
    # plan written for hostile acts never escalates over a late prisoner list unless it says so.
    commitments: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Escalation:
    """Phase 2 at once, inside the cure period, when escalation is evident."""

    more_severe_than_initial: bool
    count_in_24h: int | None  # N
    sectors_in_24h: int | None  # K


@dataclass(frozen=True, slots=True)
class BroaderAttack:
    """Phase 3: what establishes a broader attack."""

    categories: frozenset[Category]  # a grave violation of one of these kinds
    count_in_24h: int | None  # M
    # ... spread over at least this many km (the span of their places): mass fire on one
    # village is intense, not broader. None: the count alone.
    count_spread_km: float | None
    major_sectors_in_6h: int | None  # S: major-or-worse violations in this many sectors
    proceed_if_attack_stops: bool  # phase 3 still starts at T0 + 72 h if all is quiet by then


@dataclass(frozen=True, slots=True)
class Exemption:
    """An agreed window (a local ceasefire for repairs, an evacuation corridor) where what
    happens is `suppress`ed (not counted) or `flag`ged (counted, and said so); never silent."""

    name: str
    start: datetime
    end: datetime
    sectors: frozenset[str] | None  # None: anywhere the bbox says (or everywhere)
    bbox: tuple[float, float, float, float] | None  # west, south, east, north
    handling: str  # suppress | flag

    def covers(
        self, at: datetime, sector: str | None, lon: float | None, lat: float | None
    ) -> bool:
        if not self.start <= at < self.end:
            return False
        if self.sectors is not None and sector not in self.sectors:
            return False
        if self.bbox is not None:
            if lon is None or lat is None:
                return False
            west, south, east, north = self.bbox
            return west <= lon <= east and south <= lat <= north
        return True


@dataclass(frozen=True, slots=True)
class Migration:
    """An open track moved to a newer version: its episode that opened at `t0` runs under
    `version` (recorded, explicit; nothing else moves a running track)."""

    party: str
    t0: datetime
    version: int


@dataclass(frozen=True, slots=True)
class Answer:
    """A person's recorded answer to "phase N's conditions are met for this track: enter it?"
    (the phase's `confirm_by`): the track's episode by its T0, when, and why."""

    party: str
    phase: int
    t0: datetime
    at: datetime  # when it was recorded: a confirmed phase takes effect then at the earliest
    confirmed: bool
    by: str
    reason: str


@dataclass(frozen=True)
class Pinning:
    """Which version each track episode runs under. A plan's versions, each with when it was
    adopted: an episode runs under the version in force when it opened (event time: T0), or
    the first version for an episode older than every adoption; a new version applies to new
    episodes, and to an open one only through a recorded migration."""

    versions: tuple[tuple[datetime, Plan], ...]  # (adopted at, the version), oldest first
    migrations: tuple[Migration, ...] = ()

    def choose(self, party: str, t0: datetime) -> Plan:
        for moved in reversed(self.migrations):
            if moved.party == party and moved.t0 == t0:
                return self.version(moved.version)
        chosen = self.versions[0][1]
        for adopted_at, plan in self.versions:
            if adopted_at <= t0:
                chosen = plan
        return chosen

    def version(self, number: int) -> Plan:
        for _, plan in self.versions:
            if plan.version == number:
                return plan
        return self.versions[-1][1]


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    subjects: frozenset[str] | None  # None: every party gets a track
    defenders: dict[str, str]  # violating party -> the party whose forces must stop it
    actors: dict[str, tuple[str, ...]]
    counting: Counting
    cure_period_h: float
    phase3_earliest_h: float
    quiet_period_h: float
    escalation: Escalation
    broader_attack: BroaderAttack
    allow_phase_skip: bool
    phases: tuple[PhaseSpec, ...]
    content_sha256: str
    exemptions: tuple[Exemption, ...] = ()
    # Phase 3 back to phase 2 after this many hours without a broader attack; None: phase 3
    # holds until the track stands down (the seed text names no way down but the quiet period).
    deescalate_3_to_2_h: float | None = None
    version: int = 0  # its adopted version; 0 for a file not adopted
    # The earlier versions and recorded migrations that pin each episode to a version; None:
    # this version alone.
    pinning: Pinning | None = field(default=None, compare=False, repr=False)
    # The recorded answers to confirmation gates, oldest first (engine input, like violations).
    answers: tuple[Answer, ...] = field(default=(), compare=False, repr=False)

    def answer(self, party: str, phase: int, t0: datetime) -> Answer | None:
        """The latest recorded answer for this track episode's phase, if any."""
        for a in reversed(self.answers):
            if a.party == party and a.phase == phase and a.t0 == t0:
                return a
        return None

    def for_episode(self, party: str, t0: datetime) -> Plan:
        """The version a track episode opening at `t0` runs under."""
        return self if self.pinning is None else self.pinning.choose(party, t0)

    def tracks(self, party: str) -> bool:
        return self.subjects is None or party in self.subjects

    def phase(self, number: int) -> PhaseSpec:
        return self.phases[number - 1]

    def parameters(self) -> dict[str, Any]:
        """The named parameters, for decisions to record what was in force."""
        return {
            "cure_period_h": self.cure_period_h,
            "phase3_earliest_h": self.phase3_earliest_h,
            "quiet_period_h": self.quiet_period_h,
            "escalation.count_in_24h": self.escalation.count_in_24h,
            "escalation.sectors_in_24h": self.escalation.sectors_in_24h,
            "escalation.more_severe_than_initial": self.escalation.more_severe_than_initial,
            "broader_attack.count_in_24h": self.broader_attack.count_in_24h,
            "broader_attack.count_spread_km": self.broader_attack.count_spread_km,
            "broader_attack.major_sectors_in_6h": self.broader_attack.major_sectors_in_6h,
            "broader_attack.proceed_if_attack_stops": self.broader_attack.proceed_if_attack_stops,
            "allow_phase_skip": self.allow_phase_skip,
            "deescalation.phase3_to_phase2_after_h": self.deescalate_3_to_2_h,
        }


class PlanError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


_TOP = {
    "name",
    "title",
    "subjects",
    "defenders",
    "actors",
    "counting",
    "clocks",
    "escalation",
    "broader_attack",
    "allow_phase_skip",
    "phases",
    "exemptions",
    "deescalation",
}
_DEESCALATION = {"phase3_to_phase2_after_h"}
_EXEMPTION = {"name", "from", "until", "sectors", "bbox", "handling"}
_COUNTING = {"statuses", "min_severity", "categories", "damaged_objects", "commitments"}
_CLOCKS = {"cure_period_h", "phase3_earliest_h", "quiet_period_h"}
_ESCALATION = {"more_severe_than_initial", "count_in_24h", "sectors_in_24h"}
_BROADER = {
    "categories",
    "count_in_24h",
    "count_spread_km",
    "major_sectors_in_6h",
    "proceed_if_attack_stops",
}
_ACTION = {"action", "actor", "due_h", "description", "shared"}
STATUSES = ("reported", "corroborated", "verified")


class _Reader(KeyPathProblems):
    def section(self, data: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        return self.mapping(data, path, allowed)

    def hours(self, data: Mapping[str, Any], key: str, path: str, default: float) -> float:
        value = data.get(key, default)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not 0 <= value <= MAX_HOURS:
            self.fail(
                f"{path}.{key}", f"must be a number of hours from 0 to {MAX_HOURS}, not {value!r}"
            )
            return default
        return float(value)

    def threshold(
        self, data: Mapping[str, Any], key: str, path: str, default: int | None
    ) -> int | None:
        """A count that triggers something; null switches the rule off."""
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(
                f"{path}.{key}",
                f"must be a whole number > 0, or null to switch it off; not {value!r}",
            )
            return default
        return value

    def distance_km(
        self, data: Mapping[str, Any], key: str, path: str, default: float | None
    ) -> float | None:
        """A distance that a rule requires; null switches the requirement off."""
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            self.fail(f"{path}.{key}", f"must be a number of km > 0, or null; not {value!r}")
            return default
        return float(value)

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", f"must be true or false, not {value!r}")
            return default
        return value

    def categories(self, value: Any, path: str) -> frozenset[Category] | None:
        if value is None or value == ALL:
            return None
        if not isinstance(value, list) or not value:
            self.fail(path, "must be `all` or a list of categories")
            return None
        found = set()
        for item in value:
            if item == Category.MISSED_COMMITMENT:
                self.fail(path, "missed commitments are counted with counting.commitments")
                continue
            try:
                found.add(Category(item))
            except ValueError:
                self.fail(
                    path,
                    f"unknown category {item!r}; valid: {', '.join(c.value for c in Category)}",
                )
        return frozenset(found)

    def severity(self, value: Any, path: str, default: Severity) -> Severity:
        if value is None:
            return default
        try:
            return Severity(value)
        except ValueError:
            self.fail(path, f"unknown severity {value!r}; valid: minor, major, grave")
            return default


def parse_plan(data: Any) -> Plan | list[str]:
    """The plan, or every problem with its key path."""
    r = _Reader()
    top = r.section(data, "", _TOP)
    for key in ("name", "phases"):
        if key not in top:
            r.fail(key, "required")
    subjects = _subjects(r, top.get("subjects", ALL))
    defenders = _string_map(r, top.get("defenders", {}), "defenders")
    actors = _actors(r, top.get("actors", {}))
    counting = _counting(r, r.section(top.get("counting"), "counting", _COUNTING))
    clocks = r.section(top.get("clocks"), "clocks", _CLOCKS)
    cure = r.hours(clocks, "cure_period_h", "clocks", 24.0)
    earliest = r.hours(clocks, "phase3_earliest_h", "clocks", 72.0)
    quiet = r.hours(clocks, "quiet_period_h", "clocks", 168.0)
    esc = r.section(top.get("escalation"), "escalation", _ESCALATION)
    escalation = Escalation(
        more_severe_than_initial=r.flag(esc, "more_severe_than_initial", "escalation", True),
        count_in_24h=r.threshold(esc, "count_in_24h", "escalation", 10),
        sectors_in_24h=r.threshold(esc, "sectors_in_24h", "escalation", 3),
    )
    broad = r.section(top.get("broader_attack"), "broader_attack", _BROADER)
    broader = BroaderAttack(
        categories=r.categories(
            broad.get("categories", ["ground_assault", "air_strike", "missile_strike"]),
            "broader_attack.categories",
        )
        or frozenset(Category),  # `all`: a grave violation of any kind
        count_in_24h=r.threshold(broad, "count_in_24h", "broader_attack", 50),
        count_spread_km=r.distance_km(broad, "count_spread_km", "broader_attack", 20.0),
        major_sectors_in_6h=r.threshold(broad, "major_sectors_in_6h", "broader_attack", 3),
        proceed_if_attack_stops=r.flag(broad, "proceed_if_attack_stops", "broader_attack", True),
    )
    allow_skip = r.flag(top, "allow_phase_skip", "", False)
    down = r.section(top.get("deescalation"), "deescalation", _DEESCALATION)
    deescalate = None
    if down.get("phase3_to_phase2_after_h") is not None:
        deescalate = r.hours(down, "phase3_to_phase2_after_h", "deescalation", 72.0)
        if deescalate == 0:
            r.fail("deescalation.phase3_to_phase2_after_h", "must be more than 0, or null")
    exemptions = _exemptions(r, top.get("exemptions") or [])
    phases = _phases(r, top.get("phases"), actors)
    _defenders_named(r, subjects, defenders, phases)
    _consistency(r, cure, earliest, quiet, counting, escalation, broader)
    if r.problems:
        return r.problems
    return Plan(
        name=str(top["name"]),
        title=str(top.get("title") or top["name"]),
        subjects=subjects,
        defenders=defenders,
        actors=actors,
        counting=counting,
        cure_period_h=cure,
        phase3_earliest_h=earliest,
        quiet_period_h=quiet,
        escalation=escalation,
        broader_attack=broader,
        allow_phase_skip=allow_skip,
        phases=phases,
        exemptions=exemptions,
        deescalate_3_to_2_h=deescalate,
        content_sha256=hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str).encode()
        ).hexdigest(),
    )


def _subjects(r: _Reader, value: Any) -> frozenset[str] | None:
    if value == ALL:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        r.fail("subjects", "must be `all` or a list of party codes, e.g. [RU]")
        return None
    return frozenset(value)


def _string_map(r: _Reader, value: Any, path: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        r.fail(path, "must map party codes to party codes, e.g. {RU: UA}")
        return {}
    return dict(value)


def _actors(r: _Reader, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        r.fail("actors", "must map a group name to a list of actors")
        return {}
    actors: dict[str, tuple[str, ...]] = {}
    for name, members in value.items():
        if (
            not isinstance(members, list)
            or not all(isinstance(m, str) for m in members)
            or not members
        ):
            r.fail(f"actors.{name}", "must be a non-empty list of names")
            continue
        actors[str(name)] = tuple(members)
    return actors


def _counting(r: _Reader, data: dict[str, Any]) -> Counting:
    statuses = data.get("statuses", ["verified"])
    if not isinstance(statuses, list) or not statuses or any(s not in STATUSES for s in statuses):
        r.fail("counting.statuses", f"must be a list of {', '.join(STATUSES)}; not {statuses!r}")
        statuses = ["verified"]
    objects = data.get("damaged_objects", "any")
    if objects != "any" and not (
        isinstance(objects, list) and all(isinstance(o, str) for o in objects)
    ):
        r.fail(
            "counting.damaged_objects", "must be `any` or a list of object classes, e.g. [energy]"
        )
        objects = "any"
    return Counting(
        statuses=frozenset(statuses),
        min_severity=r.severity(data.get("min_severity"), "counting.min_severity", Severity.MINOR),
        categories=r.categories(data.get("categories", ALL), "counting.categories"),
        damaged_objects=None if objects == "any" else frozenset(objects),
        commitments=_commitment_kinds(r, data.get("commitments", "none")),
    )


def _commitment_kinds(r: _Reader, value: Any) -> frozenset[str]:
    kinds = [k.value for k in CommitmentKind]
    if value == "none":
        return frozenset()
    if value == ALL:
        return frozenset(kinds)
    if not isinstance(value, list) or not value or any(k not in kinds for k in value):
        r.fail(
            "counting.commitments",
            f"must be `none`, `all` or a list of commitment kinds from: {', '.join(kinds)}",
        )
        return frozenset()
    return frozenset(value)


def _phases(r: _Reader, value: Any, actors: dict[str, tuple[str, ...]]) -> tuple[PhaseSpec, ...]:
    if not isinstance(value, list) or len(value) != 3:
        r.fail("phases", "must list the three phases in order (warning, reinforcement, response)")
        return ()
    phases = []
    for index, item in enumerate(value):
        path = f"phases[{index}]"
        phase = r.section(item, path, {"name", "actions", "confirm_by"})
        actions: list[ActionSpec] = []
        for a_index, action in enumerate(phase.get("actions") or []):
            a_path = f"{path}.actions[{a_index}]"
            spec = r.section(action, a_path, _ACTION)
            actor = str(spec.get("actor", ""))
            if actor not in actors and actor not in ("violator", "defender"):
                r.fail(
                    f"{a_path}.actor",
                    f"{actor!r} is not `violator`, `defender` or a group of actors "
                    f"({', '.join(actors)})",
                )
            if "action" not in spec:
                r.fail(f"{a_path}.action", "required")
            elif any(a.action == spec["action"] for a in actions):
                r.fail(f"{a_path}.action", f"{spec['action']!r} is listed twice in this phase")
            actions.append(
                ActionSpec(
                    action=str(spec.get("action", "")),
                    actor=actor,
                    due_h=r.hours(spec, "due_h", a_path, 0.0),
                    description=str(spec.get("description", "")),
                    shared=r.flag(spec, "shared", a_path, False),
                )
            )
        phases.append(
            PhaseSpec(
                index + 1,
                str(phase.get("name") or f"Phase {index + 1}"),
                tuple(actions),
                _confirmers(r, phase.get("confirm_by"), f"{path}.confirm_by", actors, index),
            )
        )
    return tuple(phases)


def _confirmers(
    r: _Reader, value: Any, path: str, actors: dict[str, tuple[str, ...]], index: int
) -> tuple[str, ...]:
    """A group of the plan's actors (or a list of actor names) who confirm entering a phase."""
    if value is None:
        return ()
    if index == 0:
        r.fail(path, "phase 1 opens at the first counting violation: it cannot wait on anyone")
        return ()
    if isinstance(value, str):
        if value not in actors:
            r.fail(path, f"{value!r} is not a group of actors ({', '.join(actors)})")
            return ()
        return actors[value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    r.fail(path, "must name a group of actors, or list actor names")
    return ()


def _defenders_named(
    r: _Reader,
    subjects: frozenset[str] | None,
    defenders: dict[str, str],
    phases: tuple[PhaseSpec, ...],
) -> None:
    """An action for `defender` needs one named for every party a track can open for."""
    if not any(a.actor == "defender" for phase in phases for a in phase.actions):
        return
    for party in sorted(subjects or ()):
        if party not in defenders:
            r.fail("defenders", f"{party} is tracked and an action is for its defender: name one")


def _consistency(
    r: _Reader,
    cure: float,
    earliest: float,
    quiet: float,
    counting: Counting,
    escalation: Escalation,
    broader: BroaderAttack,
) -> None:
    """Plans that would contradict themselves: a clock that cannot run out before the track
    stands down, or a phase nothing can ever enter."""
    if quiet <= 0:
        r.fail("clocks.quiet_period_h", "must be more than 0: a track would stand down as it opens")
    for key, hours in (("cure_period_h", cure), ("phase3_earliest_h", earliest)):
        if hours >= quiet:
            r.fail(
                f"clocks.{key}",
                f"{hours:g} h is not shorter than the quiet period ({quiet:g} h): the track "
                "would stand down before (or as) it runs out",
            )
    counted = counting.categories
    counts_off = broader.count_in_24h is None and broader.major_sectors_in_6h is None
    if counted is not None and counts_off and not (broader.categories & counted):
        r.fail(
            "broader_attack",
            "phase 3 can never be entered: none of its categories is counted "
            "and its count rules are off",
        )
    if cure == 0 and not (
        escalation.more_severe_than_initial or escalation.count_in_24h or escalation.sectors_in_24h
    ):
        r.fail(
            "escalation",
            "phase 2 can never be entered: no cure period and every escalation rule is off",
        )


def _exemptions(r: _Reader, value: Any) -> tuple[Exemption, ...]:
    if not isinstance(value, list):
        r.fail("exemptions", "must be a list of windows")
        return ()
    found = []
    for index, item in enumerate(value):
        path = f"exemptions[{index}]"
        spec = r.section(item, path, _EXEMPTION)
        start, end = (
            r.time(spec.get("from"), f"{path}.from"),
            r.time(spec.get("until"), f"{path}.until"),
        )
        handling = spec.get("handling", "flag")
        if handling not in ("suppress", "flag"):
            r.fail(f"{path}.handling", f"{handling!r} is not suppress or flag")
        sectors = spec.get("sectors")
        if sectors is not None and not (
            isinstance(sectors, list) and all(isinstance(s, str) for s in sectors)
        ):
            r.fail(f"{path}.sectors", "must be a list of sector names")
            sectors = None
        bbox = spec.get("bbox")
        if bbox is not None and not (
            isinstance(bbox, list)
            and len(bbox) == 4
            and all(isinstance(v, (int, float)) for v in bbox)
        ):
            r.fail(f"{path}.bbox", "must be [west, south, east, north] in degrees")
            bbox = None
        if start and end and end <= start:
            r.fail(f"{path}.until", "must be after from")
        if start and end and "name" in spec:
            found.append(
                Exemption(
                    name=str(spec["name"]),
                    start=start,
                    end=end,
                    sectors=None if sectors is None else frozenset(sectors),
                    bbox=None
                    if bbox is None
                    else (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
                    handling=str(handling),
                )
            )
        elif "name" not in spec:
            r.fail(f"{path}.name", "required")
    return tuple(found)

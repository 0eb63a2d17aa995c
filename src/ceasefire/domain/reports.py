"""Reports and sources: what one observer says happened, exactly as accepted.

A report is never edited. Corrections arrive as new reports or as reviews (later issues), so
every field here is part of what the tamper-evident log protects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ceasefire.domain.taxonomy import Category, WeaponClass


class SourceKind(StrEnum):
    MONITOR_PATROL = "monitor_patrol"
    CAMERA_UAV = "camera_uav"
    SENSOR = "sensor"
    PARTY_COMPLAINT = "party_complaint"
    NEWS_OSINT = "news_osint"


class Reliability(StrEnum):
    """The Admiralty (NATO) source-reliability scale; F means it cannot be judged."""

    A = "A"  # completely reliable
    B = "B"  # usually reliable
    C = "C"  # fairly reliable
    D = "D"  # not usually reliable
    E = "E"  # unreliable
    F = "F"  # reliability cannot be judged


class TimePrecision(StrEnum):
    """How well the observed window is known. ACLED's codes 1, 2, 3 are day, week, month."""

    EXACT = "exact"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GeoPrecision(StrEnum):
    """How well the location is known; each has a default uncertainty radius."""

    EXACT = "exact"  # the point itself (a crater, a monitor's position)
    NEAR = "near"  # within about 25 km of a named place (ACLED 2, UCDP 2)
    DISTRICT = "district"  # somewhere in a raion (UCDP 3)
    PROVINCE = "province"  # somewhere in an oblast (ACLED 3, UCDP 4)
    COUNTRY = "country"  # only the country is known (UCDP 6, 7)


DEFAULT_UNCERTAINTY_M: dict[GeoPrecision, int] = {
    GeoPrecision.EXACT: 1_000,
    GeoPrecision.NEAR: 25_000,
    GeoPrecision.DISTRICT: 50_000,
    GeoPrecision.PROVINCE: 150_000,
    GeoPrecision.COUNTRY: 500_000,
}


class Direction(StrEnum):
    """Direction of fire as monitors record it, relative to the observer."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    UNDETERMINED = "undetermined"


class ObjectClass(StrEnum):
    """Class of object damaged; `energy` is what an energy-strike moratorium counts."""

    ENERGY = "energy"
    RESIDENTIAL = "residential"
    MEDICAL = "medical"
    EDUCATION = "education"
    TRANSPORT = "transport"
    WATER = "water"
    INDUSTRIAL = "industrial"
    AGRICULTURAL = "agricultural"
    MILITARY = "military"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Source:
    """Who reported. Its identity is protected: only analysts see it (service issue)."""

    source_id: str
    kind: SourceKind
    organisation: str
    reliability: Reliability


@dataclass(frozen=True, slots=True)
class Report:
    """One raw observation from one source, as accepted.

    The identity is (source_id, external_id); `report_id` is derived from it, so the same
    observation imported twice, through any door, gets the same id.
    """

    report_id: str
    source_id: str
    external_id: str
    observed_start: datetime
    observed_end: datetime
    time_precision: TimePrecision
    category: Category
    lon: float | None
    lat: float | None
    uncertainty_m: int | None
    geo_precision: GeoPrecision | None
    place: str
    weapon_class: WeaponClass | None
    explosions: int
    projectiles: int
    bursts: int
    shots: int
    direction: Direction | None
    bearing_deg: float | None
    distance_min_m: int | None
    distance_max_m: int | None
    killed: int
    injured: int
    civilians_killed: int
    civilians_injured: int
    damaged_object: ObjectClass | None
    alleged_party: str
    text: str
    links: tuple[str, ...]
    attachments: tuple[str, ...]
    received_at: datetime
    # The external id of this source's earlier report that this one updates or corrects: the
    # two describe one event (grouping joins them), however far apart they are placed.
    updates: str | None = None


def report_id_for(source_id: str, external_id: str) -> str:
    """A stable id from the report's identity: 24 hex digits of SHA-256 (96 bits).

    >>> report_id_for("osce-smm", "2015-02-16/17")
    '6d47beaeccce1cbe5f304d5a'
    """
    digest = hashlib.sha256(f"{source_id}\x1f{external_id}".encode()).hexdigest()
    return digest[:24]

"""Where a report places the weapon: a sighting or outgoing fire does; an impact never does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pyproj import Geod

from ceasefire.domain.geo.placement import OUTGOING_NEAR_M, weapon_position
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

RULES = IngestRules(now=datetime(2026, 1, 1, tzinfo=UTC), zone=UTC)
KRAMATORSK = (37.556, 48.723)


def made(**extra: Any) -> Any:
    fields: dict[str, Any] = {
        "source_id": "patrol-1",
        "source_kind": "monitor_patrol",
        "observed_start": "2025-04-20T10:00Z",
        "lon": KRAMATORSK[0],
        "lat": KRAMATORSK[1],
        "uncertainty_m": 500,
        "category": "artillery",
        "weapon_class": "artillery_100mm_plus",
    } | extra
    result = parse_report(fields, RULES)
    assert isinstance(result, Accepted), result
    return result.report


@pytest.mark.parametrize("direction", ["incoming", "undetermined", None])
def test_fire_that_is_not_outgoing_places_no_weapon(direction: str | None) -> None:
    """Six rounds landing in Kramatorsk say where they landed, not where the gun was."""
    assert weapon_position(made(direction=direction, explosions=6)) is None


def test_a_sighting_places_the_weapon_where_it_was_seen() -> None:
    seen = weapon_position(made(category="heavy_weapon_sighted"))
    assert seen is not None
    assert (seen.lon, seen.lat, seen.uncertainty_m) == (*KRAMATORSK, 500)


def test_outgoing_fire_places_the_weapon_near_the_report_without_a_bearing() -> None:
    near = weapon_position(made(direction="outgoing"))
    assert near is not None
    assert (near.lon, near.lat) == KRAMATORSK
    assert near.uncertainty_m == 500 + OUTGOING_NEAR_M


def test_outgoing_fire_with_bearing_and_distance_places_the_weapon_that_far_off() -> None:
    fired = weapon_position(
        made(direction="outgoing", bearing_deg=90, distance_min_m=3000, distance_max_m=5000)
    )
    assert fired is not None
    _, _, metres = Geod(ellps="WGS84").inv(*KRAMATORSK, fired.lon, fired.lat)
    assert metres == pytest.approx(4000, abs=1)
    assert fired.lon > KRAMATORSK[0]  # east
    assert 500 + 1000 < fired.uncertainty_m < 500 + 1000 + 4000 * 0.2

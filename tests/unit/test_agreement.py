"""Agreement files: every problem named by its key path; geometry problems by what is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import LineString, MultiLineString, Polygon

from ceasefire.domain.agreement import MINSK_II_WITHDRAWAL_KM, AgreementSpec, parse_agreement
from ceasefire.domain.geo.checks import check_area, check_line
from ceasefire.domain.taxonomy import WeaponClass

VALID: dict[str, Any] = {
    "name": "test-agreement",
    "parties": {"RU": "Russian Federation", "UA": "Ukraine"},
    "effective_from": "2025-03-18T00:00:00+02:00",
    "geography": {
        "line_of_contact": "line.geojson",
        "control": [{"party": "RU", "area": "ru.geojson"}, {"party": "UA", "area": "ua.geojson"}],
        "positive_side": "UA",
        "admin_areas": {"file": "oblasts.geojson", "name_property": "name"},
        "sectors": "admin_areas",
    },
    "zones": {"dmz_half_width_km": 2, "weapon_withdrawal": "minsk-ii"},
}


def problems(**changes: Any) -> list[str]:
    result = parse_agreement(VALID | changes)
    assert isinstance(result, list), result
    return result


def test_valid_file_parses_with_the_minsk_preset() -> None:
    spec = parse_agreement(VALID)
    assert isinstance(spec, AgreementSpec)
    assert spec.weapon_withdrawal_km == MINSK_II_WITHDRAWAL_KM
    assert spec.weapon_withdrawal_km[WeaponClass.MLRS] == 35.0  # a 70 km zone, halved
    assert spec.sectors_from_admin_areas
    assert spec.effective_from.utcoffset() is not None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"name": "Bad Name"}, "name: 'Bad Name': lower-case"),
        ({"parties": {"RU": "x"}}, "parties: an agreement binds at least two parties"),
        ({"parties": {"ru": "x", "UA": "y"}}, "parties.ru: a party code is upper-case"),
        ({"effective_from": "2025-03-18T00:00"}, "effective_from: needs its UTC offset"),
        ({"effective_until": "2025-03-01T00:00+02:00"}, "effective_until: must be after"),
        (
            {"zones": {"dmz_half_width_km": -1}},
            "zones.dmz_half_width_km: must be a positive number of km",
        ),
        (
            {"zones": {"dmz_half_width_km": 2, "weapon_withdrawal": {"howitzer": 20}}},
            "zones.weapon_withdrawal.howitzer: unknown weapon class",
        ),
        (
            {"zones": {"dmz_half_width_km": 2, "weapon_withdrawal": "minsk-iii"}},
            "zones.weapon_withdrawal: unknown preset 'minsk-iii'",
        ),
    ],
)
def test_problems_name_their_key_path(changes: dict[str, Any], expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(**changes)), problems(**changes)


def test_geography_problems() -> None:
    geography = dict(VALID["geography"])
    geography["positive_side"] = "BY"
    geography["control"] = [{"party": "XX", "area": "a.geojson"}, {"area": "b.geojson"}]
    found = problems(geography=geography)
    assert "geography.positive_side: 'BY' is not one of the parties (RU, UA)" in found
    assert any(p.startswith("geography.control[0].party: 'XX'") for p in found)
    assert "geography.control[1].party: required" in found


def test_missing_sections_are_required() -> None:
    found = parse_agreement({"name": "x"})
    assert isinstance(found, list)
    for key in ("parties", "effective_from", "geography", "zones"):
        assert f"{key}: required" in found


def test_line_checks() -> None:
    good = LineString([(37.0, 48.0), (37.5, 48.2)])
    assert check_line(good, "line") == []
    assert "not Polygon" in check_line(Polygon([(37, 48), (38, 48), (38, 49)]), "line")[0]
    assert "empty" in check_line(LineString(), "line")[0]
    assert "swapped" in check_line(LineString([(48.0, 37.0), (48.2, 37.5)]), "line")[0]
    assert "out of range" in check_line(LineString([(37.0, 148.0), (37.5, 48.2)]), "line")[0]
    crossing = LineString([(37.0, 48.0), (38.0, 49.0), (38.0, 48.0), (37.0, 49.0)])
    (problem,) = check_line(crossing, "line")
    assert "crosses itself near lon 37.50000, lat 48.50000" in problem
    touching_parts = MultiLineString([[(37.0, 48.0), (37.5, 48.0)], [(37.5, 48.0), (38.0, 48.0)]])
    assert check_line(touching_parts, "line") == []


def test_area_checks() -> None:
    bowtie = Polygon([(37, 48), (38, 49), (38, 48), (37, 49)])
    (problem,) = check_area(bowtie, "area")
    assert "invalid polygon: Self-intersection" in problem
    assert "not LineString" in check_area(LineString([(37, 48), (38, 49)]), "area")[0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "2"])
def test_distances_must_be_finite_positive_numbers(value: object) -> None:
    found = problems(zones={"dmz_half_width_km": value})
    assert any(p.startswith("zones.dmz_half_width_km: must be a positive number") for p in found)

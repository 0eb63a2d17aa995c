"""Geometry on shapes whose answers are known exactly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, box

from ceasefire.domain.geo.classify import NO_INDEX, Classifier
from ceasefire.domain.geo.line_from_area import derive_contact_line
from ceasefire.domain.geo.projection import MetricFrame
from ceasefire.domain.geo.zones import (
    Geography,
    WeaponRule,
    ZoneParameters,
    build_zones,
    resolve_control,
)
from ceasefire.domain.taxonomy import WeaponClass

from ..conftest import examples

FRAME = MetricFrame(lon_0=36.0, lat_0=48.0)
# A straight front 200 km long along y = 0: RU holds the north, UA the south, of a 400 km box.
LINE = MultiLineString([LineString([(-100_000, 0), (100_000, 0)])])
NORTH = box(-200_000, 0, 200_000, 200_000)
SOUTH = box(-200_000, -200_000, 200_000, 0)
PARAMETERS = ZoneParameters(
    dmz_half_width_m=2_000,
    weapon_rules=(
        WeaponRule(WeaponClass.TANK, 15_000),
        WeaponRule(WeaponClass.ARTILLERY_100MM_PLUS, 25_000),
    ),
)
GEOGRAPHY = Geography(
    frame=FRAME,
    line=LINE,
    control=resolve_control([("RU", NORTH), ("UA", SOUTH)]),
    sectors=(
        ("west", box(-200_000, -200_000, 0, 200_000)),
        ("east", box(0, -200_000, 200_000, 200_000)),
    ),
    admin_areas=(("Left oblast", box(-200_000, -200_000, -50_000, 200_000)),),
    positive_party="UA",
)
CLASSIFIER = Classifier(GEOGRAPHY, PARAMETERS)


def classify(xs: list[float], ys: list[float], uncertainty: list[float] | None = None):  # type: ignore[no-untyped-def]
    lon, lat = FRAME.lonlat(np.array(xs, dtype=float), np.array(ys, dtype=float))
    radius = None if uncertainty is None else np.array(uncertainty, dtype=float)
    return CLASSIFIER.classify(lon, lat, radius)


def test_frame_round_trip_is_exact_to_a_millimetre() -> None:
    lon, lat = FRAME.lonlat(np.array([12_345.0]), np.array([-67_890.0]))
    x, y = FRAME.xy(lon, lat)
    assert abs(x[0] - 12_345.0) < 1e-3
    assert abs(y[0] + 67_890.0) < 1e-3


def test_points_a_kilometre_either_side_fall_on_opposite_sides() -> None:
    result = classify([0, 0], [1_000, -1_000])
    assert [CLASSIFIER.parties[i] for i in result.party] == ["RU", "UA"]
    np.testing.assert_allclose(result.distance_m, [1_000, 1_000], atol=0.01)
    np.testing.assert_allclose(result.signed_distance_m, [-1_000, 1_000], atol=0.01)
    assert result.in_dmz.tolist() == [True, True]


def test_distance_rules_are_thresholds() -> None:
    result = classify([0, 0, 0, 0], [1_999, 2_001, 14_000, 20_000])
    assert result.in_dmz.tolist() == [True, False, False, False]
    assert result.in_weapon_zone[:, 0].tolist() == [True, True, True, False]  # tank, 15 km
    assert result.in_weapon_zone[:, 1].tolist() == [True, True, True, True]  # 100 mm+, 25 km


def test_distance_past_the_line_end_is_to_the_end_point() -> None:
    result = classify([103_000], [4_000])
    np.testing.assert_allclose(result.distance_m, [5_000], atol=0.01)


def test_uncertainty_reaching_across_the_line_is_ambiguous() -> None:
    result = classify([0, 0], [3_000, 3_000], uncertainty=[2_500, 3_500])
    assert result.ambiguous_side.tolist() == [False, True]


def test_sector_admin_area_and_missing_coordinates() -> None:
    lon, lat = FRAME.lonlat(np.array([-60_000.0, 60_000.0]), np.array([500.0, 500.0]))
    result = CLASSIFIER.classify(np.append(lon, np.nan), np.append(lat, np.nan))
    assert [CLASSIFIER.sector_names[i] for i in result.sector[:2]] == ["west", "east"]
    assert result.admin_area.tolist() == [0, NO_INDEX, NO_INDEX]
    assert result.party[2] == NO_INDEX
    assert np.isnan(result.distance_m[2])


@settings(max_examples=examples(50), deadline=None)
@given(st.floats(-95_000, 95_000), st.floats(-150_000, 150_000).filter(lambda y: abs(y) > 1))
def test_distance_matches_shapely_on_any_point(x: float, y: float) -> None:
    result = classify([x], [y])
    assert result.distance_m[0] == pytest.approx(abs(y), abs=0.01)
    assert CLASSIFIER.parties[result.party[0]] == ("RU" if y > 0 else "UA")


def test_dmz_area_is_twice_half_width_times_length() -> None:
    zones = {z.name: z for z in build_zones(GEOGRAPHY, PARAMETERS)}
    dmz = FRAME.to_metric(zones["demilitarized zone"].geometry)
    straight_part = 2 * 2_000 * 200_000
    caps = np.pi * 2_000**2
    assert dmz.area == pytest.approx(straight_part + caps, rel=1e-3)


def test_withdrawal_lines_lie_on_each_side_at_the_half_width() -> None:
    zones = {z.name: z for z in build_zones(GEOGRAPHY, PARAMETERS)}
    ru_line = FRAME.to_metric(zones["RU withdrawal line"].geometry)
    ua_line = FRAME.to_metric(zones["UA withdrawal line"].geometry)
    assert ru_line.distance(shapely.Point(0, 2_000)) < 1
    assert ua_line.distance(shapely.Point(0, -2_000)) < 1
    assert ru_line.bounds[1] >= -1  # wholly on the RU side
    assert set(zones) >= {"RU tank withdrawal zone", "UA artillery_100mm_plus withdrawal zone"}


def test_first_control_rule_wins() -> None:
    resolved = resolve_control([("RU", box(0, 0, 10, 10)), ("UA", box(0, 0, 20, 20))])
    assert resolved[0][1].area == 100
    assert resolved[1][1].area == 300


def test_line_from_area_keeps_the_front_and_drops_border_and_coast() -> None:
    """Country: a 400 x 200 km box. Area held by one side: its north-east quarter, which
    touches the country's border on two sides. The front is the two inner edges."""
    country = box(0, 0, 400_000, 200_000)
    area = box(200_000, 100_000, 400_000, 200_000)
    derived = derive_contact_line(area, country)
    assert derived.line.length == pytest.approx(200_000 + 100_000, rel=0.03)
    assert all(
        shapely.Point(x, y).distance(derived.line) < 10
        for x, y in [(200_000, 150_000), (300_000, 100_000)]
    )
    assert shapely.Point(400_000, 150_000).distance(derived.line) > 2_000  # the border stretch


def test_line_from_area_drops_a_coast_that_the_sources_draw_differently() -> None:
    """The area's southern edge runs 2 km inland of the country's coast: still a coast."""
    country = box(0, 0, 400_000, 200_000)
    area = box(100_000, 2_000, 300_000, 100_000)
    derived = derive_contact_line(area, country)
    assert shapely.Point(200_000, 2_000).distance(derived.line) > 2_000
    assert derived.line.length == pytest.approx(100_000 * 2 + 200_000, rel=0.05)


def test_line_from_area_with_nothing_facing_land_is_an_error() -> None:
    country = box(0, 0, 100, 100)
    with pytest.raises(ValueError, match="faces land"):
        derive_contact_line(country, country)


def test_threads_give_the_same_answers_as_one() -> None:
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(-150_000, 150_000, 50_000), rng.uniform(-150_000, 150_000, 50_000)
    lon, lat = FRAME.lonlat(xs, ys)
    lon[::97] = np.nan  # some reports have no coordinates
    one = CLASSIFIER.classify(lon, lat, workers=1)
    two = CLASSIFIER.classify(lon, lat, workers=2)
    for name in (
        "party",
        "distance_m",
        "signed_distance_m",
        "in_weapon_zone",
        "sector",
        "admin_area",
    ):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    inside = ~np.isnan(lon)
    expected = np.abs(ys[inside])
    beyond_ends = np.abs(xs[inside]) > 100_000
    np.testing.assert_allclose(
        one.distance_m[inside][~beyond_ends], expected[~beyond_ends], atol=0.01
    )


def test_line_with_a_gap_and_several_parts() -> None:
    """Two stretches with a 20 km gap (a river crossing, say): points in the gap are measured
    to the nearer end, and the DMZ has a gap too."""
    line = MultiLineString([[(-100_000, 0), (-10_000, 0)], [(10_000, 0), (100_000, 0)]])
    geography = Geography(FRAME, line, GEOGRAPHY.control, (), (), "UA")
    classifier = Classifier(geography, PARAMETERS)
    lon, lat = FRAME.lonlat(np.array([0.0, -50_000.0]), np.array([0.0, 500.0]))
    result = classifier.classify(lon, lat)
    np.testing.assert_allclose(result.distance_m, [10_000, 500], atol=0.01)
    assert result.in_dmz.tolist() == [False, True]
    dmz = FRAME.to_metric(
        next(z for z in build_zones(geography, PARAMETERS) if z.kind == "dmz").geometry
    )
    assert not dmz.contains(shapely.Point(0, 0))
    assert len(shapely.get_parts(dmz)) == 2


def test_zones_stop_at_the_land_the_control_areas_cover() -> None:
    """A line running into a border: zones are clipped to the areas the parties hold."""
    land = box(-200_000, -200_000, 80_000, 200_000)  # the land ends at x = 80 km
    control = resolve_control([("RU", NORTH.intersection(land)), ("UA", SOUTH.intersection(land))])
    geography = Geography(FRAME, LINE, control, (), (), "UA")
    zones = build_zones(geography, PARAMETERS)
    dmz = FRAME.to_metric(next(z for z in zones if z.kind == "dmz").geometry)
    assert dmz.bounds[2] == pytest.approx(80_000, abs=1)
    for zone in zones:
        if zone.kind == "weapon_zone":
            assert FRAME.to_metric(zone.geometry).bounds[2] <= 80_001


def test_far_points_have_no_sector() -> None:
    """A sector is a stretch of the front: 30 km out a point is in it, 600 km out it is not."""
    lon, lat = FRAME.lonlat(np.array([60_000.0, 60_000.0]), np.array([30_000.0, 600_000.0]))
    result = CLASSIFIER.classify(lon, lat)
    assert result.sector[0] != NO_INDEX
    assert result.sector[1] == NO_INDEX

"""The free-text extractor: places, what happened, who, and the whole paragraph."""

from __future__ import annotations

import csv
import statistics
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from ceasefire.domain.extraction.extract import as_record, extract, report_fields
from ceasefire.domain.extraction.found import LIKELY
from ceasefire.domain.extraction.what import (
    find_casualties,
    find_counts,
    find_damage,
    find_kind,
)
from ceasefire.domain.extraction.when import find_when
from ceasefire.domain.extraction.where import bearing_of, find_location
from ceasefire.domain.extraction.who import find_party
from ceasefire.domain.reports import Direction, GeoPrecision, ObjectClass
from ceasefire.domain.taxonomy import Category, WeaponClass
from ceasefire.geofiles.gazetteer import bundled_place_names
from ceasefire.ingest.text_reader import TextOptions, external_id, read_paragraph
from ceasefire.services.extraction import extraction_context, front_distance

from ..conftest import examples

KYIV = ZoneInfo("Europe/Kyiv")
GEOD = Geod(ellps="WGS84")
ROOT = Path(__file__).resolve().parents[2]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000


@pytest.fixture(scope="module")
def names():  # type: ignore[no-untyped-def]
    return bundled_place_names()


@pytest.mark.parametrize(
    "spelling", ["Kupiansk", "Kupyansk", "Куп'янськ", "Купянск", "Kup'iansk", "KUPIANSK"]
)
def test_transliterations_find_one_place(names, spelling: str) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location(f"Shelling was reported in {spelling} overnight.", names)
    assert found is not None
    assert found.value.place == "Kupyansk"
    assert found.span.of(f"Shelling was reported in {spelling} overnight.") == spelling
    assert flags == []


def test_oblast_named_settles_a_shared_name(names) -> None:  # type: ignore[no-untyped-def]
    text = "Russian forces shelled Huliaipole, Zaporizhzhia region, with artillery."
    found, _ = find_location(text, names)
    assert found is not None
    assert (found.value.lon, found.value.lat) == pytest.approx((36.26, 47.66), abs=0.02)
    assert "oblast" in found.rule or "only place" in found.rule


def test_a_village_missing_from_the_gazetteer_is_not_swapped_for_a_namesake(names) -> None:  # type: ignore[no-untyped-def]
    # Five Hryhorivkas are in the gazetteer, none in Donetsk oblast: the extractor must not
    # move the event to another oblast; it falls back to the oblast, flagged.
    found, flags = find_location("Russian forces shelled near Hryhorivka, Donetsk.", names)
    assert found is not None
    assert found.value.precision is GeoPrecision.PROVINCE
    assert found.value.place == "Donetsk oblast"
    assert any("no place of that name in Donetsk" in f.reason for f in flags)


def test_relative_location_from_where_the_patrol_was(names) -> None:  # type: ignore[no-untyped-def]
    text = (
        "At 14:35, while in Zolote, the patrol heard 12 undetermined explosions 3-5 km south-west."
    )
    found, _ = find_location(text, names)
    assert found is not None
    zolote = names.places_named("Zolote")[0]
    distance = km((zolote.lon, zolote.lat), (found.value.lon, found.value.lat))
    azimuth = GEOD.inv(zolote.lon, zolote.lat, found.value.lon, found.value.lat)[0] % 360
    assert distance == pytest.approx(4.0, abs=0.05)
    assert azimuth == pytest.approx(225, abs=1)
    assert found.value.precision is GeoPrecision.NEAR
    assert found.value.uncertainty_m >= 1_000 + 1_600  # the range and the compass sector
    assert found.value.place == "3-5 km south-west of Zolote"


def test_relative_location_from_a_named_place(names) -> None:  # type: ignore[no-untyped-def]
    found, _ = find_location("Explosions 7 km north-east of Horlivka were heard.", names)
    horlivka = max(names.places_named("Horlivka"), key=lambda p: p.population)
    assert found is not None
    distance = km((horlivka.lon, horlivka.lat), (found.value.lon, found.value.lat))
    assert distance == pytest.approx(7.0, abs=0.05)


def test_a_sector_is_not_its_city(names) -> None:  # type: ignore[no-untyped-def]
    text = "Rebels fired mortars at positions in the Luhansk sector near Krymske and Zolote."
    found, flags = find_location(text, names)
    assert found is not None
    assert found.value.place != "Luhansk"
    assert any("several places" in f.reason for f in flags)


@pytest.mark.parametrize(
    ("text", "doubt"),
    [
        ("Russian forces redeploying away from Hostomel airport", "away from Hostomel"),
        ("Queue of cars waiting to leave Mariupol", "away from Mariupol"),
        ("Civilian building on fire in Kyiv's Podil neighbourhood", "may be a part of Kyiv"),
        # Dolyna the town (20,000 people, in the west) or the village near the line?
        ("Destruction of residential areas in Dolyna", "a place of the same name lies near it"),
        ("A naval drone hit a patrol boat near Alupka.", "the event was at sea"),
        ("Shelling was heard north of Mariupol.", "north of Mariupol with no distance"),
        ("Fire exchanged at Novoselivka Druha and Zolote 1", "Zolote followed by a number"),
    ],
)
def test_what_the_place_named_may_not_be_is_flagged(names, text: str, doubt: str) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location(text, names, front_distance())
    assert found is not None
    assert any(doubt in f.reason for f in flags), flags


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # Two listed in Donetsk oblast, the larger chosen; many more share the name.
        ("Missiles hit houses in Mykolaivka, Donetsk region.", "villages under 500 people"),
        # The only one listed in the oblast lies far from the line: perhaps not the one meant.
        ("Airstrikes were reported near Novodanylivka, Zaporizhzhia region.", "from the line"),
    ],
)
def test_a_village_the_oblast_settles_only_by_size_or_far_from_the_line_is_flagged(
    names, text: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location(text, names, front_distance())
    assert found is not None
    assert found.confidence < LIKELY
    assert any(why in f.reason for f in flags), flags


def test_a_count_after_a_place_is_not_a_numbered_settlement(names) -> None:  # type: ignore[no-untyped-def]
    _, flags = find_location("The patrol in Avdiivka heard 3 explosions.", names)
    assert not any("followed by a number" in f.reason for f in flags)


def test_a_unit_or_a_facility_named_for_a_place_is_not_that_place(names) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location("Shelling near the Zaporizhzhia NPP overnight.", names)
    assert found is None  # the plant is 50 km from the city: not placed, and said so
    assert flags
    found, _ = find_location("The Azov regiment fired at positions near Shyrokyne.", names)
    assert found is not None
    assert found.value.place == "near Shyrokyne"


def test_a_former_name_does_not_outweigh_the_places_that_bear_it(names) -> None:  # type: ignore[no-untyped-def]
    """Donetsk was once Oleksandrivka; twenty villages are called that now."""
    found, flags = find_location("Russian tank in private property in Oleksandrivka", names)
    assert found is not None
    assert found.confidence < LIKELY
    assert any("former or foreign name" in f.reason for f in flags)


def test_no_place_is_flagged_not_guessed(names) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location("Heavy shelling was reported overnight.", names)
    assert found is None
    assert flags
    assert flags[0].field == "location"


@pytest.mark.parametrize(
    ("text", "category", "weapon"),
    [
        ("Russian forces fired mortars and artillery at the village.", Category.MORTAR,
         WeaponClass.MORTAR),
        ("Ukrainian forces carried out drone strikes and shelled positions.",
         Category.DRONE_STRIKE, WeaponClass.DRONE),
        ("Russian forces shelled the town with 152mm howitzers.", Category.ARTILLERY,
         WeaponClass.ARTILLERY_100MM_PLUS),
        ("Two Iskander missiles hit the city.", Category.MISSILE_STRIKE, WeaponClass.MISSILE),
        ("Forces shelled, assaulted, and were repulsed from positions near the village.",
         Category.GROUND_ASSAULT, None),
        ("Rebels fired at positions using grenade launchers and heavy machine guns.",
         Category.BURST_OF_FIRE, WeaponClass.LIGHT_WEAPONS),
        ("A civilian car hit a landmine on the road.", Category.MINE_IED, WeaponClass.MINE_IED),
        ("The patrol heard 12 undetermined explosions.", Category.EXPLOSION, None),
    ],
)  # fmt: skip
def test_category_and_weapon(text: str, category: Category, weapon: WeaponClass | None) -> None:
    found, _ = find_kind(text)
    assert found is not None
    assert found.value.category is category
    assert found.value.weapon is weapon


def test_grenade_launcher_fire_is_read_as_bursts_and_flagged() -> None:
    """Monitors count it as light-weapons fire; some coders file it as shelling."""
    found, flags = find_kind("Forces fired grenade launchers at positions near the village.")
    assert found is not None
    assert found.value.category is Category.BURST_OF_FIRE
    assert any("grenade launchers" in f.reason for f in flags)


def test_a_protest_gets_no_category_and_says_why() -> None:
    found, flags = find_kind("About 1000 entrepreneurs demonstrated in Kyiv, demanding new laws.")
    assert found is None
    assert flags[0].field == "category"
    assert "protest" in flags[0].reason


def test_counts_and_direction_as_monitors_write_them() -> None:
    counts, flags = find_counts(
        "The SMM recorded 12 undetermined explosions, five bursts and 20 shots."
    )
    assert {k: v.value for k, v in counts.items()} == {"explosions": 12, "bursts": 5, "shots": 20}
    assert flags == []
    assert find_counts("explosions 3-5 km south-west") == ({}, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 3 March 2025 explosions were heard.", {}),  # a year, not a count
        ("24 explosions were recorded, including 10 explosions near Zolote.", {"explosions": 24}),
        ("Dozens of explosions were heard.", {}),  # no number given: none invented
        ("3 explosions at 14:00 and 5 explosions at 15:00.", {"explosions": 8}),
    ],
)
def test_counts_are_never_invented(text: str, expected: dict[str, int]) -> None:
    counts, flags = find_counts(text)
    assert {k: v.value for k, v in counts.items()} == expected
    assert bool(flags) == (text.startswith("3 explosions"))  # the sum is flagged


def test_casualties_split_civilians_from_the_rest() -> None:
    found, _ = find_casualties(
        "A private house was damaged. 4 civilians were injured and two soldiers were killed "
        "[3 fatalities split across 2 events]."
    )
    values = {k: v.value for k, v in found.items()}
    assert values == {"injured": 4, "civilians_injured": 4, "killed": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 3 March 2025 two civilians were killed.", {"killed": 2, "civilians_killed": 2}),
        ("On 3 March civilians were killed.", {}),  # no number: none read
        ("Shelling hit a house where people were injured.", {}),
        ("Three soldiers were not injured.", {}),
        (
            "Two civilians were killed. The two civilians killed were women.",
            {"killed": 2, "civilians_killed": 2},
        ),
        ("One Ukrainian Government soldier and three rebels were killed.", {"killed": 4}),
    ],
)
def test_casualties_read_only_what_is_said(text: str, expected: dict[str, int]) -> None:
    found, _ = find_casualties(text)
    assert {k: v.value for k, v in found.items()} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A power substation was damaged by the strike.", ObjectClass.ENERGY),
        ("The patrol, travelling by road, heard small-arms fire.", None),
        ("Shells landed 2 km from the school; no damage was reported.", None),
        ("A shell hit a residential building and damaged a school.", ObjectClass.EDUCATION),
    ],
)
def test_damage_needs_something_said_to_be_hit(text: str, expected: ObjectClass | None) -> None:
    found = find_damage(text)
    assert (found.value if found else None) is expected


@pytest.mark.parametrize(
    ("text", "party"),
    [
        ("A Ukrainian village was shelled.", None),  # an adjective of place, not an actor
        ("Ukrainian officials said shelling hit the town.", None),
        ("Russian shelling hit Kherson.", "RU"),
        ("Russia launched 40 missiles at Kyiv.", "RU"),
        ("Missiles were launched at targets in Ukraine.", None),
    ],
)
def test_a_side_acts_only_as_the_subject_of_violence(text: str, party: str | None) -> None:
    kind, _ = find_kind(text)
    found, _ = find_party(text, kind.span if kind else None)
    assert (found.value if found else None) == party


def test_party_is_the_actor_before_the_violence() -> None:
    text = "NAF rebel forces fired at the Military Forces of Ukraine positions near the town."
    kind, _ = find_kind(text)
    party, _ = find_party(text, kind.span if kind else None)
    assert party is not None
    assert party.value == "RU"
    assert party.rule.startswith("proposed")
    text = "Ukrainian forces hit Russian armoured vehicles with a drone."
    kind, _ = find_kind(text)
    party, _ = find_party(text, kind.span if kind else None)
    assert party is not None
    assert party.value == "UA"


def test_only_a_target_named_proposes_the_other_side_weakly() -> None:
    text = "Unknown forces shelled Ukrainian forces near the village."
    kind, _ = find_kind(text)
    party, flags = find_party(text, kind.span if kind else None)
    assert party is not None
    assert party.value == "RU"
    assert party.confidence < LIKELY
    assert flags
    assert "target" in flags[0].reason


@pytest.mark.parametrize(
    ("text", "place", "category", "party"),
    [
        ("5 лютого 2026 року російські війська обстріляли Херсон з артилерії.", "Kherson",
         "artillery", "RU"),
        ("Вчора ЗСУ завдали удару дронами по позиціях окупантів під Авдіївкою.", "Avdiyivka",
         "drone_strike", "UA"),
        ("5 февраля 2026 года российские войска нанесли ракетный удар по Харькову.", "Kharkiv",
         "missile_strike", "RU"),
    ],
)  # fmt: skip
def test_ukrainian_and_russian_sentences(text: str, place: str, category: str, party: str) -> None:
    """Place names in any case ("під Авдіївкою", "по Харькову"), Cyrillic months and "вчора"."""
    extraction = extract(text, extraction_context(KYIV, datetime(2026, 2, 6, 10, tzinfo=UTC)))
    fields = report_fields(extraction)
    assert extraction.location is not None
    assert extraction.location.value.place == place
    assert (fields["category"], fields["alleged_party"]) == (category, party)
    assert fields["observed_start"] == "2026-02-04T22:00:00+00:00"  # 5 February, Kyiv time


def test_whole_paragraph_to_report_fields() -> None:
    context = extraction_context(KYIV, datetime(2026, 2, 5, 17, 30, tzinfo=UTC))
    text = (
        "At 14:35, while in Zolote, the patrol heard 12 undetermined explosions 3-5 km "
        "south-west. A power line was damaged."
    )
    extraction = extract(text, context)
    fields = report_fields(extraction)
    assert fields["observed_start"] == "2026-02-05T12:35:00+00:00"
    assert fields["category"] == "explosion"
    assert fields["explosions"] == "12"
    assert fields["direction"] == Direction.UNDETERMINED.value
    assert fields["damaged_object"] == ObjectClass.ENERGY.value
    assert fields["place"] == "3-5 km south-west of Zolote"
    assert "alleged_party" not in fields  # no actor named: left empty and flagged
    assert "alleged_party" in extraction.flagged_fields()
    record = as_record(extraction)
    assert record["fields"]["category"]["evidence"] == "explosions"
    assert record["fields"]["observed"]["evidence"].startswith("14:35")


def test_nothing_readable_leaves_required_fields_out() -> None:
    extraction = extract("The weather was calm.", extraction_context(KYIV))
    fields = report_fields(extraction)
    assert set(fields) == {"text"}
    assert {"observed_start", "location", "category"} <= extraction.flagged_fields()


SETTLEMENTS = ["Horlivka", "Zolote", "Kupiansk", "Stanytsia Luhanska", "Avdiivka", "Popasna"]


@settings(max_examples=examples(60), deadline=None)
@given(
    st.sampled_from(SETTLEMENTS),
    st.sampled_from(["On 3 March 2024, ", "Yesterday ", ""]),
    st.sampled_from([" Casualties unknown.", " No one was hurt.", ""]),
)
def test_the_place_does_not_depend_on_the_words_around_it(
    place: str, before: str, after: str
) -> None:
    """A place's point is the same whatever the sentence says before and after it."""
    names = bundled_place_names()
    plain, _ = find_location(f"Shelling in {place}.", names)
    framed, _ = find_location(f"{before}shelling in {place}.{after}", names)
    assert plain is not None
    assert framed is not None
    assert (plain.value.lon, plain.value.lat) == (framed.value.lon, framed.value.lat)


def test_ucdp_places_are_found_within_a_few_kilometres() -> None:
    """The committed UCDP extract's `where_description` (e.g. "the village of Shyrokyne
    (Novoazovsky district, Donetsk region)") against UCDP's own coordinates."""
    with (ROOT / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["where_prec"] == "1"]
    context = extraction_context(KYIV)
    errors, placed = [], 0
    for row in rows:
        found = extract(row["where_description"], context).location
        if found is not None and found.value.precision is not GeoPrecision.PROVINCE:
            placed += 1
            errors.append(km((found.value.lon, found.value.lat),
                             (float(row["longitude"]), float(row["latitude"]))))  # fmt: skip
    assert placed / len(rows) > 0.7  # 73 % when written; the rest name districts or roads
    assert statistics.median(errors) < 5.0


def test_the_line_of_contact_distance_is_in_kilometres() -> None:
    distance = front_distance()
    assert distance(37.61581, 49.71003) < 30  # Kupiansk, on the 2025 front
    assert distance(30.52, 50.45) > 400  # Kyiv


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("At 14:35 UTC on 3 March 2025 shelling.", "2025-03-03T14:35", "2025-03-03T14:35"),
        ("On 3 March 2025 at 14:35 (Moscow time).", "2025-03-03T11:35", "2025-03-03T11:35"),
        ("Shelling on 2-3 March 2025.", "2025-03-01T22:00", "2025-03-03T22:00"),
        ("On the night of 2 to 3 March 2025, drones.", "2025-03-01T22:00", "2025-03-03T22:00"),
    ],
)
def test_zones_and_ranges_of_days_are_read_as_written(text: str, start: str, end: str) -> None:
    found, _ = find_when(text, reference=None, zone=KYIV)
    assert found is not None
    assert found.value.start.isoformat()[:16] == start
    assert found.value.end.isoformat()[:16] == end


def test_compass_points_to_sixteen(names) -> None:  # type: ignore[no-untyped-def]
    assert [bearing_of(p) for p in ("N", "south west", "SSW", "north-north-west")] == [
        0.0,
        225.0,
        202.5,
        337.5,
    ]
    found, _ = find_location("Shelling 15 km south-south-west of Horlivka.", names)
    assert found is not None
    assert found.value.place == "15 km south-south-west of Horlivka"
    found, _ = find_location("In Zolote, shelling was reported 3 km south west of Horlivka.", names)
    assert found is not None
    assert found.value.place == "3 km south-west of Horlivka"


def test_names_that_are_not_places_here(names) -> None:  # type: ignore[no-untyped-def]
    found, _ = find_location("Ivan, a resident, said shelling hit the village.", names)
    assert found is None  # "Jvan" is only an alternate name of Zhvan
    found, flags = find_location("Missiles hit Zaporizhzhia, Kharkiv, Odesa and Lviv.", names)
    assert found is not None
    assert found.value.place == "Zaporizhzhya"  # a list, not "Zaporizhzhia in Kharkiv oblast"
    assert any("several places" in f.reason for f in flags)
    found, _ = find_location("Fighters of the Luhansk People's Republic shelled Kupiansk.", names)
    assert found is not None
    assert found.value.place == "Kupyansk"


def test_readings_that_only_propose_stay_out_of_the_report() -> None:
    context = extraction_context(KYIV)
    weak = extract("On 3 March 2025 unknown forces shelled Ukrainian forces in Pisky.", context)
    fields = report_fields(weak)
    assert weak.party is not None
    assert weak.party.value == "RU"
    assert "alleged_party" not in fields  # a weak proposal is the extraction's, not the report's
    assert "lon" not in fields  # Pisky by population alone: named, not placed
    assert str(fields["place"]).startswith("Pisky (not placed: ")


def test_a_paragraph_too_long_is_refused_before_it_is_read() -> None:
    options = TextOptions()
    text = "Shelling near the village " * 400
    record = read_paragraph("f.txt:1", text, 1, options, extraction_context(KYIV))
    assert record.problem is not None
    assert "more than one report's worth" in record.problem.reason
    assert record.extraction is None


def test_the_same_words_read_against_another_day_are_another_report() -> None:
    words = "Yesterday Russian forces shelled Kupiansk."
    first = external_id(words, datetime(2026, 2, 5, tzinfo=UTC))
    assert first == external_id("Yesterday  Russian forces\nshelled Kupiansk.", datetime(
        2026, 2, 5, tzinfo=UTC))  # fmt: skip
    assert first != external_id(words, datetime(2026, 2, 6, tzinfo=UTC))


def test_a_village_far_from_the_front_with_no_oblast_named_is_flagged(names) -> None:  # type: ignore[no-untyped-def]
    found, flags = find_location(
        "Shelling near the settlement of Sokolniki.", names, front_distance()
    )
    assert found is not None  # Sokilnyky, in the west: placed, but not trusted
    assert found.confidence < LIKELY
    assert any("namesake too small for the gazetteer" in f.reason for f in flags)
    found, flags = find_location(
        "Shelling near Sokolniki, Luhansk region.", names, front_distance()
    )
    assert found is not None
    assert found.value.precision is GeoPrecision.PROVINCE  # the oblast binds: no Sokolniki there

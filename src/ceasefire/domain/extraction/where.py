"""Where a text says something happened: a point, how far off it may be, and why that place.

The place is a gazetteer place the text names, chosen in this order: the place a relative
location is measured from ("3-5 km south-west of Horlivka"), the place a news coder pinned the
event to ("coded to Tokmak"), the first place after a locative word ("in", "near", "at"), the
first place named. A name several places share is settled by the oblast the text names, then by
the other places the text names, then by the line of contact, then by population, and the rule
that settled it is kept with the value, with a lower confidence for the weaker rules. A place
the gazetteer does not hold is never swapped for a namesake elsewhere: the point falls back to
the oblast the text names, flagged, or stays empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyproj import Geod

from ceasefire.domain.extraction.found import (
    CERTAIN,
    LIKELY,
    PLAUSIBLE,
    WEAK,
    Flag,
    Found,
    Span,
    sentence_around,
)
from ceasefire.domain.extraction.placenames import Mention, Oblast, PlaceNames
from ceasefire.domain.places import REACH_M_PER_SQRT_PERSON, Place
from ceasefire.domain.reports import DEFAULT_UNCERTAINTY_M, GeoPrecision
from ceasefire.domain.transliteration import place_key

_GEOD = Geod(ellps="WGS84")
FIELD = "location"
# A place's own extent: the radius its reach gives (see domain.places), at least a kilometre.
MIN_PLACE_RADIUS_M = 1_000
# What "in X" covers beyond X's own extent: events reported in a place are often in its fields
# and outskirts. Calibrated on CIR's geolocated points: the place's reach plus 3 km holds
# about nine in ten of them (benchmarks/extract_eval.py, "outside its own radius").
OUTSKIRTS_M = 3_000
NEAR_RADIUS_M = 10_000  # "near X": the event was around X, not in it
FRONT_KM = 30.0  # a namesake this close to the line of contact is where fighting is reported
SAME_PLACE_KM = 5.0  # GeoNames entries this close together are one place for a report
NEIGHBOUR_KM = 60.0  # other places the text names make a namesake within this distance likely
# A name this many places in the gazetteer share (Mykhailivka, Sadove) is common enough that a
# village too small to be listed may be the one meant, even in the oblast the text names.
COMMON_NAME = 3
SMALL_PLACE = 10_000  # people: a village or small town, whose name many unlisted villages may share
FAR_FROM_FRONT_KM = 60.0
DOMINANT = 20  # a namesake this many times larger than the next is the one a text means

_CARDINALS = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}
_LETTERS = {"n": "north", "e": "east", "s": "south", "w": "west"}
# A number not inside a longer one: the lookbehind keeps a long run of digits from being
# tried at every position (quadratic time).
_NUMBER = r"(?<![\d.,])\d{1,4}(?:[.,]\d+)?"
_RANGE = rf"(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>\d{{1,4}}(?:[.,]\d+)?))?\s*"
_KM = r"(?:km|kilomet(?:re|er)s?)\.?\s+"
# Compass points written out or abbreviated, up to 16 (south-south-west, SSW, south west).
_POINT = (
    r"(?P<point>(?:north|south|east|west)(?:[- ]?(?:north|south|east|west)){0,2}"
    r"|[NS]{1,2}[EW]|[NS]|[EW])(?![\w-])(?!\s+(?:north|south|east|west)\b)"
)
_RELATIVE = re.compile(
    rf"{_RANGE}{_KM}(?:{_POINT}\s+)?"
    r"(?:of|from)\s+(?:the\s+)?(?:(?:village|town|city|settlement)\s+of\s+)?$",
    re.IGNORECASE,
)
# "12 explosions 3-5 km south-west": a distance and direction with no place after it is
# measured from where the observer was, the place named before it in the same sentence.
_RELATIVE_BARE = re.compile(rf"{_RANGE}{_KM}{_POINT}(?!\s+(?:of|from)\b)", re.IGNORECASE)
_CITY_AFTER = re.compile(r"\s+(?:city|town)\b", re.IGNORECASE)
_CODED_TO = re.compile(r"coded to\s+$", re.IGNORECASE)
_TOWARDS = re.compile(
    r"\b(?:towards?|on the way to|(?:in )?the direction of|direction of|moving to|movement to"
    r"|advanced? on|heading to|en route to)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_AWAY = re.compile(
    r"\b(?:away from|leav(?:e|es|ing)|left|withdr(?:aw|awing|awn|ew) from|retreat(?:s|ing|ed)? "
    r"from|fled|fleeing|out of|evacuated from)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_AT_SEA = re.compile(
    r"\boff (?:the )?(?:\w+ )?coast\b|\bat sea\b|\bin the (?:black|azov) sea\b|\bwarships?\b"
    r"|\bnaval (?:drones?|vessels?)\b",
    re.IGNORECASE,
)
# "north of Mariupol" with no distance: somewhere that way, not in the place.
_SIDE_OF = re.compile(
    r"\b(?:(?:north|south)(?:[- ]?(?:east|west))?|east|west)(?:ern)?\s+(?:of|from)\s+"
    r"(?:the\s+)?(?:(?:village|town|city|settlement)\s+of\s+)?$",
    re.IGNORECASE,
)
# "Zolote 1", "Zolote-3": settlements of their own (not "in Avdiivka 3 explosions").
_NUMBERED = re.compile(r"(?:-\d{1,2}|\s\d)(?=\s*(?:$|[,.;)]|and\b))")
_POSSESSIVE = re.compile(r"([^\W\d_]+)['’]s\s+$")
_LOCATIVE = re.compile(
    r"\b(?:in|near|at|around|outside|outskirts of|vicinity of|area of|into|"
    r"village of|town of|city of|settlement of|в|у|біля|поблизу|возле|под)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
_NEAR = re.compile(
    r"\b(?:near|around|outside|outskirts of|vicinity of|area of|біля|поблизу|возле|под)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
_CUE_RULES = {
    "coded": "the place the coder named",
    "in": "the place the event was in",
    "near": "the place the event was near",
    "towards": "the place the movement or fire was headed for (the event was short of it)",
    "away": "the place the movement left (the event was away from it)",
    "named": "the first place named",
}
LOOK_BACK = 60  # characters before a name searched for the words that introduce it


@dataclass(frozen=True, slots=True)
class Location:
    """A point with its uncertainty radius, and the words a reader would use for it."""

    lon: float
    lat: float
    uncertainty_m: int
    precision: GeoPrecision
    place: str


FrontDistance = Callable[[float, float], float]  # km from the line of contact


@dataclass(frozen=True, slots=True)
class _Choice:
    place: Place
    rule: str
    confidence: float


def find_location(
    text: str, names: PlaceNames, front_km: FrontDistance | None = None
) -> tuple[Found[Location] | None, list[Flag]]:
    """The event's location, or nothing and a flag saying what the text lacks."""
    mentions = names.mentions(text)
    oblasts = _oblasts_named(mentions)
    places = [m for m in mentions if m.places]
    flags: list[Flag] = []
    observer = _from_observer(text, places, mentions, front_km)
    if observer is not None:
        return observer, flags
    for mention, cue in _in_order_of_cue(text, places):
        choice, why_not = _choose(mention, mentions, text, front_km)
        if choice is None:
            flags.append(Flag(FIELD, why_not))
            continue
        found = _locate(text, mention, choice, cue)
        if found.confidence < LIKELY and cue not in ("towards", "away"):
            flags.append(Flag(FIELD, f"{mention.words}: {choice.rule}; check the place"))
        doubts = _doubts(text, mention, choice, cue, mentions, names, front_km)
        if any(lowers for _, lowers in doubts):
            found = Found(found.value, found.span, found.rule, min(found.confidence, PLAUSIBLE))
        return found, flags + [Flag(FIELD, reason) for reason, _ in doubts]
    if oblasts:
        oblast, span = oblasts[0]
        return _oblast_location(oblast, span, names), [
            *flags,
            Flag(FIELD, f"only the oblast is known ({oblast.name}); the point is its centre"),
        ]
    if not flags:
        flags.append(Flag(FIELD, "no place the gazetteer knows is named in the text"))
    return None, flags


def _doubts(
    text: str,
    mention: Mention,
    choice: _Choice,
    cue: str,
    mentions: Sequence[Mention],
    names: PlaceNames,
    front_km: FrontDistance | None,
) -> list[tuple[str, bool]]:
    """What an analyst should check about a chosen place, each with whether it lowers the
    confidence: a small place far from the front, a namesake nearer the front, a movement
    towards or away from the place, a part of a city ("Kyiv's Podil"), an event at sea, a
    name that is also an oblast's, other places in the same sentence."""
    doubts: list[tuple[str, bool]] = []
    far = _far_and_small(choice, mentions, front_km)
    if far:
        doubts.append((far, True))
    if cue == "towards":
        doubts.append((f"towards {mention.words}: the event was on the way, not at it; the "
                       "point is the place itself", False))  # fmt: skip
    if cue == "away":
        doubts.append((f"away from {mention.words}: the event was on the way out of it, not "
                       "at it; the point is the place itself", False))  # fmt: skip
    owner = _POSSESSIVE.search(text, max(0, mention.span.start - LOOK_BACK), mention.span.start)
    if owner is not None:
        doubts.append((f"{owner.group(1)}'s {mention.words}: read as a place of its own, it may "
                       f"be a part of {owner.group(1)}; check the place", True))  # fmt: skip
    before = text[max(0, mention.span.start - LOOK_BACK) : mention.span.start]
    side = _SIDE_OF.search(before)
    if cue != "relative" and side is not None:
        doubts.append((f"{side.group(0).strip()} {mention.words} with no distance: the event "
                       "was some way off; the point is the place itself", True))  # fmt: skip
    if _NUMBERED.match(text, mention.span.end):
        doubts.append((f"{mention.words} followed by a number: a settlement of its own "
                       f"(\"{mention.words} 1\"), perhaps not the one listed", True))  # fmt: skip
    sentence = sentence_around(text, mention.span.start, mention.span.end)
    if _AT_SEA.search(text, sentence.start, sentence.end):
        doubts.append((f"the event was at sea; the point is {mention.words} on the shore, "
                       "which may be far from it", True))  # fmt: skip
    namesake = _namesake_at_front(mention, choice, mentions, names, front_km)
    if namesake:
        doubts.append((namesake, True))
    if names.oblast_named(mention.words) is not None and not _CITY_AFTER.match(
        text, mention.span.end
    ):
        doubts.append((f"{mention.words} names both a city and an oblast; read as the city, "
                       "check it", False))  # fmt: skip
    listed = _listed_with(text, mention, [m for m in mentions if m.places])
    if listed:
        others = ", ".join(listed)
        doubts.append((f"the text names several places ({mention.words}, {others}); the point "
                       f"is {mention.words}", True))  # fmt: skip
    return doubts


def _from_observer(
    text: str,
    places: Sequence[Mention],
    mentions: Sequence[Mention],
    front_km: FrontDistance | None,
) -> Found[Location] | None:
    """`While in Zolote, the patrol heard explosions 3-5 km south-west`: the point is measured
    from the place named last before the distance, where the observer was."""
    match = _RELATIVE_BARE.search(text)
    if match is None:
        return None
    sentence = sentence_around(text, match.start(), match.end())
    before = [m for m in places if sentence.start <= m.span.start and m.span.end <= match.start()]
    if not before:
        return None
    anchor = before[-1]
    choice, _ = _choose(anchor, mentions, text, front_km)
    if choice is None:
        return None
    found = _relative(text, anchor, choice, match, 0)
    rule = f"a distance and direction from where the observer was ({anchor.words}): {choice.rule}"
    span = Span(min(anchor.span.start, match.start()), max(anchor.span.end, match.end()))
    return Found(found.value, span, rule, min(found.confidence, LIKELY))


def _listed_with(text: str, chosen: Mention, places: Sequence[Mention]) -> list[str]:
    """Other places named in the same sentence as the chosen one ("near Avdiivka, Marinka and
    Shyrokyne"): the event may be at any of them."""
    sentence = sentence_around(text, chosen.span.start, chosen.span.end)
    names = {m.words for m in places if sentence.start <= m.span.start < sentence.end}
    return sorted(names - {chosen.words})


def _oblasts_named(mentions: Sequence[Mention]) -> list[tuple[Oblast, Span]]:
    named: dict[str, tuple[Oblast, Span]] = {}
    for mention in mentions:
        if mention.oblast is not None:
            named.setdefault(mention.oblast.code, (mention.oblast, mention.span))
    return list(named.values())


def _in_order_of_cue(text: str, places: Sequence[Mention]) -> list[tuple[Mention, str]]:
    """Mentions in the order they are tried, each with the cue that introduced it."""
    ranked: list[tuple[int, int, Mention, str]] = []
    for order, mention in enumerate(places):
        before = text[max(0, mention.span.start - LOOK_BACK) : mention.span.start]
        if _RELATIVE.search(before):
            ranked.append((0, order, mention, "relative"))
        elif _CODED_TO.search(before):
            ranked.append((1, order, mention, "coded"))
        elif _TOWARDS.search(before):
            ranked.append((2, order, mention, "towards"))
        elif _AWAY.search(before):
            ranked.append((2, order, mention, "away"))
        elif _NEAR.search(before):
            ranked.append((2, order, mention, "near"))
        elif _LOCATIVE.search(before):
            ranked.append((2, order, mention, "in"))
        else:
            ranked.append((3, order, mention, "named"))
    return [(m, cue) for _, _, m, cue in sorted(ranked, key=lambda r: (r[0], r[1]))]


def _choose(
    mention: Mention,
    mentions: Sequence[Mention],
    text: str,
    front_km: FrontDistance | None,
) -> tuple[_Choice | None, str]:
    """One place for a name, by the first rule that settles it, or why none could be chosen.

    The oblast written with the name ("Sadove, Kherson", "Korsunka (Kherson)") binds it, and
    so does an oblast the text names elsewhere ("Vodiane, Yasynuvata district, Donetsk
    region"): a name with no place there is not moved to another oblast, since the place meant
    is most likely a village too small for the gazetteer."""
    candidates = _distinct(mention.places)
    qualifier = _qualifier_of(mention, mentions, text)
    named = [qualifier] if qualifier else [m.oblast for m in mentions if _names_oblast(m)]
    if named:
        codes = {o.code for o in named if o is not None}
        inside = [p for p in candidates if p.admin1 in codes]
        if not inside:
            where = " or ".join(sorted({o.name for o in named if o is not None}))
            return None, (
                f"{mention.words}: no place of that name in {where} oblast in the gazetteer "
                f"(places of 500 or more people); {len(candidates)} elsewhere, not used"
            )
        return _within_oblast(mention, inside, len(candidates), mentions, front_km), ""
    if len(candidates) == 1:
        return _Choice(candidates[0], "the only place of that name", LIKELY), ""
    return _tie_break(mention, candidates, mentions, front_km), ""


def _far_and_small(
    choice: _Choice, mentions: Sequence[Mention], front_km: FrontDistance | None
) -> str:
    """Why a place is doubtful as the one meant, or "": a village far from the line of contact,
    chosen with no oblast named, is as likely a namesake of an unlisted village at the front."""
    place = choice.place
    if front_km is None or place.population >= SMALL_PLACE or any(map(_names_oblast, mentions)):
        return ""
    distance = front_km(place.lon, place.lat)
    if distance <= FAR_FROM_FRONT_KM:
        return ""
    return (
        f"{place.name} is a small place {distance:.0f} km from the line of contact and the "
        "text names no oblast; a namesake too small for the gazetteer may be meant"
    )


def _namesake_at_front(
    mention: Mention,
    choice: _Choice,
    mentions: Sequence[Mention],
    names: PlaceNames,
    front_km: FrontDistance | None,
) -> str:
    """Why a place chosen far from the line is doubtful when a namesake lies near it, or "":
    reports come from where the fighting is, and population alone should not outweigh that
    when no oblast settles it."""
    place = choice.place
    if front_km is None or any(map(_names_oblast, mentions)):
        return ""
    if front_km(place.lon, place.lat) <= FAR_FROM_FRONT_KM:
        return ""
    at_front = [
        p
        for p in _distinct(mention.places)
        if _km(p, place) > SAME_PLACE_KM and front_km(p.lon, p.lat) <= FAR_FROM_FRONT_KM
    ]
    if not at_front:
        return ""
    oblast = names.oblasts.get(at_front[0].admin1)
    where = f" in {oblast.name} oblast" if oblast else ""
    return (
        f"{place.name} is {front_km(place.lon, place.lat):.0f} km from the line of contact; "
        f"a place of the same name lies near it{where}; check which is meant"
    )


def _names_oblast(mention: Mention) -> bool:
    return mention.oblast is not None and not mention.places


def _within_oblast(
    mention: Mention,
    inside: Sequence[Place],
    everywhere: int,
    mentions: Sequence[Mention],
    front_km: FrontDistance | None,
) -> _Choice:
    if len(inside) > 1:
        choice = _tie_break(mention, inside, mentions, front_km)
        if everywhere >= COMMON_NAME and "the largest" in choice.rule:
            # Chosen by size among the oblast's listed namesakes of a common name: the
            # village meant may be one too small to be listed.
            rule = (
                f"{choice.rule}; {everywhere} places of that name, and villages under 500 "
                "people are not in the gazetteer"
            )
            return _Choice(choice.place, rule, min(choice.confidence, PLAUSIBLE))
        return choice
    if everywhere == 1:
        return _Choice(inside[0], "the only place of that name", LIKELY)
    if everywhere >= COMMON_NAME:
        rule = (
            f"the only one in the oblast the text names of {everywhere} places of that name; "
            "villages under 500 people are not in the gazetteer"
        )
        return _Choice(inside[0], rule, PLAUSIBLE)
    place = inside[0]
    if (
        front_km is not None
        and place.population < SMALL_PLACE
        and front_km(place.lon, place.lat) > FAR_FROM_FRONT_KM
    ):
        # A village far from the line whose name others share: an unlisted namesake in the
        # same oblast, where the fighting is, may be the one meant.
        rule = (
            f"the only one of {everywhere} places of that name in the oblast the text names, "
            f"a small place {front_km(place.lon, place.lat):.0f} km from the line of contact"
        )
        return _Choice(place, rule, PLAUSIBLE)
    return _Choice(place, "the only place of that name in the oblast the text names", LIKELY)


_QUALIFYING_GAP = re.compile(r"^\s*(?:,|\(|in\s+(?:the\s+)?|of\s+(?:the\s+)?)\s*$")


def _qualifier_of(mention: Mention, mentions: Sequence[Mention], text: str) -> Oblast | None:
    """The oblast written right after a place name, as its qualifier."""
    following = [m for m in mentions if m.span.start >= mention.span.end]
    if not following:
        return None
    after = min(following, key=lambda m: m.span.start)
    gap = text[mention.span.end : after.span.start]
    if after.oblast is not None and not after.places and _QUALIFYING_GAP.match(gap):
        return after.oblast
    return None


def _tie_break(
    mention: Mention,
    candidates: Sequence[Place],
    others: Sequence[Mention],
    front_km: FrontDistance | None,
) -> _Choice:
    count = f"{len(candidates)} places share the name"
    anchors = [m.places[0] for m in others if m is not mention and len(_distinct(m.places)) == 1]
    if anchors:
        near = [p for p in candidates if min(_km(p, a) for a in anchors) <= NEIGHBOUR_KM]
        if len(near) == 1:
            names = ", ".join(sorted({a.name for a in anchors}))
            return _Choice(near[0], f"{count}; the one near {names}, also named", LIKELY)
        candidates = near or candidates
    if front_km is not None:
        at_front = [p for p in candidates if front_km(p.lon, p.lat) <= FRONT_KM]
        if len(at_front) == 1:
            rule = f"{count}; the only one within {FRONT_KM:g} km of the line of contact"
            return _Choice(at_front[0], rule, PLAUSIBLE)
        candidates = at_front or candidates
    largest, *rest = sorted(candidates, key=lambda p: -p.population)
    rule = f"{count}; the largest ({largest.population:,} people)"
    key = place_key(mention.words)
    if place_key(largest.name) != key and any(place_key(p.name) == key for p in rest):
        # Donetsk was once Oleksandrivka; twenty villages still are: a former name does not
        # outweigh the places that bear it now, however large.
        return _Choice(largest, rule + f", known as {mention.words} only by a former or "
                       "foreign name; others bear it", WEAK)  # fmt: skip
    if rest and largest.population >= DOMINANT * max(rest[0].population, 1):
        # Kharkiv the city, not a village of the same name: what a text means unless it says.
        return _Choice(largest, rule + f", {DOMINANT}+ times the next", LIKELY)
    return _Choice(largest, rule, WEAK)


def _distinct(places: Sequence[Place]) -> list[Place]:
    """Entries closer than SAME_PLACE_KM are one place (GeoNames lists some twice); keep the
    most populous of each group."""
    kept: list[Place] = []
    for place in sorted(places, key=lambda p: -p.population):
        if all(_km(place, k) > SAME_PLACE_KM for k in kept):
            kept.append(place)
    return kept


def _km(a: Place, b: Place) -> float:
    _, _, metres = _GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return float(metres) / 1000


def _place_radius(place: Place) -> float:
    reach = REACH_M_PER_SQRT_PERSON * math.sqrt(place.population)
    return max(MIN_PLACE_RADIUS_M, reach) + OUTSKIRTS_M


def _locate(text: str, mention: Mention, choice: _Choice, cue: str) -> Found[Location]:
    place, radius = choice.place, _place_radius(choice.place)
    label = f"{place.name}"
    if cue == "relative":
        before_start = max(0, mention.span.start - LOOK_BACK)
        match = _RELATIVE.search(text[before_start : mention.span.start])
        assert match is not None
        return _relative(text, mention, choice, match, before_start)
    if cue in ("near", "towards"):
        location = Location(
            place.lon, place.lat, round(radius + NEAR_RADIUS_M), GeoPrecision.NEAR, f"near {label}"
        )
    else:
        location = Location(place.lon, place.lat, round(radius), GeoPrecision.EXACT, label)
    confidence = min(choice.confidence, CERTAIN if cue in ("coded", "in") else LIKELY)
    if cue == "towards":  # on the way to X: somewhere short of it
        confidence = min(confidence, PLAUSIBLE)
    return Found(location, mention.span, f"{_CUE_RULES[cue]}: {choice.rule}", confidence)


def _relative(
    text: str, mention: Mention, choice: _Choice, match: re.Match[str], offset: int
) -> Found[Location]:
    """`3-5 km south-west of X`: the middle of the range along the bearing from X; the radius
    covers the range, the width of a compass point at that distance and X's own extent."""
    place = choice.place
    low = float(match["low"].replace(",", "."))
    high = float((match["high"] or match["low"]).replace(",", "."))
    middle_m = (low + high) / 2 * 1000
    spread_m = (high - low) / 2 * 1000 + _place_radius(place)
    point = (match["point"] or "").lower()
    if point:
        bearing = bearing_of(point)
        point = compass_words(point)
        lon, lat, _ = _GEOD.fwd(place.lon, place.lat, bearing, middle_m)
        spread_m += middle_m * math.tan(math.radians(22.5))
        words = f"{match['low']}{'-' + match['high'] if match['high'] else ''} km {point} of"
    else:  # a distance without a direction: anywhere on that circle
        lon, lat = place.lon, place.lat
        spread_m += middle_m
        words = f"{match['low']}{'-' + match['high'] if match['high'] else ''} km from"
    span = Span(offset + match.start(), mention.span.end)
    location = Location(
        float(lon), float(lat), round(spread_m), GeoPrecision.NEAR, f"{words} {place.name}"
    )
    rule = f"a distance and direction from a named place: {choice.rule}"
    return Found(location, span, rule, min(choice.confidence, LIKELY))


def compass_words(point: str) -> str:
    """`SSW`, `south south west`, `south-south-west` all as `south-south-west`."""
    words = re.findall(r"north|south|east|west", point.lower())
    if not words:
        words = [_LETTERS[letter] for letter in point.lower()]
    return "-".join(words)


def bearing_of(point: str) -> float:
    """Degrees clockwise from north for a compass point of up to three words: each further
    word halves the step towards it (south-west 225, south-south-west 202.5).

    >>> bearing_of("north-west"), bearing_of("SSW"), bearing_of("east")
    (315.0, 202.5, 90.0)
    """
    words = compass_words(point).split("-")
    angle = _CARDINALS[words[-1]]
    for word in reversed(words[:-1]):
        angle = _midpoint(_CARDINALS[word], angle)
    return angle % 360


def _midpoint(a: float, b: float) -> float:
    """The bearing halfway between two, the short way round (north and west give 315)."""
    x = math.cos(math.radians(a)) + math.cos(math.radians(b))
    y = math.sin(math.radians(a)) + math.sin(math.radians(b))
    return round(math.degrees(math.atan2(y, x)) % 360, 1)


def _oblast_location(oblast: Oblast, span: Span, names: PlaceNames) -> Found[Location]:
    """The oblast's centre of population: where a report that names only the oblast most likely
    is, with a radius that covers the oblast."""
    lon, lat = names.centre_of(oblast.code)
    radius = DEFAULT_UNCERTAINTY_M[GeoPrecision.PROVINCE]
    location = Location(lon, lat, radius, GeoPrecision.PROVINCE, f"{oblast.name} oblast")
    return Found(location, span, "only the oblast is named: its centre of population", WEAK)

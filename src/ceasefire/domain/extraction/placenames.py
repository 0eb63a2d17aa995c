"""Finding the gazetteer's places, and the oblasts, that a text names.

Names are compared by their transliteration key (`place_key`), so Kupiansk, Kupyansk, Купянск
and Куп'янськ are one name, and every alternate name GeoNames lists is a way in. A name can
belong to several places (there are dozens of Hryhorivkas): a mention keeps every candidate, and
choosing among them is `where`'s job, which says which rule chose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from ceasefire.domain.extraction.found import Span
from ceasefire.domain.places import Place
from ceasefire.domain.timeparse import MONTH_NAMES, WEEKDAY_NAMES
from ceasefire.domain.transliteration import place_key

# A word: letters, with apostrophes and hyphens inside it (Kup'iansk, Ivano-Frankivsk).
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ʼ`-](?=[^\W\d_]))*")
MAX_NAME_WORDS = 4
_CYRILLIC = re.compile(r"[а-яіїєґё]", re.IGNORECASE)
# Case endings of Ukrainian and Russian place names, longest first.
_CASE_ENDINGS = ("ому", "ою", "ій", "ом", "ах", "ів", "і", "у", "а", "е", "ї", "ю", "ы")
MIN_STEM = 4
# Words that say the name before them is an oblast, not the city of the same name.
_REGION_WORDS = frozenset(
    place_key(w) for w in ("oblast", "region", "province", "obl", "область", "oblasti", "regione")
)
# Words that make the name before them a stretch of front ("the Luhansk sector", "the Bakhmut
# direction"), not the place itself.
_AXIS_WORDS = frozenset(place_key(w) for w in ("sector", "direction", "axis", "front"))
# Words that make the name before them a district ("Volnovakha district"): an area named for
# its town, not the town, so never the event's point.
_DISTRICT_WORDS = frozenset(place_key(w) for w in ("district", "raion", "rayon", "район"))
# Words that say the name before them is part of a party's or unit's name, a river's or a
# facility's, not a place: "Donetsk People's Republic", "the Donets river", "the Azov
# regiment", "the Zaporizhzhia NPP" (50 km from the city it is named for).
_NOT_A_PLACE_AFTER = frozenset(
    place_key(w)
    for w in (
        *("people", "peoples", "people's", "river", "reservoir", "canal", "estuary", "lake"),
        *("regiment", "battalion", "brigade", "facility", "npp", "nuclear"),
    )
)
# Capitalised words of English prose (sentence starts, titles, months) that are also the name of
# some small place somewhere in Ukraine. Found by running the extractor over news notes and
# listing every match that was not the coded location; a word here is never read as a place.
COMMON_WORDS: frozenset[str] = frozenset(
    place_key(w)
    for w in (
        "On",
        "In",
        "At",
        "The",
        "A",
        "An",
        "And",
        "Of",
        "By",
        "To",
        "From",
        "Near",
        "During",
        "After",
        "Before",
        "Between",
        "While",
        "According",
        "As",
        "It",
        "He",
        "She",
        "They",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Some",
        "Several",
        "Other",
        "Local",
        "Around",
        "Russian",
        "Russians",
        "Ukrainian",
        "Ukrainians",
        "Russia",
        "Ukraine",
        "Forces",
        "Force",
        "Military",
        "Army",
        "Armed",
        "Government",
        "Police",
        "State",
        "National",
        "Guard",
        "Rebel",
        "Rebels",
        "Separatist",
        "Separatists",
        "Republic",
        "People",
        "Ministry",
        "Defence",
        "Defense",
        "Air",
        "Navy",
        "Border",
        "Service",
        "General",
        "Staff",
        "Command",
        "Operational",
        "Group",
        "Brigade",
        "Battalion",
        "Regiment",
        "Division",
        "Corps",
        "Unit",
        "Wagner",
        "Special",
        "Mission",
        "Monitoring",
        "Monitor",
        "Monitors",
        "Patrol",
        "Casualties",
        "Casualty",
        "Unknown",
        "Fatalities",
        "Civilians",
        "Civilian",
        *MONTH_NAMES,
        *WEEKDAY_NAMES,
        "Head",
        "Mayor",
        "Governor",
        "Administration",
        "Council",
        "Community",
        "Hromada",
        "District",
        "Raion",
        "City",
        "Village",
        "Town",
        "Settlement",
        "Oblast",
        "Region",
        "Province",
        "North",
        "South",
        "East",
        "West",
        "Central",
        "Northern",
        "Southern",
        "Eastern",
        "Western",
        "Sea",
        "River",
        "Lake",
        "Island",
        "Bridge",
        "Road",
        "Highway",
        "Station",
        "Plant",
        "Power",
        "Energy",
        "Shahed",
        "Grad",
        "Uragan",
        "Smerch",
        "Tornado",
        "Iskander",
        "Kalibr",
        "Lancet",
        "Orlan",
        "Tochka",
        "Kinzhal",
        "Storm",
        "Shadow",
        "Patriot",
        "Himars",
        "Caesar",
        "OSCE",
        "SMM",
        "UN",
        "UAV",
        "UAVs",
        "FPV",
        "MLRS",
        "IED",
        "DPR",
        "LPR",
        "NAF",
        "AFU",
        "Nova",
        "Novyi",
        "Stara",
        "Velyka",
        "Mala",
    )
)


@dataclass(frozen=True, slots=True)
class Oblast:
    """A first-level unit as GeoNames codes it (admin1), with the ways texts name it."""

    code: str
    name: str
    forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mention:
    """A name in the text that the gazetteer knows: the places it may be (`places`), and the
    oblast it names when the words are an oblast's name (`Donetsk region`, `, Donetsk.`)."""

    span: Span
    words: str
    places: tuple[Place, ...]
    oblast: Oblast | None = None

    @property
    def names_oblast_only(self) -> bool:
        return self.oblast is not None and not self.places


class PlaceNames:
    """The gazetteer's names, and the oblasts', by transliteration key."""

    def __init__(
        self,
        places: Sequence[Place],
        alternates: Mapping[int, Sequence[str]],
        oblasts: Sequence[Oblast],
    ) -> None:
        main: dict[str, dict[int, Place]] = {}
        other: dict[str, dict[int, Place]] = {}
        for place in places:
            _index(main, place.name, place, MIN_KEY)
            for name in alternates.get(place.place_id, ()):
                _index(other, name, place, MIN_ALTERNATE_KEY)
        # Alternates count as much as main names (a village's old name may be the only one a
        # text uses), except short ones: "Jvan" for Zhvan would catch every "Ivan".
        keyed = {key: other.get(key, {}) | main.get(key, {}) for key in other.keys() | main}
        self._places = {key: tuple(found.values()) for key, found in keyed.items()}
        by_oblast: dict[str, list[Place]] = {}
        for place in places:
            by_oblast.setdefault(place.admin1, []).append(place)
        self._centres = {code: _centre_of_population(found) for code, found in by_oblast.items()}
        self.oblasts = {oblast.code: oblast for oblast in oblasts}
        self._oblasts = {place_key(form): o for o in oblasts for form in (o.name, *o.forms)}

    def places_named(self, name: str) -> tuple[Place, ...]:
        return self._places.get(place_key(name), ())

    def centre_of(self, admin1: str) -> tuple[float, float]:
        """An oblast's centre of population (lon, lat), computed once."""
        return self._centres[admin1]

    def oblast_named(self, name: str) -> Oblast | None:
        return self._oblasts.get(place_key(name))

    def mentions(self, text: str) -> list[Mention]:
        """Every gazetteer or oblast name in the text, longest match first, in reading order."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[Mention] = []
        i = 0
        while i < len(words):
            mention, used = self._mention_at(text, words, i)
            if mention is not None:
                found.append(mention)
            i += max(used, 1)
        return found

    def _mention_at(
        self, text: str, words: Sequence[tuple[int, int]], i: int
    ) -> tuple[Mention | None, int]:
        start = words[i][0]
        if not text[start].isupper():
            return None, 1
        for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            if not _adjacent(text, words[i : i + n]):
                continue
            end = words[i + n - 1][1]
            key = place_key(text[start:end])
            places = self._places.get(key, ())
            oblast = self._oblasts.get(key)
            if not places and oblast is None:
                continue
            following = _word_after(text, words, i + n)
            if following in _NOT_A_PLACE_AFTER:
                return None, n
            if following in _DISTRICT_WORDS:
                return None, n + 1
            if n == 1 and _capitalised_next(text, words, i + 1) and not oblast:
                return None, 1  # the first word of a longer name the gazetteer does not hold
            span = Span(start, end)
            if following in _AXIS_WORDS:
                return (Mention(span, text[start:end], (), oblast) if oblast else None), n + 1
            if oblast is not None and (
                following in _REGION_WORDS or _qualifies_previous(text, start, end) or not places
            ):
                return Mention(span, text[start:end], (), oblast), n + (following in _REGION_WORDS)
            return Mention(span, text[start:end], places), n
        return self._inflected_at(text, words[i]), 1

    def _inflected_at(self, text: str, word: tuple[int, int]) -> Mention | None:
        """A Ukrainian or Russian name in another case than the nominative the gazetteer
        holds: "у Бахмуті", "під Авдіївкою", "в Харкове". One ending is taken off and the
        nominative's own ending tried in its place."""
        start, end = word
        token = text[start:end]
        if not _CYRILLIC.search(token):
            return None
        lowered = token.lower()
        for ending in _CASE_ENDINGS:
            if lowered.endswith(ending) and len(token) - len(ending) >= MIN_STEM:
                stem = token[: len(token) - len(ending)]
                for nominative in ("", "а", "я", "е"):
                    places = self._places.get(place_key(stem + nominative), ())
                    if places:
                        return Mention(Span(start, end), token, places)
        return None


def _adjacent(text: str, words: Sequence[tuple[int, int]]) -> bool:
    """Words of one name: separated by one space or hyphen, all capitalised ("Stanytsia
    Luhanska", "Velyka Novosilka"), so "Hryhorivka and Kalynove" is never one name."""
    for (_, end), (start, _) in pairwise(words):
        if text[end:start] not in (" ", "-") or not text[start].isupper():
            return False
    return True


def _centre_of_population(places: Sequence[Place]) -> tuple[float, float]:
    weight = sum(max(p.population, 1) for p in places)
    lon = sum(p.lon * max(p.population, 1) for p in places) / weight
    lat = sum(p.lat * max(p.population, 1) for p in places) / weight
    return lon, lat


MIN_KEY = 3
MIN_ALTERNATE_KEY = 5


def _index(index: dict[str, dict[int, Place]], name: str, place: Place, shortest: int) -> None:
    key = place_key(name)
    if len(key) >= shortest and key not in COMMON_WORDS:
        index.setdefault(key, {})[place.place_id] = place


def _capitalised_next(text: str, words: Sequence[tuple[int, int]], index: int) -> bool:
    """`Nyzhnie Lozove`: the next word follows after one space and is capitalised."""
    if index >= len(words):
        return False
    start = words[index][0]
    return text[words[index - 1][1] : start] == " " and text[start].isupper()


def _word_after(text: str, words: Sequence[tuple[int, int]], index: int) -> str:
    if index >= len(words):
        return ""
    start, end = words[index]
    return place_key(text[start:end]) if text[words[index - 1][1] : start].strip() == "" else ""


def _qualifies_previous(text: str, start: int, end: int) -> bool:
    """`Hryhorivka, Donetsk.` or `Korsunka (Kherson)`: a name after a comma or in brackets, at
    the end of its clause, names the oblast the place before it is in, as news agencies and
    ACLED write it."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    if before.endswith("("):
        return after.startswith(")")
    if after.startswith(","):  # "Zaporizhzhia, Kharkiv, Odesa": a list of places, not a qualifier
        rest = after[1:].lstrip()
        return before.endswith(",") and not rest[:1].isupper()
    return before.endswith(",") and (not after or after[0] in ".;)(")


def read_oblasts(rows: Iterable[Mapping[str, str]]) -> list[Oblast]:
    """Oblasts from rows of (admin1code, name, forms with `|` between them)."""
    return [
        Oblast(row["admin1code"], row["name"], tuple(f for f in row["forms"].split("|") if f))
        for row in rows
    ]

"""Person names and dates of birth as exchange lists write them, reduced to comparable keys.

Lists arrive in Ukrainian, Russian or Latin script, transliterated by different systems
(Kharkiv / Charkiw, Yevhen / Evgeniy), with or without a patronymic, and the same given name
in its Ukrainian and Russian form (Oleksandr / Aleksandr). A key is built in three steps:
script to Latin (anyascii), then the spelling variants of Latin transliteration collapsed
(`kh` and `h`, `y`/`i`/`j`, `ia`/`ya`), then a given name mapped to one form through the table
of Ukrainian and Russian equivalents. Keys are compared, never shown: a person is always shown
as the list wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

from ceasefire.domain.transliteration import latin_key

PATRONYMIC_ENDINGS = (
    "ovych",
    "ovich",
    "evych",
    "evich",
    "yovych",
    "iovych",
    "ovna",
    "evna",
    "ivna",
    "yivna",
    "ich",
    "ych",
    "ichna",
    "ична",
)


class GivenNames:
    """Given names that are one name across Ukrainian, Russian and Latin spellings."""

    def __init__(self, rows: Iterable[Mapping[str, str]]) -> None:
        self._canonical: dict[str, str] = {}
        for row in rows:
            forms = [row.get("uk", ""), row.get("ru", ""), *(row.get("other") or "").split(";")]
            keys = [latin_key(f) for f in forms if f.strip()]
            if keys:
                for key in keys:
                    self._canonical.setdefault(key, keys[0])

    def canonical(self, name: str) -> str:
        key = latin_key(name)
        return self._canonical.get(key, key)

    def known(self, name: str) -> bool:
        return latin_key(name) in self._canonical

    def patronymic_root(self, patronymic: str) -> str:
        """The father's given name a patronymic is built on, in canonical form when known
        (Олександрович and Aleksandrovich both give the root of Oleksandr)."""
        key = latin_key(patronymic)
        for ending in _ending_keys():
            if key.endswith(ending) and len(key) - len(ending) >= 3:
                stem = key[: -len(ending)]
                for candidate in (stem, stem + "i", stem[:-1] if stem.endswith("i") else stem):
                    if candidate in self._canonical:
                        return self._canonical[candidate]
                return stem
        return key


@cache
def _ending_keys() -> tuple[str, ...]:
    """Patronymic endings as keys, longest first (a key ending in -ovic also ends in -ic)."""
    return tuple(sorted({latin_key(e) for e in PATRONYMIC_ENDINGS}, key=len, reverse=True))


def looks_like_patronymic(token: str) -> bool:
    key = latin_key(token)
    return len(key) > 5 and any(key.endswith(ending) for ending in _ending_keys())


@dataclass(frozen=True, slots=True)
class NameParts:
    surname: str
    given: str
    patronymic: str
    order_known: bool  # False: "Ivan Petrenko" could be given-surname or surname-given


def split_name(full: str, given_names: GivenNames) -> NameParts:
    """A full name in one field, split as lists write them: SURNAME Given Patronymic in
    Ukrainian and Russian lists, Given Surname in many Latin ones."""
    tokens = full.replace(",", " ").split()
    if not tokens:
        return NameParts("", "", "", True)
    if len(tokens) == 1:
        return NameParts(tokens[0], "", "", True)
    if len(tokens) >= 3 and looks_like_patronymic(tokens[-1]):
        return NameParts(" ".join(tokens[:-2]), tokens[-2], tokens[-1], True)
    if len(tokens) >= 3 and looks_like_patronymic(tokens[1]):
        return NameParts(" ".join(tokens[2:]), tokens[0], tokens[1], True)
    first, last = tokens[0], " ".join(tokens[1:])
    if tokens[0].isupper() and not tokens[1].isupper():
        return NameParts(first, last, "", True)  # "KOVALENKO Ivan": surname in capitals
    first_given, last_given = given_names.known(tokens[0]), given_names.known(tokens[-1])
    if first_given and not last_given:
        return NameParts(last, first, "", True)
    if last_given and not first_given:
        return NameParts(first, last, "", True)
    return NameParts(first, last, "", False)


@dataclass(frozen=True, slots=True)
class BirthDate:
    year: int
    month: int | None
    day: int | None
    swappable: bool = False  # written dd/mm or mm/dd with both parts 12 or under

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year}"
        if self.day is None:
            return f"{self.year}-{self.month:02d}"
        return f"{self.year}-{self.month:02d}-{self.day:02d}"

    @property
    def full(self) -> bool:
        return self.day is not None

    def swapped(self) -> BirthDate | None:
        if not self.swappable or self.day is None or self.month is None:
            return None
        return BirthDate(self.year, self.day, self.month)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{1,2})[./](\d{4})$")


def parse_birth_date(text: str) -> BirthDate | str:
    """A date of birth as lists write it, or the reason it cannot be read.

    >>> str(parse_birth_date("14.03.1990")), str(parse_birth_date("1990-03-14"))
    ('1990-03-14', '1990-03-14')
    >>> parse_birth_date("03/04/1990").swappable, str(parse_birth_date("1990"))
    (True, '1990')
    """
    value = text.strip()
    if match := _ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
        return _checked(year, month, day, swappable=False, text=value)
    if match := _DAY_FIRST.match(value):
        day, month, year = (int(g) for g in match.groups())
        swappable = "/" in value and day <= 12 and month <= 12 and day != month
        return _checked(year, month, day, swappable=swappable, text=value)
    if match := _MONTH.match(value):
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return f"{value!r}: no month {month}"
        return BirthDate(year, month, None)
    if match := _YEAR.match(value):
        return BirthDate(int(match.group(1)), None, None)
    return f"{value!r} is not a date (write 1990-03-14, 14.03.1990, 03.1990 or 1990)"


def _checked(year: int, month: int, day: int, *, swappable: bool, text: str) -> BirthDate | str:
    try:
        date(year, month, day)
    except ValueError:
        if day <= 12 and month > 12:  # month/day/year, US style
            return _checked(year, day, month, swappable=False, text=text)
        return f"{text!r} is not a real date"
    if not 1900 <= year <= 2030:
        return f"{text!r}: year {year} is out of range"
    return BirthDate(year, month, day, swappable)

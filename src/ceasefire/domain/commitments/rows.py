"""Rows of hand-made tables read into persons and weapons, or into the problems they have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ceasefire.domain.commitments.exchange import Person
from ceasefire.domain.commitments.names import GivenNames, NameParts, parse_birth_date, split_name
from ceasefire.domain.taxonomy import WeaponClass

PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("№", "no", "number", "ref"),
    "name": ("full_name", "піб", "фио", "прізвище ім'я по батькові", "фамилия имя отчество"),
    "surname": ("last_name", "family_name", "прізвище", "фамилия"),
    "given_name": ("first_name", "ім'я", "имя"),
    "patronymic": ("по батькові", "отчество", "middle_name"),
    "date_of_birth": ("dob", "born", "birth_date", "дата народження", "дата рождения"),
    "notes": ("примітки", "примечания", "comment"),
}


def person_from_row(
    row: Mapping[str, str], where: str, ref: str, side: str, names: GivenNames
) -> Person | list[str]:
    """A person, or every problem with the row (`where: column: reason`)."""
    problems: list[str] = []
    full = row.get("name", "")
    if full and (row.get("surname") or row.get("given_name")):
        problems.append(f"{where}: name: give the full name or its parts, not both")
    if full:
        parts = split_name(full, names)
    else:
        parts = NameParts(
            row.get("surname", ""), row.get("given_name", ""), row.get("patronymic", ""), True
        )
    if not parts.surname:
        problems.append(f"{where}: surname: missing (a name or a surname column is required)")
    birth = None
    written = row.get("date_of_birth", "")
    if written:
        parsed = parse_birth_date(written)
        if isinstance(parsed, str):
            problems.append(f"{where}: date_of_birth: {parsed}")
        else:
            birth = parsed
    if problems:
        return problems
    return Person(
        ref=ref,
        side=side,
        surname=parts.surname,
        given=parts.given,
        patronymic=parts.patronymic or row.get("patronymic", ""),
        birth=birth,
        source=where,
        order_known=parts.order_known,
    )


WEAPON_COLUMNS: dict[str, tuple[str, ...]] = {
    "area_id": ("holding_area", "area"),
    "area_name": (),
    "lon": ("longitude",),
    "lat": ("latitude",),
    "weapon_type": ("type", "model"),
    "weapon_class": ("class",),
    "serial": ("serial_number", "serial_no"),
    "notes": ("comment",),
}
SEEN_COLUMNS = {k: v for k, v in WEAPON_COLUMNS.items() if k not in ("area_id", "area_name")}


@dataclass(frozen=True, slots=True)
class Weapon:
    """One weapon as a declaration lists it or an inspection saw it."""

    serial: str
    weapon_type: str
    weapon_class: WeaponClass | None
    where: str  # file:line
    area_id: str = ""
    lon: float | None = None
    lat: float | None = None
    notes: str = ""


def weapon_from_row(row: Mapping[str, str], where: str, *, declared: bool) -> Weapon | list[str]:
    """A declared weapon (area, class and serial required) or a seen one (serial required;
    a position where it was seen outside its holding area)."""
    problems: list[str] = []
    serial = row.get("serial", "")
    if not serial:
        problems.append(f"{where}: serial: missing")
    weapon_class = None
    written = row.get("weapon_class", "")
    if written:
        try:
            weapon_class = WeaponClass(written)
        except ValueError:
            valid = ", ".join(w.value for w in WeaponClass)
            problems.append(f"{where}: weapon_class: {written!r} is not one of {valid}")
    elif declared:
        problems.append(f"{where}: weapon_class: missing")
    if declared and not row.get("area_id"):
        problems.append(f"{where}: area_id: missing")
    lon, lat = _position(row, where, problems, required=declared)
    if problems:
        return problems
    return Weapon(
        serial=serial,
        weapon_type=row.get("weapon_type", ""),
        weapon_class=weapon_class,
        where=where,
        area_id=row.get("area_id", ""),
        lon=lon,
        lat=lat,
        notes=row.get("notes", ""),
    )


def _position(
    row: Mapping[str, str], where: str, problems: list[str], *, required: bool
) -> tuple[float | None, float | None]:
    lon_text, lat_text = row.get("lon", ""), row.get("lat", "")
    if not lon_text and not lat_text:
        if required:
            problems.append(f"{where}: lon, lat: the holding area's position is required")
        return None, None
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        problems.append(f"{where}: lon, lat: {lon_text!r}, {lat_text!r} are not numbers")
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append(f"{where}: lon, lat: {lon}, {lat} is not a place on Earth")
        return None, None
    return lon, lat

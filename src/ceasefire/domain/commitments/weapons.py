"""Declared heavy weapons in holding areas, and what a monitors' visit found there.

Minsk II had each side withdraw heavy weapons to declared holding areas; monitors visited them
and checked serial numbers against the declared lists. A visit to one area gives, by serial:
present (declared here, seen here), missing (declared here, not seen), moved (seen here,
declared in another area) and extra (seen here, declared nowhere). A weapon seen away from
every holding area is a sighting; inside its class's withdrawal zone it is a candidate
violation, which goes into the record as a report for the analysts to verify like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ceasefire.domain.commitments.rows import Weapon


def normal_serial(serial: str) -> str:
    """Serials as painted and as typed differ in case, spaces and dashes: 'AB-1234' is 'ab 1234'.

    >>> normal_serial(" AB-12 34 ") == normal_serial("ab1234")
    True
    """
    return "".join(ch for ch in serial.lower() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class Declared:
    party: str
    area_id: str
    weapon: Weapon


@dataclass(frozen=True)
class Inspection:
    """What one visit to one holding area found."""

    area_id: str
    present: tuple[Declared, ...]
    missing: tuple[Declared, ...]
    moved: tuple[tuple[Declared, Weapon], ...]  # declared elsewhere, seen here
    extra: tuple[Weapon, ...]  # seen here, declared nowhere
    outside: tuple[tuple[Declared | None, Weapon], ...]  # seen away from the area (a position)

    @property
    def summary(self) -> str:
        return (
            f"{len(self.present)} present, {len(self.missing)} missing, {len(self.moved)} moved "
            f"here from another area, {len(self.extra)} not declared anywhere, "
            f"{len(self.outside)} seen outside the area"
        )


def inventory(declarations: Iterable[tuple[str, Sequence[Weapon]]]) -> dict[str, Declared]:
    """Every declared weapon by normalised serial, the latest declaration of an area
    replacing the earlier one (a party re-declares an area when weapons come or go), and a
    serial declared again elsewhere now counting only where it was last declared."""
    latest: dict[str, Declared] = {}
    for party, weapons in declarations:
        areas = {w.area_id for w in weapons}
        for serial in [s for s, d in latest.items() if d.area_id in areas]:
            del latest[serial]
        for weapon in weapons:
            latest[normal_serial(weapon.serial)] = Declared(party, weapon.area_id, weapon)
    return dict(sorted(latest.items()))


def inspect(area_id: str, seen: Sequence[Weapon], declared: Mapping[str, Declared]) -> Inspection:
    """Compare a visit's sightings with every declaration. A seen row with a position is a
    weapon seen outside the area (on the road, in a field); without one, it was in the area."""
    here = [w for w in seen if w.lon is None]
    away = [w for w in seen if w.lon is not None]
    seen_here = {normal_serial(w.serial): w for w in here}
    present, moved, extra = [], [], []
    for serial, weapon in seen_here.items():
        entry = declared.get(serial)
        if entry is None:
            extra.append(weapon)
        elif entry.area_id == area_id:
            present.append(entry)
        else:
            moved.append((entry, weapon))
    outside = [(declared.get(normal_serial(w.serial)), w) for w in away]
    seen_away = {normal_serial(w.serial) for w in away}
    missing = [
        entry
        for serial, entry in declared.items()
        if entry.area_id == area_id and serial not in seen_here and serial not in seen_away
    ]
    return Inspection(
        area_id, tuple(present), tuple(missing), tuple(moved), tuple(extra), tuple(outside)
    )


def duplicate_serials(weapons: Sequence[Weapon]) -> list[str]:
    """Rows of one file that give a serial already given (as `where: serial`)."""
    first: dict[str, Weapon] = {}
    problems = []
    for weapon in weapons:
        key = normal_serial(weapon.serial)
        if key in first:
            problems.append(
                f"{weapon.where}: serial: {weapon.serial!r} already given at {first[key].where}"
            )
        else:
            first[key] = weapon
    return problems

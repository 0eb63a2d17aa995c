"""The category taxonomy: what kinds of violation a report can describe, and their defaults.

The table is data, not logic: each category names its family (what `--category` filters on
when given a family name), its default severity, and how it maps to ACLED's event types and to
the OSCE Special Monitoring Mission's counting categories. Severity here is only a default; an
agreement or an analyst can set a different one for a given incident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    GRAVE = "grave"


class Category(StrEnum):
    EXPLOSION = "explosion"
    PROJECTILE = "projectile"
    BURST_OF_FIRE = "burst_of_fire"
    SMALL_ARMS = "small_arms"
    ARMED_CLASH = "armed_clash"
    SHELLING = "shelling"
    ARTILLERY = "artillery"
    MORTAR = "mortar"
    MLRS = "mlrs"
    TANK_FIRE = "tank_fire"
    DRONE_STRIKE = "drone_strike"
    AIR_STRIKE = "air_strike"
    MISSILE_STRIKE = "missile_strike"
    GROUND_ASSAULT = "ground_assault"
    MINE_IED = "mine_ied"
    HEAVY_WEAPON_SIGHTED = "heavy_weapon_sighted"
    ARMED_PRESENCE_IN_DMZ = "armed_presence_in_dmz"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    ENERGY_STRIKE = "energy_strike"
    MOVEMENT_RESTRICTION = "movement_restriction"
    # Not something a report describes: a commitment (an exchange, a withdrawal) whose
    # deadline passed unmet, which a plan may count (`counting.commitments`).
    MISSED_COMMITMENT = "missed_commitment"


class WeaponClass(StrEnum):
    """Weapon classes as the Minsk II withdrawal rules and monitors' reports distinguish them."""

    SMALL_ARMS = "small_arms"
    LIGHT_WEAPONS = "light_weapons"  # heavy machine guns, grenade launchers, recoilless guns
    MORTAR = "mortar"
    ARTILLERY_UNDER_100MM = "artillery_under_100mm"
    ARTILLERY_100MM_PLUS = "artillery_100mm_plus"
    TANK = "tank"
    MLRS = "mlrs"
    HEAVY_ROCKET_MISSILE = "heavy_rocket_missile"  # Smerch, Uragan, Tornado, Tochka-U class
    AIR_DEFENCE = "air_defence"
    DRONE = "drone"
    AIRCRAFT = "aircraft"
    MISSILE = "missile"
    MINE_IED = "mine_ied"
    UNDETERMINED = "undetermined"


class Family(StrEnum):
    """Groups of categories that a user can filter on as one (`--category shelling`)."""

    SHELLING = "shelling"
    DIRECT_FIRE = "direct_fire"
    AIR_AND_MISSILE = "air_and_missile"
    GROUND = "ground"
    EXPLOSIVE_HAZARD = "explosive_hazard"
    PROHIBITED_PRESENCE = "prohibited_presence"
    CIVILIAN_HARM = "civilian_harm"
    MONITOR_ACCESS = "monitor_access"
    COMMITMENTS = "commitments"


# The families whose reports describe fire: what lands somewhere, fired from somewhere else.
FIRE_FAMILIES = frozenset({Family.SHELLING, Family.DIRECT_FIRE, Family.AIR_AND_MISSILE})


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    category: Category
    family: Family
    default_severity: Severity
    osce_counting: str  # the OSCE SMM daily-report heading this category is counted under
    description: str


_S, _D, _A = Family.SHELLING, Family.DIRECT_FIRE, Family.AIR_AND_MISSILE
_MIN, _MAJ, _GRV = Severity.MINOR, Severity.MAJOR, Severity.GRAVE

CATEGORIES: tuple[CategoryInfo, ...] = (
    CategoryInfo(Category.EXPLOSION, _S, _MIN, "explosions", "explosion, origin undetermined"),
    CategoryInfo(Category.PROJECTILE, _S, _MIN, "projectiles", "projectile in flight"),
    CategoryInfo(Category.BURST_OF_FIRE, _D, _MIN, "bursts", "burst of heavy machine-gun fire"),
    CategoryInfo(Category.SMALL_ARMS, _D, _MIN, "shots", "small-arms fire"),
    CategoryInfo(Category.ARMED_CLASH, _D, _MAJ, "bursts", "exchange of fire between forces"),
    CategoryInfo(Category.SHELLING, _S, _MAJ, "explosions", "indirect fire, weapon unknown"),
    CategoryInfo(Category.ARTILLERY, _S, _MAJ, "explosions", "artillery fire"),
    CategoryInfo(Category.MORTAR, _S, _MAJ, "explosions", "mortar fire"),
    CategoryInfo(Category.MLRS, _S, _GRV, "explosions", "multiple rocket launcher fire"),
    CategoryInfo(Category.TANK_FIRE, _D, _MAJ, "explosions", "tank gun fire"),
    CategoryInfo(Category.DRONE_STRIKE, _A, _MAJ, "explosions", "strike by an armed drone"),
    CategoryInfo(Category.AIR_STRIKE, _A, _GRV, "explosions", "strike by aircraft"),
    CategoryInfo(Category.MISSILE_STRIKE, _A, _GRV, "explosions", "missile strike"),
    CategoryInfo(Category.GROUND_ASSAULT, Family.GROUND, _GRV, "bursts", "assault to take ground"),
    CategoryInfo(
        Category.MINE_IED,
        Family.EXPLOSIVE_HAZARD,
        _MAJ,
        "explosions",
        "mine or IED laid or set off",
    ),
    CategoryInfo(
        Category.HEAVY_WEAPON_SIGHTED,
        Family.PROHIBITED_PRESENCE,
        _MAJ,
        "weapons in violation of withdrawal lines",
        "heavy weapon seen where the agreement forbids it",
    ),
    CategoryInfo(
        Category.ARMED_PRESENCE_IN_DMZ,
        Family.PROHIBITED_PRESENCE,
        _MAJ,
        "armed presence in the security zone",
        "armed personnel or equipment inside the demilitarized zone",
    ),
    CategoryInfo(
        Category.ATTACK_ON_CIVILIANS,
        Family.CIVILIAN_HARM,
        _GRV,
        "civilian casualties",
        "attack on civilians or civilian objects",
    ),
    CategoryInfo(
        Category.ENERGY_STRIKE,
        Family.CIVILIAN_HARM,
        _GRV,
        "damage to civilian infrastructure",
        "strike on energy infrastructure",
    ),
    CategoryInfo(
        Category.MOVEMENT_RESTRICTION,
        Family.MONITOR_ACCESS,
        _MIN,
        "restrictions of freedom of movement",
        "monitors' freedom of movement restricted",
    ),
    CategoryInfo(
        Category.MISSED_COMMITMENT,
        Family.COMMITMENTS,
        _MAJ,
        "(not an SMM heading: commitments were tracked outside the daily report)",
        "a commitment's deadline passed without it being met",
    ),
)

CATEGORY_INFO: dict[Category, CategoryInfo] = {info.category: info for info in CATEGORIES}


def default_severity(category: Category) -> Severity:
    return CATEGORY_INFO[category].default_severity


def categories_matching(name: str) -> frozenset[Category]:
    """The categories a filter name selects: the category itself and every member of a family.

    >>> sorted(categories_matching("mortar"))
    [<Category.MORTAR: 'mortar'>]
    >>> Category.ARTILLERY in categories_matching("shelling")
    True
    """
    matched = {info.category for info in CATEGORIES if name in (info.category, info.family)}
    if not matched:
        raise ValueError(f"unknown category or family {name!r}; valid: {', '.join(filter_names())}")
    return frozenset(matched)


def filter_names() -> list[str]:
    """Every name `categories_matching` accepts, categories first, then families."""
    category_names = {c.value for c in Category}
    return [c.value for c in Category] + [f.value for f in Family if f.value not in category_names]


# ACLED (event_type, sub_event_type) to our category. None: outside the taxonomy (protests,
# agreements, arrests...), skipped on import rather than rejected, since it is not an error.
ACLED_SUB_EVENT_TYPES: dict[tuple[str, str], Category | None] = {
    ("Battles", "Armed clash"): Category.ARMED_CLASH,
    ("Battles", "Government regains territory"): Category.GROUND_ASSAULT,
    ("Battles", "Non-state actor overtakes territory"): Category.GROUND_ASSAULT,
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"): Category.SHELLING,
    ("Explosions/Remote violence", "Air/drone strike"): Category.AIR_STRIKE,
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"): Category.MINE_IED,
    ("Explosions/Remote violence", "Grenade"): Category.EXPLOSION,
    ("Explosions/Remote violence", "Suicide bomb"): Category.EXPLOSION,
    ("Explosions/Remote violence", "Chemical weapon"): Category.ATTACK_ON_CIVILIANS,
    ("Violence against civilians", "Attack"): Category.ATTACK_ON_CIVILIANS,
    ("Violence against civilians", "Abduction/forced disappearance"): Category.ATTACK_ON_CIVILIANS,
    ("Violence against civilians", "Sexual violence"): Category.ATTACK_ON_CIVILIANS,
    ("Strategic developments", "Disrupted weapons use"): Category.AIR_STRIKE,
}

# Words in ACLED's notes that make a generic remote-violence category specific. Checked in
# order; the first found as a whole word, singular or plural (case-insensitive), wins: "drones"
# matches, "Volgograd", "gradually" and "tanker" do not. Only refines the categories listed.
ACLED_NOTE_REFINEMENTS: tuple[tuple[frozenset[Category], str, Category], ...] = (
    (frozenset({Category.AIR_STRIKE, Category.SHELLING}), "missile", Category.MISSILE_STRIKE),
    (frozenset({Category.AIR_STRIKE, Category.SHELLING}), "drone", Category.DRONE_STRIKE),
    (frozenset({Category.AIR_STRIKE, Category.SHELLING}), "uav", Category.DRONE_STRIKE),
    (frozenset({Category.SHELLING}), "mortar", Category.MORTAR),
    (frozenset({Category.SHELLING}), "mlrs", Category.MLRS),
    (frozenset({Category.SHELLING}), "grad", Category.MLRS),
    (frozenset({Category.SHELLING}), "artillery", Category.ARTILLERY),
    (frozenset({Category.SHELLING}), "tank", Category.TANK_FIRE),
)


def acled_category(event_type: str, sub_event_type: str, notes: str) -> Category | None:
    """Map an ACLED event to a category, refined by its notes where those name the weapon.

    >>> acled_category("Explosions/Remote violence", "Air/drone strike", "a Shahed drone hit")
    <Category.DRONE_STRIKE: 'drone_strike'>
    >>> acled_category("Protests", "Peaceful protest", "") is None
    True
    """
    category = ACLED_SUB_EVENT_TYPES.get((event_type.strip(), sub_event_type.strip()))
    if category is None:
        return None
    lowered = notes.lower()
    for applies_to, stem, refined in ACLED_NOTE_REFINEMENTS:
        if category in applies_to and re.search(rf"\b{stem}s?\b", lowered):
            return refined
    return category


# Where ACLED's codebook files under one sub-event type what our taxonomy splits: an assault
# that takes no ground, and an exchange of small-arms or heavy machine-gun fire between forces,
# are ACLED armed clashes; artillery and tank fire, projectiles and explosions are shelling;
# explosions are also how a remote device shows; a defused mine is disrupted weapons use.
_ACLED_ALSO: dict[str, frozenset[Category]] = {
    "Armed clash": frozenset(
        {Category.SMALL_ARMS, Category.BURST_OF_FIRE, Category.GROUND_ASSAULT}
    ),
    "Shelling/artillery/missile attack": frozenset({Category.EXPLOSION, Category.PROJECTILE}),
    "Remote explosive/landmine/IED": frozenset({Category.EXPLOSION}),
    "Disrupted weapons use": frozenset({Category.MINE_IED}),
}


def acled_compatible(event_type: str, sub_event_type: str) -> frozenset[Category]:
    """Every category that agrees with ACLED's coding of an event: the one the sub-event type
    maps to, its refinements by weapon, and `_ACLED_ALSO`. Empty for events outside the
    taxonomy (a protest), where agreeing means giving no category. Used to score the free-text
    extractor against ACLED's own coding.

    >>> sorted(c.value for c in acled_compatible("Explosions/Remote violence", "Air/drone strike"))
    ['air_strike', 'drone_strike', 'missile_strike']
    """
    mapped = ACLED_SUB_EVENT_TYPES.get((event_type.strip(), sub_event_type.strip()))
    if mapped is None:
        return frozenset()
    refined = {r for applies_to, _, r in ACLED_NOTE_REFINEMENTS if mapped in applies_to}
    return frozenset({mapped, *refined, *_ACLED_ALSO.get(sub_event_type.strip(), frozenset())})

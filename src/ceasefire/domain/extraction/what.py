"""What a text says happened: the category and weapon, the counts monitors keep, direction,
casualties and what was damaged.

The category is read from the first sentence that names a kind of violence (news items and
patrol reports put the event first and context after). Within it a named weapon decides
("fired mortars" is mortar fire, "drone strikes" a drone strike); failing that, the verb does
("clashed", "shelled", "an offensive"). Each cue is data in the tables below, so an analyst
can read why a sentence was classed as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ceasefire.domain.extraction.found import CERTAIN, LIKELY, PLAUSIBLE, WEAK, Flag, Found, Span
from ceasefire.domain.reports import Direction, ObjectClass
from ceasefire.domain.taxonomy import Category, WeaponClass
from ceasefire.domain.timeparse import MONTH_NAMES

C, W = Category, WeaponClass


@dataclass(frozen=True, slots=True)
class Cue:
    """Words (a regular expression, matched case-insensitively on word boundaries) that name a
    category, and the weapon class they imply when they name a weapon."""

    pattern: str
    category: Category
    weapon: WeaponClass | None
    names_weapon: bool


def _cue(pattern: str, category: Category, weapon: WeaponClass | None = None) -> Cue:
    return Cue(pattern, category, weapon, names_weapon=weapon is not None)


# Weapons, most specific first within a sentence's reading order (the first named wins).
WEAPON_CUES: tuple[Cue, ...] = (
    # Air defence bringing down an aircraft: fire by the side that shot, filed as ACLED files it
    # (a missile attack); drones and missiles shot down are read by the drone and missile cues.
    _cue(r"(?:shot|shoots|shooting) down (?:an? )?(?:[\w-]+ ){0,3}?(?:aircraft|(?:fighter )?jets?"
         r"|helicopters?|planes?|su-\d+\w*)|downed (?:an? )?(?:[\w-]+ ){0,3}?(?:aircraft|jets?"
         r"|helicopters?|planes?)", C.MISSILE_STRIKE, W.AIR_DEFENCE),
    _cue(r"defus(?:ed|al|ing)|demin(?:ed|ing)|remnants? of|unexploded", C.MINE_IED, W.MINE_IED),
    _cue(r"(?:ballistic |cruise |guided |anti-ship )?missiles?|iskanders?|kalibrs?|kinzhals?"
         r"|kh-\d+|x-\d+|s-300s?|s-400s?|tochka(?:-u)?|ракет\w*|іскандер\w*|искандер\w*",
         C.MISSILE_STRIKE, W.MISSILE),
    _cue(r"(?:kamikaze |attack |fpv |reconnaissance )?drones?|uavs?|shaheds?|gerans?|lancets?"
         r"|quadcopters?|loitering munitions?|unmanned aerial vehicles?|дрон\w*|бпла|безпілотн\w*"
         r"|беспилотн\w*|шахед\w*", C.DRONE_STRIKE, W.DRONE),
    _cue(r"air ?strikes?|airstrikes?|aerial bombs?|(?:guided |glide )?bombs?|kabs?|fab-\d+"
         r"|aircraft|helicopters?|jets?|bombed|bombing|air forces?|авіа\w*|авиа\w*",
         C.AIR_STRIKE, W.AIRCRAFT),
    _cue(r"mlrs|grads?|bm-21s?|multiple (?:launch )?rocket(?: launchers?)?|rocket launchers?"
         r"|himars|rockets?|рсзв|реактивн\w*", C.MLRS, W.MLRS),
    _cue(r"uragans?|smerchs?|tornado(?:-s)?", C.MLRS, W.HEAVY_ROCKET_MISSILE),
    _cue(r"mortars?(?: fire)?|mortar rounds?|міномет\w*|миномет\w*", C.MORTAR, W.MORTAR),
    _cue(r"(?:1[0-9]{2}|2[0-9]{2})\s?mm|howitzers?|msta|akatsiya|gvozdika|giatsint"
         r"|self-propelled guns?", C.ARTILLERY, W.ARTILLERY_100MM_PLUS),
    _cue(r"artillery|cannons?|guns? fire|артилер\w*|артиллер\w*|гармат\w*", C.ARTILLERY,
         W.UNDETERMINED),
    _cue(r"tanks?(?: fire| guns?)?|танк\w*", C.TANK_FIRE, W.TANK),
    _cue(r"(?:automatic )?grenade launchers?|heavy machine[- ]guns?|(?:anti-aircraft|zu-23) guns?"
         r"|infantry fighting vehicles?|bmps?|recoilless", C.BURST_OF_FIRE, W.LIGHT_WEAPONS),
    _cue(r"small[- ]arms?|rifles?|snipers?|sniper fire|machine[- ]guns?|light weapons"
         r"|стрілецьк\w*|стрелков\w*|снайпер\w*",
         C.SMALL_ARMS, W.SMALL_ARMS),
    _cue(r"(?:land)?mines?|ieds?|improvised explosive devices?|explosive devices?|tripwires?"
         r"|booby[- ]traps?|unexploded ordnance|uxo|мін[аиуі]|мины|розтяжк\w*|растяжк\w*",
         C.MINE_IED, W.MINE_IED),
)  # fmt: skip
# What happened, when no weapon is named in the sentence.
EVENT_CUES: tuple[Cue, ...] = (
    _cue(r"captured|recaptured|took control|seized|liberated|stormed|overran|advanced"
         r"|offensives?|assaults?|assaulted|ground attacks?|attempted to advance"
         r"|attempted attacks?|breakthrough|штурм\w*|наступ\w*|наступл\w*", C.GROUND_ASSAULT),
    _cue(r"clash(?:ed|es)?|fighting|fought|firefights?|battles?|engaged|skirmish(?:es)?"
         r"|exchange(?:d)? of fire|exchanged fire|combat|бо[йї]\w*|бої|зіткнен\w*"
         r"|столкновен\w*|перестрілк\w*|перестрелк\w*", C.ARMED_CLASH),
    _cue(r"shell(?:ed|ing|s)?|fired (?:at|on|upon)|opened fire|artillery strikes?|обстр\w*",
         C.SHELLING),
    _cue(r"bursts?(?: of (?:heavy )?(?:machine-gun )?fire)?", C.BURST_OF_FIRE),
    _cue(r"shots?|gunfire", C.SMALL_ARMS),
    _cue(r"projectiles?|rounds? in flight", C.PROJECTILE),
    _cue(r"explosions?|detonations?|blasts?|exploded|вибух\w*|взрыв\w*", C.EXPLOSION),
    _cue(r"(?:denied|restricted|blocked|refused) (?:passage|access|the (?:monitors|patrol))"
         r"|(?:freedom of )?movement (?:was )?restricted", C.MOVEMENT_RESTRICTION),
    _cue(r"struck|strikes?|hit|attacked|attacks?|targeted|удар\w*|атак\w*", C.SHELLING),
)  # fmt: skip
# Words that say something was hit without saying by what.
_VAGUE_STRIKE = ("struck", "strike", "hit", "attack", "удар", "атак")
# Texts about events outside the taxonomy: left without a category, and said so.
NOT_A_VIOLATION = re.compile(
    r"\b(?:protest(?:ed|ers|s)?|demonstrat(?:ed|ion|ions|ors)|rall(?:y|ied)|picket(?:ed)?"
    r"|petition|gathered to demand|commemorat\w*|agreement was signed|negotiations?)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?;]+(?:[.!?;]+|$)")


def _compiled(cues: Sequence[Cue]) -> list[tuple[re.Pattern[str], Cue]]:
    return [(re.compile(rf"(?<![\w-])(?:{c.pattern})(?![\w-])", re.IGNORECASE), c) for c in cues]


_WEAPONS = _compiled(WEAPON_CUES)
_EVENTS = _compiled(EVENT_CUES)


@dataclass(frozen=True, slots=True)
class Kind:
    category: Category
    weapon: WeaponClass | None


def find_kind(text: str) -> tuple[Found[Kind] | None, list[Flag]]:
    """The category (and weapon class) of the first sentence that names any kind of violence."""
    for sentence in _SENTENCE.finditer(text):
        found = _kind_in(text, sentence.start(), sentence.end())
        if found is not None:
            kind, flags = found
            return kind, flags + _named_later(text, sentence.end(), kind.value.category)
    if NOT_A_VIOLATION.search(text):
        return None, [Flag("category", "the text describes a protest or a political event, "
                                       "not a violation; no category")]  # fmt: skip
    return None, [Flag("category", "no weapon or kind of violence named in the text")]


def _named_later(text: str, after: int, category: Category) -> list[Flag]:
    """Weapons the text names after the sentence read: a report of one kind of fire may
    describe another too ("... with mortars. The patrol also heard small-arms fire")."""
    later = {c.category for _, c in _matches(_WEAPONS, text, after, len(text))} - {category}
    if not later:
        return []
    names = ", ".join(sorted(c.value for c in later))
    return [Flag("category", f"later sentences also name {names}; one report may not cover it")]


def _kind_in(text: str, start: int, end: int) -> tuple[Found[Kind], list[Flag]] | None:
    weapons = _matches(_WEAPONS, text, start, end)
    events = _matches(_EVENTS, text, start, end)
    if not weapons and not events:
        return None
    flags: list[Flag] = []
    ground = [(s, c) for s, c in events if c.category in GROUND_COMBAT]
    if ground:
        return _ground(text, ground, weapons)
    if weapons:
        span, cue = weapons[0]
        others = {c.category for _, c in weapons if c.category is not cue.category}
        rule = f"the first weapon named in the sentence ({span.of(text)!r})"
        confidence = LIKELY if events else PLAUSIBLE
        if others:
            names = ", ".join(sorted(c.value for c in others))
            flags.append(Flag("category", f"the sentence also names {names}; check which it was"))
        kind = Kind(cue.category, cue.weapon)
        if "grenade" in span.of(text).lower():
            why = "grenade launchers are light weapons to monitors, shelling to some coders"
            flags.append(Flag("category", f"{why}; check which"))
    else:
        span, cue = events[0]
        others = {c.category for _, c in events if c.category is not cue.category}
        rule = f"what the sentence says happened ({span.of(text)!r}); no weapon named"
        confidence = PLAUSIBLE if others else LIKELY
        if cue.category is C.SHELLING and span.of(text).lower().startswith(_VAGUE_STRIKE):
            confidence = WEAK
            reason = "a strike or attack with no weapon named; read as shelling, check it"
            flags.append(Flag("category", reason))
        kind = Kind(cue.category, None)
    return Found(kind, span, rule, confidence), flags


# Ground combat names the event even when the sentence names the fire that supported it
# ("shelled, assaulted, and were repulsed", "supported by artillery, clashed"): that is how
# ACLED and monitors file it. An assault outranks a clash, since it says more.
GROUND_COMBAT = (C.GROUND_ASSAULT, C.ARMED_CLASH)


def _ground(
    text: str, ground: Sequence[tuple[Span, Cue]], weapons: Sequence[tuple[Span, Cue]]
) -> tuple[Found[Kind], list[Flag]]:
    span, cue = min(ground, key=lambda g: (GROUND_COMBAT.index(g[1].category), g[0].start))
    weapon = next((c.weapon for _, c in weapons if c.weapon), None)
    rule = f"ground combat named in the sentence ({span.of(text)!r})"
    if not weapons:
        return Found(Kind(cue.category, None), span, rule, LIKELY), []
    named = ", ".join(sorted({s.of(text).lower() for s, _ in weapons}))
    flag = Flag("category", f"the sentence also names {named}; read as the fire supporting "
                            f"the {cue.category.value.replace('_', ' ')}, check it")  # fmt: skip
    return Found(Kind(cue.category, weapon), span, rule + f", with {named}", PLAUSIBLE), [flag]


def _matches(
    patterns: Sequence[tuple[re.Pattern[str], Cue]], text: str, start: int, end: int
) -> list[tuple[Span, Cue]]:
    """Every cue in text[start:end], in reading order (ties: the earlier table entry)."""
    hits = [
        (Span(m.start(), m.end()), order, cue)
        for order, (pattern, cue) in enumerate(patterns)
        for m in pattern.finditer(text, start, end)
    ]
    hits.sort(key=lambda h: (h[0].start, -h[0].end, h[1]))
    kept: list[tuple[Span, Cue]] = []
    for span, _, cue in hits:
        if not kept or span.start >= kept[-1][0].end:  # inside a longer cue: the same words
            kept.append((span, cue))
    return kept


# Counts, as monitors keep them: "12 undetermined explosions", "a total of 24 explosions".
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
# Full names before their abbreviations, so "march" is tried before "mar".
_MONTHS = "|".join(
    [m.lower() for m in MONTH_NAMES] + [m[:3].lower() for m in MONTH_NAMES] + ["sept"]
)
_NUM = r"(?P<n>\d[\d,]*|" + "|".join(NUMBER_WORDS) + r")"
_COUNT = re.compile(
    rf"(?<![\w.-]){_NUM}\s+(?P<adj>(?:(?:undetermined|unidentified|incoming|outgoing|possible"
    r"|loud|heavy|large|more|further|other|separate|artillery|mortar|tank)\s+)*)"
    r"(?P<kind>explosions?|projectiles?|bursts?|shots?)\b",
    re.IGNORECASE,
)
# A number that is a year ("3 March 2025 explosions") or a part of a total already counted
# ("24 explosions, including 3 explosions") is not a count of its own.
_YEAR_BEFORE = re.compile(rf"(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_PART_BEFORE = re.compile(r"(?:including|of which|of them|among them|among which)\s*$", re.I)
COUNT_FIELDS = {"explosion": "explosions", "projectile": "projectiles", "burst": "bursts",
                "shot": "shots"}  # fmt: skip


def number(word: str) -> int | None:
    """`12`, `1,200`, `twelve`; None for what is not a number we read."""
    cleaned = word.lower().replace(",", "")
    if cleaned.isdigit():
        return int(cleaned)
    return NUMBER_WORDS.get(cleaned)


def find_counts(text: str) -> tuple[dict[str, Found[int]], list[Flag]]:
    """Each kind of count the text gives. Several counts of one kind are added up ("3
    explosions at 14:00 and 5 at 15:00"), at a lower confidence and flagged, since a text may
    also repeat or break down a total."""
    found: dict[str, list[tuple[int, Span]]] = {}
    for match in _COUNT.finditer(text):
        value = number(match["n"])
        before = text[max(0, match.start() - 20) : match.start()]
        if value is None or _YEAR_BEFORE.search(before) or _PART_BEFORE.search(before):
            continue
        field = COUNT_FIELDS[match["kind"].lower().rstrip("s")]
        found.setdefault(field, []).append((value, Span(match.start(), match.end())))
    counts: dict[str, Found[int]] = {}
    flags: list[Flag] = []
    for field, items in found.items():
        total = sum(v for v, _ in items)
        span = Span(items[0][1].start, items[-1][1].end)
        if len(items) == 1:
            counts[field] = Found(total, span, "a number before the kind of event", CERTAIN)
            continue
        parts = " + ".join(str(v) for v, _ in items)
        counts[field] = Found(total, span, f"several counts added up ({parts})", PLAUSIBLE)
        flags.append(Flag(field, f"{parts} {field} added up; check none repeats another"))
    return counts, flags


_DIRECTION = re.compile(r"\b(incoming|outgoing|undetermined)\b", re.IGNORECASE)


def find_direction(text: str) -> Found[Direction] | None:
    """Incoming, outgoing or undetermined, as monitors qualify what they heard; the first
    that the text uses, and a lower confidence when it uses more than one."""
    matches = list(_DIRECTION.finditer(text))
    if not matches:
        return None
    first = matches[0]
    several = len({m.group(1).lower() for m in matches}) > 1
    rule = "the first direction named" + (" (the text names more than one)" if several else "")
    return Found(Direction(first.group(1).lower()), Span(first.start(), first.end()), rule,
                 WEAK if several else CERTAIN)  # fmt: skip


# Casualties: "4 civilians were injured", "killing two soldiers", "one ... soldier ... killed".
_CIVILIAN = r"civilians?|people|persons?|residents?|children|child|women|woman|men|man|boys?|girls?"
_COMBATANT = (
    r"soldiers?|servicem[ae]n|troops|militants?|rebels?|fighters?|militiam[ae]n|combatants?"
    r"|personnel|marines?|paratroopers?|members"
)
_PEOPLE_NUM = "|".join(k for k in NUMBER_WORDS if k not in ("a", "an"))
# Words allowed between a number and the people it counts ("two Ukrainian Government
# soldiers"): not a month, a number or a verb, so "On 3 March two civilians" never reads 3.
_FILLER = (
    rf"(?:(?!(?:{_MONTHS}|{_PEOPLE_NUM}|and|or|of|in|on|at|were|was|had|have|been|where|who)\b)"
    r"[A-Za-z][\w'-]*\s+){0,3}?"
)
_HARM = r"(?P<harm>killed|died|dead|injured|wounded|hurt)"
_CASUALTY = re.compile(
    rf"(?<![\w.-])(?P<n>\d{{1,5}}|{_PEOPLE_NUM})\s+{_FILLER}(?P<noun>{_CIVILIAN}|{_COMBATANT})\b"
    rf"(?P<between>(?:(?!\b(?:\d|{_PEOPLE_NUM})\b)[^.;]){{0,40}}?)\b{_HARM}\b"
    rf"|\b(?P<verb>killing|injuring|wounding|killed|injured|wounded)\s+(?P<n2>\d{{1,5}}|"
    rf"{_PEOPLE_NUM})\s+{_FILLER}(?P<noun2>{_CIVILIAN}|{_COMBATANT})\b",
    re.IGNORECASE,
)
# "One soldier and three rebels were killed": two groups, one fate.
_PAIR = re.compile(
    rf"(?<![\w.-])(?P<n1>\d{{1,5}}|{_PEOPLE_NUM})\s+{_FILLER}(?P<noun1>{_CIVILIAN}|{_COMBATANT})"
    rf"\s+and\s+(?P<n2>\d{{1,5}}|{_PEOPLE_NUM})\s+{_FILLER}(?P<noun2>{_CIVILIAN}|{_COMBATANT})"
    rf"\s+(?:were|was|have been|had been)\s+{_HARM}\b",
    re.IGNORECASE,
)
_CIVILIAN_WORD = re.compile(rf"^(?:{_CIVILIAN})$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|never|without)\b|n't", re.IGNORECASE)
_CODER_NOTE = re.compile(r"\[[^\[\]]*\]")


def find_casualties(text: str) -> tuple[dict[str, Found[int]], list[Flag]]:
    """Killed and injured, civilians counted apart too; `[...]` (a coder's note) is not read.
    The same people mentioned twice ("Two civilians were killed. The two killed were ...")
    count once: within civilians or within combatants the largest figure is kept, flagged."""
    readable = _CODER_NOTE.sub(lambda m: " " * len(m.group()), text)
    seen: dict[tuple[str, bool], list[tuple[int, Span]]] = {}
    pairs = list(_PAIR.finditer(readable))
    for pair in pairs:
        killed = pair["harm"].lower().startswith(("kill", "die", "dead"))
        span = Span(pair.start(), pair.end())
        group: dict[tuple[str, bool], int] = {}
        for n, noun in (("n1", "noun1"), ("n2", "noun2")):
            key = ("killed" if killed else "injured", bool(_CIVILIAN_WORD.match(pair[noun])))
            group[key] = group.get(key, 0) + (number(pair[n]) or 0)
        for key, total in group.items():
            seen.setdefault(key, []).append((total, span))
    for match in _CASUALTY.finditer(readable):
        if any(p.start() <= match.start() < p.end() for p in pairs):
            continue
        if match["verb"]:
            value, noun, harm = number(match["n2"]), match["noun2"], match["verb"]
        else:
            value, noun, harm = number(match["n"]), match["noun"], match["harm"]
            if _NEGATION.search(match["between"] or ""):
                continue  # "three soldiers were not injured"
        if value is None:
            continue
        killed = harm.lower().startswith(("kill", "die", "dead"))
        key = ("killed" if killed else "injured", bool(_CIVILIAN_WORD.match(noun)))
        seen.setdefault(key, []).append((value, Span(match.start(), match.end())))
    found: dict[str, Found[int]] = {}
    flags: list[Flag] = []
    rule = "a number of people and what happened to them"
    for (harm, civilian), items in seen.items():
        value, span = max(items, key=lambda item: item[0])
        confidence = LIKELY if len(items) == 1 else PLAUSIBLE
        if len(items) > 1:
            figures = ", ".join(str(v) for v, _ in items)
            flags.append(Flag(harm, f"{harm} given more than once ({figures}); the largest kept"))
        if civilian:
            found[f"civilians_{harm}"] = Found(value, span, rule, confidence)
        previous = found.get(harm)
        total = value + (previous.value if previous else 0)
        first = min(span, previous.span) if previous else span
        found[harm] = Found(total, first, rule, min(confidence, previous.confidence if previous
                                                    else confidence))  # fmt: skip
    return found, flags


DAMAGE_CUES: tuple[tuple[str, ObjectClass], ...] = (
    (r"power (?:plant|station|lines?|grid|facility|facilities|substation)s?|substations?"
     r"|energy (?:infrastructure|facility|facilities)|thermal power|electricity|transformers?"
     r"|gas (?:pipeline|distribution|station)|heating plant|hydroelectric", ObjectClass.ENERGY),
    (r"hospitals?|clinics?|medical|ambulances?|maternity", ObjectClass.MEDICAL),
    (r"schools?|kindergartens?|universit(?:y|ies)|college", ObjectClass.EDUCATION),
    (r"water (?:supply|pipeline|station|treatment|facility)|pumping station|dam",
     ObjectClass.WATER),
    (r"houses?|homes?|residential|apartments?|blocks? of flats|buildings?|dwellings?",
     ObjectClass.RESIDENTIAL),
    (r"railway|rail|bridges?|roads?|port|airport|train|bus", ObjectClass.TRANSPORT),
    (r"factory|plant|enterprise|industrial|warehouses?", ObjectClass.INDUSTRIAL),
    (r"farms?|fields?|grain|agricultural|barns?", ObjectClass.AGRICULTURAL),
)  # fmt: skip
_DAMAGE = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), o) for p, o in DAMAGE_CUES]
_DAMAGED = re.compile(
    r"\b(?:damag\w*|destroy\w*|hit|struck|strikes?|burn\w*|on fire|caught fire|shelled"
    r"|collapsed|de-energi[sz]ed|cut off)\b",
    re.IGNORECASE,
)
_NO_DAMAGE = re.compile(r"\b(?:no|not|without)\b[^.;]{0,20}\b(?:damag|destroy|hit)", re.I)
NEAR_VERB = 80  # characters: an object this close to the verb, in its sentence, is what was hit


def find_damage(text: str) -> Found[ObjectClass] | None:
    """The most protected object class a sentence says was damaged, hit or destroyed: energy
    before a hospital before homes, so an energy moratorium never misses a strike that also
    hit a house. The object must be near the verb, in its sentence, and not denied ("no
    damage was reported")."""
    best: tuple[int, Found[ObjectClass]] | None = None
    for sentence in _SENTENCE.finditer(text):
        words = sentence.group()
        if _NO_DAMAGE.search(words):
            continue
        for verb in _DAMAGED.finditer(words):
            for rank, (pattern, object_class) in enumerate(_DAMAGE):
                for thing in pattern.finditer(words):
                    if abs(thing.start() - verb.start()) > NEAR_VERB:
                        continue
                    if best is None or rank < best[0]:
                        offset = sentence.start()
                        span = Span(offset + min(thing.start(), verb.start()),
                                    offset + max(thing.end(), verb.end()))  # fmt: skip
                        rule = f"{thing.group()!r} said to be {verb.group()!r}"
                        best = (rank, Found(object_class, span, rule, LIKELY))
    return best[1] if best else None

"""Exchange reconciliation on generated lists with real-world spelling variety: how many of the
persons actually exchanged the rules match on their own, how many go to an analyst, how many
they match wrongly (the number that matters: a wrong match hides a missing person), and how
long it takes, beside two simpler ways of doing it.

Lists: N persons drawn from common Ukrainian surnames and given names (so namesakes occur, as
they do in real lists), each with a date of birth. The agreed list is written by the holding
side: half in Russian forms (Александр, Николаевич, Олейник). The exchanged list is written by
the receiving side: Ukrainian Cyrillic or a Latin transliteration with spelling variants,
surname first or last, the patronymic often dropped, dates in three formats. 5 % of the agreed
are not exchanged, 3 % of the exchanged are on no list, and 2 % of dates of birth carry a typo.

Peers, in the same run:
- exact: transliterate (anyascii), then match on surname + given name + date of birth exactly,
  as a spreadsheet lookup would;
- fuzzy-auto: rapidfuzz WRatio of the transliterated full names >= 90 and the same year of
  birth, taken greedily with no human in the loop.

Usage: .venv/bin/python benchmarks/reconcile.py [--sizes 314,5000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz
from rich.console import Console
from rich.table import Table

from ceasefire.domain.commitments.exchange import Person, reconcile
from ceasefire.domain.commitments.names import BirthDate
from ceasefire.domain.transliteration import latin_key
from ceasefire.services.exchange import given_names
from timing import timed

SURNAMES = [
    ("Коваленко", "Коваленко"), ("Бондаренко", "Бондаренко"), ("Шевченко", "Шевченко"),
    ("Ткаченко", "Ткаченко"), ("Кравченко", "Кравченко"), ("Мельник", "Мельник"),
    ("Олійник", "Олейник"), ("Лисенко", "Лысенко"), ("Савченко", "Савченко"),
    ("Руденко", "Руденко"), ("Петренко", "Петренко"), ("Поліщук", "Полищук"),
    ("Бойко", "Бойко"), ("Коваль", "Коваль"), ("Марченко", "Марченко"), ("Мороз", "Мороз"),
    ("Клименко", "Клименко"), ("Павленко", "Павленко"), ("Левченко", "Левченко"),
    ("Гончаренко", "Гончаренко"), ("Харченко", "Харченко"), ("Кузьменко", "Кузьменко"),
    ("Ковальчук", "Ковальчук"), ("Ткачук", "Ткачук"), ("Гаврилюк", "Гаврилюк"),
    ("Сидоренко", "Сидоренко"), ("Литвиненко", "Литвиненко"), ("Іваненко", "Иваненко"),
    ("Захарченко", "Захарченко"), ("Білоус", "Белоус"), ("Григоренко", "Григоренко"),
    ("Яковенко", "Яковенко"), ("Юрченко", "Юрченко"), ("Щербак", "Щербак"),
    ("Хоменко", "Хоменко"), ("Остапенко", "Остапенко"), ("Ничипорук", "Ничипорук"),
    ("Дмитренко", "Дмитренко"), ("Семенюк", "Семенюк"), ("Зайченко", "Зайченко"),
]  # fmt: skip
GIVEN = [
    ("Олександр", "Александр", "Олександрович", "Александрович"),
    ("Микола", "Николай", "Миколайович", "Николаевич"),
    ("Іван", "Иван", "Іванович", "Иванович"),
    ("Петро", "Пётр", "Петрович", "Петрович"),
    ("Сергій", "Сергей", "Сергійович", "Сергеевич"),
    ("Володимир", "Владимир", "Володимирович", "Владимирович"),
    ("Василь", "Василий", "Васильович", "Васильевич"),
    ("Михайло", "Михаил", "Михайлович", "Михайлович"),
    ("Андрій", "Андрей", "Андрійович", "Андреевич"),
    ("Віктор", "Виктор", "Вікторович", "Викторович"),
    ("Дмитро", "Дмитрий", "Дмитрович", "Дмитриевич"),
    ("Юрій", "Юрий", "Юрійович", "Юрьевич"),
    ("Євген", "Евгений", "Євгенович", "Евгеньевич"),
    ("Ігор", "Игорь", "Ігорович", "Игоревич"),
    ("Олег", "Олег", "Олегович", "Олегович"),
    ("Тарас", "Тарас", "Тарасович", "Тарасович"),
    ("Богдан", "Богдан", "Богданович", "Богданович"),
    ("Максим", "Максим", "Максимович", "Максимович"),
    ("Роман", "Роман", "Романович", "Романович"),
    ("Віталій", "Виталий", "Віталійович", "Витальевич"),
]  # fmt: skip
LATIN_VARIANTS = [("y", "i"), ("ii", "iy"), ("kh", "h"), ("ts", "tz"), ("iu", "yu"), ("ie", "ye")]


@dataclass(frozen=True)
class Truth:
    surname: int
    given: int
    father: int
    birth: BirthDate


def population(n: int, rng: random.Random) -> list[Truth]:
    people = []
    for _ in range(n):
        birth = BirthDate(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
        people.append(
            Truth(
                rng.randrange(len(SURNAMES)),
                rng.randrange(len(GIVEN)),
                rng.randrange(len(GIVEN)),
                birth,
            )
        )
    return people


def agreed_entry(ref: str, t: Truth, rng: random.Random) -> Person:
    russian = rng.random() < 0.5
    surname = SURNAMES[t.surname][1 if russian else 0]
    given = GIVEN[t.given][1 if russian else 0]
    father = GIVEN[t.father][3 if russian else 2]
    return Person(ref, "RU", surname, given, father, t.birth, ref)


def latin(text: str, rng: random.Random) -> str:
    written = anyascii(text)
    for old, new in LATIN_VARIANTS:
        if old in written.lower() and rng.random() < 0.4:
            written = written.replace(old, new)
    return written


def delivered_entry(ref: str, t: Truth, rng: random.Random) -> Person:
    surname, given, father = SURNAMES[t.surname][0], GIVEN[t.given][0], GIVEN[t.father][2]
    if rng.random() < 0.5:
        surname, given, father = latin(surname, rng), latin(given, rng), latin(father, rng)
    if rng.random() < 0.3:
        surname = surname.upper()
    if rng.random() < 0.4:
        father = ""
    birth = t.birth
    if rng.random() < 0.02:
        birth = BirthDate(birth.year + rng.choice((-1, 1)), birth.month, birth.day)
    elif rng.random() < 0.05:
        birth = BirthDate(birth.year, None, None)  # a year only
    return Person(ref, "RU", surname, given, father, birth, ref)


@dataclass
class Outcome:
    right: int = 0  # auto-matched to the right person
    wrong: int = 0  # auto-matched to someone else
    review: int = 0  # exchanged persons (on a list or not) sent to an analyst
    missed: int = 0  # exchanged and on the list, but neither matched nor sent to review


def score(
    pairs: Sequence[tuple[str, str]],
    review: set[str],
    truth: dict[str, int],
    agreed_of: dict[int, str],
    delivered: Sequence[Person],
) -> Outcome:
    outcome = Outcome()
    matched = {d: a for a, d in pairs}
    for person in delivered:
        real = agreed_of.get(truth[person.ref])
        got = matched.get(person.ref)
        if got is not None:
            if got == real:
                outcome.right += 1
            else:
                outcome.wrong += 1
        elif person.ref in review:
            outcome.review += 1
        elif real is not None:
            outcome.missed += 1
    return outcome


def exact(agreed: Sequence[Person], delivered: Sequence[Person]) -> list[tuple[str, str]]:
    def key(p: Person) -> tuple[str, str, str]:
        return latin_key(p.surname), latin_key(p.given), str(p.birth)

    index: dict[tuple[str, str, str], list[str]] = {}
    for a in agreed:
        index.setdefault(key(a), []).append(a.ref)
    pairs, used = [], set()
    for d in delivered:
        free = [ref for ref in index.get(key(d), []) if ref not in used]
        if free:
            used.add(free[0])
            pairs.append((free[0], d.ref))
    return pairs


def fuzzy_auto(agreed: Sequence[Person], delivered: Sequence[Person]) -> list[tuple[str, str]]:
    names_a = [anyascii(f"{a.surname} {a.given}").lower() for a in agreed]
    names_d = [anyascii(f"{d.surname} {d.given}").lower() for d in delivered]
    candidates = []
    for i, a in enumerate(agreed):
        for j, d in enumerate(delivered):
            if a.birth and d.birth and a.birth.year == d.birth.year:
                s = fuzz.WRatio(names_a[i], names_d[j])
                if s >= 90:
                    candidates.append((s, a.ref, d.ref))
    pairs, used_a, used_d = [], set(), set()
    for _, a_ref, d_ref in sorted(candidates, reverse=True):
        if a_ref not in used_a and d_ref not in used_d:
            used_a.add(a_ref)
            used_d.add(d_ref)
            pairs.append((a_ref, d_ref))
    return pairs


def run(size: int, seed: int, table: Table) -> None:
    rng = random.Random(seed)
    people = population(size, rng)
    on_list = [i for i in range(size) if rng.random() < 0.97]
    agreed = [agreed_entry(f"A.{k}", people[i], rng) for k, i in enumerate(on_list)]
    agreed_of = {i: f"A.{k}" for k, i in enumerate(on_list)}
    exchanged = [i for i in on_list if rng.random() < 0.95]
    exchanged += [i for i in range(size) if i not in agreed_of][: max(1, size * 3 // 100)]
    rng.shuffle(exchanged)
    delivered = [delivered_entry(f"D.{k}", people[i], rng) for k, i in enumerate(exchanged)]
    truth = {f"D.{k}": i for k, i in enumerate(exchanged)}
    names = given_names()
    results: dict[str, object] = {}

    def ours() -> None:
        results["ours"] = reconcile("RU", agreed, delivered, names)

    repeat = 3 if size <= 1000 else 1
    for label, work in (
        ("ceasefire (rules + review)", ours),
        (
            "exact after transliteration",
            lambda: results.__setitem__("exact", exact(agreed, delivered)),
        ),
        (
            "fuzzy-auto (WRatio >= 90, same year)",
            lambda: results.__setitem__("fuzzy", fuzzy_auto(agreed, delivered)),
        ),
    ):
        seconds = statistics.median(timed(work, repeat))
        if label.startswith("ceasefire"):
            rec = results["ours"]
            pairs = [(m.agreed.ref, m.delivered.ref) for m in rec.matched]  # type: ignore[attr-defined]
            review = {d.delivered.ref for d in rec.doubts}  # type: ignore[attr-defined]
        else:
            pairs = results["exact" if label.startswith("exact") else "fuzzy"]  # type: ignore[assignment]
            review = set()
        o = score(pairs, review, truth, agreed_of, delivered)
        on_both = sum(1 for d in delivered if truth[d.ref] in agreed_of)
        table.add_row(
            f"{size:,} x {len(delivered):,}", label, f"{o.right / on_both:.1%}", str(o.wrong),
            f"{o.review / len(delivered):.1%}", str(o.missed), f"{seconds:.2f}",
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="314,5000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    table = Table(title="Exchange reconciliation (median seconds)", title_justify="left")
    for column in (
        "agreed x exchanged",
        "method",
        "matched right (of those on both lists)",
        "matched WRONG",
        "to an analyst (of all exchanged)",
        "missed",
        "seconds",
    ):
        table.add_column(column)
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.seed, table)
    console = Console()
    console.print(table)
    console.print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

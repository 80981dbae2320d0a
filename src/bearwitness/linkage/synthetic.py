"""Seeded synthetic multi-list data with a known truth, for tests and benchmarks.

A hidden population of FICTIONAL people (names drawn from the variant tables,
so any resemblance to a real person is chance) is recorded by several
organisations. Each records an overlapping sample, with unequal chances of
being recorded, in its own script and transliteration habits, with spelling
variants, typos, missing fields, approximate dates and ages, and duplicates
within its own list. Every record carries its person's id in ``truth``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from bearwitness.linkage.normalise import transliterate
from bearwitness.linkage.normalise.script import has_cyrillic
from bearwitness.linkage.normalise.tables import load_table

_EXTRA_SURNAME_ROOTS = [
    "Дуда",
    "Баса",
    "Эльмурза",
    "Чабаркаев",
    "Гайрбек",
    "Цечо",
    "Бисулта",
    "Хамида",
    "Мацуев",
    "Тепсурка",
    "Джабраил",
    "Садула",
    "Абуе",
    "Висита",
    "Дадаш",
    "Шерип",
    "Яндарб",
    "Межид",
    "Зубайра",
    "Бага",
    "Шамсуди",
    "Идрис",
    "Алимханов",
    "Эдиси",
    "Гелисхан",
    "Махмуд",
    "Докуе",
    "Сайдула",
    "Ваха",
    "Вахид",
    "Умха",
    "Лорса",
    "Хажбикар",
    "Байсаро",
    "Темирхан",
    "Сулумбек",
]
_MONTHS = {
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}
_LATE = {"ru": "конец {}", "en": "late {}", "fr": "fin {}", "de": "Ende {}"}
_ABOUT_AGE = {
    "ru": "около {} лет",
    "en": "aged about {}",
    "fr": "environ {} ans",
    "de": "etwa {} Jahre",
}
_AGE = {"ru": "{} лет", "en": "{}", "fr": "{} ans", "de": "{} Jahre"}
_ACTS = {
    "ru": {
        "arbitrary_detention": "задержан",
        "torture": "пытки",
        "killing": "убит",
        "enforced_disappearance": "пропал без вести",
        "seizure_of_documents": "изъят паспорт",
        "forced_signature": "заставили подписать",
        "threats_to_relatives": "угрозы родственникам",
        "extortion": "вымогательство",
    },
    "en": {
        "arbitrary_detention": "detained",
        "torture": "tortured",
        "killing": "killed",
        "enforced_disappearance": "disappeared",
        "seizure_of_documents": "passport seized",
        "forced_signature": "forced to sign blank forms",
        "threats_to_relatives": "relatives threatened",
        "extortion": "extortion",
    },
    "fr": {
        "arbitrary_detention": "détenu",
        "torture": "torturé",
        "killing": "tué",
        "enforced_disappearance": "disparu",
        "seizure_of_documents": "passeport confisqué",
        "forced_signature": "forcé de signer",
        "threats_to_relatives": "famille menacée",
        "extortion": "extorsion",
    },
    "de": {
        "arbitrary_detention": "festgenommen",
        "torture": "gefoltert",
        "killing": "getötet",
        "enforced_disappearance": "verschwunden",
        "seizure_of_documents": "Reisepass abgenommen",
        "forced_signature": "zur Unterschrift gezwungen",
        "threats_to_relatives": "Angehörige bedroht",
        "extortion": "Erpressung",
    },
}
_ACT_WEIGHTS = {
    "arbitrary_detention": 10,
    "torture": 6,
    "seizure_of_documents": 3,
    "forced_signature": 2,
    "threats_to_relatives": 2,
    "extortion": 1,
    "enforced_disappearance": 1,
    "killing": 0.3,
}


@dataclass(frozen=True)
class ListHabit:
    """How one organisation writes its list."""

    name: str
    capture: float  # chance of recording a person of average visibility
    language: str = "ru"  # ru, en, fr or de: month names, ages, act types
    systems: tuple[str, ...] = ()  # transliteration systems used; empty: Cyrillic
    name_format: str = "full"  # full ("Given Surname"), official ("SURNAME GIVEN PATR."), parts
    birth_as: str = "year"  # year, date or age
    date_as: str = "day"  # day, month or words
    missing: float = 0.15
    typo: float = 0.05
    variant: float = 0.15  # another spelling of the given name from its family
    duplicate: float = 0.03
    noise: float = 0.05  # a wrong event date (within two months) or place


DEFAULT_LISTS = (
    ListHabit("memorial_ru", 0.45, "ru", (), "official", "date", "day", 0.1, 0.03, 0.1, 0.03),
    ListHabit(
        "network_en",
        0.35,
        "en",
        ("wikipedia", "bgn_pcgn", "icao"),
        "full",
        "age",
        "month",
        0.2,
        0.05,
        0.25,
        0.04,
    ),
    ListHabit(
        "ngo_fr", 0.25, "fr", ("french", "icao"), "parts", "year", "words", 0.2, 0.05, 0.2, 0.02
    ),
    ListHabit(
        "press_de", 0.2, "de", ("german", "wikipedia"), "full", "age", "words", 0.3, 0.06, 0.2, 0.02
    ),
)


@dataclass(frozen=True)
class SyntheticData:
    records: pd.DataFrame  # list, record_id and role columns, all free text
    truth: pd.Series = field(repr=False)  # record key "<list>:<record_id>" -> person id
    population: int = 0


def _families(sex: str) -> tuple[list[dict[str, Any]], list[float]]:
    families = [f for f in load_table("given_names")["family"] if f["sex"] == sex]
    return families, [float(f["weight"]) for f in families]


_SYLLABLES = [
    "ба",
    "да",
    "за",
    "ха",
    "ма",
    "са",
    "ва",
    "ла",
    "ту",
    "гу",
    "ду",
    "ху",
    "ки",
    "ли",
    "ми",
    "ши",
    "бе",
    "ге",
    "де",
    "хе",
    "ай",
    "ал",
    "ар",
    "ас",
    "ам",
    "ис",
    "ум",
    "ус",
    "ур",
    "эль",
    "тем",
    "сул",
    "хан",
    "бек",
    "гир",
    "маш",
    "тах",
    "хож",
    "бай",
    "мур",
]
TAIL_SURNAMES = 3000


def _surname_roots() -> tuple[list[str], list[float]]:
    """Surname roots with a Zipf-like spread: a head of roots made from common
    given names (Магомедов is the most common surname of the region, a few
    percent of people) and a long tail of rarer FICTIONAL roots built from
    syllables, as real surname distributions have."""
    head = [
        (str(f["variants"][0]), float(f["weight"]))
        for f in load_table("given_names")["family"]
        if f["sex"] == "m"
    ]
    head += [(root, 2.0) for root in _EXTRA_SURNAME_ROOTS]
    tail_rng = random.Random(0)  # nosec B311 # the tail is fixed, whatever the data seed
    tail: dict[str, float] = {}
    rank = 0
    while len(tail) < TAIL_SURNAMES:
        root = "".join(tail_rng.choice(_SYLLABLES) for _ in range(tail_rng.choice((2, 3))))
        root = root[0].upper() + root[1:]
        if root not in tail:
            rank += 1
            tail[root] = 120 / (rank + 20)  # the tail holds about 60% of all people
    roots = head + list(tail.items())
    return [r for r, _ in roots], [w for _, w in roots]


def _with_suffix(root: str, suffixes: tuple[str, str]) -> str:
    if root.endswith(("ов", "ев", "ин")):
        return root
    return root + (suffixes[1] if root[-1] in "аеиоуыэюяйь" else suffixes[0])


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1 :]
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


def _population(people: int, rng: random.Random) -> list[dict[str, object]]:
    roots, root_weights = _surname_roots()
    places = load_table("places")["place"]
    place_weights = [float(p["weight"]) for p in places]
    acts, act_weights = list(_ACT_WEIGHTS), list(_ACT_WEIGHTS.values())
    persons = []
    for person in range(people):
        sex = "m" if rng.random() < 0.85 else "f"
        families, weights = _families(sex)
        father, _ = _families("m")
        father_weights = [float(f["weight"]) for f in father]
        event_day = date(2017, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        persons.append(
            {
                "person": person,
                "sex": sex,
                "given": rng.choices(families, weights)[0],
                "father": str(rng.choices(father, father_weights)[0]["variants"][0]),
                "root": rng.choices(roots, root_weights)[0],
                "birth": date(1960, 1, 1) + timedelta(days=rng.randrange(42 * 365)),
                "event": event_day,
                "event_place": rng.choices(places, place_weights)[0],
                "residence": rng.choices(places, place_weights)[0],
                "acts": sorted(set(rng.choices(acts, act_weights, k=rng.randint(1, 3)))),
                "visibility": float(np.exp(rng.gauss(0, 0.6))),
            }
        )
    return persons


def _write_name(cyrillic: str, habit: ListHabit, rng: random.Random) -> str:
    if not habit.systems or not has_cyrillic(cyrillic):
        return cyrillic
    return transliterate(cyrillic, rng.choice(habit.systems))


def _given(person: dict[str, object], habit: ListHabit, rng: random.Random) -> str:
    family = person["given"]
    assert isinstance(family, dict)
    variants = [str(v) for v in family["variants"]]
    if rng.random() < habit.variant:
        pool = [v for v in variants if has_cyrillic(v) != bool(habit.systems)] or variants
        return _write_name(rng.choice(pool), habit, rng)
    return _write_name(variants[0], habit, rng)


def _render(person: dict[str, object], habit: ListHabit, rng: random.Random) -> dict[str, str]:
    sex = person["sex"]
    root = str(person["root"])
    surname = _with_suffix(root, ("ов", "ев")) + ("а" if sex == "f" else "")
    father = str(person["father"])
    patronymic = (
        _with_suffix(father, ("ович", "евич"))
        if sex == "m"
        else (_with_suffix(father, ("овна", "евна")))
    )
    if father.endswith(("а", "я")):  # Иса: Исаевич, Исаевна
        patronymic = father + ("евич" if sex == "m" else "евна")
    given = _given(person, habit, rng)
    surname_text = _write_name(surname, habit, rng)
    patronymic_text = _write_name(patronymic, habit, rng) if rng.random() < 0.6 else ""
    if rng.random() < habit.typo:
        surname_text = _typo(surname_text, rng)
    if rng.random() < habit.typo:
        given = _typo(given, rng)
    row: dict[str, str] = {}
    if habit.name_format == "parts":
        row.update(surname=surname_text, given_name=given, patronymic=patronymic_text)
    elif habit.name_format == "official":
        row["full_name"] = " ".join(
            p for p in (surname_text.upper(), given.upper(), patronymic_text.upper()) if p
        )
    else:
        row["full_name"] = f"{given} {surname_text}"
    lang = habit.language
    event, birth = person["event"], person["birth"]
    assert isinstance(event, date) and isinstance(birth, date)
    if rng.random() < habit.noise:  # the list got the date of the event wrong
        event = event + timedelta(days=rng.randint(-60, 60))
    if habit.birth_as == "date":
        row["birth"] = birth.strftime("%d.%m.%Y")
    elif habit.birth_as == "year":
        row["birth"] = str(birth.year + (rng.choice((-1, 1)) if rng.random() < 0.05 else 0))
    else:
        age = (event - birth).days // 365
        row["age"] = _ABOUT_AGE[lang].format(age) if rng.random() < 0.3 else _AGE[lang].format(age)
    if habit.date_as == "day":
        row["event_date"] = event.strftime("%d.%m.%Y")
    elif habit.date_as == "month" or rng.random() < 0.7:
        row["event_date"] = f"{_MONTHS[lang][event.month - 1]} {event.year}"
    else:
        row["event_date"] = _LATE[lang].format(event.year) if event.month >= 9 else str(event.year)
    place = person["event_place"]
    if rng.random() < habit.noise:  # or the place
        place = rng.choice(load_table("places")["place"])
    assert isinstance(place, dict)
    names = [str(n) for n in place["names"] if has_cyrillic(str(n)) != bool(habit.systems)]
    row["event_place"] = rng.choice(names or [str(n) for n in place["names"]])
    residence = person["residence"]
    assert isinstance(residence, dict)
    row["residence"] = _write_name(str(residence["names"][0]), habit, rng)
    acts = person["acts"]
    assert isinstance(acts, list)
    row["event_type"] = ", ".join(_ACTS[lang].get(str(a), str(a)) for a in acts)
    row["sex"] = {
        "ru": {"m": "м", "f": "ж"},
        "en": {"m": "male", "f": "female"},
        "fr": {"m": "homme", "f": "femme"},
        "de": {"m": "m", "f": "w"},
    }[lang][str(sex)]
    for role in (
        "birth",
        "age",
        "event_date",
        "event_place",
        "residence",
        "event_type",
        "sex",
        "patronymic",
    ):
        if role in row and rng.random() < habit.missing:
            row[role] = ""
    return row


def generate(people: int, seed: int, lists: tuple[ListHabit, ...] = DEFAULT_LISTS) -> SyntheticData:
    """Records of ``people`` hidden people on ``lists``, reproducible from ``seed``."""
    rng = random.Random(seed)  # nosec B311 # a seeded simulation with a known truth
    rows: list[dict[str, str]] = []
    truth: dict[str, int] = {}
    for person in _population(people, rng):
        visibility = float(person["visibility"])  # type: ignore[arg-type]
        for habit in lists:
            if rng.random() >= min(0.95, habit.capture * visibility):
                continue
            copies = 2 if rng.random() < habit.duplicate else 1
            for _ in range(copies):
                record_id = f"{habit.name[:2].upper()}-{len(rows):07d}"
                row = {"list": habit.name, "record_id": record_id, **_render(person, habit, rng)}
                rows.append(row)
                truth[f"{habit.name}:{record_id}"] = int(person["person"])  # type: ignore[call-overload]
    records = pd.DataFrame(rows).fillna("")
    records["note"] = "FICTIONAL synthetic record"
    return SyntheticData(records, pd.Series(truth, name="person"), people)

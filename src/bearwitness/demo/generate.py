"""Generate a FICTIONAL data set: sources, waves of detentions, victims, acts, documents.

Everything here is invented and every record is marked ``fictional`` and says
FICTIONAL in its text. The shape follows the pattern documenters meet: waves of
detentions at an unofficial facility, passports seized, blank forms signed,
names coerced, relatives threatened, an official denial against a count of
"around 40", evacuations, and partner lists that name the same people in
different scripts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MARK = "FICTIONAL"
GIVEN = [
    ("Магомед", "Magomed"),
    ("Ибрагим", "Ibragim"),
    ("Зелимхан", "Zelimkhan"),
    ("Адам", "Adam"),
    ("Ислам", "Islam"),
    ("Руслан", "Ruslan"),
    ("Аслан", "Aslan"),
    ("Мовсар", "Movsar"),
    ("Хасан", "Khasan"),
    ("Али", "Ali"),
    ("Беслан", "Beslan"),
    ("Тимур", "Timur"),
    ("Заур", "Zaur"),
    ("Ахмед", "Akhmed"),
    ("Амина", "Amina"),
    ("Хадижат", "Khadizhat"),
    ("Зарема", "Zarema"),
    ("Мадина", "Madina"),
]
FEMALE = {"Амина", "Хадижат", "Зарема", "Мадина"}
SURNAMES = [
    ("Хасанов", "Khasanov"),
    ("Умаров", "Umarov"),
    ("Джабраилов", "Dzhabrailov"),
    ("Исаев", "Isaev"),
    ("Магомадов", "Magomadov"),
    ("Алиев", "Aliev"),
    ("Вахаев", "Vakhaev"),
    ("Эльмурзаев", "Elmurzaev"),
    ("Садулаев", "Sadulaev"),
    ("Тагиров", "Tagirov"),
    ("Мусаев", "Musaev"),
    ("Байсаров", "Baysarov"),
]
DISTRICTS = ["Argun", "Grozny", "Gudermes", "Shali", "Urus-Martan", "Achkhoy-Martan"]
ACT_PATTERN = [
    ("arbitrary_detention", 1.0),
    ("torture", 0.7),
    ("seizure_of_documents", 0.6),
    ("forced_signature", 0.4),
    ("coerced_disclosure", 0.35),
    ("threats_to_relatives", 0.3),
    ("forced_outing", 0.2),
    ("extortion", 0.15),
]
SOURCES = [
    ("organisation", "A", "FICTIONAL Northern Rights Network"),
    ("organisation", "B", "FICTIONAL Committee Against Torture (regional office)"),
    ("publication", "B", "FICTIONAL Independent Gazette"),
    ("publication", "C", "FICTIONAL Caucasus News Wire"),
    ("person", "C", "FICTIONAL lawyer, pseudonym 'Advocate R.'"),
    ("organisation", "F", "FICTIONAL regional press service (official statements)"),
]


@dataclass(frozen=True)
class DemoFile:
    name: str
    content: bytes


def generate(seed: int = 2019, victims: int = 180) -> tuple[list[dict[str, Any]], list[DemoFile]]:
    """Rows ready to import (dicts with a ``type``) and the evidence files they name."""
    rng = random.Random(seed)  # nosec B311 # FICTIONAL data, reproducible from its seed
    rows: list[dict[str, Any]] = []
    files: list[DemoFile] = []

    def add(kind: str, /, **fields: Any) -> str:
        rows.append({"type": kind, "fictional": True, **fields})
        return str(fields["id"])

    for number, (kind, grade, name) in enumerate(SOURCES, start=1):
        add(
            "source",
            id=f"S-{number:04d}",
            kind=kind,
            reliability=grade,
            name=name,
            contact=f"{MARK} contact via secure channel #{number}",
        )

    waves = [
        ("E-0001", "2017-02..2017-04", "First wave of detentions (2017)", "~50"),
        ("E-0002", "2018-12..2019-02", "Second wave of detentions (2018-2019)", "~40"),
    ]
    for event_id, period, title, count in waves:
        add(
            "event",
            id=event_id,
            date=period,
            district="Argun",
            victims=count,
            title=f"{MARK}: {title}",
            description=f"{MARK}. Men and women held at an unofficial facility in Argun.",
        )
    events: list[tuple[str, str, str]] = []  # (id, wave, date)
    for number in range(3, 43):
        wave = "E-0001" if number < 20 else "E-0002"
        year, months = (
            ("2017", (2, 3, 4))
            if wave == "E-0001"
            else rng.choice([("2018", (12,)), ("2019", (1, 2))])
        )
        date = f"{year}-{rng.choice(months):02d}"
        if rng.random() < 0.4:
            date = f"{date}-{rng.randint(1, 28):02d}"
        event_id = f"E-{number:04d}"
        district = rng.choice(DISTRICTS)
        add(
            "event",
            id=event_id,
            date=date,
            district=district,
            parent_id=wave,
            victims=rng.choice(["1", "2", "~3", ">=2", "3-5"]),
            title=f"{MARK}: detention in {district}",
            description=f"{MARK}. Plain-clothes officers detained people at home and at work.",
        )
        events.append((event_id, wave, date))

    people: list[tuple[str, str, str]] = []  # (person id, cyrillic name, latin name)
    acts = 0
    for number in range(1, victims + 1):
        given_ru, given_en = rng.choice(GIVEN)
        surname_ru, surname_en = rng.choice(SURNAMES)
        female = given_ru in FEMALE
        if female:
            surname_ru, surname_en = surname_ru + "а", surname_en + "a"
        person_id = f"P-{number:04d}"
        add(
            "person",
            id=person_id,
            role="victim",
            sex="female" if female else "male",
            full_name=f"{given_ru} {surname_ru} ({MARK})",
            other_names=f"{given_en} {surname_en}",
            birth_date=f"{rng.randint(1975, 2001)}",
            contact=f"{MARK} +7 900 {rng.randint(100, 999)}-{rng.randint(10, 99)}-00",
            notes=f"{MARK}. Evacuated contact handled by the network.",
        )
        people.append((person_id, f"{given_ru} {surname_ru}", f"{given_en} {surname_en}"))
        event_id, _, date = rng.choice(events)
        for act_type, chance in ACT_PATTERN:
            if rng.random() < chance:
                acts += 1
                add(
                    "act",
                    id=f"A-{acts:04d}",
                    event_id=event_id,
                    victim_id=person_id,
                    act_type=act_type,
                    date=date,
                    involvement="direct",
                    consequences=rng.choice(["released", "released;fled", "released;evacuated"]),
                    notes=f"{MARK}. Reported by the victim in an interview.",
                )
    for person_id in ("P-0007", "P-0042"):  # two deaths in custody in the second wave
        acts += 1
        add(
            "act",
            id=f"A-{acts:04d}",
            event_id="E-0025",
            victim_id=person_id,
            act_type="death_in_custody",
            date="~2019-01",
            consequences="died",
            notes=f"{MARK}. Relatives were told he had left for abroad.",
        )

    documents = _documents(rng, add, events, people)
    files.extend(_evidence(rng, add, documents))
    _claims(add)
    _interventions(rng, add, people)
    _partner_lists(rng, add, people)
    return rows, files


def _documents(
    rng: random.Random,
    add: Any,
    events: list[tuple[str, str, str]],
    people: list[tuple[str, str, str]],
) -> list[str]:
    ids = []
    for number in range(1, 301):
        event_id, _, date = rng.choice(events)
        _, name_ru, name_en = rng.choice(people)
        russian = rng.random() < 0.5
        kind = rng.choice(["testimony", "testimony", "interview", "report", "news_article"])
        if russian:
            title = f"{MARK}: показания о задержании ({date})"
            text = (
                f"{MARK}. Меня задержали в {date}. Со мной был {name_ru}. "
                "Забрали паспорт, заставили подписать пустые бланки, требовали назвать "
                "имена знакомых. Держали в Аргуне, били. Родственникам угрожали."
            )
        else:
            title = f"{MARK}: account of a detention ({date})"
            text = (
                f"{MARK}. I was detained in {date} together with {name_en}. They took my "
                "passport, made me sign blank forms and demanded the names of friends. "
                "We were held in Argun and beaten. They threatened my family."
            )
        document_id = f"D-{number:04d}"
        add(
            "document",
            id=document_id,
            source_id=f"S-{rng.randint(1, 5):04d}",
            kind=kind,
            received=date,
            event_ids=event_id,
            title=title,
            text=text,
            language="ru" if russian else "en",
        )
        ids.append(document_id)
    return ids


def _evidence(rng: random.Random, add: Any, documents: list[str]) -> Iterator[DemoFile]:
    for number in range(1, 13):
        name = f"medical-note-{number:02d}.txt"
        content = (
            f"{MARK} medical note {number}: bruising consistent with beating; "
            "this file is generated for the BearWitness demo.\n"
        ).encode()
        add(
            "evidence",
            id=f"F-{number:04d}",
            document_id=rng.choice(documents),
            media_type="text/plain",
            captured="2019-02",
            file=name,
            description=f"{MARK} scan of a medical note",
        )
        yield DemoFile(name, content)


def _claims(add: Any) -> None:
    add(
        "claim",
        id="C-0001",
        document_id="D-0001",
        event_ids="E-0002",
        count="~40",
        stance="asserts",
        statement=f"{MARK}: around 40 people were detained in the second wave.",
        speaker=f"{MARK} Northern Rights Network",
    )
    add(
        "claim",
        id="C-0002",
        document_id="D-0002",
        event_ids="E-0002",
        count=">=2",
        stance="asserts",
        statement=f"{MARK}: at least two people died in custody.",
        speaker=f"{MARK} Northern Rights Network",
    )
    add(
        "claim",
        id="C-0003",
        document_id="D-0003",
        event_ids="E-0002",
        count="0",
        stance="denies",
        statement=f"{MARK}: nobody was arrested; the public would have known.",
        speaker=f"{MARK} regional press service",
    )
    add(
        "claim",
        id="C-0004",
        document_id="D-0004",
        event_ids="E-0001",
        count=">=100",
        stance="asserts",
        statement=f"{MARK}: 100 or more men were detained in 2017.",
        speaker=f"{MARK} Independent Gazette",
    )


def _interventions(rng: random.Random, add: Any, people: list[tuple[str, str, str]]) -> None:
    for number, (person_id, _, _) in enumerate(rng.sample(people, 140), start=1):
        add(
            "intervention",
            id=f"I-{number:04d}",
            kind="evacuation",
            person_id=person_id,
            status=rng.choice(["done", "done", "done", "in_progress"]),
            date="2019-03",
            notes=f"{MARK}. Evacuated with family.",
        )


def _written_month(year: int, month: int, script: str, rng: random.Random) -> str:
    """A month as a list would write it: "декабрь 2018", "12.2018", "January 2019", "2019"."""
    names = {
        ("ru", 12): "декабрь",
        ("ru", 1): "январь",
        ("en", 12): "December",
        ("en", 1): "January",
    }
    return rng.choice(
        [
            f"{names[script, month]} {year}",
            f"{month:02d}.{year}",
            f"{names[script, month]} {year}",
            str(year),
        ]
    )


def _partner_lists(rng: random.Random, add: Any, people: list[tuple[str, str, str]]) -> None:
    """Three partner lists naming overlapping people, in different scripts and spellings."""
    number = 0
    # Each person was detained in one month; each list writes it its own way.
    detained = [rng.choice([(2018, 12), (2019, 1)]) for _ in people]
    for list_name, chance, script in (
        ("network", 0.7, "ru"),
        ("committee", 0.5, "en"),
        ("gazette", 0.3, "en"),
    ):
        for (_, name_ru, name_en), (year, month) in zip(people, detained, strict=True):
            if rng.random() < chance:
                number += 1
                name = name_ru if script == "ru" else name_en
                if script == "en" and rng.random() < 0.3:
                    name = " ".join(reversed(name.split())).upper()
                add(
                    "person_record",
                    id=f"R-{number:04d}",
                    list_name=list_name,
                    full_name=f"{name} ({MARK})",
                    event_place="Argun",
                    event_date=_written_month(year, month, script, rng),
                    list_record_id=f"{list_name}-{number}",
                )

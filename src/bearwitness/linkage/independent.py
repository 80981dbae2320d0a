"""A second, independent generator of FICTIONAL multi-list data, for measuring
linkage on data the model was never tuned on.

Written apart from :mod:`bearwitness.linkage.synthetic` (the generator the
model and its m prior were tuned on) and sharing nothing with it or with the
normaliser's tables: its own name tables (Chechen, Ingush, Dagestani and
Russian names, with the spellings lists actually use, not the normaliser's
variant families), its own transliteration of each standard in
``shared/specs/transliteration.md`` written out here letter by letter, its own
list habits and noise, and a family structure: households of siblings sharing
a surname, a patronymic and a village, often detained in the same raid;
cousins of one clan with the same common given names behind different
fathers; a father recorded with his sons; a few twins.

Never tune on it. Nothing in the product may import this module except the
benchmark and its own tests (``tests/linkage/test_independent.py`` checks that
the m prior does not). Every record is marked FICTIONAL; any resemblance of a
generated person to a real one is chance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

# -- names ---------------------------------------------------------------------
# A given name is one name given to people: (weight, [Cyrillic spellings],
# [Latin spellings lists use besides transliteration]). Магомед, Мухаммад and
# Мохьмад are different names given to different people here, as in life.
_MALE: list[tuple[float, list[str], list[str]]] = [
    (30, ["Магомед", "Магамед"], ["Magomed", "Mahomed"]),
    (12, ["Мухаммад", "Мухамед"], ["Muhammad", "Mohammed"]),
    (6, ["Мохьмад", "Мохмад"], ["Mokhmad", "Mohmad"]),
    (10, ["Ахмед", "Ахмад"], ["Akhmed", "Ahmed", "Ahmad"]),
    (9, ["Рамзан"], ["Ramzan"]),
    (9, ["Руслан"], ["Ruslan"]),
    (8, ["Ислам"], ["Islam"]),
    (8, ["Адам"], ["Adam"]),
    (8, ["Хасан"], ["Khasan", "Hasan"]),
    (7, ["Хусейн", "Хусайн"], ["Khuseyn", "Husein", "Hussein"]),
    (7, ["Ибрагим"], ["Ibragim", "Ibrahim"]),
    (7, ["Муса"], ["Musa", "Moussa"]),
    (7, ["Иса"], ["Isa", "Issa"]),
    (6, ["Аслан"], ["Aslan"]),
    (6, ["Шамиль"], ["Shamil", "Chamil"]),
    (6, ["Умар"], ["Umar", "Omar"]),
    (5, ["Усман", "Усам"], ["Usman", "Osman"]),
    (5, ["Зелимхан"], ["Zelimkhan", "Zelimhan"]),
    (5, ["Султан"], ["Sultan"]),
    (5, ["Саид", "Саит"], ["Said", "Sayid"]),
    (5, ["Рустам"], ["Rustam"]),
    (5, ["Тимур"], ["Timur"]),
    (4, ["Магомед-Эми"], ["Magomed-Emi"]),
    (4, ["Абдурахман", "Абдурахим"], ["Abdurakhman", "Abdurahman"]),
    (4, ["Али"], ["Ali"]),
    (4, ["Алихан"], ["Alikhan"]),
    (4, ["Ахъяд", "Ахияд"], ["Akhyad"]),
    (4, ["Апти"], ["Apti"]),
    (4, ["Ваха"], ["Vakha", "Waha"]),
    (4, ["Висхан"], ["Viskhan"]),
    (4, ["Лечи", "Леча"], ["Lechi", "Lecha"]),
    (4, ["Мансур"], ["Mansur", "Mansour"]),
    (4, ["Муслим"], ["Muslim"]),
    (4, ["Мовлади", "Мовлди"], ["Movladi"]),
    (3, ["Бислан", "Беслан"], ["Bislan", "Beslan"]),
    (3, ["Байсангур"], ["Baysangur"]),
    (3, ["Джамбулат"], ["Dzhambulat", "Jambulat"]),
    (3, ["Даут", "Дауд"], ["Daut", "Daud", "Dawud"]),
    (3, ["Идрис"], ["Idris"]),
    (3, ["Казбек"], ["Kazbek"]),
    (3, ["Салман"], ["Salman"]),
    (3, ["Сулейман", "Сулиман"], ["Suleyman", "Suleiman"]),
    (3, ["Юсуп", "Юсуф"], ["Yusup", "Yusuf"]),
    (3, ["Шамхан"], ["Shamkhan"]),
    (3, ["Хамзат"], ["Khamzat", "Hamzat"]),
    (3, ["Башир"], ["Bashir"]),
    (3, ["Мурат"], ["Murat"]),
    (3, ["Тагир"], ["Tagir", "Tahir"]),
    (3, ["Гаджи"], ["Gadzhi", "Hadji"]),
    (3, ["Гасан"], ["Gasan"]),
    (3, ["Гусейн"], ["Guseyn"]),
    (3, ["Абакар"], ["Abakar"]),
    (3, ["Курбан"], ["Kurban"]),
    (3, ["Шарпудин", "Шарпуди"], ["Sharpudin"]),
    (2, ["Ризван"], ["Rizvan", "Rizwan"]),
    (2, ["Ямлихан"], ["Yamlikhan"]),
    (2, ["Эльдар"], ["Eldar"]),
    (2, ["Асланбек"], ["Aslanbek"]),
    (2, ["Сайпуди"], ["Saypudi"]),
    (2, ["Алексей"], ["Aleksey", "Alexei"]),
    (2, ["Сергей"], ["Sergey", "Sergei"]),
    (2, ["Дмитрий"], ["Dmitriy", "Dmitry"]),
    (1, ["Андрей"], ["Andrey", "Andrei"]),
    (1, ["Николай"], ["Nikolay"]),
]
_FEMALE: list[tuple[float, list[str], list[str]]] = [
    (8, ["Хава"], ["Khava", "Hava"]),
    (8, ["Зарема"], ["Zarema"]),
    (7, ["Малика"], ["Malika"]),
    (7, ["Мадина"], ["Madina"]),
    (7, ["Амина", "Аминат"], ["Amina", "Aminat"]),
    (6, ["Айшат", "Айша"], ["Aishat", "Aysha"]),
    (6, ["Луиза"], ["Luiza", "Louisa"]),
    (6, ["Седа"], ["Seda"]),
    (5, ["Марьям", "Мариям"], ["Maryam", "Mariam"]),
    (5, ["Фатима"], ["Fatima"]),
    (5, ["Петимат"], ["Petimat"]),
    (5, ["Патимат"], ["Patimat"]),
    (5, ["Хадижат", "Хеди"], ["Khadizhat", "Hadizhat"]),
    (4, ["Зулай"], ["Zulay"]),
    (4, ["Лейла", "Лейля"], ["Leyla", "Leila"]),
    (4, ["Милана"], ["Milana"]),
    (4, ["Заира"], ["Zaira"]),
    (3, ["Асият"], ["Asiyat"]),
    (3, ["Раиса"], ["Raisa"]),
    (3, ["Роза"], ["Roza"]),
    (2, ["Елена"], ["Yelena", "Elena"]),
    (2, ["Наталья"], ["Natalya", "Natalia"]),
]

# Surnames in their masculine form, with rough weights; the head are common
# surnames of the region (Dagestani, Chechen, Ingush, Russian), the tail is
# built below from this module's own stems.
_SURNAMES: list[tuple[str, float]] = [
    ("Магомедов", 40),
    ("Алиев", 18),
    ("Абдулаев", 14),
    ("Гаджиев", 12),
    ("Омаров", 10),
    ("Ибрагимов", 10),
    ("Исаев", 9),
    ("Мусаев", 9),
    ("Хасанов", 8),
    ("Рамазанов", 7),
    ("Юсупов", 7),
    ("Курбанов", 6),
    ("Эльмурзаев", 5),
    ("Идрисов", 5),
    ("Умаров", 5),
    ("Исмаилов", 5),
    ("Байсаров", 4),
    ("Евлоев", 4),
    ("Костоев", 4),
    ("Мальсагов", 3),
    ("Оздоев", 3),
    ("Точиев", 3),
    ("Цечоев", 3),
    ("Албаков", 3),
    ("Дудаев", 3),
    ("Масхадов", 2),
    ("Ахмадов", 5),
    ("Сулейманов", 4),
    ("Шамилев", 2),
    ("Висаитов", 2),
    ("Зубайраев", 2),
    ("Хамидов", 3),
    ("Межидов", 2),
    ("Тагиров", 3),
    ("Садулаев", 2),
    ("Бисултанов", 2),
    ("Яндарбиев", 1),
    ("Иванов", 2),
    ("Петров", 1),
    ("Кузнецов", 1),
    ("Соколов", 1),
    ("Ковалевский", 1),
    ("Закриев", 2),
    ("Джабраилов", 2),
    ("Гайрбеков", 1),
    ("Шерипов", 1),
]
_STEMS_A = ["Ал", "Бет", "Вис", "Гир", "Дад", "Жам", "Зак", "Иск", "Кар", "Лор", "Мац"]
_STEMS_A += ["Нух", "Ош", "Паш", "Ред", "Сар", "Тем", "Ук", "Хиз", "Цур", "Чал", "Шах"]
_STEMS_A += ["Эд", "Юн", "Яр", "Абу", "Баш", "Дуд", "Гел", "Мух", "Тут", "Хож"]
_STEMS_B = ["а", "и", "у", "ма", "ха", "са", "ту", "ли", "бе", "ра", "ду", "ги", "хан"]
_STEMS_B += ["мур", "гаш", "бек", "мир", "тал", "гир", "лат", "сул"]
_ENDINGS = [("ов", 6), ("ев", 3), ("аев", 4), ("иев", 1), ("ин", 1), ("ханов", 1)]
TAIL = 6000

_VILLAGES: list[tuple[str, float]] = [
    ("Грозный", 25),
    ("Урус-Мартан", 6),
    ("Шали", 6),
    ("Гудермес", 5),
    ("Аргун", 5),
    ("Ачхой-Мартан", 4),
    ("Курчалой", 3),
    ("Гехи", 3),
    ("Самашки", 3),
    ("Старые Атаги", 3),
    ("Цоци-Юрт", 3),
    ("Бачи-Юрт", 2),
    ("Алхан-Кала", 2),
    ("Алхан-Юрт", 2),
    ("Шалажи", 2),
    ("Мескер-Юрт", 2),
    ("Автуры", 2),
    ("Сержень-Юрт", 2),
    ("Ведено", 2),
    ("Итум-Кали", 1),
    ("Бамут", 1),
    ("Шатой", 1),
    ("Назрань", 5),
    ("Карабулак", 3),
    ("Сунжа", 3),
    ("Малгобек", 2),
    ("Насыр-Корт", 2),
    ("Экажево", 2),
    ("Сурхахи", 1),
    ("Хасавюрт", 4),
    ("Махачкала", 5),
    ("Буйнакск", 2),
    ("Гимры", 1),
    ("Кизляр", 1),
    ("Новолакское", 1),
    ("Дербент", 2),
]
# Where raids are registered when not in the village itself.
_CENTRES = ["Грозный", "Назрань", "Махачкала", "Гудермес", "Урус-Мартан", "Хасавюрт"]

# -- transliteration, written out from shared/specs/transliteration.md -------
_BASE = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
_SYSTEMS: dict[str, dict[str, str]] = {
    "bgn_pcgn": {"ё": "ë", "ъ": "”", "ь": "’"},
    "icao": {"й": "i", "ъ": "ie", "ю": "iu", "я": "ia"},
    "mvd_782": {},  # Russian passports 2000-2010: y, yu, ya, kh
    "gost_b": {"й": "j", "х": "x", "ц": "cz", "щ": "shh", "ъ": "``", "ы": "y`", "ь": "`"},
    "gost_b_plain": {"й": "j", "х": "x", "ц": "c", "щ": "shh"},  # typed without the marks
    "ala_lc": {"ё": "ë", "й": "ĭ", "ц": "ts", "э": "ė", "ю": "iu", "я": "ia", "ь": "ʹ"},
    "press": {"ё": "yo"},
    "french": {
        "ж": "j",
        "у": "ou",
        "ч": "tch",
        "ш": "ch",
        "щ": "chtch",
        "й": "i",
        "ю": "iou",
        "я": "ia",
    },
    "german": {
        "в": "w",
        "ж": "sch",
        "з": "s",
        "х": "ch",
        "ц": "z",
        "ч": "tsch",
        "ш": "sch",
        "щ": "schtsch",
        "й": "i",
        "ю": "ju",
        "я": "ja",
        "ё": "jo",
    },
}
_VOWELS = set("аеёиоуыэюя")
_IOTATED = {"bgn_pcgn": "ye", "press": "ye", "german": "je"}


def transliterate(text: str, system: str) -> str:
    """``text`` (Cyrillic) in ``system``, this module's own rendering of the standard."""
    table = {**_BASE, **_SYSTEMS[system]}
    out: list[str] = []
    lower = text.lower()
    for i, char in enumerate(lower):
        before = lower[i - 1] if i else ""
        after = lower[i + 1] if i + 1 < len(lower) else ""
        if char not in table:
            out.append(char)
            continue
        latin = table[char]
        starts = not before.isalpha() or before in _VOWELS or before in "йъь"
        if char == "е" and starts and system in _IOTATED:
            latin = _IOTATED[system]
        elif char == "й" and system == "press" and before in "иы" and not after.isalpha():
            out[-1], latin = "y", ""  # -ий, -ый: -y (Dmitry)
        elif char == "г" and system == "french" and after in "еиы":
            latin = "gu"
        elif char == "с" and system in ("french", "german") and before in _VOWELS:
            latin = "ss" if after in _VOWELS else "s"
        elif char == "к" and system == "french" and after == "с":
            latin = "x"
        elif char == "с" and system == "french" and before == "к":
            latin = ""
        elif char == "е" and system == "german" and before in "аоуи":
            latin = "je"
        elif char == "ц" and system == "gost_b" and after in "еийы":
            latin = "c"
        if char.upper() == text[i] and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


# -- list habits -------------------------------------------------------------


@dataclass(frozen=True)
class Habit:
    """How one organisation of this data set writes its list."""

    name: str
    capture: float
    systems: tuple[str, ...]  # empty: Cyrillic
    name_order: str  # "sgp" Фамилия Имя Отчество, "gs" Given Surname, "SG" upper, "parts", "gps"
    patronymic: float  # chance the patronymic is written
    birth: str  # date, year, age, decade, mixed
    when: str  # day, month, year, mixed
    lang: str  # ru, en, fr, de (month names, ages, acts)
    swap: float = 0.0  # surname and given name written the other way round
    missing: float = 0.1
    typo: float = 0.04
    latin_spelling: float = 0.0  # a given name in its own Latin spelling, not transliterated
    duplicate: float = 0.02
    wrong: float = 0.04  # a wrong date (weeks off) or birth year (a year off)
    reference: str = ""  # when the list was compiled (ages are then, when no date)


HABITS = (
    Habit("pravozashchita", 0.4, (), "sgp", 0.75, "date", "day", "ru", missing=0.08),
    Habit(
        "casework_en",
        0.3,
        ("press", "bgn_pcgn", "mvd_782"),
        "gs",
        0.1,
        "age",
        "month",
        "en",
        swap=0.15,
        missing=0.2,
        latin_spelling=0.35,
    ),
    Habit(
        "border_icao",
        0.2,
        ("icao", "mvd_782"),
        "SG",
        0.0,
        "date",
        "day",
        "en",
        missing=0.05,
        typo=0.03,
    ),
    Habit(
        "exil_fr",
        0.2,
        ("french",),
        "parts",
        0.3,
        "year",
        "mixed",
        "fr",
        missing=0.2,
        latin_spelling=0.2,
    ),
    Habit(
        "archiv_de",
        0.15,
        ("german", "gost_b_plain", "ala_lc"),
        "gs",
        0.2,
        "decade",
        "year",
        "de",
        swap=0.25,
        missing=0.25,
        typo=0.06,
        reference="2022",
    ),
    Habit(
        "volunteers_ru",
        0.25,
        (),
        "gps",
        0.5,
        "mixed",
        "mixed",
        "ru",
        missing=0.25,
        typo=0.07,
        duplicate=0.05,
        wrong=0.08,
    ),
)

_MONTHS = {
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}
_AGES = {
    "ru": ("{} лет", "около {} лет"),
    "en": ("{}", "aged about {}"),
    "fr": ("{} ans", "environ {} ans"),
    "de": ("{} Jahre", "etwa {} Jahre"),
}
_DECADES = {"ru": "около {} лет", "en": "in his {}s", "fr": "environ {} ans", "de": "etwa {} Jahre"}
_SEX = {"ru": ("м", "ж"), "en": ("male", "female"), "fr": ("homme", "femme"), "de": ("m", "w")}
_ACTS = {
    "ru": ["задержан", "пытки", "пропал без вести", "угрозы родственникам", "убит"],
    "en": ["detained", "tortured", "disappeared", "relatives threatened", "killed"],
    "fr": ["détenu", "torturé", "disparu", "famille menacée", "tué"],
    "de": ["festgenommen", "gefoltert", "verschwunden", "Angehörige bedroht", "getötet"],
}


@dataclass
class _Person:
    person: int
    sex: str
    given: int  # index into its sex's table
    surname: str  # masculine form, Cyrillic
    father: int  # index into _MALE
    birth: date
    village: str
    event: date
    place: str
    acts: tuple[int, ...]
    visibility: float


@dataclass(frozen=True)
class IndependentData:
    records: pd.DataFrame  # list, record_id and role columns, all free text
    truth: pd.Series = field(repr=False)  # record key "<list>:<record_id>" -> person id
    population: int = 0


def _tail_surnames(rng: random.Random) -> list[tuple[str, float]]:
    """Rarer FICTIONAL surnames from two stems and an ending, with a Zipf-like spread."""
    names: dict[str, float] = {}
    endings, weights = [e for e, _ in _ENDINGS], [w for _, w in _ENDINGS]
    while len(names) < TAIL:
        stem = rng.choice(_STEMS_A) + rng.choice(_STEMS_B)
        if rng.random() < 0.5:
            stem += rng.choice(_STEMS_B)
        name = stem + rng.choices(endings, weights)[0]
        names.setdefault(name, 60 / (len(names) + 30))
    return list(names.items())


def _patronymic(father: str, sex: str) -> str:
    if father.endswith(("а", "я")):  # Иса: Исаевич; Ваха: Вахаевич
        return father + ("евич" if sex == "m" else "евна")
    if father.endswith("и"):  # Апти: Аптиевич; Али: Алиевич
        return father + ("евич" if sex == "m" else "евна")
    if father.endswith("й"):  # Сергей: Сергеевич
        return father[:-1] + ("евич" if sex == "m" else "евна")
    if father.endswith("ь"):  # Шамиль: Шамилевич
        return father[:-1] + ("евич" if sex == "m" else "евна")
    return father.split("-")[0] + ("ович" if sex == "m" else "овна")


def _feminine(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname + "а"


def _population(people: int, rng: random.Random) -> list[_Person]:
    """Clans (a surname and a home village) of households (a father and his
    children); victims are drawn household by household until ``people``."""
    surnames = _SURNAMES + _tail_surnames(random.Random(17))  # nosec B311 # FICTIONAL test data
    s_names, s_weights = [s for s, _ in surnames], [w for _, w in surnames]
    v_names, v_weights = [v for v, _ in _VILLAGES], [w for _, w in _VILLAGES]
    male_w = [w for w, _, _ in _MALE]
    female_w = [w for w, _, _ in _FEMALE]
    out: list[_Person] = []
    start = date(2016, 1, 1)
    while len(out) < people:
        surname = rng.choices(s_names, s_weights)[0]
        village = rng.choices(v_names, v_weights)[0]
        raids = [start + timedelta(days=rng.randrange(6 * 365)) for _ in range(rng.randint(1, 3))]
        clan_acts = tuple(sorted({0, *rng.sample(range(1, 5), rng.choice((0, 1, 1, 2)))}))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):  # households of the clan
            father = rng.choices(range(len(_MALE)), male_w)[0]
            grandfather = rng.choices(range(len(_MALE)), male_w)[0]
            born = date(1955, 1, 1) + timedelta(days=rng.randrange(22 * 365))
            visibility = rng.lognormvariate(0, 0.5)
            children = rng.choices((1, 2, 3, 4, 5), (45, 27, 15, 8, 5))[0]
            members: list[tuple[str, int, int, date]] = []
            if rng.random() < 0.08:  # the father himself
                members.append(("m", father, grandfather, born))
            child_birth = born + timedelta(days=rng.randint(19, 30) * 365)
            named: set[tuple[str, int]] = set()  # no two children of a household share a name
            for _ in range(children):
                sex = "m" if rng.random() < 0.82 else "f"
                table_w = male_w if sex == "m" else female_w
                given = rng.choices(range(len(table_w)), table_w)[0]
                while (sex, given) in named:
                    given = rng.choices(range(len(table_w)), table_w)[0]
                named.add((sex, given))
                if members and rng.random() < 0.01:  # twins
                    twin_birth = members[-1][3]
                else:
                    twin_birth = child_birth
                    child_birth += timedelta(days=rng.randint(300, 5 * 365))
                if twin_birth.year > 2008:
                    break
                members.append((sex, given, father, twin_birth))
            shared_raid = rng.choice(raids)
            for sex, given, dad, birth in members:
                if len(out) >= people:
                    break
                if rng.random() < 0.6:
                    event = shared_raid
                elif rng.random() < 0.5:
                    event = rng.choice(raids)
                else:
                    event = start + timedelta(days=rng.randrange(6 * 365))
                place = village if rng.random() < 0.6 else rng.choice(_CENTRES)
                acts = clan_acts if rng.random() < 0.7 else (0, rng.randrange(1, 5))
                out.append(
                    _Person(
                        len(out),
                        sex,
                        given,
                        surname,
                        dad,
                        birth,
                        village,
                        event,
                        place,
                        tuple(sorted(set(acts))),
                        visibility * rng.lognormvariate(0, 0.3),
                    )
                )
    return out


_CYR_SLIPS = {"е": "и", "и": "е", "а": "о", "о": "а", "с": "з", "з": "с", "ш": "щ", "т": "д"}
_LAT_SLIPS = {"a": "o", "o": "a", "e": "i", "i": "e", "u": "ou", "k": "c", "s": "z", "y": "i"}


def _slip(text: str, rng: random.Random) -> str:
    """One slip of the pen or the keyboard: a confused, dropped or doubled letter."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    char = text[i]
    kind = rng.random()
    slips = _CYR_SLIPS if "а" <= char.lower() <= "я" else _LAT_SLIPS
    if kind < 0.5 and char in slips:
        return text[:i] + slips[char] + text[i + 1 :]
    if kind < 0.75:
        return text[:i] + text[i + 1 :]
    return text[:i] + char + text[i:]


def _write(cyrillic: str, habit: Habit, system: str) -> str:
    return transliterate(cyrillic, system) if habit.systems else cyrillic


def _given_text(p: _Person, habit: Habit, system: str, rng: random.Random) -> str:
    _, spellings, latin = (_MALE if p.sex == "m" else _FEMALE)[p.given]
    if habit.systems and rng.random() < habit.latin_spelling:
        return rng.choice(latin)
    spelling = spellings[0] if rng.random() < 0.8 else rng.choice(spellings)
    return _write(spelling, habit, system)


def _when(day: date, habit: Habit, style: str, rng: random.Random) -> str:
    if style == "mixed":
        style = rng.choice(("day", "month", "month", "year"))
    if style == "day":
        return day.strftime("%d.%m.%Y") if rng.random() < 0.7 else day.isoformat()
    if style == "month":
        return f"{_MONTHS[habit.lang].split()[day.month - 1]} {day.year}"
    return str(day.year)


def _render(p: _Person, habit: Habit, rng: random.Random) -> dict[str, str]:
    system = rng.choice(habit.systems) if habit.systems else ""
    surname = p.surname if p.sex == "m" else _feminine(p.surname)
    surname_text = _write(surname, habit, system)
    given = _given_text(p, habit, system, rng)
    father = _MALE[p.father][1][0]
    patronymic = _write(_patronymic(father, p.sex), habit, system)
    if rng.random() < habit.typo:
        surname_text = _slip(surname_text, rng)
    if rng.random() < habit.typo:
        given = _slip(given, rng)
    if rng.random() >= habit.patronymic:
        patronymic = ""
    row: dict[str, str] = {}
    if habit.name_order == "parts":
        row.update(surname=surname_text, given_name=given, patronymic=patronymic)
    else:
        first, second = (given, surname_text)
        if habit.name_order in ("sgp", "SG"):
            first, second = surname_text, given
        if rng.random() < habit.swap:
            first, second = second, first
        parts = [first, second]
        if patronymic:
            parts.insert(1 if first == given else 2, patronymic)  # after the given name
        full = " ".join(parts)
        row["full_name"] = full.upper() if habit.name_order == "SG" else full
    event = p.event
    if rng.random() < habit.wrong:
        event += timedelta(days=rng.randint(-40, 40))
    kind = habit.birth
    if kind == "mixed":
        kind = rng.choice(("date", "year", "age", "age"))
    anchor = event if not habit.reference else date(int(habit.reference), 6, 30)
    age = (anchor - p.birth).days // 365 + (rng.choice((-1, 1)) if rng.random() < 0.1 else 0)
    if kind == "date":
        row["birth"] = p.birth.strftime("%d.%m.%Y")
    elif kind == "year":
        wrong = rng.random() < habit.wrong
        row["birth"] = str(p.birth.year + (rng.choice((-1, 1)) if wrong else 0))
        if habit.lang == "ru" and rng.random() < 0.5:
            row["birth"] += " г.р."
    elif kind == "age":
        exact, about = _AGES[habit.lang]
        row["age"] = (about if rng.random() < 0.3 else exact).format(age)
    else:
        row["age"] = _DECADES[habit.lang].format(age // 10 * 10 + (5 if habit.lang != "en" else 0))
    row["event_date"] = _when(event, habit, habit.when, rng)
    row["event_place"] = _write(p.place, habit, system)
    if rng.random() < 0.1 and not habit.systems:
        row["event_place"] = "с. " + row["event_place"]
    row["residence"] = _write(p.village, habit, system)
    row["event_type"] = ", ".join(_ACTS[habit.lang][a] for a in p.acts)
    if habit.name_order != "SG" or rng.random() < 0.5:
        row["sex"] = _SEX[habit.lang][0 if p.sex == "m" else 1]
    for role in ("birth", "age", "event_date", "event_place", "residence", "event_type", "sex"):
        if role in row and rng.random() < habit.missing:
            row[role] = ""
    if habit.reference:
        row["reference_date"] = habit.reference
    return row


def generate(people: int, seed: int, habits: tuple[Habit, ...] = HABITS) -> IndependentData:
    """Records of ``people`` hidden FICTIONAL people on ``habits``' lists, from ``seed``."""
    rng = random.Random(seed)  # nosec B311 # a seeded FICTIONAL test set with a known truth
    rows: list[dict[str, str]] = []
    truth: dict[str, int] = {}
    for p in _population(people, rng):
        for habit in habits:
            if rng.random() >= min(0.9, habit.capture * p.visibility):
                continue
            for _ in range(2 if rng.random() < habit.duplicate else 1):
                record_id = f"{habit.name[:3].upper()}{len(rows):07d}"
                rows.append({"list": habit.name, "record_id": record_id, **_render(p, habit, rng)})
                truth[f"{habit.name}:{record_id}"] = p.person
    records = pd.DataFrame(rows).fillna("")
    records["note"] = "FICTIONAL independent test record"
    return IndependentData(records, pd.Series(truth, name="person"), people)

"""Counts in a sentence, with their qualifier, as low / best / high.

The rules the issue and ACLED set:

- "over 40", "more than 40", «более 40», «свыше 40»: at least 41;
- "at least 40", "no fewer than", "40 or more", «не менее», «по меньшей мере»: at least 40;
- "nearly", "almost", "up to", «почти», «до»: at most; "fewer than 40": at most 39;
- "around", "about", "some", «около», «примерно»: approximate;
- "between 30 and 40", "30-40", «от 30 до 40»: a range;
- vague quantities, each approximate: dozens = 12, tens = 10, hundreds = 100, thousands =
  1000, several = many = 10 («десятки» = 10, «сотни» = 100, «несколько» = 10);
- "no one", "not a single", «никто», «ни одного»: zero (the count of a denial).

best, low and high: exact N is N, N, N; approximate N is N with no bounds; at least N is
N with low N; at most N is N with high N; a range has low and high and no best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXACT, APPROX, AT_LEAST, AT_MOST, RANGE = "exact", "approx", "at_least", "at_most", "range"
QUALIFIERS = (EXACT, APPROX, AT_LEAST, AT_MOST, RANGE)


@dataclass(frozen=True)
class Count:
    qualifier: str
    value: int | None  # best
    low: int | None
    high: int | None
    start: int = 0  # where the expression is in its sentence
    end: int = 0
    victims: str = ""  # the noun after the number: "protesters", «человек»
    zero: bool = False  # "no one", «никто»

    def to_json(self) -> dict[str, int | str | None]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier,
        }


def qualified(qualifier: str, number: int, upper: int | None = None) -> tuple[int | None, ...]:
    """(best, low, high) of a qualified number."""
    if qualifier == EXACT:
        return (number, number, number)
    if qualifier == APPROX:
        return (number, None, None)
    if qualifier == AT_LEAST:
        return (number, number, None)
    if qualifier == AT_MOST:
        return (number, None, number)
    return (None, number, upper)


# --- number words -----------------------------------------------------------------------
_EN_UNITS = {
    "zero": 0, "one": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "a hundred": 100,
    "a thousand": 1000, "hundred": 100, "thousand": 1000, "dozen": 12,
}  # fmt: skip
_RU_STEMS: list[tuple[str, float]] = [
    ("одиннадцат", 11), ("двенадцат", 12), ("тринадцат", 13), ("четырнадцат", 14),
    ("пятнадцат", 15), ("шестнадцат", 16), ("семнадцат", 17), ("восемнадцат", 18),
    ("девятнадцат", 19), ("двадцат", 20), ("тридцат", 30), ("сорок", 40), ("пятьдесят", 50),
    ("пятидесят", 50), ("шестьдесят", 60), ("шестидесят", 60), ("семьдесят", 70),
    ("семидесят", 70), ("восемьдесят", 80), ("восьмидесят", 80), ("девяност", 90),
    ("двест", 200), ("двухсот", 200), ("трист", 300), ("трехсот", 300), ("трёхсот", 300),
    ("четырест", 400), ("четырехсот", 400), ("пятьсот", 500), ("пятисот", 500),
    ("шестьсот", 600), ("семьсот", 700), ("восемьсот", 800), ("девятьсот", 900),
    ("полтор", 1.5), ("тысяч", 1000), ("сто", 100), ("ста", 100),
    ("одн", 1), ("один", 1), ("дв", 2), ("двое", 2), ("трое", 3), ("тр", 3), ("четыр", 4),
    ("четвер", 4), ("пят", 5), ("пятер", 5), ("шест", 6), ("шестер", 6), ("сем", 7),
    ("восем", 8), ("восьм", 8), ("девят", 9), ("десят", 10), ("десятер", 10),
]  # fmt: skip
_RU_WORD = re.compile(
    r"(?:один|одн[аоиуйе]\w*|дв[аеоу]\w*|тр[иеёо]\w*|четыр\w*|четвер\w*|пят\w*|шест\w*|"
    r"сем[ьи]\w*|сем[её]р\w*|восем\w*|восьм\w*|девят\w*|десят[иья]\w*|десятер\w*|"
    r"\w+надцат\w*|двадцат\w*|тридцат\w*|сорок\w?|\w+десят\w*|девяност\w*|сто|ста|сотн[яею]|"
    r"двест\w*|двухсот|трист\w*|тр[её]хсот|четырест\w*|четыр[её]хсот|\w+сот|"
    r"полтор\w*|тысяч\w*)",
    re.IGNORECASE,
)
_RU_VALUES: dict[str, float] = {
    "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одному": 1, "одну": 1,
    "два": 2, "две": 2, "двух": 2, "двум": 2, "двое": 2, "двоих": 2, "двумя": 2,
    "три": 3, "трех": 3, "трёх": 3, "трем": 3, "трое": 3, "троих": 3, "тремя": 3,
    "четыре": 4, "четырех": 4, "четырёх": 4, "четверо": 4, "четверых": 4,
    "пять": 5, "пяти": 5, "пятеро": 5, "пятерых": 5, "шесть": 6, "шести": 6, "шестеро": 6,
    "семь": 7, "семи": 7, "семеро": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
    "десять": 10, "десяти": 10, "десятеро": 10, "сорок": 40, "сорока": 40, "сто": 100,
    "ста": 100, "девяносто": 90, "девяноста": 90, "сотня": 100, "сотне": 100, "сотню": 100,
}  # fmt: skip


def ru_number(word: str) -> float | None:
    """The value of one Russian number word in any case ("двадцати" = 20), or None."""
    lower = word.lower()
    if lower in _RU_VALUES:
        return _RU_VALUES[lower]
    for stem, value in _RU_STEMS:
        if len(stem) >= 4 and lower.startswith(stem) and len(lower) - len(stem) <= 3:
            return value
    return None


def _en_words_value(words: str) -> int | None:
    """ "forty-two" = 42, "two hundred" = 200, "a dozen" = 12, "a single" = 1."""
    text = re.sub(r"\ba\s+(single|dozen|hundred|thousand)\b", r"one \1", words.lower().strip())
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+(?:and\s+)?", text):
        if not word or word == "single":
            continue
        if word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million"):
            total += max(current, 1) * (1000 if word == "thousand" else 1_000_000)
            current = 0
        elif word == "dozen":
            current = max(current, 1) * 12
        elif word in _EN_UNITS:
            current += _EN_UNITS[word]
        else:
            return None
        seen = True
    return total + current if seen else None


_EN_NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|dozen)"
)
_EN_WORDS = (
    rf"(?:a\s+single|a\s+(?:dozen|hundred|thousand)|{_EN_NUMBER_WORD}"
    rf"(?:[\s-]+(?:and\s+)?{_EN_NUMBER_WORD})*)"
)
_DIGITS = r"\d{1,3}(?:[,\u00a0\u202f\u2009]\d{3})+|\d+(?:[.,]\d+)?"
_SCALE = r"(?:\s+|\u00a0)(?:million|thousand|тыс\.?|тысяч\w*|млн\.?|миллион\w*)"
_NUMBER = re.compile(
    rf"(?<![\w.,-])(?P<n>(?:{_DIGITS})(?:{_SCALE})?|{_EN_WORDS}|{_RU_WORD.pattern}"
    rf"(?:\s+{_RU_WORD.pattern})*)(?![\w])",
    re.IGNORECASE,
)


def number_value(text: str) -> int | None:
    """The whole number ``text`` writes, in digits or English or Russian words."""
    raw = text.strip().lower().replace("\u00a0", " ")
    scale = 1
    scaled = re.match(r"^(.*?)\s+(million|thousand|тыс\.?|тысяч\w*|млн\.?|миллион\w*)$", raw)
    if scaled and re.match(r"^[\d.,]+$", scaled.group(1)):
        raw = scaled.group(1)
        scale = 1_000_000 if scaled.group(2).startswith(("mil", "млн", "милл")) else 1000
    if re.fullmatch(r"\d{1,3}(?:[, \u202f\u2009]\d{3})+", raw):
        return int(re.sub(r"\D", "", raw)) * scale
    if re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        number = float(raw.replace(",", ".")) * scale
        return int(number) if number == int(number) else None
    if re.match(r"[a-z]", raw):
        return _en_words_value(raw)
    total = 0.0
    current = 0.0
    for word in raw.split():
        value = ru_number(word)
        if value is None:
            return None
        if value == 1000:
            total += (current or 1) * 1000
            current = 0
        else:
            current += value
    return int(total + current) or (0 if raw.startswith("ноль") else None)


# --- qualifiers -------------------------------------------------------------------------
_BEFORE: list[tuple[str, int, str]] = [  # (qualifier, step, pattern that ends right before)
    (AT_LEAST, 1, r"(?:more than|over|in excess of|upwards of|более|больше|свыше|более чем)"),
    (
        AT_LEAST,
        0,
        r"(?:at least|at a minimum|no fewer than|no less than|not less than|a minimum of|"
        r"не менее|не меньше|по меньшей мере|по крайней мере|как минимум|минимум)",
    ),
    (AT_MOST, -1, r"(?:fewer than|less than|under|менее|меньше)"),
    (
        AT_MOST,
        0,
        r"(?:nearly|almost|close to|up to|at most|no more than|as many as|approaching|почти|до|"
        r"приблизил\w* к|приближа\w* к|"
        r"не более|не больше|максимум|чуть меньше|едва ли не)",
    ),
    (
        APPROX,
        0,
        r"(?:around|about|approximately|roughly|some|an estimated|estimated|an approximate|"
        r"approx\.?|circa|several|a few|около|примерно|приблизительно|порядка|где-то|"
        r"ориентировочно)",
    ),
]
_BEFORE_RE = [
    (
        qualifier,
        step,
        re.compile(rf"(?:^|\W){pattern}(?:\s+(?:о|об|к))?[\s\u00a0]+$", re.IGNORECASE),
    )
    for qualifier, step, pattern in _BEFORE
]
# "rose to 13", «увеличилось до 13»: the new total, exact (not "up to", at most).
_GROWTH_RE = re.compile(
    r"(?:rose|risen|rises|climbed|increased|grew|jumped|reached|"
    r"(?:увеличил|выросл|вырос|возросл|возрос|дошл|дош[её]л)\w*)\s+(?:to|до)[\s\u00a0]+$",
    re.IGNORECASE,
)
_AFTER_RE = re.compile(
    r"\s*(?:\+|or more|and more|or so|и более|и больше|или более|с лишним)(?!\w)", re.IGNORECASE
)
_RANGE_RE = re.compile(
    rf"(?:between\s+|from\s+|от\s+)?(?P<a>{_DIGITS}|{_EN_WORDS})\s*"
    rf"(?:-|–|—|to|and|до)\s*(?P<b>{_DIGITS}|{_EN_WORDS})(?![\w])",
    re.IGNORECASE,
)

# --- what a number is not: a year, a date, an age, a time, money, a length, an article ---
_MONTHS = (
    r"(?:(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)|январ\w*|феврал\w*|"
    r"март\w*|апрел\w*|ма[йяе]|июн\w*|июл\w*|август\w*|сентябр\w*|октябр\w*|ноябр\w*|декабр\w*)"
)
_NOT_AFTER = re.compile(
    r"(?:\s*(?:%|per\s?cent|percent|процент\w*|years?|months?|weeks?|days?|hours?|minutes?|"
    r"seconds?|decades?|centuries|century|nights?|a\.m|p\.m|o'clock|km|kilomet\w*|miles?|"
    r"met(?:er|re)s?|kg|tons?|tonnes?|dollars?|euros?|rubles?|roubles?|pounds?|\$|€|£|"
    r"лет|года?|годам?и?|месяц\w*|недел\w*|дн[еяю]\w*|дня|день|суток|сутки|час\w*|минут\w*|"
    r"секунд\w*|км|километр\w*|метр\w*|руб\w*|доллар\w*|евро|тонн\w*|-?(?:year|летн)\w*|"
    r"articles?|laws?|статей|статьи|закон\w*|"
    r"th|st|nd|rd|-?(?:й|го|м|ая|я|е|х)|[:/]\d|\.\d\d\s*[ap]\.?m)(?!\w)|\s*" + _MONTHS + r"(?!\w))",
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(
    r"(?:(?:article|art\.|no\.|number|page|paragraph|section|aged(?:\s+between)?|age|room|"
    r"cell|flight|as young as|as old as|"
    r"статьи|статья|статье|ст\.|пункт\w*|часть|части|№|номер|в\s+возрасте|\$|€|£|"
    + _MONTHS
    + r")[\s\u00a0]*|[$€£№#/:-])$",
    re.IGNORECASE,
)
# The noun after a number that makes it a count of people.
PEOPLE = re.compile(
    r"[\s\u00a0]*(?:of\s+(?:them|those|whom|the)\s+)?(?:(?:other|more|local|young|gay|"
    r"peaceful|unarmed|\w+-\w+|[a-z]+(?:ian|ese|ish|i))\s+)?(?P<noun>people|persons?|men|"
    r"women|children|boys|girls|protesters|demonstrators|activists|journalists|reporters|"
    r"students|civilians|detainees|prisoners|individuals|residents|villagers|members|"
    r"supporters|lawyers|defenders|opponents|critics|bloggers|workers|believers|"
    r"worshippers|monks|refugees|migrants|teenagers|minors|victims|bodies|adults|"
    r"participants|suspects|relatives|others|of them|of whom|"
    r"человек\w*|людей|люди|задержанн\w*|участник\w*|активист\w*|журналист\w*|мужчин\w*|"
    r"женщин\w*|детей|дет[иям]\w*|протестующ\w*|демонстрант\w*|студент\w*|жител\w*|"
    r"граждан\w*|пленн\w*|заключенн\w*|заключённ\w*|сторонник\w*|правозащитник\w*|"
    r"адвокат\w*|верующ\w*|подростк\w*|несовершеннолетн\w*|из них|из которых|погибш\w*|"
    r"пострадавш\w*|убит\w*|раненых)(?!\w)",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"(?<![\w-])(?:(?P<dozens>dozens)|(?P<tens>tens)|(?P<hundreds>hundreds)|"
    r"(?P<thousands>thousands)|(?P<several>several|many|numerous|a number)|"
    r"(?P<ru10>десятк\w*|десятки)|(?P<ru100>сотн[иеяю]\w*|сотен)|(?P<ru1000>тысяч[иа]|"
    r"тысячами)|(?P<ru_several>несколько|нескольк\w+|многие|многих|много))"
    r"(?=(?:\s+of)?[\s\u00a0]+(?:\w+\s+)?(?:people|persons|men|women|protesters|"
    r"demonstrators|activists|journalists|students|civilians|detainees|prisoners|residents|"
    r"individuals|others|were|had|have|more|человек|людей|задержанн|участник|активист|"
    r"журналист|мужчин|женщин|протестующ|демонстрант|студент|жител|граждан|правозащитник|"
    r"сторонник|был|подвергл|detained|arrested|killed|died|dead|held|missing|disappeared|"
    r"tortured|injured|задержан|арестован|убит|погиб|пропал|похищен))(?!\s+(?:hundred|thousand|dozen|десят|сот|тысяч))",
    re.IGNORECASE,
)
_VAGUE_VALUES = {
    "dozens": 12, "tens": 10, "hundreds": 100, "thousands": 1000, "several": 10,
    "ru10": 10, "ru100": 100, "ru1000": 1000, "ru_several": 10,
}  # fmt: skip
_ZERO = re.compile(
    r"(?<![\w-])(?:no\s*one|nobody|none|anyone|anybody|not\s+(?:a\s+)?single\s+(?:person|one|man|woman)?|"
    r"not\s+(?:one|anyone)|no\s+(?:one|people|person|such|(?:\w+\s+)?(?:(?:arrest|detention|"
    r"death|killing|fatalitie|detainee|victim|disappearance|abduction)s?|fatality|torture)"
    r"(?:\s+cases)?)|никто|никого|ни\s+одного|ни\s+один|ни\s+одной|никаких|"
    # "denied any protesters were killed"; «погибших нет», «нет погибших»
    r"(?:(?<=denied\s)|(?<=denies\s)|(?<=deny\s)|(?<=denied\sthat\s)|(?<=denies\sthat\s))any|"
    r"(?:погибш|убит|задержанн|арестованн|жертв)\w*\s+нет|"
    r"нет\s+(?:ни\s+)?(?:погибш|убит|задержанн|арестованн|жертв)\w*)(?!\w)",
    re.IGNORECASE,
)


def find_counts(sentence: str) -> list[Count]:
    """Every count in ``sentence``, in order: numbers (digits and words, English and
    Russian) with their qualifier, vague quantities, and zero ("no one")."""
    counts: list[Count] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for match in _RANGE_RE.finditer(sentence):
        joiner = sentence[match.end("a") : match.start("b")].strip().lower()
        if joiner == "and" and not match.group().lower().startswith("between"):
            continue
        if joiner == "to" and not re.match(r"(?:between|from)", match.group(), re.IGNORECASE):
            continue
        if joiner == "до" and not match.group().lower().startswith("от"):
            continue
        low, high = number_value(match["a"]), number_value(match["b"])
        if low is None or high is None or high <= low or _excluded(sentence, match):
            continue
        if re.match(r"^\d{4}$", match["a"]) and re.match(r"^\d{4}$", match["b"]):
            continue  # years: "2017-2019"
        victims = PEOPLE.match(sentence, match.end())
        counts.append(Count(RANGE, None, low, high, match.start(), match.end(), _noun(victims)))
        taken.append((match.start(), match.end()))
    for match in _ZERO.finditer(sentence):
        if free(match.start(), match.end()):
            counts.append(Count(EXACT, 0, 0, 0, match.start(), match.end(), zero=True))
            taken.append((match.start(), match.end()))
    for match in _NUMBER.finditer(sentence):
        if not free(match.start(), match.end()) or _excluded(sentence, match):
            continue
        number = number_value(match["n"])
        if number is None:
            continue
        victims = PEOPLE.match(sentence, match.end())
        if _is_year(match["n"], victims):
            continue
        qualifier, start, step = EXACT, match.start(), 0
        head = sentence[max(0, match.start() - 40) : match.start()]
        for candidate, candidate_step, pattern in _BEFORE_RE:
            found = None if _GROWTH_RE.search(head) else pattern.search(head)
            if found:
                qualifier, step = candidate, candidate_step
                start = (
                    match.start()
                    - (len(head) - found.start())
                    + (1 if found.group()[:1] and not found.group()[:1].isalnum() else 0)
                )
                break
        end = match.end()
        after = _AFTER_RE.match(sentence, match.end())
        if after and qualifier == EXACT:
            qualifier, end = (
                (APPROX, after.end()) if "so" in after.group() else (AT_LEAST, after.end())
            )
        number = max(0, number + step)
        best, low, high = qualified(qualifier, number)
        counts.append(Count(qualifier, best, low, high, start, end, _noun(victims)))
        taken.append((start, end))
    for match in _VAGUE.finditer(sentence):
        if not free(match.start(), match.end()):
            continue
        value = _VAGUE_VALUES[match.lastgroup or "several"]
        victims = PEOPLE.match(sentence, match.end()) or re.match(
            r"^\s+of\s+(\w+)", sentence[match.end() :]
        )
        counts.append(Count(APPROX, value, None, None, match.start(), match.end(), _noun(victims)))
        taken.append((match.start(), match.end()))
    return sorted(counts, key=lambda count: count.start)


def _noun(match: re.Match[str] | None) -> str:
    if match is None:
        return ""
    return (match.groupdict().get("noun") or match.group(match.lastindex or 0)).strip()


# "[NAME], 65, was tortured", «Иванов, 34, задержан»: a number between commas after a name
# is an age.
_AGE_BEFORE = re.compile(r"(?:\[NAME\]|[A-ZА-ЯЁ][\w'’-]+),[\s\u00a0]*$")
_AGE_AFTER = re.compile(r"[\s\u00a0]*,")


def _excluded(sentence: str, match: re.Match[str]) -> bool:
    before = sentence[max(0, match.start() - 14) : match.start()]
    age = _AGE_BEFORE.search(before) and _AGE_AFTER.match(sentence, match.end())
    return bool(_NOT_AFTER.match(sentence, match.end()) or _NOT_BEFORE.search(before) or age)


def _is_year(text: str, victims: re.Match[str] | None) -> bool:
    return bool(re.fullmatch(r"(?:1[89]|20)\d\d", text.strip())) and victims is None

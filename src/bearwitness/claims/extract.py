"""The rule layer: sentences in, candidate claims out.

For each body sentence (never a byline, a timestamp or a comment; see :mod:`.text`):

1. **Acts**: trigger phrases from :mod:`.lexicon`, one claim per act ("detained *and*
   died" is two); "died under torture" is a death in custody, not also a killing.
2. **Counts**: each act takes the count of its own clause (:mod:`.quantities`), the one
   naming people first; "let alone 40" gives the denied 40.
3. **Stance**: deny when the act's clause negates it ("no one was detained", "were not
   arrested"), when the speaker denies ("denied that"), or counterfactually ("let
   alone 40"); a sentence that rejects reporting with no act of its own ("lies and
   disinformation") denies the first act of the last sentence that claimed one.
4. **Claimant** (who originally said it, not the outlet): "according to X", "X said",
   ", said X", «по словам X», «X заявил», "X told the BBC" (the BBC is the ``via``, the
   echo's trace). A quotation over several sentences carries its claimant to each; "he
   said" is the last claimant named. No attribution: None (the outlet's own voice).
5. **Hedges**, **place** and **time** with their precision, and a **confidence**.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bearwitness.claims import lexicon, quantities, sentences
from bearwitness.claims import text as texts
from bearwitness.claims.models import Entities, Entity, NoEntities
from bearwitness.claims.quantities import Count

ASSERT, DENY = "assert", "deny"
PRECISIONS = ("town", "district", "region", "country")


@dataclass(frozen=True)
class Candidate:
    """One extracted claim, for review: never a record until a person accepts it."""

    sentence: str
    start: int
    end: int
    act: str
    count: Count | None
    stance: str
    hedged: bool
    claimant: str | None
    outlet: str | None
    place: str | None
    when: str | None
    confidence: float
    place_precision: str | None = None  # town, district, region, country
    when_precision: str | None = None  # day, month, year
    victims: str = ""
    via: str | None = None  # the outlet or medium the claimant spoke through

    def to_json(self) -> dict[str, Any]:
        """The command line's line, keys in the order the format fixes."""
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "act": self.act,
            "count": None if self.count is None else self.count.to_json(),
            "stance": self.stance,
            "hedged": self.hedged,
            "claimant": self.claimant,
            "outlet": self.outlet,
            "place": self.place,
            "when": self.when,
            "confidence": self.confidence,
        }

    def to_review(self) -> dict[str, Any]:
        """Everything kept for review: the line, plus precision, victims and via."""
        return {
            **self.to_json(),
            "place_precision": self.place_precision,
            "when_precision": self.when_precision,
            "victims": self.victims,
            "via": self.via,
        }


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    frame: str  # the sentence with quoted words blanked: where attribution is said
    group: int  # sentences of one quotation share a group
    quoted: bool  # some of it is inside quotation marks
    triggers: list[tuple[int, int, str]] = field(default_factory=list)


def extract(
    text: str,
    *,
    language: str,
    outlet: str | None = None,
    published: dt.date | None = None,
    entities: Entities | None = None,
) -> list[Candidate]:
    """The candidate claims of ``text`` (English or Russian), in document order."""
    entities = entities or NoEntities()
    spans = sentences.split(text, texts.body_ranges(text))
    parsed = _quotations(text, spans)
    for sentence in parsed:
        sentence.triggers = _acts(sentence.text)
    # The models run only on sentences that may give a claim: speed, not rules.
    wanted = [s for s in parsed if s.triggers or lexicon.BLANKET_DENIAL.search(s.text)]
    found = dict(zip((id(s) for s in wanted), entities([s.text for s in wanted]), strict=True))
    group_claimant = _group_claimants(parsed, found, language)
    candidates: list[Candidate] = []
    last_claimant: str | None = None
    last_act: str | None = None
    unattributed: list[int] = []  # candidates since the last claimant named, with none
    for sentence in parsed:
        ents = found.get(id(sentence), [])
        own = _attribution(sentence.frame, language, ents)
        claimant, via = own if own else group_claimant.get(sentence.group, (None, None))
        if claimant is not None and lexicon.PRONOUNS.match(claimant):
            claimant = last_claimant
        elif claimant is not None:
            last_claimant = claimant
        if claimant is not None:
            if _RU_ABOUT_THIS.match(sentence.text):  # «Об этом сообщил X»: X said them
                for index in unattributed:
                    candidates[index] = dataclasses.replace(
                        candidates[index], claimant=claimant, via=via
                    )
            unattributed = []
        if not sentence.triggers and not lexicon.BLANKET_DENIAL.search(sentence.text):
            continue
        made = _claims(sentence, language, claimant, via, outlet, published, ents, last_act)
        if made and sentence.triggers:
            last_act = made[0].act
        if claimant is None:
            unattributed += range(len(candidates), len(candidates) + len(made))
        candidates += made
    return candidates


# --- quotations ------------------------------------------------------------------------
_OPEN, _CLOSE = "“«„", "”»"


def _quotations(text: str, spans: Sequence[tuple[int, int]]) -> list[_Sentence]:
    """Each sentence with its frame (quoted words blanked) and its quotation group. A short
    closed quotation with no punctuation in it is a name («Мемориал», “Viasna”), kept."""
    parsed: list[_Sentence] = []
    inside = False
    group = 0
    for start, end in spans:
        sentence = text[start:end]
        names = {
            position
            for match in _NAME_QUOTE.finditer(sentence)
            if len(match.group(1).split()) <= 4
            for position in (match.start(), match.end() - 1)
        }
        frame = []
        quoted = inside
        if not inside:
            group += 1
        for position, char in enumerate(sentence):
            if position in names:
                frame.append(char)
            elif char in _OPEN or (char == '"' and not inside):
                inside, quoted = True, True
                frame.append(" ")
            elif char in _CLOSE or (char == '"' and inside):
                inside = False
                frame.append(" ")
            else:
                frame.append(" " if inside else char)
        parsed.append(_Sentence(start, end, sentence, "".join(frame), group, quoted))
    return parsed


_NAME_QUOTE = re.compile(r"[«“„\"]([^«»“”„\".!?,:;]{1,40})[»”\"]")


def _group_claimants(
    parsed: Sequence[_Sentence], found: dict[int, list[Entity]], language: str
) -> dict[int, tuple[str | None, str | None]]:
    """The claimant of each quotation group: the first attribution in any of its
    sentences (before the quotation opens or after it closes)."""
    claimants: dict[int, tuple[str | None, str | None]] = {}
    for sentence in parsed:
        if not sentence.quoted or sentence.group in claimants:
            continue
        own = _attribution(sentence.frame, language, found.get(id(sentence), []))
        if own:
            claimants[sentence.group] = own
    return claimants


# --- acts ------------------------------------------------------------------------------
def _acts(sentence: str) -> list[tuple[int, int, str]]:
    """(start, end, act) of each trigger; a death in custody swallows what it overlaps."""
    found: list[tuple[int, int, str]] = []
    for act, pattern in lexicon.ACTS:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < b and end > a for a, b, _ in found):
                continue
            found.append((start, end, act))
    # "beat several detainees", «у задержанных изъяли паспорта»: the detainees are the
    # victims of another act, not a claim of detention of their own.
    if any(act != "arbitrary_detention" for _, _, act in found):
        found = [
            (a, b, act)
            for a, b, act in found
            if not (act == "arbitrary_detention" and lexicon.DETAINEES.fullmatch(sentence[a:b]))
        ]
    return sorted(found)


_BOUNDARY = re.compile(
    r";|:\s|,?\s+but\s+|,\s+while\s+|,\s+whereas\s+|,?\s+and\s+|,\s+(?:но|а|однако|тогда как)\s+|"
    r"\s+и\s+|\s+[—–]\s+|,\s+(?:who|which|of whom|whom|из них|из которых)\s+",
    re.IGNORECASE,
)


# A people noun right before "and": with one right after, the two are a list of victims.
_LISTED = re.compile(
    r"(?:people|men|women|children|protesters|activists|journalists|students|civilians|"
    r"человек|мужчин|женщин|детей|активист\w*|журналист\w*|студент\w*)$",
    re.IGNORECASE,
)


def _clauses(
    sentence: str, counts: Sequence[Count], triggers: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int]]:
    cuts = [0]
    for match in _BOUNDARY.finditer(sentence):
        if any(c.start <= match.start() < c.end for c in counts):
            continue  # "between 30 and 40"
        if match.group().strip(" ,").lower() in ("and", "и"):
            if _LISTED.search(sentence, 0, match.start()) and quantities.PEOPLE.match(
                sentence, match.end()
            ):
                continue  # "304 men, women and children who were killed": one list
            # "in Moscow and St Petersburg" is one clause; "40 were detained and at least
            # two died" is two: after a count, before another count or act
            ahead = range(match.end(), match.end() + 40)
            counted = any(cuts[-1] <= c.start < match.start() for c in counts)
            if not counted or not (
                any(c.start in ahead for c in counts) or any(t[0] in ahead for t in triggers)
            ):
                continue
        cuts.append(match.start())
    cuts.append(len(sentence))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _claims(
    sentence: _Sentence,
    language: str,
    claimant: str | None,
    via: str | None,
    outlet: str | None,
    published: dt.date | None,
    ents: list[Entity],
    last_act: str | None,
) -> list[Candidate]:
    text = sentence.text
    counts = [c for c in quantities.find_counts(text) if not _inside_name(c, ents)]
    clauses = _clauses(text, counts, sentence.triggers)
    masked = lexicon.NOT_A_DENIAL.sub(lambda m: "_" * len(m.group()), text)
    speaker_denies = bool(
        re.search(r"(?:den(?:y|ied|ies)|rejected|refuted|отрица\w*|опроверг\w*)", sentence.frame)
        and not re.search(r"denied access", text, re.IGNORECASE)
    )
    hedged = bool(lexicon.HEDGE.search(text))
    place, place_precision = _place(text, language, ents)
    when, when_precision = _when(text, language, published)
    triggers = list(sentence.triggers)
    blanket = not triggers and last_act is not None
    if blanket:
        triggers = [(0, 0, last_act)]  # type: ignore[list-item]  # last_act is a str here
    made: list[Candidate] = []
    used: set[int] = set()
    previous_count: Count | None = None
    seen_acts: set[str] = set()
    for start, end, act in triggers:
        clause = next(((a, b) for a, b in clauses if a <= start < b), (0, len(text)))
        own = [c for c in counts if clause[0] <= c.start < clause[1] and id(c) not in used]
        if act in seen_acts and not own:
            continue  # "detained ... detention": one claim, unless it has its own count
        seen_acts.add(act)
        scope = masked[clause[0] : clause[1]]
        counterfactual = lexicon.COUNTERFACTUAL.search(text)
        count = _count_for(text, counts, start, end, clause, used, counterfactual, blanket)
        if count is None and previous_count is not None and start - clause[0] < 25:
            count = previous_count  # "40 were detained and tortured"
        if count is not None:
            used.add(id(count))
            previous_count = count
        deny = (
            blanket
            or bool(lexicon.DENIAL.search(scope))
            or speaker_denies
            or bool(counterfactual)
            or bool(count is not None and count.zero)
        )
        confidence = _confidence(count, claimant, hedged, deny, blanket)
        made.append(
            Candidate(
                sentence=text,
                start=sentence.start,
                end=sentence.end,
                act=act,
                count=count,
                stance=DENY if deny else ASSERT,
                hedged=hedged,
                claimant=claimant,
                outlet=outlet,
                place=place,
                when=when,
                confidence=confidence,
                place_precision=place_precision,
                when_precision=when_precision,
                victims=count.victims if count else "",
                via=via,
            )
        )
    return made


def _inside_name(count: Count, ents: list[Entity]) -> bool:
    return any(
        a <= count.start and count.end <= b and label in ("ORG", "PER") for a, b, label in ents
    )


_INJURED = re.compile(
    r"[\s\u00a0]*(?:\w+[\s\u00a0]+){0,2}(?:injured|wounded|shot(?!\s+(?:dead|and\s+killed))|"
    r"получили ранени\w*|ранен\w*)",
    re.IGNORECASE,
)
# ... and so are those of a verb of injury right before them («пострадали 86 человек»).
_INJURED_BEFORE = re.compile(
    r"(?:injured|wounded|hurt|пострадал[иао]?|ранен[ыо]?|ранили|получили ранения)"
    r"[\s\u00a0]+(?:\w+[\s\u00a0]+)?$",
    re.IGNORECASE,
)


def _count_for(
    text: str,
    counts: Sequence[Count],
    start: int,
    end: int,
    clause: tuple[int, int],
    used: set[int],
    counterfactual: re.Match[str] | None,
    blanket: bool,
) -> Count | None:
    if counterfactual is not None:
        after = [c for c in counts if c.start >= counterfactual.end() and not c.zero]
        if after:
            return after[0]
    pool = [c for c in counts if id(c) not in used]
    if not blanket:
        pool = [c for c in pool if clause[0] <= c.start < clause[1]]
    if not pool:
        return None

    # Counts of the injured ("около 1 тысячи человек получили ранения") are no act's.
    pool = [
        c for c in pool
        if not _INJURED.match(text, c.end) and not _INJURED_BEFORE.search(text, 0, c.start)
    ] or pool  # fmt: skip

    def distance(count: Count) -> int:
        before = count.end <= start
        gap = start - count.end if before else count.start - end
        # a count naming people is preferred, and "N were killed" over "killed, ... N"
        return max(gap, 0) + (0 if count.victims or count.zero else 15) + (0 if before else 3)

    return min(pool, key=distance)


def _confidence(
    count: Count | None, claimant: str | None, hedged: bool, deny: bool, blanket: bool
) -> float:
    score = 0.55
    if count is not None:
        score += 0.15 if count.victims or count.zero else 0.05
    if claimant is not None:
        score += 0.15
    if hedged:
        score -= 0.15
    if blanket:
        score -= 0.15
    elif deny:
        score -= 0.05
    return round(min(0.95, max(0.05, score)), 2)


# --- attribution -----------------------------------------------------------------------
_ROLE = (
    r"(?:police|officials?|authorities|spokes(?:man|woman|person)|ministry|government|"
    r"prosecutors?|witness(?:es)?|activists?|lawyers?|relatives|residents?|groups?|"
    r"organi[sz]ations?|monitors?|sources?|observers?|journalists?|doctors?|mother|father|"
    r"brother|sister|wife|husband|survivors?|detainees?|governor|mayor|president|minister|"
    r"head|chief|leader|representatives?|commission(?:er)?|office|agency|committee|"
    r"service|center|centre|network|watch|amnesty|UN|OHCHR)"
)
_EN_SPEECH_AFTER = re.compile(
    rf"(?<![\w-])(?P<np>(?:(?!\s(?:and|but|while|whereas|that|as)\s)(?:\([A-Z]{{2,10}}\)|"
    rf"[^,;:()])){{2,90}}?)\s+(?:has\s+|have\s+|had\s+)?(?:also\s+|later\s+)?"
    rf"{lexicon.SPEECH_EN}(?!\w)"
)
_EN_SPEECH_BEFORE = re.compile(
    r"(?:^|[,;]\s*)(?:said|says|told|added|wrote|explained|noted|according to)\s+"
    r"(?P<np>[A-Z][^,;.]{1,80})"
)
_EN_CITING = re.compile(r"(?:citing|quoting)\s+(?P<np>[^,;.]{2,90})", re.IGNORECASE)
_EN_ACCORDING = re.compile(
    r"(?:according to|figures (?:from|by)|data (?:from|by)|estimates by)\s+"
    r"(?P<np>[^,;.]{2,90})",
    re.IGNORECASE,
)
_EN_TOLD = re.compile(
    r"told\s+(?P<via>(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}|reporters|journalists)"
)
_RU_ACCORDING = re.compile(
    r"(?:по\s+(?:\w+\s+)?(?:словам|данным|информации|сведениям|оценкам|подсч[её]там)|"
    rf"как\s+{lexicon.SPEECH_RU}|сообщает|со ссылкой на)\s+(?P<np>[^,;.]{{2,90}})",
    re.IGNORECASE,
)
_RU_SPEECH_BEFORE = re.compile(
    # «сообщил на брифинге в воскресенье в Астане представитель …»: where and when first
    rf"(?:^|[,;]\s*|[—–-]\s*|^Об этом\s+(?:[^,;.]{{0,60}}?\s)?){lexicon.SPEECH_RU}\s+"
    r"(?:(?:на|в|во)\s+[^\s,;.«]+\s+)*"
    r"(?P<via>«[^»]+»\s+|[А-ЯЁA-Z]\w+\s+)?"
    r"(?P<np>[^,;.]{2,90})"
)
_RU_SPEECH_AFTER = re.compile(
    rf"(?<![\w-])(?P<np>(?:(?!\s(?:и|но|а|что|как)\s)[^,;:()—–]){{2,90}}?)\s+(?:также\s+)?"
    rf"{lexicon.SPEECH_RU}(?!\w)"
)
# A headline's source after a dash at its end: «…похищен 21 крымский татарин, - СНБО».
_RU_HEADLINE = re.compile(r",?\s+[-—–]\s*(?P<np>[А-ЯЁA-Z][^\s,;.]*(?:\s+[^\s,;.]+){0,3})\s*$")
# «Об этом сообщил X» names who said the sentences before it.
_RU_ABOUT_THIS = re.compile(r"^\s*Об этом\b")
_TRAILING = re.compile(
    r"\s+(?:on|last|this|in|at|to|via|on\s+\w+day|that|earlier|later|yesterday|today|"
    r"(?:в|во|на)\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье|"
    r"\w*брифинг\w*|интервью|заявлени\w*|пресс-\w+|эфир\w*|телеграм\w*|Telegram|соцсет\w*|"
    r"сайт\w*|\d)|ранее|также|накануне|вчера|сегодня|что|журналист\w*|корреспондент\w*|"
    r"изданию|агентству|\d{1,2}|\w+day)(?:\s.*)?$",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:the|a|an|but|and|however|also|meanwhile|earlier|но|а|и|однако|при этом|также)\s+",
    re.IGNORECASE,
)
_GENERIC = re.compile(
    r"(?:(?:the\s+)?(?:\w+\s+)?(?:reports?|information|media|sources?|data|figures|"
    r"estimates)|(?:предварительн\w+\s+)?(?:данн\w+|информаци\w+|сообщени\w+|сведени\w+))"
)
_FINITE = re.compile(
    r"\b(?:were|was|is|are|had been|have been|has been|будут|был[аио]?|были)\b", re.IGNORECASE
)
_BAD_NP = re.compile(
    r"^(?:which|that|who|it is|there|this|these|those|as|if|when|while|what|according|об этом|"
    r"который|которые|что|это|как|если)\b",
    re.IGNORECASE,
)


def _attribution(
    frame: str, language: str, ents: list[Entity]
) -> tuple[str | None, str | None] | None:
    """(claimant, via) said in ``frame`` (a sentence with its quotations blanked), or None."""
    frame = " ".join(frame.split())
    if not frame:
        return None
    via = None
    if language == "ru":
        patterns = [_RU_ACCORDING, _RU_SPEECH_BEFORE, _RU_SPEECH_AFTER, _RU_HEADLINE]
        told = re.search(rf"{lexicon.SPEECH_RU}\s+(«[^»]+»)", frame)
        if told:
            via = told.group(1).strip("«»")
    else:
        patterns = [_EN_CITING, _EN_ACCORDING, _EN_SPEECH_BEFORE, _EN_SPEECH_AFTER]
        told = _EN_TOLD.search(frame)
        if told:
            via = re.sub(r"^the\s+", "", told["via"]).rstrip(".")
        relayed = _EN_ACCORDING.search(frame)
        if relayed and _EN_CITING.search(frame):  # "according to the Herald, citing X"
            via = _clean(relayed["np"], language)
    medium = lexicon.MEDIUM.search(frame)
    if medium and via is None:
        via = medium.group().strip()
    for pattern in patterns:
        for match in pattern.finditer(frame):
            np = _clean(match["np"], language)
            if np:
                return np, via
    return None


def _clean(np: str, language: str) -> str | None:
    np = np.strip(" \"'“”—–-")
    if np.count("«") != np.count("»"):
        np = np.strip("«»")
    np = re.split(r"\s+(?:said|says|told|reported|added|сообщил\w*|заявил\w*)\b", np)[0]
    if _FINITE.search(np):  # "the 43 young men were [said to]": a passive, not a speaker
        return None
    # «по подсчетам ОВД-Инфо задержали не менее 3711»: the name ends where the act begins
    ends = [m.start() for _, pattern in lexicon.ACTS if (m := pattern.search(np))]
    ends += [m.start() for m in [re.search(r"\s\d", np)] if m]
    if ends and min(ends) > 0:
        np = np[: min(ends)].strip()
    if _GENERIC.fullmatch(np.lower()):
        return None
    previous = None
    while previous != np:
        previous = np
        np = _TRAILING.sub("", np).strip()
        np = _LEADING.sub("", np).strip()
    words = np.split()
    if len(words) > 9:  # a long role: its last words name the speaker
        words = words[-6:]
        np = " ".join(words)
    if not np or _BAD_NP.match(np) or len(np) > 80 or _LEADING.match(np + " "):
        return None
    if lexicon.PRONOUNS.match(np):  # "he said": the caller takes the last claimant named
        return np
    # A name or a role: a capital somewhere, or a role noun.
    if not (
        re.search(r"[A-ZА-ЯЁ«]", np)
        or re.search(_ROLE, np, re.IGNORECASE)
        or re.search(
            r"(?:правозащитник|полици|власт|представител|очевид|родственник|"
            r"свидетел|жител|активист|адвокат|источник|ведомств|министерств|"
            r"прокуратур|служб|организаци|центр|комитет)",
            np,
            re.IGNORECASE,
        )
    ):
        return None
    # "Igor Kochetkov of the Russian LGBT Network" -> "Russian LGBT Network (Igor Kochetkov)"
    person = re.match(
        r"^(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}),?\s+(?:of|from|at|with)\s+"
        r"(?:the\s+)?(?P<org>[A-Z].+)$",
        np,
    )
    if person:
        return f"{person['org']} ({person['person']})"
    return np


# --- place and time --------------------------------------------------------------------
_EN_PLACE = re.compile(
    r"(?<!\w)(?i:in|near|outside|across|at|from)\s+(?:the\s+)?(?:(?:city|town|village|region|"
    r"province|district|republic)\s+of\s+)?(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
)
_RU_PLACE = re.compile(
    r"(?<!\w)(?i:в|во|на|под|из)\s+(?:(?:город\w*|сел\w*|сел[ео]|регион\w*|район\w*|"
    r"г\.)\s*)?(?P<place>[А-ЯЁ][а-яё-]+(?:\s+[А-ЯЁ]?[а-яё-]+(?:\s+(?:район\w*|област\w*|"
    r"кра[юе]))?)?)"
)
_NOT_PLACE = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|The|A|An|This|"
    r"That|His|Her|Their|Its|Our|Twitter|Telegram|Facebook|Instagram|YouTube|A\w+ \d+)\b"
)


def _place(text: str, language: str, ents: list[Entity]) -> tuple[str | None, str | None]:
    names = [text[a:b] for a, b, label in ents if label == "LOC"]
    if not names:
        pattern = _RU_PLACE if language == "ru" else _EN_PLACE
        for match in pattern.finditer(text):
            name = match["place"]
            if _NOT_PLACE.match(name) or name.isupper():
                continue
            if language == "ru" and not re.search(r"(?:е|и|у|ю|а|ы|ом|ой|ах|ях)$", name.split()[0]):
                continue
            names.append(name)
            break
    if not names:
        return None, None
    name = names[0]
    at = text.find(name)
    around = text[max(0, at - 25) : at + len(name) + 20]
    lower = name.lower()
    precision = "town"
    if lower in lexicon.COUNTRIES or lower.split()[-1] in lexicon.COUNTRIES:
        precision = "country"
    elif lower in lexicon.REGIONS or lower.split()[0] in lexicon.REGIONS:
        precision = "region"
    else:
        for pattern, word in lexicon.PRECISION_WORDS:
            if (pattern.search(around) and pattern.search(name)) or pattern.search(around):
                precision = word
                break
    return name, precision


_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "январ"), ("february", "feb", "феврал"), ("march", "mar", "март"),
            ("april", "apr", "апрел"), ("may", "ма"), ("june", "jun", "июн"),
            ("july", "jul", "июл"), ("august", "aug", "август"),
            ("september", "sept", "sep", "сентябр"), ("october", "oct", "октябр"),
            ("november", "nov", "ноябр"), ("december", "dec", "декабр"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_WORD = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|"
    r"августа?|августе|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
)
_DATE_DMY = re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH_WORD})(?:,?\s+(?P<y>\d{{4}}))?")
_DATE_MDY = re.compile(rf"(?P<m>{_MONTH_WORD})\s+(?P<d>\d{{1,2}})(?!\d)(?:,?\s+(?P<y>\d{{4}}))?")
_DATE_MY = re.compile(rf"(?P<m>{_MONTH_WORD})(?:\s+of)?\s+(?P<y>\d{{4}})")
_DATE_Y = re.compile(r"(?:in|since|during|в|во)\s+(?P<y>(?:19|20)\d\d)(?!\d)")
_RELATIVE = re.compile(
    r"(?<!\w)(?:(?P<yesterday>yesterday|вчера)|(?P<today>today|this morning|tonight|сегодня)|"
    r"(?:on|last|в|во)\s+(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье))(?!\w)",
    re.IGNORECASE,
)
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "понедельник": 0, "вторник": 1, "среду": 2, "четверг": 3, "пятницу": 4,
    "субботу": 5, "воскресенье": 6,
}  # fmt: skip


def _month(word: str) -> int:
    lower = word.lower()
    for name, number in sorted(_MONTH_NUMBERS.items(), key=lambda item: -len(item[0])):
        if lower.startswith(name):
            return number
    return 0


def _when(text: str, language: str, published: dt.date | None) -> tuple[str | None, str | None]:
    """The time the sentence gives, as an ISO date of its precision (day, month, year)."""
    for pattern in (_DATE_DMY, _DATE_MDY):
        match = pattern.search(text)
        if match:
            year = int(match["y"]) if match["y"] else (published.year if published else None)
            month, day = _month(match["m"]), int(match["d"])
            if year and month and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}", "day"
    match = _DATE_MY.search(text)
    if match:
        return f"{int(match['y']):04d}-{_month(match['m']):02d}", "month"
    match = _RELATIVE.search(text)
    if match and published is not None:
        if match["yesterday"]:
            return (published - dt.timedelta(days=1)).isoformat(), "day"
        if match["today"]:
            return published.isoformat(), "day"
        weekday = _WEEKDAYS[match["weekday"].lower()]
        back = (published.weekday() - weekday) % 7
        return (published - dt.timedelta(days=back)).isoformat(), "day"
    match = _DATE_Y.search(text)
    if match:
        return match["y"], "year"
    return None, None

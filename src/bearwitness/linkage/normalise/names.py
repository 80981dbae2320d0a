"""Comparable keys for personal names: given-name variant families, surnames
with their gendered endings, patronymics, and full names in any order.

Keys are built on :func:`~bearwitness.linkage.normalise.script.fold`, so they
hold across scripts and transliteration systems. A given name in a known
family ("Магомед", "Mohammed", "Muhammad") keys to the family id; a surname
made from such a name ("Магомадов", "Magomedov") keys to the family id plus
``ov``; feminine endings key as masculine (Хасанова = Хасанов).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bearwitness.linkage.normalise.script import fold, fold_readings
from bearwitness.linkage.normalise.tables import load_table

_PATRONYMIC = re.compile(r"^(?P<stem>.+?)(?:oviS|eviS|ovna|evna|iSna|iS)$")
_SURNAME = re.compile(r"(ov|ev|in|ova|eva|ina|ski|skaia|enko|ian|ovi|evi)$")
_FEMININE = re.compile(r"(?<=ov|ev|in)a$|(?<=sk)aia$")
_OV_SURNAME = re.compile(r"^(?P<stem>.+?)(?:ov|ev)$")


@dataclass(frozen=True)
class NameParts:
    """A full name split into its roles, each as written (empty when absent)."""

    surname: str = ""
    given: str = ""
    patronymic: str = ""


@cache
def _families() -> dict[str, str]:
    index: dict[str, str] = {}
    for family in load_table("given_names")["family"]:
        for variant in family["variants"]:
            index.setdefault(fold(variant).replace(" ", ""), family["id"])
    return index


@cache
def _family_sex() -> dict[str, str]:
    return {family["id"]: family["sex"] for family in load_table("given_names")["family"]}


def given_key(text: str, context: str = "") -> str:
    """The key of a given name: its variant family when known, else its fold.

    ``context`` is the rest of the name, as for :func:`fold`.
    """
    readings = [r.replace(" ", "") for r in fold_readings(text, context)]
    return next((_families()[r] for r in readings if r in _families()), readings[0])


def family_of(text: str) -> str | None:
    """The variant family of a given name, or None when the name is not in the table."""
    return _families().get(fold(text).replace(" ", ""))


def surname_fold(text: str, context: str = "") -> str:
    """The surname's fold in its masculine form, without the family mapping."""
    return _FEMININE.sub("", fold(text, context).replace(" ", ""))


def surname_key(text: str, context: str = "") -> str:
    """The key of a surname: masculine form, name-derived stems to their family."""
    readings = [_FEMININE.sub("", r.replace(" ", "")) for r in fold_readings(text, context)]
    for folded in readings:
        match = _OV_SURNAME.match(folded)
        if match:
            stem = match.group("stem")
            # Исаев / Isayev / Isaev leave a stem ending in a vowel or i; try both.
            for candidate in (stem, stem.rstrip("i")):
                if candidate in _families():
                    return _families()[candidate] + "ov"
    match = _OV_SURNAME.match(readings[0])
    return match.group("stem") + "ov" if match else readings[0]


def patronymic_key(text: str, context: str = "") -> str:
    """The key of a patronymic: the father's given-name key (Исаевич = Isaevna = isa)."""
    stems = []
    for reading in fold_readings(text, context):
        folded = reading.replace(" ", "")
        match = _PATRONYMIC.match(folded)
        stems.append(match.group("stem") if match else folded)
        for candidate in (stems[-1], stems[-1].rstrip("i")):
            if candidate in _families():
                return _families()[candidate]
    return stems[0]


def patronymic_fold(text: str, context: str = "") -> str:
    """The father's name in a patronymic as spelled (folded, without the variant
    family): Магомедович and Мухаммадович share a key but not this."""
    folded = fold(text, context).replace(" ", "")
    match = _PATRONYMIC.match(folded)
    return match.group("stem") if match else folded


def sex_from_names(parts: NameParts) -> str:
    """'m', 'f' or '' as the name itself says: patronymic, surname ending, given name."""
    patronymic = fold(parts.patronymic).replace(" ", "")
    if patronymic.endswith(("na", "Sna")):
        return "f"
    if patronymic.endswith("S"):
        return "m"
    surname = fold(parts.surname).replace(" ", "")
    if re.search(r"(ova|eva|ina|skaia)$", surname):
        return "f"
    if re.search(r"(ov|ev|in|ski)$", surname):
        return "m"
    family = family_of(parts.given) if parts.given else None
    return _family_sex().get(family, "") if family else ""


def _role(token: str) -> str:
    folded = fold(token).replace(" ", "")
    if not folded:
        return "skip"
    if _PATRONYMIC.match(folded) and len(folded) > 5 and folded not in _families():
        return "patronymic"
    if folded in _families():
        return "given"
    if _SURNAME.search(folded):
        return "surname"
    return "unknown"


_REMARK = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def parse_full_name(text: str) -> NameParts:
    """Split a full name in any common order into surname, given name and patronymic.

    Handles "Surname Given Patronymic" (Russian official order, often upper
    case), "Given Patronymic Surname", "Given Surname" and "Surname, Given".
    Roles come from the tokens themselves where they say (a known given name,
    a patronymic or surname ending); position decides the rest. Remarks in
    brackets ("(brother of the above)", "[FICTIONAL]") are not part of the name.
    """
    text = _REMARK.sub(" ", text)
    if "," in text:
        head, _, tail = text.partition(",")
        rest = parse_full_name(tail)
        return NameParts(
            surname=head.strip(), given=rest.given or rest.surname, patronymic=rest.patronymic
        )
    tokens = [t for t in re.split(r"\s+", text.strip()) if fold(t)]
    roles = [_role(t) for t in tokens]
    if len(tokens) > 1:
        uppers = [t.isupper() and len(t) > 1 for t in tokens]
        if sum(uppers) == 1:
            roles[uppers.index(True)] = "surname"
    found: dict[str, list[str]] = {"surname": [], "given": [], "patronymic": []}
    unknown: list[int] = []
    for index, (token, role) in enumerate(zip(tokens, roles, strict=True)):
        if role in found:
            found[role].append(token)
        else:
            unknown.append(index)
    for index in unknown:
        # Russian official order puts the surname first when a patronymic ends the name.
        surname_first = roles[-1] == "patronymic" and index == 0
        not_last = index < len(tokens) - 1
        if not found["given"] and not surname_first and (not_last or found["surname"]):
            found["given"].append(tokens[index])
        elif not found["surname"]:
            found["surname"].append(tokens[index])
        else:
            found["given"].append(tokens[index])
    # Several surname-like tokens and no given name (Marina Petrova): the
    # weakest ending (-in, -ina, -ian are also given-name endings) or else the
    # first token is the given name.
    if len(found["surname"]) > 1 and not found["given"]:
        weak = [t for t in found["surname"] if re.search(r"(in|ina|ian)$", fold(t))]
        found["given"].append(weak[0] if weak else found["surname"][0])
        found["surname"].remove(found["given"][0])
    # Two recognised given names and no surname: the later one is a surname
    # made from a name without a suffix (common in the press: "Magomed Hasan").
    if not found["surname"] and len(found["given"]) > 1:
        found["surname"].append(found["given"].pop())
    return NameParts(
        surname=" ".join(found["surname"]),
        given=" ".join(found["given"]),
        patronymic=" ".join(found["patronymic"]),
    )

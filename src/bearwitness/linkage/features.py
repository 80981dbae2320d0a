"""From records as lists wrote them to the comparable features linkage uses.

Input: one row per record with ``record_id``, ``list`` and any of the role
columns (:data:`ROLES`) as free text. Output: one row per record with keys
built by :mod:`bearwitness.linkage.normalise`, plus a :class:`Problem` for
every value that was present but could not be read. No value is dropped
silently, and no problem carries the value itself (it may be a name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandas as pd

from bearwitness.errors import LinkageError
from bearwitness.linkage.normalise import (
    NameParts,
    PartialDate,
    event_codes,
    family_of,
    fold,
    given_key,
    parse_age,
    parse_birth,
    parse_date,
    parse_full_name,
    patronymic_fold,
    patronymic_key,
    place_key,
    reading_context,
    sex_from_names,
    surname_fold,
    surname_key,
)

# Lists repeat the same places, dates and act types thousands of times; the
# parsers are pure, so each distinct text is read once per process.
_parse_date = cache(parse_date)
_parse_birth = cache(parse_birth)
_parse_age = cache(parse_age)
_event_codes = cache(event_codes)
_place_key = cache(place_key)
_parse_full_name = cache(parse_full_name)
_given_key = cache(given_key)
_surname_key = cache(surname_key)
_patronymic_key = cache(patronymic_key)
_patronymic_fold = cache(patronymic_fold)
_family_of = cache(family_of)

ROLES = (
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth",
    "age",
    "residence",
    "event_type",
    "event_date",
    "event_place",
)

_SEX = {
    "m": "m",
    "male": "m",
    "man": "m",
    "м": "m",
    "муж": "m",
    "мужской": "m",
    "мужчина": "m",
    "homme": "m",
    "h": "m",
    "männlich": "m",
    "mann": "m",
    "f": "f",
    "female": "f",
    "woman": "f",
    "ж": "f",
    "жен": "f",
    "женский": "f",
    "женщина": "f",
    "femme": "f",
    "weiblich": "f",
    "frau": "f",
    "w": "f",
}


@dataclass(frozen=True)
class Problem:
    """A value present in a record that could not be read; never the value itself."""

    list: str
    record_id: str
    role: str
    reason: str


@dataclass(frozen=True)
class Features:
    table: pd.DataFrame
    problems: tuple[Problem, ...]


def _text(row: Mapping[str, object], role: str) -> str:
    value = row.get(role)
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _names(row: Mapping[str, object]) -> NameParts:
    parsed = _parse_full_name(_text(row, "full_name")) if _text(row, "full_name") else NameParts()
    return NameParts(
        surname=_text(row, "surname") or parsed.surname,
        given=_text(row, "given_name") or parsed.given,
        patronymic=_text(row, "patronymic") or parsed.patronymic,
    )


def _feature_row(row: Mapping[str, object], problems: list[Problem]) -> dict[str, object]:
    def report(role: str, reason: str) -> None:
        problems.append(Problem(str(row["list"]), str(row["record_id"]), role, reason))

    names = _names(row)
    sex_text = _text(row, "sex").lower().strip(".")
    sex = _SEX.get(sex_text, "")
    if sex_text and not sex:
        report("sex", "not a sex this tool reads (m/f, м/ж, male/female, homme/femme, ...)")
    sex = sex or sex_from_names(names)

    event: PartialDate | None = None
    if text := _text(row, "event_date"):
        event = _parse_date(text)
        if event is None:
            report("event_date", "not a date this tool reads")
    birth_lo = birth_hi = None
    from_age = False  # the birth interval comes from an age (hazards trust it less)
    unanchored: tuple[int, int] | None = None
    if text := _text(row, "birth"):
        birth = _parse_birth(text)
        if birth is None:
            report("birth", "not a date or year of birth this tool reads")
        else:
            birth_lo, birth_hi = birth.lo.year, birth.hi.year
    if text := _text(row, "age"):
        age = _parse_age(text)
        anchor = event or (
            _parse_date(_text(row, "reference_date")) if _text(row, "reference_date") else None
        )
        if age is None:
            report("age", "not an age this tool reads")
        elif birth_lo is None and anchor is None:
            unanchored = (age.lo, age.hi)  # anchored later to its list's own dates
        elif birth_lo is None and anchor is not None:
            birth_lo, birth_hi = age.birth_years(anchor)
            from_age = True
    event_types: list[str] = []
    if text := _text(row, "event_type"):
        event_types = list(_event_codes(text))
        if not event_types:
            report("event_type", "no act type of the vocabulary recognised")
    context = reading_context(" ".join((names.surname, names.given, names.patronymic)))
    given = _given_key(names.given, context) if names.given else ""
    surname = _surname_key(names.surname, context) if names.surname else ""
    surname_folded = surname_fold(names.surname, context) if names.surname else ""
    if not (given or surname):
        report("name", "no name in the record")
    return {
        "surname_key": surname or None,
        "given_key": given or None,
        "surname_fold": surname_folded or None,
        "given_fold": (
            (fold(names.given, context).replace(" ", "") or None) if names.given else None
        ),
        "patronymic_key": (
            (_patronymic_key(names.patronymic, context) or None) if names.patronymic else None
        ),
        # What the hazard rules read (linkage.hazards): the father's name as spelled
        # and the given name's variant family when the table knows it.
        "patronymic_fold": (
            (_patronymic_fold(names.patronymic, context) or None) if names.patronymic else None
        ),
        "given_family": (_family_of(names.given) or None) if names.given else None,
        "birth_from_age": from_age or unanchored is not None,
        "sex": sex or None,
        "birth_lo": birth_lo,
        "birth_hi": birth_hi,
        "event_lo": event.lo.toordinal() if event else None,
        "event_hi": event.hi.toordinal() if event else None,
        "event_place": (_place_key(_text(row, "event_place")) or None),
        "residence": (_place_key(_text(row, "residence")) or None),
        "event_types": event_types or None,
        "_age": unanchored,
    }


def _anchor_ages(table: pd.DataFrame, records: pd.DataFrame, problems: list[Problem]) -> None:
    """Birth years for ages given without a date, from the span of their own
    list's event dates (the middle 90%): a list compiled about events of
    2017-2019 gives ages of about then. Wider than an age on a known date, but
    evidence all the same; sparse records, which most need it, often lack the
    date. An age in a list with no dates at all is reported and not used."""
    ages = table["_age"]
    for name, rows in table[ages.notna()].groupby(records["list"].astype(str)):
        dated = table.loc[records["list"].astype(str) == name]
        lo = pd.to_numeric(dated["event_lo"], errors="coerce").dropna()
        hi = pd.to_numeric(dated["event_hi"], errors="coerce").dropna()
        if lo.empty:
            problems.extend(
                Problem(
                    name,
                    str(records.at[index, "record_id"]),
                    "age",
                    "age without an event date or list reference_date; not used",
                )
                for index in rows.index
            )
            continue
        first = date.fromordinal(int(lo.quantile(0.05))).year
        last = date.fromordinal(int(hi.quantile(0.95))).year
        for index, (age_lo, age_hi) in rows["_age"].items():
            table.at[index, "birth_lo"] = first - age_hi - 1
            table.at[index, "birth_hi"] = last - age_lo


def build_features(records: pd.DataFrame) -> Features:
    """Features for every record; ``records`` needs ``record_id`` and ``list``."""
    missing = {"record_id", "list"} - set(records.columns)
    if missing:
        raise LinkageError(
            f"Records lack the column(s) {', '.join(sorted(missing))}.",
            hint="Every record needs a record_id and the list it comes from.",
        )
    if records.duplicated(["list", "record_id"]).any():
        raise LinkageError(
            "Two records of one list share a record_id.",
            hint="Give every record of a list its own record_id.",
        )
    problems: list[Problem] = []
    # Plain dicts: a pandas row per record cost more than reading the names.
    rows = [_feature_row(row, problems) for row in records.to_dict("records")]
    table = pd.DataFrame(rows, index=records.index)
    _anchor_ages(table, records, problems)
    table = table.drop(columns="_age")
    table.insert(0, "record_id", records["record_id"].astype(str).to_numpy())
    table.insert(0, "list", records["list"].astype(str).to_numpy())
    table.insert(0, "unique_id", range(len(table)))
    # Blocking keys: a typo rarely hits both ends of a surname.
    table["surname_head"] = table["surname_fold"].str[:3]
    table["surname_tail"] = table["surname_fold"].str[-4:]
    table["given_initial"] = table["given_fold"].str[:1]
    # and its letters, sorted, survive a transposition (Altemirov, Atlemirov).
    for column in ("surname_key", "given_key"):
        table[column.replace("_key", "_letters")] = table[column].map(
            lambda v: "".join(sorted(v)) if isinstance(v, str) else None
        )
    event_month = pd.to_numeric(table["event_lo"], errors="coerce").map(
        lambda d: (
            None
            if pd.isna(d)
            else date.fromordinal(int(d)).year * 12 + date.fromordinal(int(d)).month
        )
    )
    table["event_month"] = event_month.astype("Int64")
    table["event_set"] = table["event_types"].map(
        lambda v: ",".join(sorted(v)) if isinstance(v, list) and v else None
    )
    for column in ("birth_lo", "birth_hi", "event_lo", "event_hi"):
        table[column] = table[column].astype("Int64")
    return Features(table.reset_index(drop=True), tuple(problems))

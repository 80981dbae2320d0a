"""Normalisation of names, dates, ages, places and event types for linkage.

Everything here is pure: text in, comparable keys and parsed values out. The
tables are data files in ``bearwitness/linkage/data/``, each naming its sources.
"""

from bearwitness.linkage.normalise.ages import AgeRange, parse_age
from bearwitness.linkage.normalise.dates import PartialDate, parse_birth, parse_date
from bearwitness.linkage.normalise.events import ACT_TYPES, event_codes
from bearwitness.linkage.normalise.names import (
    NameParts,
    family_of,
    given_key,
    parse_full_name,
    patronymic_fold,
    patronymic_key,
    sex_from_names,
    surname_fold,
    surname_key,
)
from bearwitness.linkage.normalise.places import place_key
from bearwitness.linkage.normalise.script import (
    fold,
    has_cyrillic,
    reading_context,
    systems,
    transliterate,
)

__all__ = [
    "ACT_TYPES",
    "AgeRange",
    "NameParts",
    "PartialDate",
    "event_codes",
    "family_of",
    "fold",
    "given_key",
    "has_cyrillic",
    "parse_age",
    "parse_birth",
    "parse_date",
    "parse_full_name",
    "patronymic_fold",
    "patronymic_key",
    "place_key",
    "reading_context",
    "sex_from_names",
    "surname_fold",
    "surname_key",
    "systems",
    "transliterate",
]

"""BearWitness's own incident form, an XLSForm turned into an XForm by pyxform.

It asks for one event, the people it hit and the acts against each of them (a repeat
inside a repeat), the perpetrators, dates that may be partial (``2018``, ``2018-12``,
``~2018-12``, ``2018-12..2019-02``), the count of victims with its qualifier, and
photos, audio and a file. Choices come from the archive's vocabularies, with their
English and Russian labels, so what a phone sends maps onto codes the archive knows.
The form carries the archive's RSA public key (``base64RsaPublicKey``): ODK Collect
encrypts every submission to it before it leaves the phone.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from pyxform.xls2xform import convert

from bearwitness.domain import vocabulary as v

FORM_ID = "bearwitness_incident"
FORM_VERSION = "2026120101"  # change it with any change of the form below
TITLE = "BearWitness incident"
EN, RU = "label::English (en)", "label::Russian (ru)"
MEDIA_FIELDS = frozenset({"photo", "audio", "document"})  # the fields that name a file
_DATE = r"^~?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?(\.\.[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$"
DATE_CONSTRAINT = f". = '' or regex(., '{_DATE}')"
QUALIFIERS = (
    ("exact", "exactly", "ровно"),
    ("about", "about", "около"),
    ("at_least", "at least", "не менее"),
    ("at_most", "at most", "не более"),
)


@dataclass(frozen=True)
class Form:
    form_id: str
    version: str
    title: str
    xml: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


def _q(kind: str, name: str, en: str, ru: str, **more: str) -> dict[str, str]:
    return {"type": kind, "name": name, EN: en, RU: ru, **more}


def _date(name: str, en: str, ru: str) -> dict[str, str]:
    return _q(
        "text",
        name,
        en,
        ru,
        constraint=DATE_CONSTRAINT,
        **{
            "hint::English (en)": "2018, 2018-12, 2018-12-03, ~2018-12 or 2018-12..2019-02",
            "hint::Russian (ru)": "2018, 2018-12, 2018-12-03, ~2018-12 или 2018-12..2019-02",
            "constraint_message::English (en)": "A date like 2018-12, ~2018 or 2018..2019",
            "constraint_message::Russian (ru)": "Дата вида 2018-12, ~2018 или 2018..2019",
        },
    )


def survey() -> list[dict[str, str]]:
    """The XLSForm's survey sheet, row by row."""
    return [
        _q("begin_group", "event", "The event", "Событие"),
        _q(
            "text",
            "title",
            "What happened, in a few words",
            "Что произошло, кратко",
            required="yes",
        ),
        _q("text", "description", "What happened", "Что произошло", appearance="multiline"),
        _date("date", "When", "Когда"),
        _q("text", "district", "District", "Район"),
        _q("text", "location", "Where exactly", "Где именно"),
        _q(
            "integer",
            "victims_count",
            "How many people were hit",
            "Сколько пострадавших",
            constraint=". >= 0",
        ),
        _q(
            "select_one qualifier",
            "victims_qualifier",
            "That number is",
            "Это число",
            relevant="${victims_count} != ''",
        ),
        {"type": "end_group"},
        _q("begin_repeat", "victims", "A person hit", "Пострадавший"),
        _q("text", "victim_name", "Name (if it is safe to say)", "Имя (если это безопасно)"),
        _q("select_one sex", "victim_sex", "Sex", "Пол"),
        _q("begin_repeat", "acts", "What was done to them", "Что с ним/ней сделали"),
        _q("select_one act_type", "act_type", "Act", "Действие", required="yes"),
        _date("act_date", "When", "Когда"),
        _q("select_one involvement", "involvement", "The perpetrators' part", "Роль исполнителей"),
        _q("select_multiple consequence", "consequences", "Consequences", "Последствия"),
        _q("text", "act_notes", "Details", "Подробности", appearance="multiline"),
        {"type": "end_repeat"},
        {"type": "end_repeat"},
        _q("begin_repeat", "perpetrators", "A perpetrator", "Исполнитель"),
        _q("text", "perpetrator_name", "Name, rank or unit", "Имя, звание или подразделение"),
        _q("text", "perpetrator_notes", "Details", "Подробности"),
        {"type": "end_repeat"},
        _q("begin_repeat", "photos", "A photo", "Фотография"),
        _q("image", "photo", "Photo", "Фото"),
        {"type": "end_repeat"},
        _q("audio", "audio", "Audio recording", "Аудиозапись"),
        _q("file", "document", "A file", "Файл"),
        _q("text", "notes", "Anything else", "Что-то ещё", appearance="multiline"),
    ]


def choices() -> list[dict[str, str]]:
    rows = [{"list_name": "qualifier", "name": code, EN: en, RU: ru} for code, en, ru in QUALIFIERS]
    for list_name, vocabulary in (
        ("sex", v.SEXES),
        ("act_type", v.ACT_TYPES),
        ("involvement", v.INVOLVEMENT),
        ("consequence", v.CONSEQUENCES),
    ):
        rows += [
            {"list_name": list_name, "name": term.code, EN: term.en, RU: term.ru}
            for term in vocabulary.terms
        ]
    return rows


def keyed_version(version: str, generation: int) -> str:
    """A form's version for the archive's ODK key ``generation``: as it is for the first
    key, ``VERSION-kN`` after a rotation, so that phones see a new version and download
    the form, with its new key, again (OpenRosa's formList hash changes with it)."""
    base = re.sub(r"-k\d+$", "", version)
    return base if generation <= 1 else f"{base[:44]}-k{generation}"


def xlsform(public_key: str, generation: int = 1) -> dict[str, Any]:
    """The XLSForm as pyxform's workbook dictionary."""
    return {
        "survey": survey(),
        "choices": choices(),
        "settings": [
            {
                "form_id": FORM_ID,
                "version": keyed_version(FORM_VERSION, generation),
                "form_title": TITLE,
                "public_key": public_key,
                "default_language": "English (en)",
            }
        ],
    }


@functools.lru_cache(maxsize=4)
def incident_form(public_key: str, generation: int = 1) -> Form:
    """The incident form, encrypted to ``public_key`` (base64 DER SubjectPublicKeyInfo),
    the archive's ODK key of ``generation`` (see :func:`keyed_version`)."""
    result = convert(xlsform=xlsform(public_key, generation), form_name="data")
    version = keyed_version(FORM_VERSION, generation)
    return Form(FORM_ID, version, TITLE, result.xform.encode("utf-8"))

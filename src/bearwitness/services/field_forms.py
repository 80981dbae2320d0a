"""The archive's own field forms: XLSForms an admin uploads, with a map of their fields.

An XLSForm (an ``.xlsx`` workbook with ``survey``, ``choices`` and ``settings`` sheets) is
turned into an XForm by pyxform, with the archive's ODK public key put in its settings,
so ODK Collect encrypts what is filled in on it as it does the incident form. The
intake publishes it beside the incident form.

Its **field map** says which of the form's fields fills which record field
(``event.title``, ``victim.full_name``, ``act.act_type``...). It comes from an optional
``bearwitness`` column of the survey sheet, can be changed in the workbench or with
``bearwitness odk form --map``, and is remembered for the form: uploading a new version
keeps the map of every field it still has. At unlock, a submission of the form becomes
an event, a victim per group of victim fields, an act per group of act fields (its
victim: the one in the same group or around it), a perpetrator per group of
perpetrator fields, and a document holding every field the map leaves out, sealed.

The form (its questions, not anything filled in) is kept in the clear in
``ARCHIVE/odk-forms/``, as the intake must serve it; uploading or changing one is logged.

After ``keys rotate`` (which makes a new ODK key pair) every form is re-keyed
(:func:`rekey`): its XForm carries the new public key and a new version (``7-k2``), so
ODK Collect downloads it again; what phones encrypted to the old key still folds.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bearwitness.errors import InputError, NotFound, Phrase
from bearwitness.services import _ledger, odk_forms, odk_keys
from bearwitness.services.archive import Archive

FOLDER = "odk-forms"
FORMAT = "bearwitness-field-form"
MAP_COLUMN = "bearwitness"  # the survey sheet's optional column naming each field's target
MAX_BYTES = 5 * 1024 * 1024
TARGETS = {
    "event.title": "the event's title",
    "event.description": "what happened",
    "event.date": "when (a partial date: 2018, ~2018-12, 2018..2019)",
    "event.district": "the district",
    "event.location": "the place",
    "event.victims": "how many people were hit (3, ~40, >=10)",
    "victim.full_name": "a victim's name (sealed)",
    "victim.sex": "a victim's sex (the archive's codes)",
    "act.act_type": "an act's type (the archive's codes)",
    "act.date": "an act's date",
    "act.involvement": "the perpetrators' part (the archive's codes)",
    "act.consequences": "an act's consequences (codes, separated by spaces)",
    "act.notes": "an act's details (sealed)",
    "perpetrator.full_name": "a perpetrator's name, rank or unit (sealed)",
    "perpetrator.notes": "about a perpetrator (sealed)",
}
MEDIA_TYPES = frozenset({"image", "audio", "video", "file", "background-audio"})
_GROUPS = frozenset({"begin group", "begin_group", "end group", "end_group"})
_REPEATS = frozenset({"begin repeat", "begin_repeat", "end repeat", "end_repeat"})
_FORM_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_COLUMN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # the XLSForm type: text, integer, select_one sex, image...
    label: str
    row: int  # the survey sheet's row


@dataclass(frozen=True)
class FieldForm:
    form_id: str
    version: str
    title: str
    xml: bytes
    fields: tuple[FormField, ...]
    mapping: dict[str, str] = field(default_factory=dict)  # field name -> target

    @property
    def media_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.kind.split(" ")[0] in MEDIA_TYPES)

    def published(self) -> odk_forms.Form:
        return odk_forms.Form(self.form_id, self.version, self.title, self.xml)


def _folder(archive_folder: Path) -> Path:
    return archive_folder / FOLDER


def _column(index: int) -> str:
    return (
        _COLUMN_LETTERS[index]
        if index < 26
        else f"{_COLUMN_LETTERS[index // 26 - 1]}{_COLUMN_LETTERS[index % 26]}"
    )


def _sheets(data: bytes, filename: str) -> dict[str, list[list[Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl's own errors: none is the user's to read
        raise InputError(
            Phrase("%(file)s: this is not an Excel workbook (.xlsx)", file=filename),
            hint=Phrase("Save the XLSForm as .xlsx and upload it again."),
        ) from None
    try:
        return {
            sheet.title.strip().lower(): [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def _cell(row: list[Any], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()


def read_survey(
    data: bytes, filename: str
) -> tuple[list[FormField], dict[str, str], dict[str, str]]:
    """The survey sheet's fields, the map its ``bearwitness`` column gives, and the
    settings sheet's first row; InputError naming the sheet, row and column."""
    sheets = _sheets(data, filename)
    if "survey" not in sheets or not sheets["survey"]:
        raise InputError(
            Phrase("%(file)s: the workbook has no sheet named survey", file=filename),
            hint=Phrase("An XLSForm's questions are on a sheet called survey."),
        )
    header = [str(cell or "").strip().lower() for cell in sheets["survey"][0]]
    where = {name: index for index, name in reversed(list(enumerate(header))) if name}
    for needed in ("type", "name"):
        if needed not in where:
            raise InputError(
                Phrase(
                    "%(file)s: sheet survey, row 1: no column named %(column)s",
                    file=filename,
                    column=needed,
                ),
                hint=Phrase("The survey sheet's first row names its columns: type, name, label..."),
            )
    label = next((i for name, i in where.items() if name.startswith("label")), None)
    fields: list[FormField] = []
    mapping: dict[str, str] = {}
    taken: dict[str, int] = {}
    for number, row in enumerate(sheets["survey"][1:], start=2):
        kind, name = _cell(row, where["type"]), _cell(row, where["name"])
        if not kind or kind.lower() in _GROUPS | _REPEATS:
            continue
        target = _cell(row, where.get(MAP_COLUMN)).lower()
        if target:
            column = _column(where[MAP_COLUMN])
            if target not in TARGETS:
                raise InputError(
                    Phrase(
                        "%(file)s: sheet survey, row %(row)s, column %(column)s (%(name)s): "
                        "%(value)s is no record field",
                        file=filename,
                        row=number,
                        column=column,
                        name=MAP_COLUMN,
                        value=repr(target[:40]),
                    ),
                    hint=Phrase(
                        "Use one of %(targets)s, or leave it empty.", targets=", ".join(TARGETS)
                    ),
                )
            if target.startswith("event.") and target in taken:
                raise InputError(
                    Phrase(
                        "%(file)s: sheet survey, row %(row)s, column %(column)s (%(name)s): "
                        "%(target)s is given already on row %(first)s",
                        file=filename,
                        row=number,
                        column=column,
                        name=MAP_COLUMN,
                        target=target,
                        first=taken[target],
                    ),
                    hint=Phrase("An event field is filled by one question only."),
                )
            taken[target] = number
            mapping[name] = target
        fields.append(FormField(name, kind, _cell(row, label), number))
    settings_rows = sheets.get("settings") or []
    settings: dict[str, str] = {}
    if len(settings_rows) >= 2:
        keys = [str(cell or "").strip().lower() for cell in settings_rows[0]]
        settings = {k: _cell(settings_rows[1], i) for i, k in enumerate(keys) if k}
    return fields, mapping, settings


def convert(archive_folder: Path, data: bytes, filename: str) -> FieldForm:
    """The XLSForm ``data`` as a field form encrypted to the archive's ODK key; nothing is
    kept. InputError naming the sheet, row and column of what is wrong."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert as xls2xform

    if len(data) > MAX_BYTES:
        raise InputError(
            Phrase(
                "%(file)s: an XLSForm may be at most %(mb)s MB",
                file=filename,
                mb=MAX_BYTES // 1048576,
            ),
            hint=Phrase("Leave its media out: upload only the workbook."),
        )
    fields, mapping, settings = read_survey(data, filename)
    public = odk_keys.public_key(archive_folder)
    if public is None:
        raise InputError(
            Phrase("the archive has no ODK key to encrypt the form's submissions to"),
            hint=Phrase("Make it with `bearwitness odk key ARCHIVE` first."),
        )
    stem = Path(filename).stem
    form_id = settings.get("form_id") or re.sub(r"[^A-Za-z0-9_]", "_", stem)[:100] or "form"
    if not _FORM_ID.fullmatch(form_id):
        raise InputError(
            Phrase(
                "%(file)s: sheet settings, column form_id: %(value)s is no form id",
                file=filename,
                value=repr(form_id[:40]),
            ),
            hint=Phrase("A form id is letters, digits and _ . - (starting with a letter or _)."),
        )
    if form_id == odk_forms.FORM_ID:
        raise InputError(
            Phrase(
                "%(file)s: sheet settings, column form_id: %(id)s is BearWitness's own form",
                file=filename,
                id=form_id,
            ),
            hint=Phrase("Give your form another form_id."),
        )
    try:
        keyed = _with_settings(data, {"form_id": form_id, "public_key": public})
        result = xls2xform(xlsform=keyed, form_name="data", file_type=".xlsx")
    except PyXFormError as error:
        raise InputError(
            Phrase(
                "%(file)s: %(problem)s",
                file=filename,
                problem=_pyxform_message(str(error), fields),
            ),
            hint=Phrase("Correct the XLSForm and upload it again."),
        ) from None
    except Exception as error:  # pyxform's parsers raise what they meet: say which, safely
        raise InputError(
            Phrase(
                "%(file)s: pyxform could not read it (%(error)s)",
                file=filename,
                error=type(error).__name__,
            ),
            hint=Phrase("Check that it is an XLSForm (survey, choices, settings sheets)."),
        ) from None
    title = settings.get("form_title") or stem
    version = odk_forms.keyed_version(
        settings.get("version") or hashlib.sha256(data).hexdigest()[:10],
        odk_keys.generation(archive_folder),
    )
    return FieldForm(
        form_id, version[:50], title[:200], result.xform.encode("utf-8"), tuple(fields), mapping
    )


def _with_settings(data: bytes, values: Mapping[str, str]) -> bytes:
    """The workbook with ``values`` in its settings sheet (made if it has none)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = next((s for s in book.worksheets if s.title.strip().lower() == "settings"), None)
    if sheet is None:
        sheet = book.create_sheet("settings")
    header = [str(c.value or "").strip().lower() for c in sheet[1]] if sheet.max_row else []
    for key, value in values.items():
        if key in header:
            column = header.index(key) + 1
        else:
            header.append(key)
            column = len(header)
            sheet.cell(row=1, column=column, value=key)
        sheet.cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pyxform_message(text: str, fields: list[FormField]) -> str:
    """pyxform's message, with its ``[row : 5]`` said as the row of the sheet it names
    (the survey's if none), and the row of an unknown question type found, where
    pyxform names none."""
    text = " ".join(text.split())[:400]
    unknown = re.search(r"Unknown question type '([^']*)'", text)
    if unknown and "[row" not in text:
        row = next((f.row for f in fields if f.kind == unknown.group(1)), None)
        if row is not None:
            return f"sheet survey, row {row}, column type: {text}"
    named = re.search(r"'(survey|choices|settings|external_choices|entities)' sheet", text)
    sheet = named.group(1) if named else "survey"
    return re.sub(r"\[row\s*:\s*(\d+)\]", rf"sheet {sheet}, row \1:", text)


def upload(archive: Archive, data: bytes, filename: str) -> FieldForm:
    """Convert and keep an XLSForm (logged); a field mapped before and still in the form
    keeps its target unless the workbook's ``bearwitness`` column gives another."""
    form = convert(archive.folder, data, filename)
    old = find(archive.folder, form.form_id)
    names = {f.name for f in form.fields}
    kept = {name: t for name, t in (old.mapping if old else {}).items() if name in names}
    form = FieldForm(
        form.form_id, form.version, form.title, form.xml, form.fields, {**kept, **form.mapping}
    )
    _keep(archive, form, "upload")
    return form


def set_mapping(archive: Archive, form_id: str, mapping: Mapping[str, str]) -> FieldForm:
    """Change a form's field map (logged); unknown fields or targets are refused."""
    form = find(archive.folder, form_id)
    if form is None:
        raise NotFound(
            Phrase("no field form %(id)s", id=repr(form_id[:100])), hint=Phrase("Upload it first.")
        )
    names = {f.name for f in form.fields}
    chosen = {}
    for name, target in mapping.items():
        if not target:
            continue
        if name not in names:
            raise InputError(
                Phrase("the form has no field %(name)s", name=repr(name[:60])),
                hint=Phrase("Reload the page."),
            )
        if target not in TARGETS:
            raise InputError(
                Phrase(
                    "field %(name)s: %(value)s is no record field",
                    name=name[:60],
                    value=repr(target[:40]),
                ),
                hint=Phrase("Use one of %(targets)s.", targets=", ".join(TARGETS)),
            )
        chosen[name] = target
    for target in {t for t in chosen.values() if t.startswith("event.")}:
        given = sorted(n for n, t in chosen.items() if t == target)
        if len(given) > 1:
            raise InputError(
                Phrase(
                    "%(target)s is given by two fields (%(fields)s)",
                    target=target,
                    fields=", ".join(given[:2]),
                ),
                hint=Phrase("An event field is filled by one question only."),
            )
    changed = FieldForm(form.form_id, form.version, form.title, form.xml, form.fields, chosen)
    _keep(archive, changed, "map")
    return changed


_KEY_ATTRIBUTE = re.compile(r'base64RsaPublicKey="([^"]*)"')


def rekey(archive: Archive) -> list[str]:
    """Every form re-published with the archive's current ODK key (after a rotation) and
    a new version for it; logged for each. The ids of the forms changed.

    The XForm pyxform made is edited (the key attribute, the version on the instance's
    root): the workbook is not kept, and serialising the XForm anew could rename its
    namespace prefixes, which its XPath expressions name.
    """
    public = odk_keys.public_key(archive.folder)
    if public is None:
        return []
    generation = odk_keys.generation(archive.folder)
    changed = []
    for form in every(archive.folder):
        text = form.xml.decode("utf-8")
        found = _KEY_ATTRIBUTE.search(text)
        if found is None or found.group(1) == public:
            continue
        version = odk_forms.keyed_version(form.version, generation)[:50]
        text = text[: found.start(1)] + public + text[found.end(1) :]
        root = re.compile(
            rf'(<[A-Za-z_][\w.:-]*\s[^<>]*\bid="{re.escape(form.form_id)}"'
            rf'[^<>]*\bversion=")[^"]*(")'
        )
        at = root.search(text)
        if at is None:  # pyxform always writes one; if not, the form keeps its old key,
            continue  # which still opens: the rotation is not undone for it
        text = text[: at.end(1)] + html.escape(version) + text[at.start(2) :]
        rekeyed = FieldForm(
            form.form_id, version, form.title, text.encode("utf-8"), form.fields, form.mapping
        )
        _keep(archive, rekeyed, "rekey")
        changed.append(form.form_id)
    return changed


def _keep(archive: Archive, form: FieldForm, action: str) -> None:
    folder = _folder(archive.folder)
    folder.mkdir(exist_ok=True, mode=0o700)
    text = json.dumps(
        {
            "format": FORMAT,
            "version": 1,
            "form_id": form.form_id,
            "form_version": form.version,
            "title": form.title,
            "xform": form.xml.decode("utf-8"),
            "fields": [[f.name, f.kind, f.label, f.row] for f in form.fields],
            "mapping": form.mapping,
        },
        ensure_ascii=False,
        indent=1,
    )
    target = folder / f"{form.form_id}.json"
    temporary = folder / f".{form.form_id}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(target)
    digest = hashlib.sha256(text.encode()).hexdigest()
    _ledger.record_event(
        archive, "field-form", {"action": action, "form": form.form_id, "sha256": digest}
    )


def _load(path: Path) -> FieldForm | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return FieldForm(
            str(data["form_id"]),
            str(data["form_version"]),
            str(data["title"]),
            str(data["xform"]).encode("utf-8"),
            tuple(FormField(str(n), str(k), str(lb), int(r)) for n, k, lb, r in data["fields"]),
            {str(k): str(v) for k, v in data["mapping"].items() if v in TARGETS},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged form is not published; the others still are


def find(archive_folder: Path, form_id: str) -> FieldForm | None:
    if not _FORM_ID.fullmatch(form_id):
        return None
    path = _folder(archive_folder) / f"{form_id}.json"
    return _load(path) if path.is_file() else None


def every(archive_folder: Path) -> list[FieldForm]:
    """The archive's own field forms, by form id."""
    folder = _folder(archive_folder)
    if not folder.is_dir():
        return []
    found = (_load(path) for path in sorted(folder.glob("*.json")))
    return [form for form in found if form is not None]

"""The whole workbench in Russian: every page a GET route gives, on the FICTIONAL demo
archive, unlocked, for a user holding every role, read in Russian; English text that
does not come from the data fails the test (issue 18, deliverable 6)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bearwitness.crypto.kdf import KdfParams
from bearwitness.demo.generate import generate
from bearwitness.domain.records import RECORD_TYPES
from bearwitness.services import editing, inbox, triage, users
from bearwitness.services.demo import DEMO_PASSPHRASE, build_demo
from bearwitness.services.intake_web import Submission, submit_sealed
from bearwitness.web.routes import routes_of
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.state import WorkbenchSettings
from tests.web.conftest import BASE, PASSWORD, ROLES, cheap_hasher, csrf_of, fresh_code

# A value for each path parameter, from the demo archive.
PATH_VALUES = {
    "kind": "event",
    "record_id": "E-0001",
    "username": "chief",
    "change": "roles",
    "run_id": "ES-0001",
    "chart": "intervals",
    "search_id": "SS-0001",
    "device": "phone-1",
    "form_id": "village_survey",
    "person_id": "P-0001",
    "document_id": "D-0001",
    "case_id": "I-0001",
}
TOLD = ("FICTIONAL account", "ru", "FICTIONAL day", "FICTIONAL town")  # text, language, when, where
FIRST = {
    "event": "E-0001",
    "act": "A-0001",
    "person": "P-0001",
    "document": "D-0001",
    "source": "S-0001",
    "evidence": "F-0001",
    "claim": "C-0001",
    "intervention": "I-0001",
    "person_record": "R-0001",
}
# Pages that are not pages: files, images, downloads, the API, the type-ahead's JSON.
NOT_PAGES = re.compile(r"^/(api/|static|favicon)|/(file|download|preview|chart|qr)\b|\.svg$")
# English a Russian page may show: names, formats, standards, the language switch.
ALLOWED = {
    "bearwitness",
    "english",
    "fictional",
    "geojson",
    "json",
    "jsonl",
    "csv",
    "xlsx",
    "ods",
    "zip",
    "lines",  # "JSON Lines", a format's name
    "pdf",
    "html",
    "utc",
    "totp",
    "sha",
    "odk",
    "xlsform",
    "openrosa",
    "collect",
    "url",
    "age",
    "rub",
    "kobocollect",
    "tella",
    "phone",
    "survey",
    "choices",
    "settings",
    "seed",
    "qr",
    "lcmcr",
    "dga",
    "argon2id",
    "id",
    "chief",
}
SKIPPED_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "textarea"}
# Elements without an end tag (in HTML, or as the pages write them in SVG).
EMPTY = {"meta", "link", "input", "br", "img", "hr", "path", "rect", "circle", "line"}
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class _Text(HTMLParser):
    """What a person reads on a page: its text and the attributes a reader announces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []
        self._languages: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in SKIPPED_TAGS:
            self._skipping.append(tag)
        if tag not in EMPTY:
            self._languages.append(str(found.get("lang") or ""))
        if self._skipping or "en" in self._languages:
            return
        for name in SHOWN_ATTRIBUTES:
            if found.get(name):
                self.parts.append(str(found[name]))
        if tag == "input" and found.get("type") in {"submit", "button"} and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
        if tag not in EMPTY and self._languages:
            self._languages.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and "en" not in self._languages and data.strip():
            self.parts.append(data)


def _data_values() -> list[str]:
    """Every free-text value the demo data holds: shown as data, not as interface text.
    Vocabulary codes are left out: a page shows their labels, which must be Russian."""
    rows, _ = generate()
    found: set[str] = set()
    for row in rows:
        fields = {f.name: f for f in dataclasses.fields(RECORD_TYPES[row["type"]])}
        for name, value in row.items():
            coded = name in fields and fields[name].metadata.get("vocabulary") is not None
            if name in ("type", "id") or coded or not isinstance(value, str) or len(value) < 3:
                continue
            found.add(value)
            found.update(part for part in value.split(";") if len(part) >= 3)
    found.update(TOLD)
    return sorted(found, key=len, reverse=True)


def english_in(html: str, data: list[str]) -> list[str]:
    """The English words on a page once data values, ids and numbers are taken out."""
    reader = _Text()
    reader.feed(html)
    words = []
    for text in reader.parts:
        for value in data:
            if value in text:
                text = re.sub(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])", " ", text)
        # ids (E-0001, ES-0001, U-…, LR-…), hashes, file names, times
        text = re.sub(r"\b[A-Z]{1,3}-[0-9A-Za-z]+\b|\b[0-9a-f]{8,}\b|\S+\.\w{2,5}\b", " ", text)
        words += [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in ALLOWED]
    return words


@pytest.fixture(scope="module")
def russian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("russian") / "demo"
    archive, _ = build_demo(folder, kdf_params=KdfParams.insecure_for_tests())
    secret = users.add_user(archive, "chief", PASSWORD, list(ROLES), hasher=cheap_hasher())
    # A submission from the intake: the system adds a title and "When:"/"Where:" lines.
    told = Submission(*TOLD, fictional=True)  # type: ignore[arg-type]
    submit_sealed(archive.inbox, archive.recipient, told)
    inbox.fold(archive)
    PATH_VALUES["submission"] = triage.items(archive)[0].id
    archive.close()
    app = create_workbench_app(folder, WorkbenchSettings(), hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        form = client.get("/login?lang=ru")
        client.post(
            "/login",
            data={
                "csrf": csrf_of(form.text),
                "username": "chief",
                "password": PASSWORD,
                "code": fresh_code(client, secret),
            },
        )
        token = csrf_of(client.get("/?lang=ru").text)
        unlocked = client.post(
            "/unlock/passphrase", data={"csrf": token, "passphrase": DEMO_PASSPHRASE}
        )
        assert unlocked.status_code == 200, unlocked.text
        yield client
    app.app.state.keys.archive.close()


def _filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def _pages(client: TestClient) -> list[str]:
    found = []
    for route in routes_of(client.app.app):  # type: ignore[attr-defined]
        if "GET" not in route.methods or NOT_PAGES.search(route.path) or route.path == "/logout":
            continue
        if route.path.startswith("/records/{kind}"):  # every kind's list and first record
            for kind, first in FIRST.items():
                values = {**PATH_VALUES, "kind": kind, "record_id": first}
                found.append(_filled(route.path, values))
            continue
        values = dict(PATH_VALUES)
        if route.path.startswith("/inbox/"):
            values["record_id"] = PATH_VALUES["submission"]
        elif route.path.startswith("/cases/"):
            values["record_id"] = "I-0001"
        elif route.path.startswith("/people/"):
            values["record_id"] = "P-0001"
        found.append(_filled(route.path, values))
    found.append(f"/records/document/{PATH_VALUES['submission']}")
    return found


def _english_pages(client: TestClient) -> tuple[int, dict[str, list[str]]]:
    data = _data_values()
    pages = _pages(client)
    assert len(pages) >= 25
    read, english = 0, {}
    for path in pages:
        answer = client.get(path)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        read += 1
        words = english_in(answer.text, data)
        if words:
            english[path] = sorted(set(words))[:40]
    return read, english


def test_every_workbench_page_reads_in_russian(russian: TestClient) -> None:
    read, english = _english_pages(russian)
    assert read >= 25
    assert not english, "English on Russian pages:\n" + "\n".join(
        f"{path}: {' '.join(words)}" for path, words in english.items()
    )


def test_the_check_finds_english(russian: Any) -> None:
    page = '<p lang="ru">Записи</p><p>Records <span lang="en">English</span></p>'
    assert english_in(page, []) == ["Records"]
    assert (
        english_in("<p>FICTIONAL: detention in Shali</p>", ["FICTIONAL: detention in Shali"]) == []
    )


def test_the_demo_ships_a_fictional_district_map(tmp_path: Path) -> None:
    from bearwitness.services.boundaries import district_map

    archive, _ = build_demo(tmp_path / "demo", kdf_params=KdfParams.insecure_for_tests())
    archive.close()
    drawn = district_map(tmp_path / "demo")
    assert drawn is not None and drawn.fictional
    assert {s.name for s in drawn.shapes} >= {"Argun", "Grozny", "Shali"}


def test_what_the_intake_adds_is_shown_in_russian_and_stored_as_triage_reads_it(
    russian: TestClient,
) -> None:
    from bearwitness.web import labels

    text = "FICTIONAL account\n\nWhen: 2019-01\n\nWhere: FICTIONAL town"
    assert labels.added(text, "ru") == "FICTIONAL account\n\nКогда: 2019-01\n\nГде: FICTIONAL town"
    assert labels.added(text, "en") == text
    assert labels.added("Anonymous submission", "ru") == "Анонимное сообщение"
    page = russian.get(f"/inbox/{PATH_VALUES['submission']}").text
    assert "Когда: FICTIONAL day" in page and "Где: FICTIONAL town" in page
    # Stored in English: the incident form still takes "Where:" back as the place.
    form = russian.get(f"/inbox/{PATH_VALUES['submission']}/incident").text
    assert 'value="FICTIONAL town"' in form


def test_every_code_a_page_shows_has_its_label() -> None:
    from bearwitness.domain.vocabulary import STRATA
    from bearwitness.services import audit
    from bearwitness.services.estimates import METHODS
    from bearwitness.web import labels

    assert set(labels.ROLES) == set(users.ROLES)
    assert set(labels.ACTIONS) == set(audit.ACTIONS)
    assert set(labels.METHODS) == set(METHODS)
    assert set(labels.STRATA) == set(STRATA)


# A value each shape of field refuses, typed into every field of that shape at once.
REFUSED = {
    "date": "2019-13",
    "count": "очень много",
    "number": "12x",
    "choice": "nonsense",
    "choices": "nonsense",
    "ref": "Z-1",
    "refs": "Z-1",
}


def _all_specs() -> list[editing.FieldSpec]:
    return [spec for kind in FIRST for spec in editing.form_fields(kind)]


def test_every_refused_field_is_told_why_in_russian(russian: TestClient) -> None:
    """Each record type's form, sent with a value its checks refuse in every field they
    check: each field's problem and hint are Russian; only the values typed, and the codes a
    hint lists to type instead, are not."""
    codes = {code for spec in _all_specs() if spec.vocabulary for code in spec.vocabulary.codes}
    data = sorted({*_data_values(), *REFUSED.values(), *codes}, key=len, reverse=True)
    told = {}
    for kind, first in FIRST.items():
        form = russian.get(f"/records/{kind}/{first}/edit").text
        shown = re.search(r'name="fields" value="([^"]*)"', form)
        assert shown, kind
        names = set(shown.group(1).split(","))
        refused = {
            spec.name: REFUSED[spec.shape]
            for spec in editing.form_fields(kind)
            if spec.name in names and spec.shape in REFUSED
        }
        if not refused:  # clear text only (a person record's list and its number)
            continue
        version = re.search(r'name="version" value="(\d+)"', form)
        assert version, kind
        sent = {"csrf": csrf_of(form), "version": version.group(1), "fields": shown.group(1)}
        answer = russian.post(f"/records/{kind}/{first}/edit", data={**sent, **refused})
        assert answer.status_code == 400, (kind, answer.text[-500:])
        told[kind] = [
            name
            for name in refused  # a picker's problem, or a field's
            if f'id="{name}-error"' not in answer.text
            and f'id="field-{name}-error"' not in answer.text
        ]
        if words := english_in(answer.text, data):
            pytest.fail(f"{kind}: English beside refused fields: {sorted(set(words))}")
    assert len(told) >= 7 and not any(told.values()), f"fields refused with nothing beside: {told}"


# Last: it locks the archive the tests above read unlocked.
def test_every_workbench_page_reads_in_russian_locked(russian: TestClient) -> None:
    locked = russian.post("/lock", data={"csrf": csrf_of(russian.get("/").text)})
    assert locked.status_code == 200 and 'id="lock-state">Заблокирован<' in locked.text
    read, english = _english_pages(russian)
    assert read >= 25
    assert not english, "English on Russian pages, locked:\n" + "\n".join(
        f"{path}: {' '.join(words)}" for path, words in english.items()
    )

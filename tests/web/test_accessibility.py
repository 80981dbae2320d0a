"""WCAG 2.1 AA checks that a machine can make: every main page of both apps, parsed.

Each page is rendered by the real apps and read with the standard library's HTML
parser: the page's language, one ``<h1>`` and no skipped heading levels, a label
for every control, text for every link and button, alt text, unique ids, a
``<main>`` landmark with a skip link, and hints and error messages tied to their
fields. The colours of ``style.css`` are checked for contrast (WCAG 2.1, 1.4.3
and 1.4.11). Keyboard use in a real browser is in ``test_browser.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.responses import HTMLResponse

from bearwitness.services.status import ArchiveSummary
from bearwitness.services.users import User
from bearwitness.web.rendering import STATIC, render
from bearwitness.web.workbench.auth import PERMISSIONS
from bearwitness.web.workbench.jobs import Job
from tests.web.conftest import PASSPHRASE, Team, login

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}
TEXT = "FICTIONAL account: they took my passport at the checkpoint"


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(
            " ".join(c.split()) if isinstance(c, str) else c.text() for c in self.children
        ).strip()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for open_node in [self.current, *self.current.ancestors()]:
            if open_node.tag == tag:
                assert open_node.parent is not None
                self.current = open_node.parent
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def problems(html: str, language: str) -> list[str]:
    """What keeps the page from the checkable parts of WCAG 2.1 AA (empty: nothing)."""
    root = parse(html)
    nodes = list(root.walk())
    found: list[str] = []
    pages = [n for n in nodes if n.tag == "html"]
    if len(pages) != 1 or pages[0].attrs.get("lang") != language:
        found.append(f"<html lang> is not {language!r}")
    headings = [int(n.tag[1]) for n in nodes if re.fullmatch(r"h[1-6]", n.tag)]
    if headings.count(1) != 1:
        found.append(f"{headings.count(1)} <h1> elements")
    for before, after in zip([0, *headings], headings, strict=False):
        if after > before + 1:
            found.append(f"heading level skips from h{before} to h{after}")
    ids = [n.attrs["id"] for n in nodes if "id" in n.attrs]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"id {duplicate!r} is used more than once")
    known = set(ids)
    labelled = {n.attrs.get("for") for n in nodes if n.tag == "label"}
    for node in nodes:
        name = f"<{node.tag} {' '.join(f'{k}={v!r}' for k, v in node.attrs.items())}>"
        control = node.tag in ("select", "textarea") or (
            node.tag == "input" and node.attrs.get("type", "text") not in UNLABELLED_INPUTS
        )
        if control and not (
            node.attrs.get("aria-label", "").strip()
            or node.attrs.get("aria-labelledby")
            or (node.attrs.get("id") and node.attrs["id"] in labelled)
            or any(a.tag == "label" for a in node.ancestors())
        ):
            found.append(f"{name} has no label")
        if node.tag == "img" and "alt" not in node.attrs:
            found.append(f"{name} has no alt text")
        if node.tag in ("a", "button") and not (node.text() or node.attrs.get("aria-label")):
            found.append(f"{name} has no text")
        if (
            node.tag == "input"
            and node.attrs.get("type") in ("submit", "button")
            and not node.attrs.get("value")
        ):
            found.append(f"{name} has no text")
        for reference in ("aria-describedby", "aria-labelledby", "for"):
            for target in node.attrs.get(reference, "").split():
                if target not in known:
                    found.append(f"{name}: {reference} names no element")
    if not any(n.tag == "main" for n in nodes):
        found.append("no <main> landmark")
    skips = [
        n
        for n in nodes
        if n.tag == "a" and n.attrs.get("href", "").startswith("#") and n.attrs["href"][1:] in known
    ]
    if not skips:
        found.append("no skip link")
    described = {target for n in nodes for target in n.attrs.get("aria-describedby", "").split()}
    has_form = any(
        n.tag == "form"
        and any(
            c.tag in ("input", "textarea", "select") and c.attrs.get("type") != "hidden"
            for c in n.walk()
        )
        for n in nodes
    )
    for node in nodes:
        if (
            "hint" in node.classes()
            and any(a.tag == "form" for a in node.ancestors())
            and any(
                c.tag in ("input", "textarea", "select")
                for c in (node.parent.walk() if node.parent else [])
            )
            and node.attrs.get("id") not in described
        ):
            found.append(f"hint {node.text()[:40]!r} is tied to no field (aria-describedby)")
        if (
            has_form
            and "error" in node.classes()
            and node.attrs.get("role") == "alert"
            and node.attrs.get("id") not in described
        ):
            found.append(f"error {node.text()[:40]!r} is tied to no field (aria-describedby)")
    return found


def check(response: httpx.Response | HTMLResponse, language: str = "en") -> None:
    html = response.text if isinstance(response, httpx.Response) else bytes(response.body).decode()
    found = problems(html, language)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert not found, f"{title.group(1) if title else '?'}: {found}"


def test_the_checker_finds_what_it_looks_for() -> None:
    bad = (
        '<html><body><h1>a</h1><h3>b</h3><h1>c</h1><form><p class="hint" id="h">x</p>'
        '<input id="x"><input id="x" aria-describedby="nowhere"><img src="i">'
        '<a href="/"></a><button></button></form></body></html>'
    )
    found = " | ".join(problems(bad, "en"))
    for expected in (
        "<html lang>",
        "2 <h1>",
        "skips from h1 to h3",
        "'x' is used more",
        "has no label",
        "no alt",
        "<a href='/'> has no text",
        "<button > has no text",
        "names no element",
        "no <main>",
        "no skip link",
        "hint 'x' is tied to no field",
    ):
        assert expected in found, expected
    good = (
        '<html lang="ru"><body><a href="#main">skip</a><main id="main"><h1>a</h1><h2>b</h2>'
        '<form><label for="x">x</label><p class="hint" id="h">x</p>'
        '<input id="x" aria-describedby="h"><label>y <input type="checkbox"></label>'
        '<img src="i" alt=""><button aria-label="go"></button></form></main></body></html>'
    )
    assert problems(good, "ru") == []


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_intake_pages_pass(intake: TestClient, language: str) -> None:
    check(intake.get(f"/?lang={language}"), language)
    check(intake.post(f"/submit?lang={language}", data={"text": "  ", "lang": language}), language)
    receipt = intake.post(f"/submit?lang={language}", data={"text": TEXT, "lang": language})
    check(receipt, language)
    code = re.search(r'id="receipt">([A-Z0-9-]+)<', receipt.text)
    assert code
    check(intake.get(f"/replies?lang={language}"), language)
    check(intake.post("/replies", data={"code": code.group(1), "lang": language}), language)
    check(intake.post("/replies", data={"code": "not a code", "lang": language}), language)
    check(intake.get(f"/nowhere?lang={language}"), language)


def pages_of(
    client: TestClient, team: Team, username: str, paths: list[str], language: str
) -> None:
    client.cookies.clear()
    login(client, team, username)
    client.get(f"/?lang={language}")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        check(response, language)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_workbench_pages_pass(workbench: TestClient, team: Team, language: str) -> None:
    check(workbench.get(f"/login?lang={language}"), language)
    check(
        workbench.post(
            "/login",
            data={
                "csrf": re.findall(r'name="csrf" value="([^"]+)"', workbench.get("/login").text)[0],
                "username": "nobody",
                "password": "FICTIONAL wrong",
                "code": "000000",
            },
        ),
        language,
    )
    pages_of(workbench, team, "custodian", ["/", "/unlock"], language)
    token = re.findall(r'name="csrf" value="([^"]+)"', workbench.get("/").text)[0]
    unlocked = workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    check(unlocked, language)
    pages_of(
        workbench,
        team,
        "documenter",
        [
            "/",
            "/records/event",
            "/records/act",
            "/records/person",
            "/records/document",
            "/records/source",
            "/records/event/E-0001",
            "/records/person/P-0001",
            "/records/document/D-0001",
            "/records/act/A-0001/edit",
            "/records/event/E-0001/edit",
            "/incident",
            "/incident?victims=2",
            "/documents/new",
            "/inbox",
            "/search",
            "/search?q=passport",
            "/search?q=nothing-like-this",
            "/import",
            "/export",
        ],
        language,
    )
    token = re.findall(r'name="csrf" value="([^"]+)"', workbench.get("/").text)[0]
    sheet = ("p.csv", b"full_name,role\nFICTIONAL,astronaut\n", "text/csv")
    check(
        workbench.post("/import", data={"csrf": token, "kind": "person"}, files={"file": sheet}),
        language,
    )
    check(workbench.post("/records/document/D-0001/reveal", data={"csrf": token}), language)
    check(workbench.get("/records/document/D-0001"), language)
    check(
        workbench.post("/incident", data={"csrf": token, "victim_rows": "1", "date": "not a date"}),
        language,
    )
    check(workbench.post("/documents/new", data={"csrf": token, "source_id": "S-9999"}), language)
    edit = {"csrf": token, "version": "1", "fields": "date,victims,parent_id,act_type"}
    bad = {"date": "not a date", "victims": "many", "parent_id": "E-9999"}
    check(workbench.post("/records/event/E-0001/edit", data={**edit, **bad}), language)
    check(workbench.post("/records/act/A-0001/edit", data={**edit, "act_type": "x"}), language)
    pages_of(workbench, team, "analyst", ["/linkage", "/estimates", "/log", "/search"], language)
    pages_of(workbench, team, "admin", ["/users", "/log"], language)
    token = re.findall(r'name="csrf" value="([^"]+)"', workbench.get("/").text)[0]
    check(
        workbench.post("/users", data={"csrf": token, "username": "newcomer", "password": "short"}),
        language,
    )
    check(workbench.get("/records/nothing"), language)


# Contrast (WCAG 2.1 1.4.3 text, 1.4.11 focus outlines and field borders).


def stylesheet() -> dict[str, dict[str, str]]:
    """style.css as {selector: {property: value}}, custom properties resolved."""
    css = re.sub(r"/\*.*?\*/", "", (Path(STATIC) / "style.css").read_text(), flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    variables = rules.get(":root", {})
    for declarations in rules.values():
        for key, value in declarations.items():
            declarations[key] = re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value)
    return rules


def colour(value: str) -> tuple[float, float, float]:
    named = {"white": "#fff", "black": "#000"}
    found = re.search(r"#[0-9a-fA-F]{3,6}\b|\b(?:white|black)\b", value)
    assert found, f"no colour in {value!r}"
    code = named.get(found.group(0), found.group(0)).lstrip("#")
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255)


def luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance, WCAG 2.1 (sRGB, the 0.04045 threshold of the sRGB standard)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(colour(first)), luminance(colour(second))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_follows_the_standard() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#767676", "white") == pytest.approx(4.54, abs=0.01)


def prop(rules: dict[str, dict[str, str]], selector: str, *names: str) -> str:
    for name in names:
        if name in rules.get(selector, {}):
            return rules[selector][name]
    raise AssertionError(f"{selector} sets none of {names}")


def test_text_colours_contrast_with_their_backgrounds() -> None:
    rules = stylesheet()
    ink = prop(rules, "body", "color")
    paper = prop(rules, "body", "background", "background-color")
    link = prop(rules, "a", "color")
    header = prop(rules, "header.site", "background", "background-color")
    field_background = prop(rules, "textarea", "background", "background-color")
    pairs = {  # text on background, as the pages put them together
        "body": (ink, paper),
        "links": (link, paper),
        "header and its links": (prop(rules, "header.site a", "color"), header),
        "header text": (prop(rules, "header.site", "color"), header),
        "skip link": (link, prop(rules, ".skip:focus", "background", "background-color")),
        "buttons": (prop(rules, "button", "color"), prop(rules, "button", "background")),
        "secondary buttons": (
            prop(rules, "button", "color"),
            prop(rules, "button.secondary", "background"),
        ),
        "disabled buttons": (
            prop(rules, "button:disabled", "color"),
            prop(rules, "button:disabled", "background"),
        ),
        "danger buttons": (
            prop(rules, "button", "color"),
            prop(rules, "button.danger", "background"),
        ),
        "hints": (prop(rules, ".hint", "color"), paper),
        "footer": (prop(rules, "footer", "color"), paper),
        "sealed": (prop(rules, ".sealed", "color"), paper),
        "form fields": (prop(rules, "textarea", "color"), field_background),
        "locked badge": (
            prop(rules, ".state.locked", "color"),
            prop(rules, ".state.locked", "background"),
        ),
        "unlocked badge": (
            prop(rules, ".state.unlocked", "color"),
            prop(rules, ".state.unlocked", "background"),
        ),
        "table headers": (ink, prop(rules, "th", "background")),
        "differing rows": (ink, prop(rules, "tr.differs td", "background")),
    }
    for box in (".notice", ".error", ".ok"):
        pairs[f"{box} text"] = (ink, prop(rules, box, "background"))
        pairs[f"{box} links"] = (link, prop(rules, box, "background"))
    failing = {
        name: round(contrast(*pair), 2) for name, pair in pairs.items() if contrast(*pair) < 4.5
    }
    assert not failing, f"below 4.5:1: {failing}"


def test_focus_outlines_and_field_borders_contrast_with_what_they_sit_on() -> None:
    rules = stylesheet()
    focus = prop(rules, "a:focus", "outline", "outline-color")
    border = prop(rules, "textarea", "border")
    backgrounds = {
        "page": prop(rules, "body", "background"),
        "header": prop(rules, "header.site", "background"),
        "notice": prop(rules, ".notice", "background"),
        "error": prop(rules, ".error", "background"),
        "ok": prop(rules, ".ok", "background"),
    }
    failing = {
        f"focus on {name}": round(contrast(focus, background), 2)
        for name, background in backgrounds.items()
        if contrast(focus, background) < 3
    }
    if contrast(border, prop(rules, "textarea", "background")) < 3:
        failing["field border"] = round(contrast(border, prop(rules, "textarea", "background")), 2)
    assert not failing, f"below 3:1: {failing}"


def _empty_dashboard(language: str) -> dict[str, Any]:
    """The start page's dashboard for an archive with nothing in it yet."""
    from bearwitness.services.dashboard import Dashboard
    from bearwitness.services.status import DocumentedPeople
    from bearwitness.web.workbench import dashboard as charts

    board = Dashboard(
        months=(),
        act_types=(),
        not_by_month=0,
        months_left_out=0,
        districts=(),
        no_district=0,
        acts=0,
        events=0,
        persons=0,
        people=DocumentedPeople(None),
        open_cases=0,
        inbox_items=0,
        inbox_waiting=28,
        timeline=(),
        events_left_out=0,
        estimate="",
        map=None,
    )
    return {
        "board": board,
        "people": board.people,
        "not_counted": "Not counted yet",
        "months": charts.month_chart(board, language),
        "by_district": charts.district_chart(board),
        "fills": charts.map_fill(board),
        "timeline": charts.timeline_chart(board),
        "map_error": "",
        "kind_names": {},
    }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_inbox_passes_while_it_is_being_written_in(language: str) -> None:
    running = Job("f", "fold", "U-custodian", 0.0, total=40, done=12)
    finished = Job(
        "g",
        "fold",
        "U-custodian",
        0.0,
        total=40,
        done=40,
        finished=True,
        counts={"records": 40, "folded": 40, "failed": 0},
    )
    context: dict[str, Any] = {
        "user": User("documenter", frozenset({"documenter"})),
        "csrf": "x",
        "locked": False,
        "can": {name: True for name in PERMISSIONS},
    }
    for fold in (running, finished):
        check(
            render(
                "workbench/inbox.html",
                language,
                waiting=28,
                submissions=[],
                fold=fold,
                refresh=not fold.finished,
                **context,
            ),
            language,
        )
        check(
            render(
                "workbench/home.html",
                language,
                fold=fold,
                refresh=not fold.finished,
                summary=ArchiveSummary(
                    "archive", False, "age1", ("passphrase",), {"event": 1}, 28, 9
                ),
                **_empty_dashboard(language),
                **context,
            ),
            language,
        )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_triage_and_case_pages_pass(
    intake: TestClient, workbench: TestClient, team: Team, language: str
) -> None:
    from bearwitness.services import reading
    from bearwitness.services.archive import Archive
    from tests.web.conftest import unlock, wait_for_fold

    check(intake.get(f"/follow-up?lang={language}"), language)
    receipt = intake.post(f"/submit?lang={language}", data={"text": TEXT, "lang": language})
    code = re.search(r'id="receipt">([A-Z0-9-]+)<', receipt.text)
    assert code
    sent = {"code": code.group(1), "text": TEXT, "lang": language}
    check(intake.post("/follow-up", data=sent), language)
    check(intake.post("/follow-up", data={**sent, "text": " "}), language)
    unlock(workbench, team)
    login(workbench, team, "documenter")
    wait_for_fold(workbench)
    archive = Archive.open(team.folder)
    try:
        document = reading.list_records(archive, "document", equals={"kind": "submission"})[0].id
    finally:
        archive.close()
    pages_of(
        workbench,
        team,
        "documenter",
        [
            "/inbox",
            f"/inbox/{document}",
            f"/inbox/{document}/incident",
            "/cases",
            "/cases/new",
            "/cases/new?person=P-0001",
            "/people/P-0001/case",
            "/people/P-0001/consents",
        ],
        language,
    )
    token = re.findall(r'name="csrf" value="([^"]+)"', workbench.get("/").text)[0]
    case = {"csrf": token, "kind": "evacuation", "status": "planned", "person_id": "P-0001"}
    check(
        workbench.post("/cases/new", data={**case, "journey": "2019-03 | 43.31, 45.69 | x"}),
        language,
    )
    made = workbench.post("/cases/new", data=case, follow_redirects=False)
    check(workbench.get(made.headers["location"]), language)

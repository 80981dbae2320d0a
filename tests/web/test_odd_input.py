"""Odd input to every form field, query parameter and path parameter: never a 500.

A walker logs in with every role on an unlocked archive that has a link run and an
estimate, follows every link and image it finds from the start page, and reads
each page's forms (their fields and the values the page gives them). Query
parameters come from the routes themselves: those FastAPI declares, and those an
endpoint reads with ``request.query_params.get("name")`` (found in its source).
Each field and parameter is then sent, one at a time, each of the ODD values with
the others left as the page had them. The JSON API gets the same values in every
parameter and body field of its OpenAPI schema (``test_api.py`` fuzzes it with
schemathesis as well).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from bearwitness.services import estimates, linking, users
from bearwitness.services.archive import Archive
from bearwitness.web.workbench.app import create_workbench_app
from tests.web.conftest import (
    BASE,
    ODD,
    PASSPHRASE,
    PASSWORD,
    Team,
    cheap_hasher,
    csrf_of,
    login,
    unlock,
)

WALKER = "walker"
PAGES = 150  # the walk stops here: enough for one page of every kind


def _encoded(value: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate as its (invalid) bytes ED A0 80."""
    return quote_plus(value.encode("utf-8", "surrogatepass"))


def _body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in pairs).encode()


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class Page(HTMLParser):
    """The links, images and forms of one page."""

    def __init__(self, here: str) -> None:
        super().__init__(convert_charrefs=True)
        self.here = here
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attributes}
        if (tag == "a" and "href" in a) or (tag == "img" and "src" in a):
            self.links.append(a.get("href") or a["src"])
        elif tag == "form":
            self.forms.append(Form(a.get("action") or self.here, a.get("method", "get").lower()))
        elif self.forms and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind not in ("submit", "button", "file"):
                self.forms[-1].fields.append((a["name"], a.get("value", "")))
        elif self.forms and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif self.forms and tag == "option" and self._select is not None:
            self.forms[-1].fields.append((self._select, a.get("value", "")))
            self._select = None  # the first option stands for the field
        elif self.forms and tag == "textarea" and a.get("name"):
            self.forms[-1].fields.append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _site_path(link: str) -> str | None:
    parts = urlsplit(link)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or parts.path.startswith("/static/")
    ):
        return None
    return link.split("#")[0]


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", url)  # ids and numbers: E-0001 and E-0002 are one shape


def _walk(client: TestClient) -> tuple[dict[str, Form], set[str]]:
    """Every form (by action and method) and every page reachable from the start page."""
    seen: set[str] = set()
    queue = ["/"]
    forms: dict[str, Form] = {}
    patterns: set[str] = set()
    while queue and len(seen) < PAGES:
        url = queue.pop(0)
        # One page per route and query shape: a list of 60 persons is one page, not 60.
        shape = _shape(url)
        if url in seen or shape in patterns:
            continue
        seen.add(url)
        patterns.add(shape)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if "html" not in response.headers.get("content-type", ""):
            continue
        parsed = Page(urlsplit(url).path)
        parsed.feed(response.text)
        for link in parsed.links:
            path = _site_path(link)
            if path is not None and path not in seen:
                queue.append(path)
        for form in parsed.forms:
            forms.setdefault(f"{form.method} {_shape(form.action)}", form)
    return forms, seen


def _query_names(route: Route) -> set[str]:
    """The query parameters a route reads: declared to FastAPI, or read in its source."""
    names = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
    source = inspect.getsource(route.endpoint)
    names |= set(re.findall(r"query_params\.get\(\s*\"(\w+)\"", source))
    return names


def _routes(client: TestClient) -> list[Route]:
    """The app's GET routes, from inside the routers it includes too."""

    def flat(routes: list[Any]) -> Iterator[Route]:
        for route in routes:
            if isinstance(route, Route):
                yield route
            yield from flat(getattr(getattr(route, "original_router", None), "routes", []))

    return [
        r
        for r in flat(client.app.app.routes)  # type: ignore[attr-defined]
        if "GET" in (r.methods or set())
    ]


def _answers(
    client: TestClient, forms: dict[str, Form], pages: set[str]
) -> Iterator[tuple[str, int]]:
    """Send every odd value to every field, query parameter and path parameter."""
    token = csrf_of(client.get("/").text) if client.cookies else ""
    for form in forms.values():
        for index, (name, _) in enumerate(form.fields):
            if name == "csrf":
                continue
            for value in ODD:
                pairs = list(form.fields)
                pairs[index] = (name, value)
                pairs = [(k, token if k == "csrf" and token else v) for k, v in pairs]
                if form.method == "post":
                    response = client.post(
                        form.action,
                        content=_body(pairs),
                        headers={"content-type": "application/x-www-form-urlencoded"},
                    )
                else:
                    response = client.get(f"{form.action}?{_body(pairs).decode()}")
                yield f"{form.method} {form.action} {name}={value[:12]!r}", response.status_code
    routes = _routes(client)
    for url in sorted(pages):
        path = urlsplit(url).path
        for route in routes:
            match = route.path_regex.match(path)
            if match is None:
                continue
            for name in sorted(_query_names(route)):
                for value in ODD:
                    response = client.get(f"{path}?{_encoded(name)}={_encoded(value)}")
                    yield f"GET {path}?{name}={value[:12]!r}", response.status_code
            for name, start, end in ((n, match.start(n), match.end(n)) for n in match.groupdict()):
                for value in ODD:
                    odd = (
                        path[:start]
                        + quote(value.encode("utf-8", "surrogatepass"), safe="")
                        + path[end:]
                    )
                    response = client.get(odd)
                    yield f"GET {route.path} {name}={value[:12]!r}", response.status_code
            break


@pytest.fixture
def analysed(lists_team: Team) -> Team:
    """The team's archive, linked and estimated by stratum, with an account holding every role."""
    archive = Archive.open(lists_team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    linking.link_archive(archive)
    estimates.estimate_archive(archive, method="loglinear", strata=("sex",), seed=7)
    lists_team.secrets[WALKER] = users.add_user(
        archive, WALKER, PASSWORD, list(users.ROLES), hasher=cheap_hasher()
    )
    archive.close()
    return lists_team


@pytest.mark.slow
def test_no_odd_value_in_any_field_or_parameter_answers_500(analysed: Team) -> None:
    app = create_workbench_app(analysed.folder, hasher=cheap_hasher())
    failures: list[str] = []
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        anonymous = Page("/login")
        anonymous.feed(client.get("/login").text)
        token = csrf_of(client.get("/login").text)
        for form in anonymous.forms:  # the login form, before anyone logs in
            form.fields = [(k, token if k == "csrf" else v) for k, v in form.fields]
        failures += [
            what
            for what, status in _answers(client, {"login": anonymous.forms[0]}, set())
            if status >= 500
        ]
        client.cookies.clear()
        unlock(client, analysed)
        login(client, analysed, WALKER)
        forms, pages = _walk(client)
        assert {"post /estimates/run", "get /search", "post /users"} <= set(forms), forms
        assert any("intervals.svg" in page for page in pages), sorted(pages)
        names = {name for route in _routes(client) for name in _query_names(route)}
        assert {"stratum", "victims", "q", "page", "lang"} <= names, names
        checked = 0
        for what, status in _answers(client, forms, pages):
            checked += 1
            if status >= 500:
                failures.append(f"{what}: {status}")
    app.app.state.keys.archive.close()
    assert checked > 1000
    assert not failures, "\n".join(failures[:40])


def _api_values(value: str) -> list[bytes]:
    """``value`` as JSON text: a string, and where it reads as one, a bare number."""
    text = json.dumps(value)  # a lone surrogate becomes the escape \ud800
    out = [text.encode()]
    if re.fullmatch(r"-?\d+", value):
        out.append(value.encode())
    return out


def test_the_api_answers_odd_values_without_500(analysed: Team) -> None:
    app = create_workbench_app(analysed.folder, hasher=cheap_hasher())
    failures: list[str] = []
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        unlock(client, analysed)
        from tests.web.test_api import token_for

        headers = {"authorization": f"Bearer {token_for(client, analysed, WALKER)}"}
        schema: dict[str, Any] = client.get("/api/openapi.json").json()
        components = schema.get("components", {}).get("schemas", {})
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                params = operation.get("parameters", [])
                filled = {
                    p["name"]: {"kind": "event", "record_id": "E-0001"}.get(p["name"], "1")
                    for p in params
                }
                body_ref = (
                    operation.get("requestBody", {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("$ref", "")
                )
                body_fields = list(
                    components.get(body_ref.rsplit("/", 1)[-1], {}).get("properties", {})
                )
                for value in ODD:
                    for name in [p["name"] for p in params] + body_fields:
                        query = {**filled}
                        url_path = path
                        for p in params:
                            chosen = value if p["name"] == name else query[p["name"]]
                            piece = quote(chosen.encode("utf-8", "surrogatepass"), safe="")
                            if p["in"] == "path":
                                url_path = url_path.replace("{" + p["name"] + "}", piece)
                        query_text = "&".join(
                            f"{_encoded(p['name'])}="
                            f"{_encoded(value if p['name'] == name else query[p['name']])}"
                            for p in params
                            if p["in"] == "query"
                        )
                        url = url_path + (f"?{query_text}" if query_text else "")
                        bodies = [b""]
                        if body_fields:
                            bodies = []
                            for raw in (
                                _api_values(value)
                                if name in body_fields
                                else [json.dumps("x").encode()]
                            ):
                                parts = [
                                    f'"{f}": ' + (raw.decode() if f == name else json.dumps("x"))
                                    for f in body_fields
                                ]
                                bodies.append(("{" + ", ".join(parts) + "}").encode())
                        for body in bodies:
                            response = client.request(
                                method.upper(),
                                url,
                                headers={**headers, "content-type": "application/json"},
                                content=body or None,
                            )
                            if response.status_code >= 500:
                                failures.append(
                                    f"{method.upper()} {path} {name}="
                                    f"{value[:12]!r}: {response.status_code}"
                                )
    app.app.state.keys.archive.close()
    assert not failures, "\n".join(failures[:40])

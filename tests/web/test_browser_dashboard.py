"""In a real browser (Debian's Chromium, Playwright, the real `bearwitness serve`) with
JavaScript off: the start page's dashboard on the FICTIONAL demo archive, in Russian;
an admin's bad boundary file refused with the feature named, a good one drawn.
Screenshots in test-artifacts/web/dashboard-*.png."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services import users
from bearwitness.services.demo import DEMO_PASSPHRASE, build_demo
from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, serving, shot
from tests.web.conftest import PASSWORD

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("dashboard") / "demo"
    archive, _ = build_demo(folder, kdf_params=KdfParams.insecure_for_tests())
    secrets = {
        role: users.add_user(archive, role, PASSWORD, [role])
        for role in ("custodian", "documenter", "admin")
    }
    archive.close()
    with serving(folder) as (workbench, intake):
        yield Servers(workbench, intake, folder, secrets)


def _page(browser: object, servers: Servers, role: str) -> object:
    page = browser.new_context(java_script_enabled=False).new_page()  # type: ignore[attr-defined]
    login(page, servers, role)
    return page


def test_the_dashboard_in_russian_without_javascript(servers: Servers, browser: object) -> None:
    custodian = _page(browser, servers, "custodian")
    custodian.goto(servers.workbench + "/unlock")  # type: ignore[attr-defined]
    custodian.get_by_label("Passphrase").fill(DEMO_PASSPHRASE)  # type: ignore[attr-defined]
    custodian.get_by_role("button", name="Unlock").last.click()  # type: ignore[attr-defined]
    page = _page(browser, servers, "documenter")
    page.goto(servers.workbench + "/?lang=ru")  # type: ignore[attr-defined]
    assert page.locator("h2", has_text="Задокументированные действия по видам").is_visible()  # type: ignore[attr-defined]
    # The menu offers only what applies: the archive is unlocked, so no «Разблокировать».
    assert page.locator("#lock-state").inner_text() == "Разблокирован"  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Разблокировать").count() == 0  # type: ignore[attr-defined]
    # Charts drawn by the server: bars per month, bars and shapes per district, dots.
    assert page.locator("#by-month svg rect").count() > 20  # type: ignore[attr-defined]
    assert page.locator("#by-district svg rect").count() == 6  # type: ignore[attr-defined]
    assert page.locator("#map svg path.district").count() == 6  # type: ignore[attr-defined]
    assert page.locator("#timeline svg circle").count() == 42  # type: ignore[attr-defined]
    assert "FICTIONAL" in page.locator("#map").inner_text()  # type: ignore[attr-defined]
    # Every chart says documented counts are lower bounds (no estimate yet in the demo).
    notes = page.locator(".lower-bound")  # type: ignore[attr-defined]
    assert notes.count() == 4
    assert all("нижняя граница" in notes.nth(n).inner_text() for n in range(4))
    assert "Оценки пока не было" in notes.first.inner_text()
    # The act types' legend and the month labels are Russian.
    legend = page.locator("#by-month ul.legend").inner_text()  # type: ignore[attr-defined]
    assert "произвольное задержание" in legend and "arbitrary" not in legend
    # While unlocked the timeline shows titles (opened in memory); each event is a link.
    first = page.locator("ol.timeline li").first  # type: ignore[attr-defined]
    assert "FICTIONAL" in first.inner_text()
    # The served process guards the keys, and says how in Russian.
    assert "memory locked" not in page.locator("main").inner_text()  # type: ignore[attr-defined]
    shot(page, "dashboard-ru")
    first.get_by_role("link").click()
    assert page.url.endswith("/records/event/E-0001")  # type: ignore[attr-defined]
    page.go_back()  # type: ignore[attr-defined]
    page.locator("#map svg a").first.click()  # type: ignore[attr-defined]
    assert "/records/act?district=" in page.url  # type: ignore[attr-defined]


def test_an_admin_uploads_a_boundary_file(
    servers: Servers, browser: object, tmp_path: Path
) -> None:
    page = _page(browser, servers, "admin")
    page.goto(servers.workbench + "/?lang=ru")  # type: ignore[attr-defined]
    # An admin reads no lists, so no sealed titles on the timeline either; dates are clear.
    timeline = page.locator("#timeline ol").inner_text()  # type: ignore[attr-defined]
    assert "E-0001" in timeline and "FICTIONAL" not in timeline
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": None}],
            }
        )
    )
    page.get_by_label("Файл границ (GeoJSON)").set_input_files(str(bad))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Загрузить карту").click()  # type: ignore[attr-defined]
    error = page.locator("#map .error").inner_text()  # type: ignore[attr-defined]
    assert "объект 1" in error and "не назван район" in error
    shot(page, "dashboard-map-refused-ru")
    assert page.locator("#map svg path.district").count() == 6  # the old map is kept  # type: ignore[attr-defined]
    good = tmp_path / "two.geojson"
    square = [[[45.0, 43.0], [45.2, 43.0], [45.2, 43.2], [45.0, 43.2], [45.0, 43.0]]]
    good.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": name},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                    for name in ("Argun", "Shali")
                ],
            }
        )
    )
    page.get_by_label("Файл границ (GeoJSON)").set_input_files(str(good))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Загрузить карту").click()  # type: ignore[attr-defined]
    assert page.locator("#map svg path.district").count() == 2  # type: ignore[attr-defined]

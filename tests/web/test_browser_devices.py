"""The field devices page in a real browser, in English and Russian: an admin enrols a phone,
and the QR code on the screen, read back by an independent decoder (jsQR), sets ODK
Collect up with the device's own URL. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.services import devices, odk_keys
from tests.web.browsing import (
    ARTIFACTS,
    NEEDS_CHROMIUM,
    Servers,
    chromium,
    login,
    served_archive,
    shot,
)
from tests.web.test_devices_page import HAS_JSQR, JSQR_REASON, decode_qr

pytestmark = [*NEEDS_CHROMIUM, pytest.mark.needs(HAS_JSQR, reason=JSQR_REASON)]
WORDS = {
    "en": ("Field devices", "Device name", "Enrol", "Shown only this once.", "Revoke"),
    "ru": (
        "Полевые устройства",
        "Имя устройства",
        "Подключить",
        "Показывается только один раз.",
        "Отозвать",
    ),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(
        tmp_path_factory, "devices", roles=("admin",), rows=(), prepare=odk_keys.create
    )


def read_screen_qr(png: bytes) -> str:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return decode_qr(image.width, image.height, image.tobytes())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_admin_enrols_a_phone_and_the_screens_qr_sets_up_collect(
    servers: Servers, lang: str, tmp_path: Path
) -> None:
    title, label, button, once, revoke = WORDS[lang]
    with chromium() as browser:
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, servers, "admin")
        page.goto(f"{servers.workbench}/devices?lang={lang}")
        assert page.get_by_role("heading", name=title, exact=True).is_visible()
        page.get_by_label(label).fill(f"phone-{lang}")
        page.locator("#base_url").fill(servers.intake)
        page.get_by_role("button", name=button, exact=True).click()
        assert once in page.locator("#enrolled").inner_text()
        shot(page, f"workbench-devices-enrolled-{lang}")
        url = page.locator("#device-url").inner_text()
        assert url.startswith(f"{servers.intake}/odk/")
        code = read_screen_qr(page.locator("#setup-qr svg").screenshot())
        settings = devices.read_setup_code(code)
        assert settings["general"]["server_url"] == url
        assert json.loads(json.dumps(settings["admin"])) == {}
        # The URL the code holds works: the intake lists the form to it.
        page.goto(f"{url}/formList")
        assert "bearwitness_incident" in page.content()
        page.goto(f"{servers.workbench}/devices")
        assert url not in page.content() and page.locator("#setup-qr").count() == 0
        page.get_by_role("button", name=f"{revoke} phone-{lang}").click()
        shot(page, f"workbench-devices-revoked-{lang}")
        assert not any(d.active for d in devices.read(servers.folder) if d.name == f"phone-{lang}")
    assert (ARTIFACTS / f"workbench-devices-enrolled-{lang}.png").is_file()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_admin_uploads_an_xlsform_and_maps_a_field(
    servers: Servers, lang: str, tmp_path: Path
) -> None:
    from tests.web.test_field_forms import SETTINGS, SURVEY, xlsform

    workbook = tmp_path / "village.xlsx"
    workbook.write_bytes(xlsform(SURVEY, SETTINGS))
    upload, save = {"en": ("XLSForm (.xlsx)", "Upload"), "ru": ("XLSForm (.xlsx)", "Загрузить")}[
        lang
    ]
    with chromium() as browser:
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, servers, "admin")
        page.goto(f"{servers.workbench}/forms?lang={lang}")
        page.get_by_label(upload).set_input_files(str(workbook))
        page.get_by_role("button", name=save, exact=True).click()
        assert page.locator("#form-saved").is_visible()
        page.locator('select[name="map:where"]').select_option("event.location")
        page.locator("#field-map ~ button").click()
        assert page.locator("#form-saved").is_visible()
        shot(page, f"workbench-field-forms-{lang}")
    from bearwitness.services import field_forms

    form = field_forms.find(servers.folder, "village_survey")
    assert form is not None and form.mapping["where"] == "event.location"

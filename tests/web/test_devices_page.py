"""The workbench's field devices page: admins enrol a phone with a QR code that sets up ODK
Collect, see the devices and revoke one; the token is shown once and kept only as a hash."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bearwitness.services import devices
from tests.web.conftest import BASE, Team, login

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
NODE = shutil.which("node")
HAS_JSQR = NODE is not None and (NODE_DIR / "node_modules" / "jsqr").is_dir()
JSQR_REASON = "needs Node.js and jsqr (`make test` runs `npm ci` in tests/node)"


def decode_qr(width: int, height: int, rgba: bytes) -> str:
    """What jsQR, an independent pure-JavaScript decoder, reads in an RGBA image."""
    script = (
        "const jsQR = require('jsqr');"
        "const chunks = []; process.stdin.on('data', c => chunks.push(c));"
        "process.stdin.on('end', () => {"
        f" const found = jsQR(new Uint8ClampedArray(Buffer.concat(chunks)), {width}, {height});"
        " if (!found) { process.exit(3); } process.stdout.write(found.data); });"
    )
    done = subprocess.run(
        [str(NODE), "-e", script],
        input=rgba,
        capture_output=True,
        check=True,
        timeout=60,
        cwd=NODE_DIR,
        env={"NODE_PATH": str(NODE_DIR / "node_modules"), "PATH": "/usr/bin:/bin"},
    )
    return done.stdout.decode("ascii")


def qr_pixels(url: str, scale: int = 4) -> tuple[int, int, bytes]:
    """segno's own drawing of the set-up code, as RGBA pixels (4 modules of quiet zone)."""
    rows = list(devices.setup_qr(url).matrix_iter(scale=scale, border=4))
    pixels = bytearray()
    for row in rows:
        for dark in row:
            pixels += b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff"
    return len(rows[0]), len(rows), bytes(pixels)


def enrol(client: TestClient, token: str, name: str, base_url: str = BASE) -> str:
    answer = client.post("/devices", data={"csrf": token, "name": name, "base_url": base_url})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def test_an_admin_enrols_a_device_and_sees_its_url_and_qr_once(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "admin")
    page = enrol(workbench, token, "phone-7", "https://intake.example.org")
    url = re.search(r'<code id="device-url">([^<]+)</code>', page)
    assert url and url.group(1).startswith("https://intake.example.org/odk/")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="setup-qr"' in page
    secret = url.group(1).rsplit("/", 1)[-1]
    kept = (team.folder / devices.DEVICES_FILE).read_text()
    assert secret not in kept and devices.token_hash(secret) in kept
    again = workbench.get("/devices").text
    assert "phone-7" in again and secret not in again and "<svg" not in again
    assert workbench.get("/devices").headers["cache-control"] == "no-store"


def test_the_set_up_code_is_collects_json_zlib_base64() -> None:
    url = "https://intake.example.org/odk/" + "A" * 43
    settings = devices.read_setup_code(devices.setup_code(url))
    assert settings["general"]["server_url"] == url
    assert settings["general"]["username"] == "" and settings["general"]["password"] == ""
    assert settings["admin"] == {} and settings["project"]["name"] == "BearWitness"


@pytest.mark.needs(HAS_JSQR, reason=JSQR_REASON)
def test_jsqr_reads_the_set_up_code_segno_draws() -> None:
    url = "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion/odk/" + "b" * 43
    read = decode_qr(*qr_pixels(url))
    assert read == devices.setup_code(url)
    assert devices.read_setup_code(read)["general"]["server_url"] == url


def test_a_revoked_device_is_shown_revoked_and_logged(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "admin")
    enrol(workbench, token, "phone-8")
    answer = workbench.post("/devices/phone-8/revoke", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert "revoked" in workbench.get("/devices").text
    assert [d.active for d in devices.read(team.folder)] == [False]
    again = workbench.post("/devices/phone-8/revoke", data={"csrf": token})
    assert again.status_code == 404 and "No enrolled device named phone-8" in again.text


@pytest.mark.parametrize(
    ("name", "base_url", "said"),
    [
        ("Ivan Petrov", BASE, "a device name is 1 to 64 letters"),
        ("phone-9", "ftp://intake.example.org", "the base URL must be"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_enrolled(
    workbench: TestClient, team: Team, name: str, base_url: str, said: str
) -> None:
    token = login(workbench, team, "admin")
    answer = workbench.post("/devices", data={"csrf": token, "name": name, "base_url": base_url})
    assert answer.status_code == 400 and said.lower() in answer.text.replace("&#39;", "'").lower()
    assert devices.read(team.folder) == []


def test_a_name_enrolled_already_is_refused(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "admin")
    enrol(workbench, token, "phone-1")
    answer = workbench.post("/devices", data={"csrf": token, "name": "phone-1", "base_url": BASE})
    assert answer.status_code == 400 and "enrolled already" in answer.text
    assert len(devices.read(team.folder)) == 1


@pytest.mark.parametrize("role", ["documenter", "analyst", "custodian", "auditor"])
def test_only_admins_see_or_change_devices(workbench: TestClient, team: Team, role: str) -> None:
    token = login(workbench, team, role)
    assert workbench.get("/devices").status_code == 403
    answer = workbench.post("/devices", data={"csrf": token, "name": "phone-2", "base_url": BASE})
    assert answer.status_code == 403 and devices.read(team.folder) == []


def test_a_post_without_the_csrf_token_is_refused(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "admin")
    answer = workbench.post("/devices", data={"name": "phone-3", "base_url": BASE})
    assert answer.status_code == 403 and devices.read(team.folder) == []


def test_the_page_is_in_russian(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "admin")
    page = workbench.get("/devices?lang=ru").text
    assert "Полевые устройства" in page and "Подключить устройство" in page


def test_an_admin_uploads_an_xlsform_and_changes_its_map(workbench: TestClient, team: Team) -> None:
    from bearwitness.services import field_forms, odk_keys
    from bearwitness.services.archive import Archive
    from tests.web.conftest import PASSPHRASE
    from tests.web.test_field_forms import SETTINGS, SURVEY, xlsform

    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    odk_keys.create(archive)
    archive.close()
    token = login(workbench, team, "admin")
    sent = {"xlsform": ("village.xlsx", xlsform(SURVEY, SETTINGS), "application/octet-stream")}
    answer = workbench.post("/forms", data={"csrf": token}, files=sent)
    assert answer.status_code == 200 and 'id="form-saved"' in answer.text
    assert 'name="map:what"' in answer.text and "village_survey" in answer.text
    answer = workbench.post(
        "/forms/village_survey/map",
        data={"csrf": token, "map:what": "event.title", "map:where": "event.location"},
    )
    assert answer.status_code == 200, answer.text
    form = field_forms.find(team.folder, "village_survey")
    assert form is not None and form.mapping == {"what": "event.title", "where": "event.location"}
    bad = {"xlsform": ("bad.xlsx", xlsform([*SURVEY[:2], ["txet", "z", "Z", None]]), "x")}
    answer = workbench.post("/forms", data={"csrf": token}, files=bad)
    assert answer.status_code == 400 and "row 3, column type" in answer.text
    plain = {"xlsform": ("notes.xlsx", b"plain words", "x")}
    answer = workbench.post("/forms?lang=ru", data={"csrf": token}, files=plain)
    assert answer.status_code == 400
    assert "это не книга Excel (.xlsx). Сохраните XLSForm в формате .xlsx" in answer.text
    assert "Полевые формы" in workbench.get("/forms?lang=ru").text
    assert workbench.get("/forms/nothing_here").status_code == 404


def test_only_admins_upload_forms(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    assert workbench.get("/forms").status_code == 403
    answer = workbench.post(
        "/forms", data={"csrf": token}, files={"xlsform": ("a.xlsx", b"x", "x")}
    )
    assert answer.status_code == 403

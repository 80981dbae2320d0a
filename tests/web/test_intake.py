"""The anonymous intake: sealed on arrival, no cookies, strict headers, clear refusals."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bearwitness.crypto.files import decrypt_bytes
from bearwitness.crypto.seal import open_with_identity
from bearwitness.services import inbox, reading
from bearwitness.services.archive import Archive
from bearwitness.web.source.app import IntakeSettings, create_intake_app
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    Team,
    csrf_of,
    fresh_code,
    wait_for_fold,
)

TEXT = "FICTIONAL account: they took my passport at the checkpoint"


def receipt_of(html: str) -> str:
    found = re.search(r'id="receipt">([A-Z0-9-]+)<', html)
    assert found, html
    return found.group(1)


def fold_all(team: Team) -> Archive:
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    report = inbox.fold(archive)
    assert report.failed == []
    return archive


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "FICTIONAL camera maker"  # Make
    exif[0x0132] = "2019:01:15 10:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (43.0, 10.0, 5.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_form_in_both_languages_with_no_cookie_and_strict_headers(intake: TestClient) -> None:
    english = intake.get("/")
    russian = intake.get("/?lang=ru")
    assert english.status_code == russian.status_code == 200
    assert "What happened?" in english.text
    assert 'lang="ru"' in russian.text and "Что произошло?" in russian.text
    by_header = intake.get("/", headers={"accept-language": "ru-RU,ru;q=0.9"})
    assert "Что произошло?" in by_header.text
    for response in (english, russian):
        assert "set-cookie" not in response.headers
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text
        assert "http://" not in response.text and "https://" not in response.text


def test_a_submission_is_sealed_on_arrival_and_folded_at_unlock(
    intake: TestClient, team: Team
) -> None:
    response = intake.post(
        "/submit",
        data={"text": TEXT, "when": "2019-01", "place": "Argun", "lang": "en"},
        files=[("files", ("note.txt", b"FICTIONAL note", "text/plain"))],
    )
    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers
    receipt_of(response.text)
    waiting = list((team.folder / "inbox").iterdir())
    assert len(waiting) == 2
    for path in waiting:  # nothing readable in the inbox
        assert b"passport" not in path.read_bytes() and b"FICTIONAL" not in path.read_bytes()
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    manifest = next(p for p in waiting if p.name.endswith(".batch.age"))
    opened = open_with_identity(
        manifest.read_bytes(), archive.require_secrets().identity, what="manifest"
    ).decode()
    for trace in ("testclient", "127.0.0.1", "user-agent", "python-httpx"):
        assert trace not in opened.lower()  # nothing about the sender's connection
    archive.close()
    archive = fold_all(team)
    submissions = reading.list_records(archive, "document", equals={"kind": "submission"})
    assert len(submissions) == 1
    document = reading.get(archive, submissions[0].id, reveal=True)
    assert TEXT in document.fields["text"] and "Where: Argun" in document.fields["text"]
    assert document.fields["fictional"] is True
    files = reading.list_records(archive, "evidence", equals={"document_id": submissions[0].id})
    assert [f.fields["media_type"] for f in files] == ["text/plain"]
    archive.close()


def test_image_metadata_is_stripped_from_a_copy_and_the_original_kept(
    intake: TestClient, team: Team
) -> None:
    original = jpeg_with_gps()
    assert b"FICTIONAL camera maker" in original
    response = intake.post(
        "/submit",
        data={"text": TEXT, "lang": "en"},
        files=[("files", ("IMG_0001.JPG", original, "image/jpeg"))],
    )
    assert response.status_code == 200, response.text
    archive = fold_all(team)
    files = {
        f.id: reading.get(archive, f.id, reveal=True).fields
        for f in reading.list_records(archive, "evidence")
    }
    kept = [f for f in files.values() if f["media_type"] == "image/jpeg"]
    copies = [f for f in files.values() if f["media_type"] == "image/png"]
    assert len(kept) == len(copies) == 1
    assert "FICTIONAL camera maker" in kept[0]["capture_metadata"]
    assert "GPS" in kept[0]["capture_metadata"]
    identity = archive.require_secrets().identity
    opened = decrypt_bytes(
        archive.blobs / f"{kept[0]['id']}.age",
        identity,
        expected_sha256=kept[0]["sha256"],
        what="original",
    )
    assert opened == original
    clean = decrypt_bytes(
        archive.blobs / f"{copies[0]['id']}.age",
        identity,
        expected_sha256=copies[0]["sha256"],
        what="copy",
    )
    assert b"FICTIONAL camera maker" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert not image.getexif() and image.size == (32, 24)
    archive.close()


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        (
            [("files", ("a.exe", b"MZ\x90\x00\x03\x00\x00\x00" * 8, "image/png"))],
            400,
            "not accepted",
        ),
        (
            [("files", ("fake.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg"))],
            400,
            "could not be read",
        ),
        (
            [("files", (f"f{n}.txt", b"FICTIONAL", "text/plain")) for n in range(6)],
            400,
            "at most 5 files",
        ),
    ],
)
def test_bad_files_are_refused_whole_with_a_reason(
    intake: TestClient,
    team: Team,
    files: list[tuple[str, tuple[str, bytes, str]]],
    status: int,
    words: str,
) -> None:
    response = intake.post("/submit", data={"text": TEXT, "lang": "en"}, files=files)
    assert response.status_code == status
    assert words in response.text
    assert "Nothing was sent" in response.text
    if "files" not in words:  # a form with too many parts is not read at all
        assert TEXT in response.text  # what they wrote is given back to them
    assert list((team.folder / "inbox").iterdir()) == []


def test_path_tricks_in_file_names_only_reach_the_sealed_name(
    intake: TestClient, team: Team
) -> None:
    response = intake.post(
        "/submit",
        data={"text": TEXT, "lang": "en"},
        files=[
            ("files", ("../../../../etc/passwd\x00.txt", b"FICTIONAL", "text/plain")),
            ("files", ("..\\..\\windows\\evil.txt", b"FICTIONAL 2", "text/plain")),
        ],
    )
    assert response.status_code == 200, response.text
    assert sorted(p.name.split(".", 1)[1] for p in (team.folder / "inbox").iterdir()) == [
        "1.age",
        "2.age",
        "batch.age",
    ]
    archive = fold_all(team)
    names = sorted(
        reading.get(archive, f.id, reveal=True).fields["filename"]
        for f in reading.list_records(archive, "evidence")
    )
    assert names[0] == "evil.txt" and names[1].startswith("passwd")
    assert not any("/" in name or "\\" in name or ".." in name or "\x00" in name for name in names)
    assert not (team.folder / "etc").exists()
    archive.close()


def test_an_oversized_body_is_refused_before_it_is_read(team: Team) -> None:
    app = create_intake_app(team.folder, IntakeSettings(max_body=64 * 1024))
    with TestClient(app, base_url=BASE) as client:
        big = client.post(
            "/submit?lang=ru",
            data={"text": TEXT},
            files=[("files", ("big.txt", b"x" * 100_000, "text/plain"))],
        )
        assert big.status_code == 413
        assert "Слишком" in big.text or "больше" in big.text
        lying = client.post(
            "/submit",
            content=b"x" * 100_000,
            headers={"content-type": "multipart/form-data; boundary=x", "content-length": "10"},
        )
        assert lying.status_code in (400, 413)
    assert list((team.folder / "inbox").iterdir()) == []


def test_an_empty_or_malformed_form_gets_a_clear_answer(intake: TestClient, team: Team) -> None:
    empty = intake.post("/submit", data={"text": "   ", "lang": "en"})
    assert empty.status_code == 400 and "empty" in empty.text
    long = intake.post("/submit", data={"text": "x" * 100_001, "lang": "ru"})
    assert long.status_code == 400
    assert "Рассказ длиннее 100000 символов. Сократите его" in long.text
    broken = intake.post(
        "/submit",
        content=b"--x\r\nnonsense",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code == 400 and "Nothing was sent" in broken.text
    assert list((team.folder / "inbox").iterdir()) == []


def test_the_intake_rate_limit_answers_429(team: Team) -> None:
    app = create_intake_app(team.folder, IntakeSettings(rate=0.0001, burst=2), clock=lambda: 0.0)
    with TestClient(app, base_url=BASE) as client:
        codes = [client.post("/submit", data={"text": TEXT}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_replies_reach_only_the_holder_of_the_receipt_code(
    intake: TestClient, workbench: TestClient, team: Team
) -> None:
    code = receipt_of(intake.post("/submit", data={"text": TEXT}).text)
    nothing = intake.post("/replies", data={"code": code.lower().replace("-", " ")})
    assert nothing.status_code == 200 and "No replies yet" in nothing.text
    # The team unlocks, reads the submission and replies.
    page = workbench.get("/login")
    for username in ("custodian", "documenter"):
        workbench.cookies.clear()
        page = workbench.get("/login")
        workbench.post(
            "/login",
            data={
                "csrf": csrf_of(page.text),
                "username": username,
                "password": PASSWORD,
                "code": fresh_code(workbench, team.secrets[username]),
            },
        )
        token = csrf_of(workbench.get("/").text)
        if username == "custodian":
            workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
            wait_for_fold(workbench)
    archive = Archive.open(team.folder)
    document_id = reading.list_records(archive, "document", equals={"kind": "submission"})[0].id
    archive.close()
    workbench.post(f"/records/document/{document_id}/reveal", data={"csrf": token})
    answered = workbench.post(
        f"/records/document/{document_id}/reply",
        data={"csrf": token, "text": "FICTIONAL: can you tell us more?"},
    )
    assert answered.status_code == 200 and "sealed for the source" in answered.text
    found = intake.post("/replies", data={"code": code})
    assert "FICTIONAL: can you tell us more?" in found.text
    other = intake.post("/replies", data={"code": "ABCD-EFGH-JKMN-PQRS-TVWX"})
    assert "can you tell us more" not in other.text
    # A mistyped code is answered as a right code with no replies is: codes cannot be probed.
    wrong = intake.post("/replies", data={"code": "not a code"})
    assert wrong.status_code == other.status_code == 200 and wrong.text == other.text
    assert "cannot tell a wrong code from a right one" in wrong.text

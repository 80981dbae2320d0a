"""When the server fails a source (inbox unwritable, database gone, a bug): a clear page in
their language, 503, nothing about the server shown, nothing half-kept, one log line."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services import inbox, intake_web
from bearwitness.services.archive import Archive
from bearwitness.web.source.app import IntakeSettings, create_intake_app
from tests.postgres import fresh_database, server_url
from tests.web.conftest import BASE, Team

TEXT = "FICTIONAL account: they took my passport at the checkpoint"
NOT_STORED = {
    "en": "Your submission could not be stored right now. Nothing was kept. "
    "Please try again later.",
    "ru": "Сейчас ваше сообщение не удалось сохранить. Ничего не сохранено. "
    "Пожалуйста, попробуйте позже.",
}
LOGGER = "bearwitness.web.source.app"


@pytest.fixture
def client(team: Team) -> Iterator[TestClient]:
    app = create_intake_app(team.folder, IntakeSettings(fictional=True, fsync=False))
    with TestClient(app, base_url=BASE) as client:
        yield client
    app.app.state.archive.close()


def send(client: TestClient, lang: str) -> tuple[int, str]:
    response = client.post(
        "/submit",
        data={"text": TEXT, "lang": lang},
        files=[("files", ("note.txt", b"FICTIONAL note", "text/plain"))],
    )
    return response.status_code, response.text


def assert_told_nothing_of_the_server(page: str, *details: str) -> None:
    for detail in ("Traceback", "Errno", "inbox", "archive", "Error", *details):
        assert detail not in page, detail


def assert_one_quiet_log_line(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == count
    for record in records:
        assert record.exc_info is None and "\n" not in record.getMessage()
        assert "FICTIONAL" not in record.getMessage()  # nothing of what the source sent
        assert ".tmp" not in record.getMessage() and ".age" not in record.getMessage()
    return [r.getMessage() for r in records]


def test_an_inbox_that_is_not_a_folder_gets_503_in_both_languages(
    client: TestClient, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = team.folder / "inbox"
    inbox.rmdir()
    inbox.write_bytes(b"")  # root may write into any folder, so not chmod: not a folder at all
    before = sorted(team.folder.iterdir())
    for lang in ("en", "ru"):
        status, page = send(client, lang)
        assert status == 503
        assert NOT_STORED[lang] in page
        assert_told_nothing_of_the_server(page, str(team.folder))
    assert sorted(team.folder.iterdir()) == before and inbox.read_bytes() == b""
    lines = assert_one_quiet_log_line(caplog, 2)
    assert f"NotADirectoryError: Not a directory (in {inbox})" in lines[0]  # what to fix


def test_a_disk_that_fills_while_the_manifest_is_written_leaves_nothing(
    client: TestClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write = inbox._write

    def fill_up(path: Path, data: bytes, fsync: bool) -> None:
        if path.name.endswith(".tmp"):  # the manifest, after the sealed file was written
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write(path, data, fsync)

    monkeypatch.setattr(inbox, "_write", fill_up)
    status, page = send(client, "ru")
    assert status == 503 and NOT_STORED["ru"] in page
    assert list((team.folder / "inbox").iterdir()) == []
    assert "No space left" in assert_one_quiet_log_line(caplog, 1)[0]


def test_an_unexpected_error_gets_the_same_page_and_no_traceback_in_the_log(
    client: TestClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"a bug that quotes the submission: {TEXT}")

    monkeypatch.setattr(intake_web, "submit_sealed", broken)
    status, page = send(client, "en")
    assert status == 503 and NOT_STORED["en"] in page
    assert_told_nothing_of_the_server(page, "RuntimeError", "bug")
    assert "unexpected RuntimeError at " in assert_one_quiet_log_line(caplog, 1)[0]
    assert list((team.folder / "inbox").iterdir()) == []


@pytest.mark.postgres
def test_an_intake_whose_database_was_dropped_says_so_without_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with fresh_database() as url:
        archive, _ = Archive.create(
            tmp_path / "archive",
            passphrase="FICTIONAL passphrase",
            database_url=url,
            kdf_params=KdfParams.insecure_for_tests(),
        )
        archive.close()
        name = psycopg.conninfo.conninfo_to_dict(url.split("?", 1)[1].replace("&", " "))["dbname"]
        app = create_intake_app(tmp_path / "archive", IntakeSettings(fictional=True))
        with TestClient(app, base_url=BASE) as client:
            code = client.post("/submit", data={"text": TEXT}).text.split('id="receipt">')[1][:24]
            with psycopg.connect(server_url(), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            pages = {
                lang: client.post("/replies", data={"code": code, "lang": lang})
                for lang in ("en", "ru")
            }
            # A submission needs no database: it is sealed into the inbox, as when locked.
            assert client.post("/submit", data={"text": TEXT}).status_code == 200
        app.app.state.archive.close()
    assert pages["en"].status_code == pages["ru"].status_code == 503
    assert "Replies cannot be read right now. Please try again later." in pages["en"].text
    assert "Сейчас ответы не удаётся прочитать. Пожалуйста, попробуйте позже." in pages["ru"].text
    for page in pages.values():
        assert_told_nothing_of_the_server(
            page.text, name, "127.0.0.1", "5432", "postgres", "receipt code"
        )
    lines = assert_one_quiet_log_line(caplog, 2)
    assert f'database "{name}"' in lines[0]  # the operator is told which one
    assert len(list((tmp_path / "archive" / "inbox").iterdir())) == 2

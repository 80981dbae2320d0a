"""The workbench's log page: what a verification there checked, and with which key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bearwitness.services import checkpoints
from bearwitness.services.archive import Archive
from bearwitness.tlog.checkpoint import parse_checkpoint
from tests.web.conftest import PASSPHRASE, Team, csrf_of, login


def _sign_a_checkpoint(team: Team) -> str:
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        checkpoints.sign_new_checkpoint(archive)
        return checkpoints.log_verifier(archive).vkey()


def test_the_log_page_names_the_key_it_trusted_and_an_unpublished_checkpoint(
    workbench: TestClient, team: Team
) -> None:
    vkey = _sign_a_checkpoint(team)
    size = parse_checkpoint((team.folder / "log" / "checkpoint").read_bytes()).size
    (team.folder / "log" / "checkpoint").unlink()  # as if signing was killed before publishing
    login(workbench, team, "auditor")
    token = csrf_of(workbench.get("/log").text)
    page = workbench.post("/log/verify", data={"csrf": token}).text
    assert 'class="ok"' in page, page
    assert "the archive's own key, " + vkey in page and "--vkey" in page
    assert f"Checkpoint {size} is kept but was never published" in page
    workbench.get("/?lang=ru")
    russian = workbench.post("/log/verify", data={"csrf": token}).text
    assert "собственным ключом архива, " + vkey in russian
    assert f"Контрольная точка {size} сохранена, но так и не была опубликована" in russian

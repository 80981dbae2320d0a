"""Running web apps follow `keys rotate` done elsewhere: the intake seals what it takes in
afterwards to the new public key (which an old keyring cannot open), and a workbench
unlocked with the retired keys locks rather than write with them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keyring import Keyring
from bearwitness.crypto.seal import open_with_identity
from bearwitness.errors import TamperedError
from bearwitness.services import inbox, rotation
from bearwitness.services.archive import KEYRING, Archive
from tests.web.conftest import PASSPHRASE, Team, login

NEW_PASSPHRASE = "FICTIONAL rotated passphrase words"


def _rotate(team: Team) -> None:
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    rotation.rotate_keys(
        archive, passphrase=NEW_PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    archive.close()


def test_a_workbench_unlocked_before_a_rotation_locks(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "custodian")
    workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert "Unlocked" in workbench.get("/").text
    _rotate(team)
    assert "Locked" in workbench.get("/").text
    done = workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": NEW_PASSPHRASE})
    assert done.status_code == 200 and "Unlocked" in workbench.get("/").text


def test_a_running_intake_seals_to_the_new_key_after_rotation(
    intake: TestClient, team: Team
) -> None:
    old_keyring = (team.folder / KEYRING).read_text()
    _rotate(team)

    response = intake.post("/submit", data={"text": "FICTIONAL after the rotation", "lang": "en"})
    assert response.status_code == 200, response.text
    manifest = next(p for p in (team.folder / "inbox").iterdir() if p.name.endswith(".batch.age"))
    stolen = Keyring.from_json(old_keyring).unlock_with_passphrase(PASSPHRASE)
    with pytest.raises(TamperedError):
        open_with_identity(manifest.read_bytes(), stolen.identities, what="manifest")

    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(NEW_PASSPHRASE)
    assert inbox.fold(archive).folded == 1
    archive.close()

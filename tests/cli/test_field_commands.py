"""`bearwitness devices` and `bearwitness odk key`: exactly as scripts call them, logged."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services import devices, odk_keys
from bearwitness.services.archive import Archive
from bearwitness.services.rotation import rotate_keys
from tests.cli.runner import Cli

PASS = "correct horse battery staple"


def test_init_makes_the_odk_key_sealed_and_devices_are_managed(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    key = json.loads((archive / odk_keys.KEY_FILE).read_text())
    assert key["public_key"] and "PRIVATE" not in key["private_key"]
    # Only an unlock opens its private half.
    with Archive.open(archive) as locked:
        assert locked.locked
    again = cli("odk", "key", archive, ok=False)
    assert again.returncode == 2 and "already" in again.stderr

    added = cli("devices", "add", archive, "phone-1", "--base-url", "https://intake.example.org")
    url = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"https://intake\.example\.org/odk/[A-Za-z0-9_-]{43}", url)
    token = url.rsplit("/", 1)[-1]
    assert token not in (archive / devices.DEVICES_FILE).read_text()
    default = cli("devices", "add", archive, "phone-2").stdout.strip().splitlines()[-1]
    assert default.startswith(devices.DEFAULT_BASE_URL + "/odk/")
    assert cli("devices", "add", archive, "phone-2", ok=False).returncode == 2

    listed = cli("devices", "list", archive).stdout
    assert "phone-1" in listed and "phone-2" in listed and token not in listed
    cli("devices", "revoke", archive, "phone-1")
    assert "revoked" in cli("devices", "list", archive).stdout
    assert cli("devices", "revoke", archive, "phone-9", ok=False).returncode == 4
    assert devices.authenticate(devices.read(archive), token) is None
    # The enrolments and the revocation are logged; the log verifies once signed.
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout


def test_an_older_archive_gets_its_key_by_one_command_and_it_survives_rotation(
    tmp_path: Path, cli: Cli
) -> None:
    folder = tmp_path / "archive"
    archive, _ = Archive.create(folder, passphrase=PASS, kdf_params=KdfParams.insecure_for_tests())
    archive.close()
    assert not (folder / odk_keys.KEY_FILE).exists()
    assert "Made the ODK key" in cli("odk", "key", folder).stdout
    archive = Archive.open(folder)
    archive.unlock_with_passphrase(PASS)
    before = odk_keys.private_key(archive).private_numbers()
    rotate_keys(
        archive,
        kdf_params=KdfParams.insecure_for_tests(),
        passphrase="another long passphrase for rotation",
    )
    # The rotation made a new pair for forms from now on, and kept the old one (which
    # what phones encrypted before still needs), each sealed.
    current, previous = odk_keys.private_keys(archive)
    assert previous.private_numbers() == before
    assert current.private_numbers() != before
    archive.close()


def test_odk_form_publishes_an_xlsform_with_its_map_and_refuses_a_bad_one(
    cli: Cli, tmp_path: Path
) -> None:
    from bearwitness.services import field_forms
    from tests.web.test_field_forms import SETTINGS, SURVEY, xlsform

    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    workbook = tmp_path / "village.xlsx"
    workbook.write_bytes(xlsform(SURVEY, SETTINGS))
    done = cli("odk", "form", archive, workbook, "--map", "where=event.location", "--map", "when=")
    assert "Published village_survey version 7" in done.stdout
    form = field_forms.find(archive, "village_survey")
    assert form is not None and form.mapping["where"] == "event.location"
    assert "when" not in form.mapping
    assert "village_survey" in cli("odk", "forms", archive).stdout
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsform([*SURVEY[:2], ["text", "x", "X", "event.nope"]], SETTINGS))
    refused = cli("odk", "form", archive, bad, ok=False)
    assert refused.returncode == 2 and "row 3, column D" in refused.stderr
    assert cli("odk", "form", archive, workbook, "--map", "nonsense", ok=False).returncode == 2

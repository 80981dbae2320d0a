"""After `keys rotate`, field forms carry the new ODK key (a new version, so phones
download them again), and what phones encrypted to the old key still folds."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
from defusedxml import ElementTree

from bearwitness.crypto import odk
from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import ArchiveError
from bearwitness.services import _ledger, field_forms, inbox, odk_forms, odk_keys
from bearwitness.services.rotation import rotate_keys
from tests.web.test_field_forms import SETTINGS, SURVEY, submission, xlsform
from tests.web.test_openrosa import (
    FORMLIST_NS,
    PASSPHRASE,
    PHOTO,
    Field,
    field,
    incident_xml,
    post,
    records,
    unlocked,
)

__all__ = ["field"]


def _listed(field: Field) -> dict[str, dict[str, str]]:
    root = ElementTree.fromstring(field.client.get(f"{field.url}/formList").content)
    return {
        str(item.findtext(f"{FORMLIST_NS}formID")): {
            child.tag.removeprefix(FORMLIST_NS): str(child.text) for child in item
        }
        for item in root.iter(f"{FORMLIST_NS}xform")
    }


def _incident(public: odk.rsa.RSAPublicKey, version: str) -> tuple[bytes, dict[str, bytes]]:
    instance = f"uuid:{uuid.uuid4()}"
    return odk.seal_submission(
        public,
        form_id=odk_forms.FORM_ID,
        version=version,
        instance_id=instance,
        xml=incident_xml(instance),
        media=[("1561432532482.jpg", PHOTO)],
    )


def _custom(public: odk.rsa.RSAPublicKey, version: str) -> tuple[bytes, dict[str, bytes]]:
    instance = f"uuid:{uuid.uuid4()}"
    return odk.seal_submission(
        public,
        form_id="village_survey",
        version=version,
        instance_id=instance,
        xml=submission(instance),
        media=[("1561432532482.jpg", PHOTO)],
    )


def _rotate(field: Field) -> tuple[str, ...]:
    archive = unlocked(field.folder)
    done = rotate_keys(archive, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests())
    archive.close()
    return done.odk_forms


def _logged(archive: object) -> list[str]:
    with archive.engine.connect() as connection:  # type: ignore[attr-defined]
        return [json.loads(entry)["kind"] for _, entry in _ledger.read_entries(connection)]


def test_a_rotation_rekeys_every_form_and_old_submissions_still_fold(field: Field) -> None:
    archive = unlocked(field.folder)
    field_forms.upload(archive, xlsform(SURVEY, SETTINGS), "village.xlsx")
    archive.close()
    old_key = odk.public_key_base64(field.public)
    before = _listed(field)
    assert before[odk_forms.FORM_ID]["version"] == odk_forms.FORM_VERSION
    assert before["village_survey"]["version"] == "7"
    # A phone fills in both forms before the rotation; it sends one now, one after.
    sent_before = _incident(field.public, odk_forms.FORM_VERSION)
    assert post(field.client, field.url, *sent_before).status_code == 201
    held_on_phone = [_custom(field.public, "7"), _incident(field.public, odk_forms.FORM_VERSION)]

    assert _rotate(field) == ("village_survey",)

    after = _listed(field)
    new_key = odk_keys.public_key(field.folder)
    assert new_key is not None and new_key != old_key
    for form_id, version in (
        (odk_forms.FORM_ID, f"{odk_forms.FORM_VERSION}-k2"),
        ("village_survey", "7-k2"),
    ):
        listed = after[form_id]
        assert listed["version"] == version and listed["hash"] != before[form_id]["hash"]
        download = field.client.get(listed["downloadUrl"]).content
        assert listed["hash"] == "md5:" + odk.hashlib.md5(download).hexdigest()
        assert new_key.encode() in download and old_key.encode() not in download
        root = ElementTree.fromstring(download)
        (instance_root,) = [e for e in root.iter() if e.get("id") == form_id]
        assert instance_root.get("version") == version
    # The field map and the rest of the form are as they were.
    archive = unlocked(field.folder)
    form = field_forms.find(field.folder, "village_survey")
    assert form is not None and form.mapping["what"] == "event.title"
    # What the phone still held (old key) is taken in, and so is a submission to the new key.
    for xml, files in held_on_phone:
        assert post(field.client, field.url, xml, files).status_code == 201
    sent_after = _custom(odk.load_public_base64(new_key), "7-k2")
    assert post(field.client, field.url, *sent_after).status_code == 201
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 4
    assert len(records(archive, "event")) == 4 and len(records(archive, "evidence")) == 4
    # Both keys are in odk-key.json, each private half sealed (age), none in the clear.
    data = json.loads((field.folder / odk_keys.KEY_FILE).read_text())
    assert [data["public_key"], data["previous"][0]["public_key"]] == [new_key, old_key]
    for pair in (data, *data["previous"]):
        assert base64.b64decode(pair["private_key"]).startswith(b"age-encryption.org/v1")
    # The rotation of the key and the re-keying of the form are logged.
    logged = _logged(archive)
    rotated = logged.index("rotate")
    assert "odk_key" in logged[rotated:] and "field-form" in logged[rotated:]
    archive.close()


def test_a_second_rotation_still_opens_the_first_keys_submissions(field: Field) -> None:
    first = _incident(field.public, odk_forms.FORM_VERSION)
    _rotate(field)
    _rotate(field)
    assert _listed(field)[odk_forms.FORM_ID]["version"] == f"{odk_forms.FORM_VERSION}-k3"
    assert post(field.client, field.url, *first).status_code == 201
    archive = unlocked(field.folder)
    assert len(odk_keys.private_keys(archive)) == 3
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 1
    archive.close()


def test_a_form_uploaded_after_a_rotation_gets_the_keyed_version(field: Field) -> None:
    _rotate(field)
    archive = unlocked(field.folder)
    form = field_forms.upload(archive, xlsform(SURVEY, SETTINGS), "village.xlsx")
    assert form.version == "7-k2"
    assert str(odk_keys.public_key(field.folder)).encode() in form.xml
    archive.close()


def test_the_keyed_version() -> None:
    assert odk_forms.keyed_version("7", 1) == "7"
    assert odk_forms.keyed_version("7", 2) == "7-k2"
    assert odk_forms.keyed_version("7-k2", 3) == "7-k3"


def test_a_replaced_key_is_kept_for_what_phones_still_send(field: Field) -> None:
    held = _incident(field.public, odk_forms.FORM_VERSION)
    archive = unlocked(field.folder)
    odk_keys.create(archive, replace=True)
    assert post(field.client, field.url, *held).status_code == 201
    assert len(odk_keys.private_keys(archive)) == 2
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 1
    archive.close()


def test_a_damaged_odk_key_is_said_in_the_readers_language(tmp_path: Path) -> None:
    """The forms page reads the key to publish a form; a damaged one is said in Russian."""
    from bearwitness.web.workbench.common import said

    (tmp_path / odk_keys.KEY_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(ArchiveError) as refused:
        odk_keys.public_key(tmp_path)
    assert refused.value.message == "odk-key.json is malformed"  # the CLI's English
    assert "испорчен. Восстановите odk-key.json из резервной копии" in said("ru", refused.value)

"""The intake's OpenRosa server, driven as ODK Collect drives it, and folded at unlock."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from bearwitness.crypto import odk
from bearwitness.crypto.kdf import KdfParams
from bearwitness.services import devices, inbox, odk_forms, odk_keys, reading
from bearwitness.services.archive import Archive
from bearwitness.web.source.app import IntakeSettings, create_intake_app

PASSPHRASE = "correct horse battery staple"
BASE = "https://testserver"
FORMLIST_NS = "{http://openrosa.org/xforms/xformsList}"
PHOTO = b"\xff\xd8\xff\xe0FICTIONAL photo" + bytes(range(256)) * 4


@dataclass
class Field:
    folder: Path
    client: TestClient
    url: str  # the device's URL path, /odk/TOKEN
    token: str
    public: odk.rsa.RSAPublicKey


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Field]:
    folder = tmp_path / "archive"
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    public = odk_keys.create(archive)
    _, url = devices.add(archive, "phone-1", base_url=BASE)
    archive.close()
    app = create_intake_app(folder, IntakeSettings(fictional=True, fsync=False))
    with TestClient(app, base_url=BASE) as client:
        yield Field(
            folder,
            client,
            url.removeprefix(BASE),
            url.rsplit("/", 1)[-1],
            odk.load_public_base64(public),
        )
    app.app.state.archive.close()


def incident_xml(
    instance_id: str, *, photo: str = "1561432532482.jpg", deprecated: str = ""
) -> bytes:
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated:
        meta += f"<deprecatedID>{deprecated}</deprecatedID>"
    return (
        f'<?xml version="1.0"?><data id="{odk_forms.FORM_ID}" version="{odk_forms.FORM_VERSION}">'
        "<event><title>FICTIONAL raid on a flat</title><description>FICTIONAL: three men "
        "came at night</description><date>~2019-01</date><district>FICTIONAL district</district>"
        "<location>FICTIONAL street</location><victims_count>3</victims_count>"
        "<victims_qualifier>at_least</victims_qualifier></event>"
        "<victims><victim_name>FICTIONAL Ivan</victim_name><victim_sex>male</victim_sex>"
        "<acts><act_type>arbitrary_detention</act_type><act_date>2019-01</act_date>"
        "<involvement>direct</involvement><consequences>released injured</consequences>"
        "<act_notes>FICTIONAL: held two days</act_notes></acts>"
        "<acts><act_type>seizure_of_documents</act_type><act_date/><involvement/>"
        "<consequences/><act_notes/></acts></victims>"
        "<perpetrators><perpetrator_name>FICTIONAL unit 7</perpetrator_name>"
        "<perpetrator_notes/></perpetrators>"
        f"<photos><photo>{photo}</photo></photos><audio/><document/>"
        "<notes>FICTIONAL: a neighbour saw it</notes>"
        f"<meta>{meta}</meta></data>"
    ).encode()


def encrypted(
    public: odk.rsa.RSAPublicKey, instance_id: str, **kw: str
) -> tuple[bytes, dict[str, bytes]]:
    return odk.seal_submission(
        public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=instance_id,
        xml=incident_xml(instance_id, **kw),
        media=[("1561432532482.jpg", PHOTO)],
    )


def post(
    client: TestClient,
    url: str,
    xml: bytes,
    files: dict[str, bytes],
    *,
    incomplete: bool = False,
    **kw: object,
) -> httpx.Response:
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, "application/octet-stream")) for name, data in files.items()]
    return client.post(
        f"{url}/submission",
        files=parts,
        data={"*isIncomplete*": "yes"} if incomplete else None,
        headers={"X-OpenRosa-Version": "1.0"},
        **kw,  # type: ignore[arg-type]
    )


def unlocked(folder: Path) -> Archive:
    archive = Archive.open(folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    return archive


def records(archive: Archive, kind: str) -> list[dict[str, object]]:
    return [
        reading.open_full(archive, view.id).to_dict()
        for view in reading.list_records(archive, kind)
    ]


def test_form_list_download_and_manifest(field: Field) -> None:
    listed = field.client.get(f"{field.url}/formList")
    assert listed.status_code == 200
    assert listed.headers["x-openrosa-version"] == "1.0"
    assert listed.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(listed.content)
    (form,) = root.findall(f"{FORMLIST_NS}xform")
    fields = {child.tag.removeprefix(FORMLIST_NS): child.text for child in form}
    assert {"formID", "name", "version", "hash", "downloadUrl"} <= fields.keys()
    assert fields["formID"] == odk_forms.FORM_ID
    download = field.client.get(str(fields["downloadUrl"]))
    assert download.status_code == 200
    assert fields["hash"] == "md5:" + odk.hashlib.md5(download.content).hexdigest()
    # The form carries the archive's public key, and both languages.
    assert odk.public_key_base64(field.public).encode() in download.content
    assert b"Russian (ru)" in download.content and "Пострадавший".encode() in download.content
    manifest = field.client.get(str(fields["manifestUrl"]))
    assert manifest.status_code == 200 and b"xformsManifest" in manifest.content
    # formID filters
    other = field.client.get(f"{field.url}/formList", params={"formID": "another"})
    assert ElementTree.fromstring(other.content).findall(f"{FORMLIST_NS}xform") == []


def test_collect_flow_head_401_basic_204_then_post_and_fold(field: Field) -> None:
    """HEAD without credentials, 401; HEAD with them, 204; POST, 201; unlock folds it."""
    first = field.client.head("/odk/submission")
    assert first.status_code == 401 and "basic" in first.headers["www-authenticate"].lower()
    assert first.headers["x-openrosa-version"] == "1.0"
    auth = httpx.BasicAuth("phone-1", field.token)
    second = field.client.head("/odk/submission", auth=auth)
    assert second.status_code == 204
    assert int(second.headers["x-openrosa-accept-content-length"]) > 1_000_000
    instance = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, instance)
    answer = post(field.client, "/odk", xml, files, auth=auth)
    assert answer.status_code == 201, answer.text
    assert b"OpenRosaResponse" in answer.content
    # Only ciphertext in the inbox: no plaintext, not the capture-time name.
    stored = b"".join(path.read_bytes() for path in (field.folder / "inbox").iterdir())
    assert b"FICTIONAL" not in stored and b"1561432532482" not in stored
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 1
    (event,) = records(archive, "event")
    assert event["title"] == "FICTIONAL raid on a flat" and str(event["victims"]) == ">=3"
    assert str(event["date"]) == "~2019-01"
    people = records(archive, "person")
    assert sorted(str(p["role"]) for p in people) == ["perpetrator", "victim"]
    acts = records(archive, "act")
    assert sorted(str(a["act_type"]) for a in acts) == [
        "arbitrary_detention",
        "seizure_of_documents",
    ]
    (evidence,) = records(archive, "evidence")
    assert evidence["filename"] == "media-1.jpg" and evidence["size"] == len(PHOTO)
    (document,) = records(archive, "document")
    assert "a neighbour saw it" in str(document["text"])
    assert all(r["fictional"] for r in [event, *people, *acts, evidence, document])
    archive.close()


def test_a_submission_split_over_two_posts_is_merged(field: Field) -> None:
    instance = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, instance)
    photo = {"1561432532482.jpg.enc": files["1561432532482.jpg.enc"]}
    rest = {"submission.xml.enc": files["submission.xml.enc"]}
    assert post(field.client, field.url, xml, photo, incomplete=True).status_code == 201
    assert list((field.folder / "inbox").glob("*.batch.age")) == []  # not yet a batch
    assert post(field.client, field.url, xml, rest).status_code == 201
    assert len(list((field.folder / "inbox").glob("*.batch.age"))) == 1
    archive = unlocked(field.folder)
    assert inbox.fold(archive).failed == []
    assert len(records(archive, "evidence")) == 1
    archive.close()


def test_a_changed_xml_under_the_same_instance_gets_409(field: Field) -> None:
    instance = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, instance)
    assert post(field.client, field.url, xml, files).status_code == 201
    assert post(field.client, field.url, xml, files).status_code == 201  # a retry
    other_xml, other_files = encrypted(field.public, instance)
    answer = post(field.client, field.url, other_xml, other_files)
    assert answer.status_code == 409 and b"OpenRosaResponse" in answer.content
    assert len(list((field.folder / "inbox").glob("*.batch.age"))) == 1


def test_an_edit_becomes_a_new_version(field: Field) -> None:
    first = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, first)
    assert post(field.client, field.url, xml, files).status_code == 201
    archive = unlocked(field.folder)
    assert inbox.fold(archive).failed == []
    edit = f"uuid:{uuid.uuid4()}"
    edited = incident_xml(edit, deprecated=first).replace(b"raid on a flat", b"raid on a house")
    xml, files = odk.seal_submission(
        field.public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=edit,
        xml=edited,
        media=[("1561432532482.jpg", PHOTO)],
    )
    assert post(field.client, field.url, xml, files).status_code == 201
    assert inbox.fold(archive).failed == []
    (event,) = records(archive, "event")
    assert event["title"] == "FICTIONAL raid on a house"
    assert reading.get(archive, str(event["id"])).version == 2
    assert len(records(archive, "act")) == 2  # the same acts, not new ones
    archive.close()


def test_an_unencrypted_submission_is_sealed_with_neutral_media_names(field: Field) -> None:
    instance = f"uuid:{uuid.uuid4()}"
    answer = post(field.client, field.url, incident_xml(instance), {"1561432532482.jpg": PHOTO})
    assert answer.status_code == 201, answer.text
    stored = b"".join(path.read_bytes() for path in (field.folder / "inbox").iterdir())
    assert b"FICTIONAL" not in stored and b"1561432532482" not in stored
    archive = unlocked(field.folder)
    assert inbox.fold(archive).failed == []
    (evidence,) = records(archive, "evidence")
    assert evidence["filename"] == "media-1.jpg"
    archive.close()


def inbox_files(folder: Path) -> list[str]:
    return sorted(path.name for path in (folder / "inbox").iterdir())


@pytest.mark.parametrize("token", ["", "x" * 43, "not a token"])
def test_unknown_tokens_get_401_and_nothing_is_stored(field: Field, token: str) -> None:
    xml, files = encrypted(field.public, f"uuid:{uuid.uuid4()}")
    answer = post(field.client, f"/odk/{token}", xml, files)
    assert answer.status_code in (401, 404)
    assert inbox_files(field.folder) == []


def test_a_revoked_device_gets_401(field: Field) -> None:
    archive = Archive.open(field.folder)
    devices.revoke(archive, "phone-1")
    archive.close()
    xml, files = encrypted(field.public, f"uuid:{uuid.uuid4()}")
    assert post(field.client, field.url, xml, files).status_code == 401
    assert field.client.get(f"{field.url}/formList").status_code == 401
    assert inbox_files(field.folder) == []


def test_basic_is_refused_over_plain_http(field: Field) -> None:
    answer = field.client.head(
        "http://testserver/odk/submission", auth=httpx.BasicAuth("phone-1", field.token)
    )
    assert answer.status_code == 401


def truncated(public: odk.rsa.RSAPublicKey) -> tuple[bytes, dict[str, bytes]]:
    xml, files = encrypted(public, f"uuid:{uuid.uuid4()}")
    files["submission.xml.enc"] = files["submission.xml.enc"][:-5]
    return xml, files


def missing(public: odk.rsa.RSAPublicKey) -> tuple[bytes, dict[str, bytes]]:
    xml, files = encrypted(public, f"uuid:{uuid.uuid4()}")
    del files["1561432532482.jpg.enc"]
    return xml, files


def path_trick(public: odk.rsa.RSAPublicKey) -> tuple[bytes, dict[str, bytes]]:
    xml, files = encrypted(public, f"uuid:{uuid.uuid4()}")
    return xml, {**files, "../../keyring.json": b"x"}


def wrong_namespace(public: odk.rsa.RSAPublicKey) -> tuple[bytes, dict[str, bytes]]:
    xml, files = encrypted(public, f"uuid:{uuid.uuid4()}")
    return xml.replace(b"http://opendatakit.org/submissions", b"http://example.org/other"), files


BAD = {
    "wrong namespace": wrong_namespace,
    "missing media": missing,
    "path tricks": path_trick,
    "malformed XML": lambda public: (b"<data id='x'><meta>", {}),
    "entity attack": lambda public: (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<data id='x' encrypted='yes'>&b;</data>",
        {},
    ),
    "external entity": lambda public: (
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="x">&x;</data>',
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_400_and_nothing_is_stored(field: Field, case: str) -> None:
    xml, files = BAD[case](field.public)
    answer = post(field.client, field.url, xml, files)
    assert answer.status_code == 400, answer.text
    assert b"OpenRosaResponse" in answer.content
    assert answer.headers["x-openrosa-version"] == "1.0"
    assert inbox_files(field.folder) == []


def test_an_oversized_body_gets_413_and_nothing_is_stored(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    public = odk.load_public_base64(odk_keys.create(archive))
    _, url = devices.add(archive, "phone-1", base_url=BASE)
    archive.close()
    app = create_intake_app(folder, IntakeSettings(fsync=False, odk_max_body=64 * 1024))
    with TestClient(app, base_url=BASE) as client:
        xml, files = encrypted(public, f"uuid:{uuid.uuid4()}")
        files["1561432532482.jpg.enc"] = files["1561432532482.jpg.enc"] * 80
        answer = post(client, url.removeprefix(BASE), xml, files)
        assert answer.status_code == 413
        assert answer.headers["x-openrosa-version"] == "1.0"
    app.app.state.archive.close()
    assert sorted(p.name for p in (folder / "inbox").iterdir()) == []


def test_what_fails_at_unlock_stays_in_the_inbox_with_its_reason(field: Field) -> None:
    """A truncated .enc, and a submission made for another archive's key, are taken in
    (the intake cannot tell) and stay in the inbox, stuck, at the unlock."""
    other = odk.new_key_pair().public_key()
    for xml, files in (truncated(field.public), encrypted(other, f"uuid:{uuid.uuid4()}")):
        assert post(field.client, field.url, xml, files).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert report.folded == 0 and len(report.failed) == 2
    reasons = sorted(reason for _, reason in report.failed)
    assert any("does not open with this archive" in reason for reason in reasons), reasons
    assert any("truncated" in reason or "does not decrypt" in reason for reason in reasons)
    assert {item.state for item in inbox.batches(archive)} == {"stuck"}
    assert records(archive, "event") == []
    archive.close()


def test_the_token_is_kept_only_as_a_hash(field: Field) -> None:
    text = (field.folder / devices.DEVICES_FILE).read_text()
    assert field.token not in text
    assert devices.token_hash(field.token) in text
    assert base64.b64encode(field.token.encode()).decode() not in text


def test_a_chunked_body_is_taken_in(field: Field) -> None:
    """HTTP/1.1 chunked: no Content-Length, the body as it comes."""
    instance = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, instance)
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, "application/octet-stream")) for name, data in files.items()]
    request = field.client.build_request("POST", f"{field.url}/submission", files=parts)
    body = request.read()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    answer = field.client.post(
        f"{field.url}/submission",
        content=chunks(),
        headers={"content-type": request.headers["content-type"]},
    )
    assert answer.status_code == 201, answer.text
    assert len(list((field.folder / "inbox").glob("*.batch.age"))) == 1


def test_the_incident_form_is_an_xlsform_with_both_languages_and_nested_repeats() -> None:
    key = odk.public_key_base64(odk.new_key_pair().public_key())
    sheets = odk_forms.xlsform(key)
    assert sheets["settings"][0]["public_key"] == key
    types = [row["type"] for row in sheets["survey"]]
    assert types.count("begin_repeat") == 4  # victims, their acts, perpetrators, photos
    assert {"image", "audio", "file", "integer"} <= set(types)
    labelled = [
        row for row in sheets["survey"] if row["type"].split()[0] not in ("end_group", "end_repeat")
    ]
    assert all(row[odk_forms.EN] and row[odk_forms.RU] for row in labelled)
    root = ElementTree.fromstring(odk_forms.incident_form(key).xml)
    model = next(e for e in root.iter() if e.tag.endswith("}model"))
    submission = next(e for e in model if e.tag.endswith("}submission"))
    assert submission.attrib["base64RsaPublicKey"] == key
    languages = {e.attrib["lang"] for e in root.iter() if e.tag.endswith("}translation")}
    assert languages == {"English (en)", "Russian (ru)"}
    # Choices are the archive's vocabulary codes, so what a phone sends is a valid code.
    from bearwitness.domain import vocabulary

    codes = {row["name"] for row in sheets["choices"] if row["list_name"] == "act_type"}
    assert codes == set(vocabulary.ACT_TYPES.codes)


def test_a_date_outside_the_partial_forms_is_refused_at_unlock(field: Field) -> None:
    instance = f"uuid:{uuid.uuid4()}"
    xml = incident_xml(instance).replace(b"<date>~2019-01</date>", b"<date>last winter</date>")
    manifest, files = odk.seal_submission(
        field.public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=instance,
        xml=xml,
        media=[("1561432532482.jpg", PHOTO)],
    )
    assert post(field.client, field.url, manifest, files).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert report.folded == 0 and len(report.failed) == 1
    assert records(archive, "event") == []
    archive.close()


def test_the_form_list_names_the_public_address_when_given(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    odk_keys.create(archive)
    _, url = devices.add(archive, "phone-1", base_url="https://intake.example.org")
    archive.close()
    settings = IntakeSettings(fsync=False, public_url="https://intake.example.org/")
    app = create_intake_app(folder, settings)
    with TestClient(app, base_url="http://127.0.0.1:8081") as client:
        listed = client.get(f"{url.removeprefix('https://intake.example.org')}/formList")
    app.app.state.archive.close()
    assert f"<downloadUrl>{url}/forms/{odk_forms.FORM_ID}.xml</downloadUrl>".encode() in (
        listed.content
    )


def test_odd_credentials_and_a_damaged_devices_file_are_refused_cleanly(field: Field) -> None:
    odd = base64.b64encode("фёдор:".encode() + field.token.encode()).decode()
    answer = field.client.head("/odk/submission", headers={"Authorization": f"Basic {odd}"})
    assert answer.status_code == 401
    assert (
        field.client.head("/odk/submission", headers={"Authorization": "Basic %%%"}).status_code
        == 401
    )
    (field.folder / devices.DEVICES_FILE).write_text("{not json")
    assert field.client.get(f"{field.url}/formList").status_code == 401


def test_the_real_collect_submission_is_refused_as_made_for_another_key(field: Field) -> None:
    """ODK Central's vector (ODK Collect, a 2048-bit test key): the intake can tell by its
    length that the wrapped key is not for this archive's 3072-bit key, and stores nothing."""
    from tests.crypto.test_odk import VECTOR

    if VECTOR is None:
        pytest.skip("needs ../shared/odk/collect-vector.json")
    data = json.loads(VECTOR.read_text())
    files = {
        "1561432532482.jpg.enc": b"\x00" * 32,
        "submission.xml.enc": base64.b64decode(data["encrypted_file_base64"]),
    }
    answer = post(field.client, field.url, data["manifest_xml"].encode(), files)
    assert answer.status_code == 400 and b"another key" in answer.content
    assert inbox_files(field.folder) == []


def test_every_file_sent_becomes_evidence_even_one_no_field_names(field: Field) -> None:
    instance = f"uuid:{uuid.uuid4()}"
    manifest, files = odk.seal_submission(
        field.public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=instance,
        xml=incident_xml(instance),
        media=[("1561432532482.jpg", PHOTO), ("1561432532999.m4a", b"FICTIONAL audio")],
    )
    assert post(field.client, field.url, manifest, files).status_code == 201
    archive = unlocked(field.folder)
    assert inbox.fold(archive).failed == []
    found = sorted((str(e["filename"]), str(e["media_type"])) for e in records(archive, "evidence"))
    assert found == [("media-1.jpg", "image/jpeg"), ("media-2.m4a", "audio/mp4")]
    archive.close()

"""Field submissions are folded many to a transaction: each is written in once, an edit
folded with its first version changes it, and one that cannot be written stays in the
inbox with its own reason while the others go in."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.crypto import odk
from bearwitness.errors import InputError
from bearwitness.services import inbox, odk_forms, openrosa, reading
from bearwitness.store.schema import folded_submissions
from tests.web.test_openrosa import (
    PHOTO,
    Field,
    encrypted,
    field,
    incident_xml,
    post,
    records,
    unlocked,
)

__all__ = ["field"]  # the fixture, shared with test_openrosa


def _seal(field: Field, instance: str, xml: bytes) -> tuple[bytes, dict[str, bytes]]:
    return odk.seal_submission(
        field.public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=instance,
        xml=xml,
        media=[("1561432532482.jpg", PHOTO)],
    )


def test_many_submissions_are_written_in_one_transaction(field: Field) -> None:
    for _ in range(5):
        xml, files = encrypted(field.public, f"uuid:{uuid.uuid4()}")
        assert post(field.client, field.url, xml, files).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert (report.folded, report.failed) == (5, [])
    assert len(records(archive, "event")) == 5 and len(records(archive, "evidence")) == 5
    with archive.engine.connect() as connection:
        moments = set(
            connection.scalars(
                folded_submissions.select().with_only_columns(folded_submissions.c.folded_at)
            )
        )
    assert len(moments) == 1  # one write: every batch's marks committed together
    assert inbox.batches(archive) == []
    archive.close()


def test_an_edit_folded_with_its_first_version_changes_it(field: Field) -> None:
    first, edit = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    for instance, xml in (
        (first, incident_xml(first)),
        (edit, incident_xml(edit, deprecated=first).replace(b"a flat", b"a house")),
    ):
        manifest, files = _seal(field, instance, xml)
        assert post(field.client, field.url, manifest, files).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert (report.folded, report.failed) == (2, [])
    (event,) = records(archive, "event")
    assert event["title"] == "FICTIONAL raid on a house"
    assert reading.get(archive, str(event["id"])).version == 2
    archive.close()


def test_one_that_cannot_be_written_stays_with_its_reason_and_the_rest_go_in(
    field: Field,
) -> None:
    good = [f"uuid:{uuid.uuid4()}" for _ in range(3)]
    bad = f"uuid:{uuid.uuid4()}"
    for instance in good[:2]:
        assert post(field.client, field.url, *encrypted(field.public, instance)).status_code == 201
    wrong = incident_xml(bad).replace(b"<date>~2019-01</date>", b"<date>last winter</date>")
    assert post(field.client, field.url, *_seal(field, bad, wrong)).status_code == 201
    assert post(field.client, field.url, *encrypted(field.public, good[2])).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert report.folded == 3 and len(report.failed) == 1
    assert "last winter" in report.failed[0][1] or "date" in report.failed[0][1]
    assert len(records(archive, "event")) == 3
    (stuck,) = inbox.batches(archive)
    assert stuck.state == "stuck" and stuck.batch == report.failed[0][0]
    archive.close()


@given(
    st.binary(max_size=200),
    st.dictionaries(
        st.from_regex(r"[a-z0-9]{1,12}\.(jpg|m4a)", fullmatch=True),
        st.binary(max_size=300),
        max_size=4,
    ),
)
def test_a_bundle_gives_back_what_was_packed(xml: bytes, files: dict[str, bytes]) -> None:
    assert openrosa.unpack_bundle(openrosa.pack_bundle(xml, list(files.items()))) == (xml, files)


@pytest.mark.parametrize(
    "bundle",
    [
        b"",
        b"not a bundle",
        openrosa.BUNDLE_MAGIC + b"{}\n",
        openrosa.BUNDLE_MAGIC + b'{"xml": 5, "files": []}\nabc',  # shorter than it says
        openrosa.BUNDLE_MAGIC + b'{"xml": -1, "files": [["a.jpg", 2]]}\nx',
        openrosa.BUNDLE_MAGIC + b'{"xml": 0, "files": [["../a.jpg", 1]]}\nx',
        openrosa.BUNDLE_MAGIC + b'{"xml": 0, "files": [["a.jpg", 0], ["a.jpg", 0]]}\n',
        openrosa.pack_bundle(b"<data/>", [("a.jpg", b"x")]) + b"more",
    ],
)
def test_a_malformed_bundle_is_refused_clearly(bundle: bytes) -> None:
    with pytest.raises(InputError, match="bundle is malformed"):
        openrosa.unpack_bundle(bundle)


def test_a_batch_taken_in_before_bundles_still_folds(field: Field) -> None:
    """Batches of the earlier layout (the XML and each file as entries of their own)."""
    from bearwitness.services.archive import Archive

    instance = f"uuid:{uuid.uuid4()}"
    xml, files = encrypted(field.public, instance)
    with Archive.open(field.folder) as opened:
        recipient = opened.recipient
    entries = [inbox.Entry(1, {"odk": "xml", "encrypted": True}, xml)]
    entries += [
        inbox.Entry(n, {"odk": "file", "name": name}, data)
        for n, (name, data) in enumerate(files.items(), start=2)
    ]
    inbox.write_batch(
        field.folder / "inbox",
        recipient,
        entries,
        source="odk device DV-1",
        actor="U-intake",
        operation="odk",
        fsync=False,
    )
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert (report.folded, report.failed) == (1, [])
    assert len(records(archive, "event")) == 1 and len(records(archive, "evidence")) == 1
    archive.close()

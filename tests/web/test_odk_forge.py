"""Submissions encrypted by node-forge (npm), independently of BearWitness, are taken in
by the intake, decrypted at unlock and written in as records."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from bearwitness.crypto import odk
from bearwitness.services import inbox, odk_forms
from tests.web.test_openrosa import PHOTO, Field, field, incident_xml, post, records, unlocked

__all__ = ["field"]  # the fixture, shared with test_openrosa

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
NODE = shutil.which("node")
pytestmark = pytest.mark.needs(
    NODE is not None and (NODE_DIR / "node_modules" / "node-forge").is_dir(),
    reason="needs Node.js and node-forge (`make test` runs `npm ci` in tests/node)",
)


def forge_encrypt(
    public: odk.rsa.RSAPublicKey, instance_id: str, xml: bytes, media: list[tuple[str, bytes]]
) -> tuple[bytes, dict[str, bytes]]:
    request = {
        "public_key": odk.public_key_base64(public),
        "form_id": odk_forms.FORM_ID,
        "version": odk_forms.FORM_VERSION,
        "instance_id": instance_id,
        "xml": base64.b64encode(xml).decode(),
        "media": [{"name": name, "data": base64.b64encode(data).decode()} for name, data in media],
    }
    done = subprocess.run(
        [str(NODE), str(NODE_DIR / "odk-encrypt.js")],
        input=json.dumps(request).encode(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    answer = json.loads(done.stdout)
    files = {name: base64.b64decode(data) for name, data in answer["files"].items()}
    return answer["manifest"].encode(), files


def test_node_forge_submissions_are_opened_directly() -> None:
    private = odk.new_key_pair()
    xml = incident_xml("uuid:forge-1")
    manifest, files = forge_encrypt(
        private.public_key(), "uuid:forge-1", xml, [("a.jpg", PHOTO), ("b.m4a", b"FICTIONAL")]
    )
    opened = odk.open_submission(private, odk.parse_manifest(manifest), files)
    assert opened.xml == xml
    assert opened.media == {"a.jpg": PHOTO, "b.m4a": b"FICTIONAL"}


def test_node_forge_submissions_are_taken_in_and_written_at_unlock(field: Field) -> None:
    for _ in range(2):
        instance = f"uuid:{uuid.uuid4()}"
        manifest, files = forge_encrypt(
            field.public, instance, incident_xml(instance), [("1561432532482.jpg", PHOTO)]
        )
        assert post(field.client, field.url, manifest, files).status_code == 201
    archive = unlocked(field.folder)
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 2
    assert len(records(archive, "event")) == 2
    assert [e["size"] for e in records(archive, "evidence")] == [len(PHOTO)] * 2
    archive.close()

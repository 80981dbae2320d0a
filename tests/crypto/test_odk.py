"""ODK encryption: a real ODK Collect submission, our own round trips, and bad input."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.crypto import odk
from bearwitness.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
# The vector is third-party test data (ODK Central, Apache-2.0): it is kept beside the
# project, in shared/, not in it.
VECTOR = next(
    (
        path
        for path in (
            ROOT.parent / "shared" / "odk" / "collect-vector.json",
            ROOT.parent.parent / "shared" / "odk" / "collect-vector.json",
        )
        if path.is_file()
    ),
    None,
)
needs_vector = pytest.mark.needs(
    VECTOR is not None, reason="needs ../shared/odk/collect-vector.json (ODK Central's vector)"
)


@pytest.fixture(scope="module")
def private() -> odk.rsa.RSAPrivateKey:
    return odk.new_key_pair()


def vector() -> dict[str, object]:
    assert VECTOR is not None
    data: dict[str, object] = json.loads(VECTOR.read_text())
    return data


@needs_vector
def test_a_real_collect_submission_decrypts_to_its_known_plaintext() -> None:
    data = vector()
    key_pem = str(data["private_key_pem"]).encode()
    manifest = odk.parse_manifest(str(data["manifest_xml"]).encode())
    # Collect's namespace is not the spec's; it is read all the same.
    assert manifest.form_id == "encrypted" and manifest.version == "working3"
    assert manifest.instance_id == data["instance_id"]
    assert manifest.files == ("1561432532482.jpg.enc", "submission.xml.enc")
    key = odk.unwrap_key(odk.load_private(key_pem), manifest.encrypted_key)
    index = int(str(data["encrypted_file_index"]))
    iv = odk.file_ivs(manifest.instance_id, key, len(manifest.files))[index]
    plain = odk.decrypt_file(key, iv, base64.b64decode(str(data["encrypted_file_base64"])))
    assert hashlib.sha256(plain).hexdigest() == data["plaintext_sha256"]
    assert plain.startswith(str(data["plaintext_starts_with"]).encode())
    # The element signature opens with the same key to an MD5 digest (its media file is
    # not in the vector, so the digest itself cannot be recomputed here).
    assert manifest.signature is not None
    assert len(odk.load_private(key_pem).decrypt(manifest.signature, odk._OAEP)) == 16


@needs_vector
def test_the_collect_key_fails_with_mgf1_sha1() -> None:
    """The key wrap is OAEP with MGF1-SHA-256: the SHA-1 reading must not open it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP

    data = vector()
    private = odk.load_private(str(data["private_key_pem"]).encode())
    wrapped = base64.b64decode(str(data["base64_encrypted_key"]))
    with pytest.raises(ValueError):
        private.decrypt(wrapped, OAEP(MGF1(hashes.SHA1()), hashes.SHA256(), None))


@needs_vector
def test_another_archives_key_does_not_open_the_collect_submission(
    private: odk.rsa.RSAPrivateKey,
) -> None:
    manifest = odk.parse_manifest(str(vector()["manifest_xml"]).encode())
    with pytest.raises(InputError, match="does not open"):
        odk.unwrap_key(private, manifest.encrypted_key)


def test_ivs_follow_the_spec() -> None:
    """seed = MD5(instanceID || key); byte i % 16 incremented (wrapping) before file i."""
    key = bytes(range(32))
    seed = bytearray(hashlib.md5(b"uuid:x" + key).digest())
    ivs = odk.file_ivs("uuid:x", key, 18)
    for index, iv in enumerate(ivs):
        seed[index % 16] = (seed[index % 16] + 1) & 0xFF
        assert iv == bytes(seed)


@settings(max_examples=25, deadline=None)
@given(
    xml=st.binary(min_size=0, max_size=300),
    photo=st.binary(min_size=0, max_size=300),
    version=st.sampled_from(["", "2026120101"]),
)
def test_round_trip_with_media(
    private: odk.rsa.RSAPrivateKey, xml: bytes, photo: bytes, version: str
) -> None:
    manifest_xml, files = odk.seal_submission(
        private.public_key(),
        form_id="incident",
        version=version,
        instance_id="uuid:1",
        xml=xml,
        media=[("photo.jpg", photo)],
    )
    manifest = odk.parse_manifest(manifest_xml)
    opened = odk.open_submission(private, manifest, files)
    assert opened.xml == xml and opened.media == {"photo.jpg": photo}


def sealed(private: odk.rsa.RSAPrivateKey) -> tuple[odk.Manifest, dict[str, bytes]]:
    manifest_xml, files = odk.seal_submission(
        private.public_key(),
        form_id="incident",
        version="1",
        instance_id="uuid:2",
        xml=b"<data/>",
        media=[("a.jpg", b"x" * 40), ("b.jpg", b"y" * 40)],
    )
    return odk.parse_manifest(manifest_xml), files


def test_a_truncated_file_is_refused(private: odk.rsa.RSAPrivateKey) -> None:
    manifest, files = sealed(private)
    files["a.jpg.enc"] = files["a.jpg.enc"][:-16]
    with pytest.raises(InputError):
        odk.open_submission(private, manifest, files)
    files["a.jpg.enc"] = files["a.jpg.enc"][:-3]
    with pytest.raises(InputError, match="truncated"):
        odk.open_submission(private, manifest, files)


def test_swapped_files_fail_the_signature(private: odk.rsa.RSAPrivateKey) -> None:
    manifest, files = sealed(private)
    files["a.jpg.enc"], files["b.jpg.enc"] = files["b.jpg.enc"], files["a.jpg.enc"]
    with pytest.raises(InputError):
        odk.open_submission(private, manifest, files)


def test_a_missing_file_is_refused(private: odk.rsa.RSAPrivateKey) -> None:
    manifest, files = sealed(private)
    del files["b.jpg.enc"]
    with pytest.raises(InputError, match="missing"):
        odk.open_submission(private, manifest, files)


@pytest.mark.parametrize(
    "xml",
    [
        b"<data",  # malformed
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><data encrypted="yes">&a;</data>',
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data>&x;</data>',
        b'<data id="f" encrypted="yes"><meta><instanceID>u</instanceID></meta></data>',
        b"<data id='f'><base64EncryptedKey>AA==</base64EncryptedKey></data>",  # not encrypted
        # a namespace that is neither the spec's nor Collect's
        b"<d:data xmlns:d='http://example.org/x' id='f' encrypted='yes'><d:meta><d:instanceID>"
        b"u</d:instanceID></d:meta><d:base64EncryptedKey>AA==</d:base64EncryptedKey>"
        b"<d:encryptedXmlFile>submission.xml.enc</d:encryptedXmlFile></d:data>",
        b"<data id='f' encrypted='yes'><meta><instanceID>u</instanceID></meta>"
        b"<base64EncryptedKey>AA==</base64EncryptedKey><media><file>../keyring.json</file>"
        b"</media><encryptedXmlFile>submission.xml.enc</encryptedXmlFile></data>",
    ],
)
def test_bad_manifests_are_refused(xml: bytes) -> None:
    with pytest.raises(InputError):
        odk.parse_manifest(xml)


@pytest.mark.parametrize("name", ["../x.enc", "/etc/passwd", ".hidden", "a/b.jpg", "a\\b", ""])
def test_path_tricks_in_names_are_refused(name: str) -> None:
    with pytest.raises(InputError):
        odk.check_file_name(name)


def test_public_key_round_trips(private: odk.rsa.RSAPrivateKey) -> None:
    text = odk.public_key_base64(private.public_key())
    assert odk.public_key_base64(odk.load_public_base64(text)) == text
    assert odk.load_private(odk.private_der(private)).private_numbers() == (
        private.private_numbers()
    )

"""ODK's encrypted submissions: the form's RSA key pair, and opening what a phone sealed.

The format is ODK's, not ours (getodk/xforms-spec ``100-encryption.md``; ODK Collect's
``EncryptionUtils.java``; ODK Central's ``lib/util/crypto.js``). Nothing here is new:

- a fresh 256-bit AES key per submission, wrapped with RSA-OAEP, SHA-256 and MGF1-SHA-256
  (Bouncy Castle's reading of ``OAEPWithSHA-256AndMGF1Padding``; MGF1-SHA-1 fails on a real
  Collect submission);
- each file (media first, in manifest order, ``submission.xml`` last) in AES-256-CFB128 with
  PKCS#7 padding;
- the IVs: ``seed = MD5(utf8(instanceID) || key)``; before the i-th file (i = 0, 1, ...),
  ``seed[i % 16] += 1`` (a byte, wrapping), and the seed is that file's IV;
- the manifest sent as ``xml_submission_file``: ``base64EncryptedKey``, ``encryptedXmlFile``,
  ``media/file`` and ``base64EncryptedElementSignature``, with ``meta/instanceID``. Collect
  and the spec give it different namespaces, so it is read by local names only.

The *element signature* is MD5 over the form id, version, wrapped key, instanceID and each
file's name and plaintext MD5, RSA-OAEP-encrypted **with the public key**: anyone holding
the form can make one. Checking it proves only that the files are the ones the sender
meant to send together (nothing swapped between submissions, nothing truncated), never
who sent them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # cryptography 48 moved CFB here, and 49 removes it from ``primitives``
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.modes import CFB  # type: ignore[attr-defined,no-redef,unused-ignore]
from defusedxml import ElementTree as SafeTree

from bearwitness.errors import InputError

RSA_BITS = 3072
AES_KEY_BYTES = 32
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_MEDIA = 100
# What a file name in a manifest may be: no folders, no dot files, nothing odd.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
# The namespaces a manifest's elements may be in: the spec's (which Enketo sends), Collect's,
# OpenRosa's (the meta block) or none. Any other is not ODK's manifest.
MANIFEST_NAMESPACES = frozenset(
    {
        "",
        "http://opendatakit.org/submissions",
        "http://www.opendatakit.org/xforms/encrypted",
        "http://openrosa.org/xforms",
    }
)
_OAEP = OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@dataclass(frozen=True)
class Manifest:
    """What an encrypted submission's ``xml_submission_file`` says, all of it in the clear."""

    form_id: str
    version: str  # "" when the form has none
    instance_id: str
    encrypted_key: bytes  # the RSA-wrapped AES key
    xml_file: str  # the name of the encrypted submission.xml (usually submission.xml.enc)
    media: tuple[str, ...]  # encrypted media files, in the order they were encrypted
    signature: bytes | None  # the RSA-encrypted element signature
    deprecated_id: str = ""  # the instance this one replaces (an edit)
    encrypted_key_text: str = ""  # the key as the manifest spells it (the signature's input)

    @property
    def files(self) -> tuple[str, ...]:
        """Every encrypted file, in the order of encryption (and so of the IVs)."""
        return (*self.media, self.xml_file)


# -- keys --------------------------------------------------------------------------


def new_key_pair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def private_der(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted: the caller seals it to the archive."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private(data: bytes, *, checked_by_round_trip: bool = False) -> rsa.RSAPrivateKey:
    """A private key from PKCS#8 DER or PEM (PKCS#1 or PKCS#8).

    OpenSSL's full check of an RSA key takes about 0.3 s for 3072 bits, once per
    submission at unlock; ``checked_by_round_trip`` skips it for a key of our own and
    checks instead that it opens what its public half wrapped (a few milliseconds).
    """
    try:
        key = (
            serialization.load_pem_private_key(
                data, password=None, unsafe_skip_rsa_key_validation=checked_by_round_trip
            )
            if data.lstrip().startswith(b"-----")
            else serialization.load_der_private_key(
                data, password=None, unsafe_skip_rsa_key_validation=checked_by_round_trip
            )
        )
    except (ValueError, TypeError):
        raise InputError(
            "the ODK private key is damaged", hint="Restore the archive's odk-key.json."
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InputError("the ODK private key is not an RSA key", hint="Make a new one.")
    if checked_by_round_trip:
        probe = os.urandom(AES_KEY_BYTES)
        try:
            works = key.decrypt(key.public_key().encrypt(probe, _OAEP), _OAEP) == probe
        except ValueError:
            works = False
        if not works:
            raise InputError(
                "the ODK private key is damaged", hint="Restore the archive's odk-key.json."
            )
    return key


def public_key_base64(key: rsa.RSAPublicKey) -> str:
    """What a form carries as ``base64RsaPublicKey``: base64 DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def load_public_base64(text: str) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise InputError("the ODK public key is damaged", hint="Make a new one.") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InputError("the ODK public key is not an RSA key", hint="Make a new one.")
    return key


# -- the manifest --------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def is_encrypted(xml: bytes) -> bool:
    """Whether a submission's XML is an encrypted manifest (root ``encrypted="yes"``)."""
    root = parse_xml(xml)
    return any(
        _local(name) == "encrypted" and value.strip().lower() == "yes"
        for name, value in root.attrib.items()
    )


def parse_xml(xml: bytes) -> SafeTree.Element:
    """Parse untrusted XML: no DTDs, no entities, no external anything; bounded in size."""
    if len(xml) > MAX_MANIFEST_BYTES:
        raise InputError(
            "the submission's XML is too large",
            hint=f"It may be at most {MAX_MANIFEST_BYTES // 1024} KB.",
        )
    try:
        return SafeTree.fromstring(xml, forbid_dtd=True)
    except SafeTree.ParseError:
        raise InputError("the submission's XML is malformed", hint="Send it again.") from None
    except Exception as error:  # defusedxml's DTDForbidden, EntitiesForbidden, ...
        raise InputError(
            "the submission's XML uses a DTD or entities, which are refused",
            hint="Send the submission as the form app made it.",
        ) from error


def _text(element: SafeTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(parent: SafeTree.Element, name: str) -> SafeTree.Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"the manifest's {what} is not base64", hint="Send it again.") from None


def check_file_name(name: str) -> str:
    """A file name from a manifest or a multipart part: a plain name, never a path."""
    if not _FILE_NAME.fullmatch(name) or ".." in name:
        raise InputError(
            "a file name in the submission is not a plain file name",
            hint="Names may hold letters, digits, '.', '-' and '_', and no folders.",
        )
    return name


def parse_manifest(xml: bytes) -> Manifest:
    """Read an encrypted submission's manifest, whatever its namespace."""
    root = parse_xml(xml)
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if namespace not in MANIFEST_NAMESPACES:
            raise InputError(
                "the manifest's elements are in a namespace that is not ODK's",
                hint="Send the submission as the form app made it.",
            )
    attributes = {_local(name): value for name, value in root.attrib.items()}
    if attributes.get("encrypted", "").strip().lower() != "yes":
        raise InputError("the submission is not encrypted", hint="It has no encrypted='yes'.")
    form_id = attributes.get("id", "").strip()
    if not form_id:
        raise InputError("the manifest names no form", hint="Its root needs an id attribute.")
    meta = _child(root, "meta")
    instance_id = _text(_child(meta, "instanceID")) if meta is not None else ""
    deprecated = _text(_child(meta, "deprecatedID")) if meta is not None else ""
    if not instance_id or len(instance_id) > 200 or not instance_id.isprintable():
        raise InputError("the manifest has no usable instanceID", hint="Send it again.")
    key_text = _text(_child(root, "base64EncryptedKey"))
    xml_file = _text(_child(root, "encryptedXmlFile"))
    if not key_text or not xml_file:
        raise InputError(
            "the manifest lacks base64EncryptedKey or encryptedXmlFile",
            hint="Its namespace or its elements are not ODK's.",
        )
    media = tuple(
        check_file_name(_text(_child(element, "file")))
        for element in root
        if _local(element.tag) == "media"
    )
    if len(media) > MAX_MEDIA:
        raise InputError("the submission has too many files", hint=f"At most {MAX_MEDIA}.")
    names = (*media, check_file_name(xml_file))
    if len(set(names)) != len(names):
        raise InputError("the manifest names a file twice", hint="Send it again.")
    signature_text = _text(_child(root, "base64EncryptedElementSignature"))
    return Manifest(
        form_id=form_id,
        version=attributes.get("version", "").strip(),
        instance_id=instance_id,
        encrypted_key=_base64(key_text, "base64EncryptedKey"),
        xml_file=xml_file,
        media=media,
        signature=_base64(signature_text, "signature") if signature_text else None,
        deprecated_id=deprecated,
        encrypted_key_text="".join(key_text.split()),
    )


# -- opening ---------------------------------------------------------------------------


def unwrap_key(private: rsa.RSAPrivateKey | Sequence[rsa.RSAPrivateKey], wrapped: bytes) -> bytes:
    """The submission's AES key, unwrapped with ``private`` (or the first of several keys,
    the current one and those before a rotation, that opens it)."""
    return _unwrap(private, wrapped)[0]


def _unwrap(
    private: rsa.RSAPrivateKey | Sequence[rsa.RSAPrivateKey], wrapped: bytes
) -> tuple[bytes, rsa.RSAPrivateKey]:
    keys = [private] if isinstance(private, rsa.RSAPrivateKey) else list(private)
    for candidate in keys:
        # OAEP's check fails for a key it was not made with (all but ~2^-256 of the time).
        try:
            key = candidate.decrypt(wrapped, _OAEP)
        except (ValueError, InvalidKey):
            continue
        break
    else:
        raise InputError(
            "the submission's key does not open with this archive's ODK key",
            hint="It was encrypted for another form or archive.",
        ) from None
    if len(key) != AES_KEY_BYTES:
        raise InputError("the submission's key has the wrong length", hint="It is not ODK's.")
    return key, candidate


def file_ivs(instance_id: str, key: bytes, count: int) -> list[bytes]:
    """The IV of each of ``count`` files, in the order they were encrypted."""
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key, usedforsecurity=False).digest())
    ivs = []
    for index in range(count):
        seed[index % 16] = (seed[index % 16] + 1) % 256
        ivs.append(bytes(seed))
    return ivs


def decrypt_file(key: bytes, iv: bytes, data: bytes, name: str = "a file") -> bytes:
    """One file: AES-256-CFB128, then PKCS#7 padding removed."""
    if not data or len(data) % 16:
        raise InputError(f"{name} is truncated", hint="Send the submission again.")
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data)  # CFB is a stream mode: finalize() adds nothing
    decryptor.finalize()
    # PKCS#7 checked here, not by cryptography's unpadder, which copies a 1 MiB photo
    # twice more. Its timing tells nothing: the fold runs offline, no one sees it.
    size = padded[-1]
    if not 1 <= size <= 16 or padded[-size:] != bytes([size]) * size:
        raise InputError(
            f"{name} does not decrypt (truncated, or not this submission's)",
            hint="Send the submission again.",
        )
    return padded[:-size]


def encrypt_file(key: bytes, iv: bytes, data: bytes) -> bytes:
    """The inverse of :func:`decrypt_file` (for tests and the benchmark)."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def signature_digest(manifest: Manifest, plaintexts: Mapping[str, bytes]) -> bytes:
    """MD5 of the element signature's text (the spec's order; names without ``.enc``)."""
    lines = [manifest.form_id]
    if manifest.version:
        lines.append(manifest.version)
    lines.append(
        manifest.encrypted_key_text or base64.b64encode(manifest.encrypted_key).decode("ascii")
    )
    lines.append(manifest.instance_id)
    for name in manifest.files:
        plain_name = name.removesuffix(".enc")
        lines.append(
            f"{plain_name}::{hashlib.md5(plaintexts[name], usedforsecurity=False).hexdigest()}"
        )
    return hashlib.md5(
        "".join(line + "\n" for line in lines).encode("utf-8"), usedforsecurity=False
    ).digest()


@dataclass(frozen=True)
class Opened:
    xml: bytes  # submission.xml
    media: dict[str, bytes]  # media name without ".enc" -> plaintext


def open_submission(
    private: rsa.RSAPrivateKey | Sequence[rsa.RSAPrivateKey],
    manifest: Manifest,
    files: Mapping[str, bytes],
) -> Opened:
    """Decrypt every file of a submission and check its element signature.

    ``files`` maps each name in the manifest to its ciphertext; a missing one, a
    truncated one, or a signature that does not match raises :class:`InputError`.
    ``private``: the key, or several (after a rotation): the one that opens its AES key
    opens its signature too.
    """
    key, opener = _unwrap(private, manifest.encrypted_key)
    missing = [name for name in manifest.files if name not in files]
    if missing:
        raise InputError(
            f"{len(missing)} file(s) of the submission are missing",
            hint="The phone should send them again.",
        )
    ivs = file_ivs(manifest.instance_id, key, len(manifest.files))
    plain = {
        name: decrypt_file(key, iv, files[name], name)
        for name, iv in zip(manifest.files, ivs, strict=True)
    }
    if manifest.signature is None:
        raise InputError(
            "the submission has no element signature", hint="Send it again from the form app."
        )
    try:
        signed = opener.decrypt(manifest.signature, _OAEP)
    except ValueError:
        raise InputError(
            "the submission's signature does not open with this archive's ODK key",
            hint="It was made for another form or archive.",
        ) from None
    if not hmac.compare_digest(signed, signature_digest(manifest, plain)):
        raise InputError(
            "the submission's signature does not match its files",
            hint="A file was changed or swapped; send it again.",
        )
    return Opened(
        plain[manifest.xml_file],
        {name.removesuffix(".enc"): plain[name] for name in manifest.media},
    )


def seal_submission(
    public: rsa.RSAPublicKey,
    *,
    form_id: str,
    version: str,
    instance_id: str,
    xml: bytes,
    media: Sequence[tuple[str, bytes]] = (),
    key: bytes | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """What a phone would send: (manifest XML, encrypted files by name).

    For tests and the benchmark; the tests check it against node-forge and a real
    Collect submission, so it cannot drift into a format of its own.
    """
    from xml.sax.saxutils import escape, quoteattr  # nosec B406 # writes XML, parses none

    key = key or os.urandom(AES_KEY_BYTES)
    wrapped = public.encrypt(key, _OAEP)
    names = [f"{name}.enc" for name, _ in media] + ["submission.xml.enc"]
    plaintexts = [data for _, data in media] + [xml]
    ivs = file_ivs(instance_id, key, len(names))
    files = {
        name: encrypt_file(key, iv, data)
        for name, iv, data in zip(names, ivs, plaintexts, strict=True)
    }
    manifest = Manifest(form_id, version, instance_id, wrapped, names[-1], tuple(names[:-1]), None)
    digest = signature_digest(manifest, dict(zip(names, plaintexts, strict=True)))
    signature = public.encrypt(digest, _OAEP)
    media_xml = "".join(f"<media><file>{escape(name)}</file></media>" for name in names[:-1])
    version_attribute = f" version={quoteattr(version)}" if version else ""
    text = (
        f'<data xmlns="http://opendatakit.org/submissions" encrypted="yes" '
        f"id={quoteattr(form_id)}{version_attribute}>"
        f"<base64EncryptedKey>{base64.b64encode(wrapped).decode()}</base64EncryptedKey>"
        f'<meta xmlns="http://openrosa.org/xforms"><instanceID>{escape(instance_id)}'
        f"</instanceID></meta>{media_xml}"
        f"<encryptedXmlFile>{names[-1]}</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{base64.b64encode(signature).decode()}"
        f"</base64EncryptedElementSignature></data>"
    )
    return text.encode("utf-8"), files

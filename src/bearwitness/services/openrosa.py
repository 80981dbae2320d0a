"""What the intake does with an OpenRosa submission from a field device; holds no keys.

An **encrypted** submission (ODK's ``encrypted="yes"`` manifest and its ``.enc`` files)
cannot be read here. Once every file the manifest names has arrived, all of it goes into
the inbox as one batch (:func:`bearwitness.services.inbox.write_batch`, sealed to the
archive once more); at the next unlock the fold decrypts it and writes the records
(:mod:`bearwitness.services.odk_fold`).

An **unencrypted** one (Enketo, a form without a key) is sealed the moment it arrives, in
the same way; its media get neutral names (``media-1.jpg``) in the XML and as files, since
Collect names them by the capture time.

ODK Collect splits a large submission over several POSTs, each repeating the XML, all but
the last marked ``*isIncomplete*``. The parts of an encrypted one wait in
``ARCHIVE/odk-parts/`` (ODK ciphertext under hashed names) until the last arrives; those
of an unencrypted one wait only in this process's memory (never as plaintext on disk), so
a restart loses them and the phone sends again. Once written, an instance is remembered
by a hash of its form and instanceID with the hash of its XML (``odk-parts/seen/``): the
same XML again is answered as received (a retry whose answer was lost), a different one
gets 409.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape  # nosec B406 # writes XML; parsing goes through defusedxml

from defusedxml import ElementTree as SafeTree

from bearwitness.crypto import odk
from bearwitness.errors import InputError, SubmissionConflict
from bearwitness.services import field_forms, odk_forms, odk_keys
from bearwitness.services import inbox as inbox_batches

PARTS = "odk-parts"  # beside inbox/: what waits for the rest of a split submission
SOURCE = "odk"  # the inbox batches' operation, which the fold recognises
OPENROSA_NS = "http://openrosa.org/xforms"
MAX_PENDING_IN_MEMORY = 64
LOCK_STRIPES = 16
PENDING_TTL_S = 24 * 3600


@dataclass(frozen=True)
class Outcome:
    status: int  # 201 written, 202 a part kept until the rest arrives
    message: str
    batch: str | None = None


@dataclass
class _Pending:
    xml_sha256: str
    files: dict[str, bytes]
    since: float = field(default_factory=time.monotonic)


def _key(form_id: str, instance_id: str) -> str:
    text = f"bearwitness/odk-instance/v1\n{form_id}\n{instance_id}".encode()
    return hashlib.sha256(text).hexdigest()[:40]


def _name_key(name: str) -> str:
    return hashlib.sha256(b"bearwitness/odk-part/v1\n" + name.encode()).hexdigest()[:40]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass(frozen=True)
class _Plain:
    form_id: str
    instance_id: str
    media_names: tuple[str, ...]  # the files the XML names in its media fields


def _read_plain(
    xml: bytes, media_fields: Callable[[str], frozenset[str] | None] = lambda _: None
) -> tuple[SafeTree.Element, _Plain]:
    root = odk.parse_xml(xml)
    form_id = root.attrib.get("id", "").strip()
    if not form_id:
        raise InputError("the submission names no form", hint="Its root needs an id attribute.")
    meta = next((child for child in root if _local(child.tag) == "meta"), None)
    instance = next(
        (c for c in (meta if meta is not None else []) if _local(c.tag) == "instanceID"), None
    )
    instance_id = (instance.text or "").strip() if instance is not None else ""
    if not instance_id or len(instance_id) > 200 or not instance_id.isprintable():
        raise InputError("the submission has no usable instanceID", hint="Send it again.")
    names = []
    fields = odk_forms.MEDIA_FIELDS if form_id == odk_forms.FORM_ID else media_fields(form_id)
    if fields is not None:
        for element in root.iter():
            if _local(element.tag) in fields and (element.text or "").strip():
                names.append(odk.check_file_name(element.text.strip()))
    return root, _Plain(form_id, instance_id, tuple(dict.fromkeys(names)))


class Receiver:
    """Takes submissions for one archive's inbox; one per intake process."""

    def __init__(self, folder: Path, *, fsync: bool = True, fictional: bool = False) -> None:
        self.folder = folder
        self.fictional = fictional  # mark what it takes in FICTIONAL (demos and tests)
        self.inbox = folder / "inbox"
        self.parts = folder / PARTS
        self.fsync = fsync
        self._memory: dict[str, _Pending] = {}
        self._memory_lock = threading.Lock()
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._inbox_sync = inbox_batches.FolderSync(self.inbox)  # shared by concurrent POSTs

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        """One POST of an instance at a time, across processes too: merging its parts must
        not race. Other instances go on meanwhile (the lock is one of a few stripes)."""
        (self.parts / "seen").mkdir(parents=True, exist_ok=True, mode=0o700)
        stripe = int(key[:8], 16) % LOCK_STRIPES
        with self._locks[stripe], (self.parts / f".lock-{stripe:02d}").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def receive(
        self,
        recipient: str,
        device_id: str,
        xml: bytes,
        attachments: Sequence[tuple[str, bytes]],
        *,
        incomplete: bool = False,
    ) -> Outcome:
        """One POST: its XML and attachments. Raises InputError (400) or SubmissionConflict (409);
        when it raises, nothing of this POST is kept."""
        names = [odk.check_file_name(name) for name, _ in attachments]
        if len(set(names)) != len(names):
            raise InputError("the submission sends a file twice", hint="Send it again.")
        xml_sha256 = hashlib.sha256(xml).hexdigest()
        if odk.is_encrypted(xml):
            manifest = odk.parse_manifest(xml)
            self._check_key_size(manifest)
            if manifest.form_id not in self._published():
                raise InputError(
                    "the submission is for a form this server does not publish",
                    hint="Download the form from this server again.",
                )
            expected: tuple[str, ...] = manifest.files
            form_id, instance_id = manifest.form_id, manifest.instance_id
        else:
            _, plain = _read_plain(xml, self._media_fields)
            expected, form_id, instance_id = plain.media_names, plain.form_id, plain.instance_id
        unknown = [name for name in names if name not in expected]
        if unknown:
            raise InputError(
                f"{len(unknown)} file(s) sent are not named in the submission",
                hint="Send only the files the form names.",
            )
        key = _key(form_id, instance_id)
        with self._locked(key):
            seen = self.parts / "seen" / key
            if seen.exists():
                if seen.read_text().strip() == xml_sha256:
                    return Outcome(201, "This submission was received already.")
                raise SubmissionConflict(
                    "a submission with this instanceID was received with other content",
                    hint="An edit must carry a new instanceID (and the old one as deprecatedID).",
                )
            encrypted = odk.is_encrypted(xml)
            held = self._held(key, xml_sha256, encrypted, expected)
            files = {**held, **dict(attachments)}
            missing = [name for name in expected if name not in files]
            if missing and incomplete:
                self._hold(key, xml_sha256, encrypted, dict(attachments))
                return Outcome(
                    202, f"Part received; {len(missing)} file(s) of this submission to come."
                )
            if missing:
                raise InputError(
                    f"{len(missing)} file(s) of the submission are missing",
                    hint="Send the submission again with all its files.",
                )
            batch = self._write(recipient, device_id, xml, expected, files, encrypted=encrypted)
            # Not synced: if a crash loses it, a resend is stored again and the fold,
            # which knows every instance written in, writes it once (one fsync less).
            _write_text(seen, xml_sha256, False)
            self._forget(key)
        return Outcome(201, "Received.", batch)

    def _published(self) -> set[str]:
        """The forms this intake publishes: the incident form and the archive's own."""
        return {odk_forms.FORM_ID, *(form.form_id for form in field_forms.every(self.folder))}

    def _media_fields(self, form_id: str) -> frozenset[str] | None:
        form = field_forms.find(self.folder, form_id)
        return form.media_fields if form is not None else None

    def _check_key_size(self, manifest: odk.Manifest) -> None:
        """What can be told without the private key: a wrapped key (or signature) of another
        length than this archive's modulus was made for another key. One of the same length
        can be told only at unlock, where it stays in the inbox with its reason."""
        public = odk_keys.public_key(self.folder)
        if public is None:
            raise InputError(
                "this server publishes no encrypted form",
                hint="Its operator makes the key with `bearwitness odk key`.",
            )
        # Any key forms were published with: a phone may send to an old one after a
        # rotation, until it downloads the form again.
        sizes = {
            (odk.load_public_base64(one).key_size + 7) // 8
            for one in odk_keys.public_keys(self.folder)
        }
        if len(manifest.encrypted_key) not in sizes or (
            manifest.signature is not None
            and len(manifest.signature) != len(manifest.encrypted_key)
        ):
            raise InputError(
                "the submission was encrypted for another key than this archive's",
                hint="Download the form from this server again, and fill it in anew.",
            )

    # -- parts of a split submission --------------------------------------------------

    def _held(
        self, key: str, xml_sha256: str, encrypted: bool, expected: Sequence[str]
    ) -> dict[str, bytes]:
        """What earlier parts of this instance left; SubmissionConflict if their XML was another."""
        if not encrypted:
            with self._memory_lock:
                pending = self._memory.get(key)
            if pending is None:
                return {}
            if pending.xml_sha256 != xml_sha256:
                raise SubmissionConflict(
                    "a part of this submission arrived earlier with other XML",
                    hint="Send the whole submission again.",
                )
            return dict(pending.files)
        folder = self.parts / key
        if not folder.is_dir():
            return {}
        if (folder / "xml.sha256").read_text().strip() != xml_sha256:
            raise SubmissionConflict(
                "a part of this submission arrived earlier with other XML",
                hint="Send the whole submission again.",
            )
        found = {}
        for name in expected:  # the manifest (the same XML) names them: kept by hash only
            part = folder / f"{_name_key(name)}.part"
            if part.is_file():
                found[name] = part.read_bytes()
        return found

    def _hold(self, key: str, xml_sha256: str, encrypted: bool, files: dict[str, bytes]) -> None:
        if not encrypted:
            now = time.monotonic()
            with self._memory_lock:
                for old in [k for k, p in self._memory.items() if now - p.since > PENDING_TTL_S]:
                    del self._memory[old]
                if key not in self._memory and len(self._memory) >= MAX_PENDING_IN_MEMORY:
                    raise InputError(
                        "too many split submissions are waiting for their other parts",
                        hint="Send it again later, or use the encrypted form.",
                    )
                pending = self._memory.setdefault(key, _Pending(xml_sha256, {}))
                pending.files.update(files)
            return
        # Encrypted files are ODK ciphertext: they may wait on disk as they are. Their
        # names (capture times) only as hashes; the list of names is the manifest's own.
        self._drop_stale_parts()
        folder = self.parts / key
        folder.mkdir(exist_ok=True, mode=0o700)
        _write_text(folder / "xml.sha256", xml_sha256, self.fsync)
        for name, data in files.items():
            temporary = folder / f".{_name_key(name)}.tmp"
            _write_bytes(temporary, data, self.fsync)
            temporary.replace(folder / f"{_name_key(name)}.part")

    def _drop_stale_parts(self) -> None:
        """Parts whose last part never came within a day: the phone sends them again."""
        limit = time.time() - PENDING_TTL_S
        with os.scandir(self.parts) as found:
            for item in found:
                if item.name != "seen" and item.is_dir() and item.stat().st_mtime < limit:
                    shutil.rmtree(item.path, ignore_errors=True)

    def _forget(self, key: str) -> None:
        with self._memory_lock:
            self._memory.pop(key, None)
        shutil.rmtree(self.parts / key, ignore_errors=True)

    # -- into the inbox ----------------------------------------------------------------

    def _write(
        self,
        recipient: str,
        device_id: str,
        xml: bytes,
        expected: Sequence[str],
        files: dict[str, bytes],
        *,
        encrypted: bool,
    ) -> str:
        mark = {"fictional": True} if self.fictional else {}
        if encrypted:
            names = {name: name for name in expected}
        else:
            names = {name: neutral_name(name, index) for index, name in enumerate(expected, 1)}
            xml = rename_media(xml, names)
        # One sealed file for the XML and every file: a batch of one file is durable after
        # three fsyncs (the file, the manifest, the folder) however many files it holds.
        bundle = pack_bundle(xml, [(names[name], files[name]) for name in expected])
        entries = [
            inbox_batches.Entry(1, {"odk": "bundle", "encrypted": encrypted, **mark}, bundle)
        ]
        return inbox_batches.write_batch(
            self.inbox,
            recipient,
            entries,
            source=f"odk device {device_id}",
            actor="U-intake",
            operation=SOURCE,
            fsync=self.fsync,
            folder_sync=self._inbox_sync,
        )


BUNDLE_MAGIC = b"bearwitness-odk-bundle/v1\n"


def pack_bundle(xml: bytes, files: Sequence[tuple[str, bytes]]) -> bytes:
    """A submission's XML and files as one byte string: a header line (JSON: the sizes
    and the names), then the XML and each file, one after the other."""
    header = json.dumps({"xml": len(xml), "files": [[name, len(data)] for name, data in files]})
    return b"".join([BUNDLE_MAGIC, header.encode(), b"\n", xml, *(data for _, data in files)])


def unpack_bundle(bundle: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The XML and the files (by name) :func:`pack_bundle` packed; InputError if it is
    not one."""
    problem = InputError("a field submission's bundle is malformed", hint="Discard it.")
    if not bundle.startswith(BUNDLE_MAGIC):
        raise problem
    # Sliced from the bundle itself, each part copied once (a 1 MiB photo is not copied
    # three times over as it was with partition and slices of the rest).
    end = bundle.find(b"\n", len(BUNDLE_MAGIC))
    if end < 0:
        raise problem
    line, offset = bundle[len(BUNDLE_MAGIC) : end], end + 1
    try:
        header = json.loads(line)
        sizes = [int(header["xml"]), *(int(size) for _, size in header["files"])]
        names = [odk.check_file_name(str(name)) for name, _ in header["files"]]
    except (KeyError, TypeError, ValueError, InputError):
        raise problem from None
    if (
        any(size < 0 for size in sizes)
        or sum(sizes) != len(bundle) - offset
        or len(set(names)) != len(names)
    ):
        raise problem
    parts = []
    for size in sizes:
        parts.append(bundle[offset : offset + size])
        offset += size
    return parts[0], dict(zip(names, parts[1:], strict=True))


def neutral_name(name: str, index: int) -> str:
    """``media-3.jpg`` for ``1561432532482.jpg``: the extension only, never the time."""
    stem = name.removesuffix(".enc")
    extension = stem.rsplit(".", 1)[-1].lower() if "." in stem else "bin"
    if not extension.isalnum() or len(extension) > 8:
        extension = "bin"
    return f"media-{index}.{extension}"


def rename_media(xml: bytes, renamed: dict[str, str]) -> bytes:
    """The XML with every element whose text is a media file's name given its new name."""
    root = odk.parse_xml(xml)
    for element in root.iter():
        text = (element.text or "").strip()
        if text in renamed:
            element.text = renamed[text]
    return bytes(SafeTree.tostring(root, encoding="utf-8"))


def response_xml(message: str, nature: str = "submit_success") -> bytes:
    """OpenRosa's response document."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">'
        f'<message nature="{escape(nature)}">{escape(message)}</message></OpenRosaResponse>'
    ).encode()


def form_list(forms: Sequence[odk_forms.Form], base: str, form_id: str | None) -> bytes:
    """OpenRosa's xformsList for ``forms`` (only ``form_id`` when given)."""
    items = []
    for form in forms:
        if form_id and form.form_id != form_id:
            continue
        url = f"{base}/forms/{form.form_id}"
        items.append(
            "<xform>"
            f"<formID>{escape(form.form_id)}</formID><name>{escape(form.title)}</name>"
            f"<version>{escape(form.version)}</version><hash>md5:{form.md5}</hash>"
            f"<downloadUrl>{escape(url)}.xml</downloadUrl>"
            f"<manifestUrl>{escape(url)}/manifest</manifestUrl>"
            "</xform>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>"
    ).encode()


def media_manifest() -> bytes:
    """The forms' media manifest: the incident form has no media files."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<manifest xmlns="http://openrosa.org/xforms/xformsManifest"></manifest>'
    )


def _write_bytes(path: Path, data: bytes, fsync: bool) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())


def _write_text(path: Path, text: str, fsync: bool) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    _write_bytes(temporary, text.encode(), fsync)
    temporary.replace(path)

"""Field devices (phones running ODK Collect, KoboCollect, Tella) enrolled for the intake.

Each device gets its own URL, ``BASE/odk/TOKEN``, under which ``formList`` and
``submission`` answer, so the phone keeps no password; the same token also works as the
password of HTTP Basic authentication (user name: the device's name) where the intake
is reached over TLS. Only a SHA-256 of each token is kept (``devices.json``, beside the
keyring): tokens are 256 random bits, so a hash is enough to check one and says nothing
of it. A revoked or unknown token gets 401 and nothing it sent is stored.

Enrolling and revoking are logged (``device`` entries naming a random device id, never
its name). Anyone who can write the archive's folder can enrol a device, as they could
write to the inbox; the log shows each enrolment.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bearwitness.errors import ArchiveError, InputError, NotFound, Phrase
from bearwitness.services import _ledger
from bearwitness.services.archive import Archive

DEVICES_FILE = "devices.json"
FORMAT = "bearwitness-devices"
DEFAULT_BASE_URL = "http://127.0.0.1:8081"  # `serve-intake`'s own default address
URL_PATH = "odk"  # the device's URL: BASE/odk/TOKEN
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Device:
    name: str
    device_id: str  # what the log names
    token_sha256: str
    added: str
    revoked: str = ""  # when, or "" while it may send

    @property
    def active(self) -> bool:
        return not self.revoked


def token_hash(token: str) -> str:
    return hashlib.sha256(b"bearwitness/device-token/v1\n" + token.encode("ascii")).hexdigest()


def _path(folder: Path) -> Path:
    return folder / DEVICES_FILE


def read(folder: Path) -> list[Device]:
    """Every device enrolled, revoked ones too; [] when none ever was."""
    try:
        data = json.loads(_path(folder).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        raise ArchiveError(
            Phrase("%(file)s cannot be read", file=DEVICES_FILE),
            hint=Phrase("Restore it from a backup."),
        ) from None
    try:
        if data.get("format") != FORMAT:
            raise ValueError
        return [
            Device(
                str(item["name"]),
                str(item["device_id"]),
                str(item["token_sha256"]),
                str(item["added"]),
                str(item.get("revoked", "")),
            )
            for item in data["devices"]
        ]
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ArchiveError(
            Phrase("%(file)s is malformed", file=DEVICES_FILE),
            hint=Phrase("Restore it from a backup."),
        ) from None


def _write(folder: Path, devices: list[Device]) -> None:
    text = json.dumps(
        {
            "format": FORMAT,
            "version": 1,
            "devices": [
                {
                    "name": d.name,
                    "device_id": d.device_id,
                    "token_sha256": d.token_sha256,
                    "added": d.added,
                    **({"revoked": d.revoked} if d.revoked else {}),
                }
                for d in devices
            ],
        },
        indent=2,
    )
    temporary = folder / f".{DEVICES_FILE}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(_path(folder))


@contextlib.contextmanager
def _changing(folder: Path) -> Iterator[list[Device]]:
    with (folder / ".devices.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            devices = read(folder)
            yield devices
            _write(folder, devices)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def device_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{URL_PATH}/{token}"


def add(archive: Archive, name: str, *, base_url: str = DEFAULT_BASE_URL) -> tuple[Device, str]:
    """Enrol a device, logged; returns it and its URL (shown once: only its hash is kept)."""
    if not _NAME.fullmatch(name):
        raise InputError(
            Phrase("a device name is 1 to 64 letters, digits, '.', '_' or '-'"),
            hint=Phrase("For example phone-3 (not a person's name: it is kept in the clear)."),
        )
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base_url):
        raise InputError(
            Phrase("the base URL must be an http:// or https:// address"),
            hint=Phrase("For example https://intake.example.org or http://abc…xyz.onion."),
        )
    token = secrets.token_urlsafe(32)
    with _changing(archive.folder) as devices:
        if any(d.name == name for d in devices):
            raise InputError(
                Phrase("a device named %(name)s is enrolled already", name=name),
                hint=Phrase("Choose another name, or revoke that one first."),
            )
        device = Device(
            name, f"DV-{secrets.token_hex(6).upper()}", token_hash(token), archive.now()
        )
        devices.append(device)
    _ledger.record_event(archive, "device", {"action": "add", "device": device.device_id})
    return device, device_url(base_url, token)


def revoke(archive: Archive, name: str) -> Device:
    """Stop a device's token from working, logged."""
    with _changing(archive.folder) as devices:
        for index, device in enumerate(devices):
            if device.name == name and device.active:
                devices[index] = revoked = Device(
                    device.name, device.device_id, device.token_sha256, device.added, archive.now()
                )
                break
        else:
            raise NotFound(
                Phrase("no enrolled device named %(name)s", name=name),
                hint=Phrase(
                    "See them on the devices page, or list them with "
                    "`bearwitness devices list ARCHIVE`."
                ),
            )
    _ledger.record_event(archive, "device", {"action": "revoke", "device": revoked.device_id})
    return revoked


def authenticate(devices: list[Device], token: str, name: str | None = None) -> Device | None:
    """The active device holding ``token`` (and called ``name``, for Basic), or None."""
    if not _TOKEN.fullmatch(token):
        return None
    wanted = token_hash(token)
    found = None
    for device in devices:  # every one compared, so the time says nothing of which matched
        if hmac.compare_digest(device.token_sha256, wanted) and device.active:
            found = device
    if (
        found is not None
        and name is not None
        and not hmac.compare_digest(found.name.encode(), name.encode("utf-8", "replace"))
    ):
        return None
    return found


class DeviceBook:
    """The devices as the intake sees them: ``devices.json`` re-read when it changed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stamp: tuple[int, int, int] | None = None
        self._devices: list[Device] = []

    def current(self) -> list[Device]:
        try:
            info = _path(self.folder).stat()
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            return []
        if stamp != self._stamp:
            self._devices, self._stamp = read(self.folder), stamp
        return self._devices


# -- ODK Collect's set-up code --------------------------------------------------------
# Collect (and KoboCollect) read their settings from a QR code holding the settings JSON,
# zlib-compressed, then base64 (docs.getodk.org/collect-import-export). What the code
# leaves out is reset to Collect's default when it is scanned.

PROJECT_NAME = "BearWitness"


def collect_settings(url: str) -> dict[str, Any]:
    """ODK Collect's settings for a device whose server URL is ``url`` (its token in it).

    The user name and password are set empty: the token in the URL is the credential,
    and an earlier project's password must not stay on the phone. Collect keeps the
    form list matching the server's and deletes what it has sent, so a seized phone
    holds only what was not sent yet.
    """
    return {
        "general": {
            "server_url": url,
            "username": "",
            "password": "",  # nosec B105 # emptied on purpose: the token is in the URL
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
            "delete_send": True,
        },
        "admin": {},
        "project": {"name": PROJECT_NAME, "icon": "B", "color": "#3e4a61"},
    }


def setup_code(url: str) -> str:
    """The text of Collect's settings QR code: base64 of the zlib-compressed JSON."""
    text = json.dumps(collect_settings(url), separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def read_setup_code(code: str) -> dict[str, Any]:
    """The settings a set-up code holds (the reverse of :func:`setup_code`)."""
    try:
        settings = json.loads(zlib.decompress(base64.b64decode(code, validate=True)))
    except (binascii.Error, zlib.error, ValueError):
        raise InputError(
            Phrase("this is not an ODK Collect set-up code"),
            hint=Phrase("Scan the code the workbench shows."),
        ) from None
    if not isinstance(settings, dict):
        raise InputError(
            Phrase("this is not an ODK Collect set-up code"), hint=Phrase("Scan it again.")
        )
    return settings


def setup_qr(url: str) -> Any:
    """The set-up code as a QR code (``segno.QRCode``), drawn here: no outside service
    ever sees the device's URL."""
    import segno  # only the workbench page draws one

    return segno.make_qr(setup_code(url), error="m")


def setup_qr_svg(url: str, *, title: str) -> str:
    """The QR code as inline SVG markup, to be shown once on the page that enrols."""
    buffer = io.BytesIO()
    setup_qr(url).save(
        buffer,
        kind="svg",
        scale=6,
        border=4,
        xmldecl=False,
        svgns=True,
        title=title,
        svgclass="setup-qr",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    return buffer.getvalue().decode("utf-8")

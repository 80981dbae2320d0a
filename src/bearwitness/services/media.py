"""What an uploaded file is (by its bytes, not its name), a safe name, and a clean image copy.

A browser's file name and media type are only claims: the type is read from
the file's first bytes, only the types below are accepted, and the rest of
the file must have that type's structure (``_formats``). A file name keeps
its last path component, without control characters, and is sealed with
the evidence; it never names a file on disk. Images are decoded and
re-encoded without metadata (EXIF, GPS, XMP, comments) into a copy; what the
metadata said is kept, sealed, with the original.

Decoding is where a small file can cost gigabytes (a PNG of 143 KB can
declare 7000×7000 pixels), so it happens in a child process per image
(``_image_worker``) with its own memory and time limits, at most a few at
once, and an image with more pixels than the limit is refused from its
header alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bearwitness
from bearwitness.errors import InputError
from bearwitness.services import _formats

# (magic prefix, offset, media type, extension)
_SIGNATURES = (
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"GIF87a", 0, "image/gif", ".gif"),
    (b"GIF89a", 0, "image/gif", ".gif"),
    (b"%PDF-", 0, "application/pdf", ".pdf"),
    (b"OggS", 0, "audio/ogg", ".ogg"),
    (b"ID3", 0, "audio/mpeg", ".mp3"),
    (b"fLaC", 0, "audio/flac", ".flac"),
    (b"ftyp", 4, "video/mp4", ".mp4"),
)
# What the rest of a file of each type must look like (images: decoded, in a worker).
_STRUCTURE: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": _formats.pdf,
    "audio/ogg": _formats.ogg,
    "audio/mpeg": _formats.mp3,
    "audio/flac": _formats.flac,
    "video/mp4": _formats.iso_bmff,
    "audio/mp4": _formats.iso_bmff,
    "audio/wav": _formats.wav,
    "image/heic": _formats.heif,
}
DAMAGED = {
    "application/pdf": "a PDF file is damaged or incomplete",
    "audio/ogg": "an Ogg audio file is damaged or incomplete",
    "audio/mpeg": "an MP3 audio file is damaged or incomplete",
    "audio/flac": "a FLAC audio file is damaged or incomplete",
    "video/mp4": "an MP4 video file is damaged or incomplete",
    "audio/mp4": "an MP4 audio file is damaged or incomplete",
    "audio/wav": "a WAV audio file is damaged or incomplete",
    "image/heic": "a HEIC photo is damaged or incomplete",
}
DAMAGED_HINT = "Check that it opens on your device, then send it again."
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}  # shown as a preview
# Photos whose clean copy keeps their format (no decoder for their pixels is installed):
# the same file with its metadata blanked (``_image_worker.strip_heif``).
BLANKED_TYPES = {"image/heic"}
ACCEPTED = (
    "JPEG, PNG, GIF, WebP images; PDF; MP3, Ogg, FLAC, WAV audio; MP4 video; plain UTF-8 text"
)
NOT_ACCEPTED = "a file is of a type that is not accepted"
NOT_ACCEPTED_HINT = f"Send {ACCEPTED}."
UNREADABLE_IMAGE = "an image could not be read (damaged, or too large)"
UNREADABLE_IMAGE_HINT = "Send it again as a JPEG, PNG, GIF or WebP image."
TOO_MANY_PIXELS = "an image has more than %(mp)s megapixels"
TOO_MANY_PIXELS_HINT = "Send a smaller copy of it: most phones can share a photo in a smaller size."
IMAGES_BUSY = "too many images are being checked right now"
IMAGES_BUSY_HINT = "Wait a minute, then send it again."


@dataclass(frozen=True)
class Inspected:
    media_type: str
    safe_name: str
    metadata_text: str
    clean_copy: bytes | None
    clean_media_type: str
    clean_name: str


def sniff(data: bytes) -> tuple[str, str]:
    """(media type, extension) read from the bytes, or InputError if not accepted or if the
    rest of the file is not what its first bytes claim."""
    media_type, extension = _claimed(data)
    structure = _STRUCTURE.get(media_type)
    if structure is not None and not structure(data):
        raise InputError(DAMAGED[media_type], hint=DAMAGED_HINT)
    return media_type, extension


def _claimed(data: bytes) -> tuple[str, str]:
    for magic, offset, media_type, extension in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if media_type == "video/mp4":
                return _iso_type(data)
            return media_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if _formats.mpeg_frame_length(data, 0):  # MP3 without an ID3 tag
        return "audio/mpeg", ".mp3"
    if data and b"\x00" not in data[:65536]:
        try:
            data.decode("utf-8")
            return "text/plain", ".txt"
        except UnicodeDecodeError:
            pass
    raise InputError(NOT_ACCEPTED, hint=NOT_ACCEPTED_HINT)


def _iso_type(data: bytes) -> tuple[str, str]:
    brand = _formats.iso_brand(data)
    if _formats.is_heif(data):  # iPhone photos (the brand, major or compatible, says so)
        return "image/heic", ".heic"
    if brand in _formats.IMAGE_BRANDS:  # AVIF photos: no clean copy can be made
        raise InputError(NOT_ACCEPTED, hint=NOT_ACCEPTED_HINT)
    if brand in _formats.AUDIO_BRANDS:
        return "audio/mp4", ".m4a"
    return "video/mp4", ".mp4"


def safe_name(claimed: str, extension: str) -> str:
    """The last component of a browser's file name, printable, at most 120 characters."""
    name = claimed.replace("\\", "/").rsplit("/", 1)[-1]
    name = (
        "".join(
            ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C"
        )
        .strip()
        .lstrip(".")
    )
    if name in ("", ".", ".."):
        name = "file"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:100]}{extension}"


def inspect(data: bytes, claimed_name: str, images: ImageWork) -> Inspected:
    media_type, extension = sniff(data)
    name = safe_name(claimed_name, extension)
    if media_type not in IMAGE_TYPES | BLANKED_TYPES:
        return Inspected(media_type, name, "", None, "", "")
    metadata, clean = strip_image(data, images)
    stem = name.rsplit(".", 1)[0]
    if media_type in BLANKED_TYPES:
        return Inspected(
            media_type, name, metadata, clean, media_type, f"{stem}-no-metadata{extension}"
        )
    return Inspected(media_type, name, metadata, clean, "image/png", f"{stem}-no-metadata.png")


# What in an original's metadata can identify a person: where it was taken, which device.
_GPS = ("GPS GPSLatitude", "GPS GPSLongitude")
_SERIALS = ("BodySerialNumber", "CameraSerialNumber", "LensSerialNumber", "SerialNumber")


def metadata_warnings(metadata_text: str) -> tuple[str, ...]:
    """Which dangers an original's metadata carries: ``gps`` (a position), ``serial``
    (a device's serial number)."""
    lines = metadata_text.splitlines()
    found = []
    if any(line.startswith(_GPS) for line in lines):
        found.append("gps")
    if any(line.split(":", 1)[0].strip() in _SERIALS for line in lines):
        found.append("serial")
    return tuple(found)


def strip_image(data: bytes, images: ImageWork) -> tuple[str, bytes]:
    """(what the image's metadata said, a PNG copy of its pixels with no metadata), made by
    ``images``: an app's one pool, never a new one per request, or its limit would not hold."""
    return images.strip(data)


@dataclass(frozen=True)
class ImageLimits:
    """What one clean copy may cost, and how many are made at once."""

    # Every phone's usual photo (12 MP, 24 MP) fits; a decoded pixel takes 4 to 8 bytes
    # in the worker, so a small file declaring a huge canvas is refused from its header.
    max_pixels: int = 25_000_000
    memory_bytes: int = 1024 * 1024 * 1024  # each worker's address space
    seconds: int = 60  # each worker's wall-clock and CPU time; as long to wait for a worker
    workers: int = 2


def megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


class ImageWork:
    """Clean copies, each made by its own child process under ``limits``; at most
    ``limits.workers`` at once. One per app, shared by all its requests."""

    def __init__(self, limits: ImageLimits | None = None) -> None:
        self.limits = limits or ImageLimits()
        self._slots = threading.BoundedSemaphore(self.limits.workers)

    def strip(self, data: bytes) -> tuple[str, bytes]:
        if not self._slots.acquire(timeout=self.limits.seconds):
            raise InputError(IMAGES_BUSY, hint=IMAGES_BUSY_HINT)
        try:
            status, metadata, clean = self._run(data)
        finally:
            self._slots.release()
        if status == "pixels":
            raise InputError(
                TOO_MANY_PIXELS % {"mp": megapixels(self.limits.max_pixels)},
                hint=TOO_MANY_PIXELS_HINT,
            )
        if status != "ok":  # damaged, out of memory, out of time, or killed
            raise InputError(UNREADABLE_IMAGE, hint=UNREADABLE_IMAGE_HINT)
        return metadata, clean

    def _run(self, data: bytes) -> tuple[str, str, bytes]:
        limits = self.limits
        command = [
            sys.executable,
            "-m",
            "bearwitness.services._image_worker",
            str(limits.max_pixels),
            str(limits.memory_bytes),
            str(limits.seconds),
        ]
        # The same code as this process runs; nothing else of its environment is needed.
        environment = {"PYTHONPATH": str(Path(bearwitness.__file__).parents[1])}
        try:
            # Our own worker module, by this interpreter, with fixed arguments; data on stdin.
            done = subprocess.run(  # nosec B603
                command,
                input=data,
                capture_output=True,
                timeout=limits.seconds,
                check=False,
                env=environment,
            )
        except subprocess.TimeoutExpired:
            return "time", "", b""
        header, _, clean = done.stdout.partition(b"\n")
        if done.returncode != 0 or not header:
            return "killed", "", b""
        result = json.loads(header)
        return str(result["status"]), str(result["metadata"]), clean

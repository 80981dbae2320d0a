"""What an uploaded file is (by its bytes, not its name), a safe name, and a clean image copy.

A browser's file name and media type are only claims: the type is read from
the file's first bytes, and only the types below are accepted. A file name
keeps its last path component, without control characters, and is sealed
with the evidence; it never names a file on disk. Images are decoded and
re-encoded without metadata (EXIF, GPS, XMP, comments) into a copy; what the
metadata said is kept, sealed, with the original.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass

from bearwitness.errors import InputError

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
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
ACCEPTED = ("JPEG, PNG, GIF, WebP images; PDF; MP3, Ogg, FLAC, WAV audio; MP4 video; "
            "plain UTF-8 text")
MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class Inspected:
    media_type: str
    safe_name: str
    metadata_text: str
    clean_copy: bytes | None
    clean_media_type: str
    clean_name: str


def sniff(data: bytes) -> tuple[str, str]:
    """(media type, extension) read from the bytes, or InputError if not accepted."""
    for magic, offset, media_type, extension in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return media_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if data and b"\x00" not in data[:65536]:
        try:
            data.decode("utf-8")
            return "text/plain", ".txt"
        except UnicodeDecodeError:
            pass
    raise InputError("a file is of a type that is not accepted",
                     hint=f"Send {ACCEPTED}.")


def safe_name(claimed: str, extension: str) -> str:
    """The last component of a browser's file name, printable, at most 120 characters."""
    name = claimed.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if name in ("", ".", ".."):
        name = "file"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:100]}{extension}"


def inspect(data: bytes, claimed_name: str) -> Inspected:
    media_type, extension = sniff(data)
    name = safe_name(claimed_name, extension)
    if media_type not in IMAGE_TYPES:
        return Inspected(media_type, name, "", None, "", "")
    metadata, clean = strip_image(data)
    stem = name.rsplit(".", 1)[0]
    return Inspected(media_type, name, metadata, clean, "image/png", f"{stem}-no-metadata.png")


def strip_image(data: bytes) -> tuple[str, bytes]:
    """(what the image's metadata said, a PNG copy of its pixels with no metadata)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                metadata = _describe_metadata(image)
                upright = ImageOps.exif_transpose(image) or image
                mode = "RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB"
                pixels = Image.new(mode, upright.size)
                pixels.paste(upright.convert(mode))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("an image could not be read (damaged, or too large)",
                         hint=f"Send images of at most {MAX_IMAGE_PIXELS // 1_000_000} "
                              "megapixels, in JPEG, PNG, GIF or WebP.") from None
    out = io.BytesIO()
    pixels.save(out, format="PNG")
    return metadata, out.getvalue()


def _describe_metadata(image: object) -> str:
    from PIL import ExifTags, Image

    assert isinstance(image, Image.Image)
    lines: list[str] = []
    exif = image.getexif()
    for tag, value in exif.items():
        lines.append(f"{ExifTags.TAGS.get(tag, str(tag))}: {str(value)[:200]}")
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for tag, value in gps.items():
        lines.append(f"GPS {ExifTags.GPSTAGS.get(tag, str(tag))}: {str(value)[:200]}")
    for key, value in image.info.items():
        if key not in ("exif", "icc_profile", "dpi", "transparency", "gamma"):
            lines.append(f"{key}: {str(value)[:200]}")
    return "\n".join(lines)

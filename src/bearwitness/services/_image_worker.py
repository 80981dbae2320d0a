"""The clean copy of one image, made in a child process that is allowed to run out of memory.

    python -m bearwitness.services._image_worker MAX_PIXELS MEMORY_BYTES CPU_SECONDS

reads the image on standard input and writes one line of JSON to standard
output, then (when the status is ``ok``) the PNG copy. A small file can
declare a huge canvas (a decompression bomb), so the pixel count is read
from the header before anything is decoded, and the process limits its own
address space and CPU time first: a bomb that gets past the header ends in
a ``MemoryError`` here, or in this process being killed, never in the server.
It holds no key, and writes no core file (what it decodes is evidence).

Statuses: ``ok`` (``metadata``: what the image's metadata said), ``pixels``
(more than MAX_PIXELS), ``damaged`` (not a readable image), ``memory``.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import warnings

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from bearwitness.services import _formats


def strip(data: bytes, max_pixels: int) -> tuple[str, str, bytes]:
    """(status, what the metadata said, a PNG of the pixels alone; for a HEIF photo, the
    same HEIF with its metadata blanked)."""
    if _formats.is_heif(data):
        return strip_heif(data)
    # Pillow refuses at twice its limit and warns above it: both are a refusal here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return "pixels", "", b""
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            return "damaged", "", b""
        width, height = image.size
        if width * height > max_pixels:
            return "pixels", "", b""
        try:
            image.load()
            metadata = describe_metadata(image)
            ImageOps.exif_transpose(image, in_place=True)
            mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
            source = image if image.mode == mode else image.convert(mode)
        except MemoryError:
            raise
        except Exception:  # whatever a damaged file makes Pillow raise, it is damaged
            return "damaged", "", b""
    # A new image holds the pixels and nothing else. The decoded original is let go
    # first, so that at most two frames are held at once.
    if source is not image:
        image.close()
    pixels = Image.new(mode, source.size)
    pixels.paste(source)
    source.close()
    out = io.BytesIO()
    pixels.save(out, format="PNG")
    return "ok", metadata, out.getvalue()


def strip_heif(data: bytes) -> tuple[str, str, bytes]:
    """A HEIF photo with its Exif and XMP items' bytes set to zero, and what they said.

    No decoder for HEIF's pixels is installed, so the copy is the same file with the
    metadata blanked in place: every box and offset stays as it was, so it opens as
    before, and nothing of the position, the time or the device is left in it.
    """
    try:
        items = _formats.heif_metadata(data)
    except (ValueError, IndexError):
        return "damaged", "", b""
    clean = bytearray(data)
    lines: list[str] = []
    for label, ranges in items:
        payload = b"".join(data[offset : offset + length] for offset, length in ranges)
        if label == "Exif":
            lines += _exif_lines(payload[4 + int.from_bytes(payload[:4], "big") :])
        else:
            lines.append(f"XMP: {payload[:200].decode('utf-8', 'replace')}")
        for offset, length in ranges:
            clean[offset : offset + length] = bytes(length)
    return "ok", "\n".join(lines), bytes(clean)


def _exif_lines(tiff: bytes) -> list[str]:
    exif = Image.Exif()
    try:
        exif.load(tiff.removeprefix(b"Exif\0\0"))
        return describe_exif(exif)
    except Exception:  # a damaged Exif block: it is blanked all the same
        return ["Exif: present, unreadable"]


def describe_exif(exif: Image.Exif) -> list[str]:
    """Exif's tags, its Exif sub-IFD (where a camera keeps its serial number) and GPS."""
    lines = [
        f"{ExifTags.TAGS.get(tag, str(tag))}: {str(value)[:200]}" for tag, value in exif.items()
    ]
    for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items():
        lines.append(f"{ExifTags.TAGS.get(tag, str(tag))}: {str(value)[:200]}")
    for tag, value in exif.get_ifd(ExifTags.IFD.GPSInfo).items():
        lines.append(f"GPS {ExifTags.GPSTAGS.get(tag, str(tag))}: {str(value)[:200]}")
    return lines


def describe_metadata(image: Image.Image) -> str:
    lines: list[str] = []
    exif = image.getexif()
    for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items():
        lines.append(f"{ExifTags.TAGS.get(tag, str(tag))}: {str(value)[:200]}")
    for tag, value in exif.items():
        lines.append(f"{ExifTags.TAGS.get(tag, str(tag))}: {str(value)[:200]}")
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for tag, value in gps.items():
        lines.append(f"GPS {ExifTags.GPSTAGS.get(tag, str(tag))}: {str(value)[:200]}")
    for key, value in image.info.items():
        if key not in ("exif", "icc_profile", "dpi", "transparency", "gamma"):
            lines.append(f"{key}: {str(value)[:200]}")
    return "\n".join(lines)


def limit(kind: int, value: int) -> None:
    """Lower both limits to ``value`` (or to the hard limit already there, if lower)."""
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(argv: list[str]) -> int:
    max_pixels, memory_bytes, cpu_seconds = (int(value) for value in argv[1:4])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    data = sys.stdin.buffer.read()
    limit(resource.RLIMIT_CPU, cpu_seconds)
    limit(resource.RLIMIT_AS, memory_bytes)
    try:
        status, metadata, png = strip(data, max_pixels)
    except MemoryError:
        status, metadata, png = "memory", "", b""
    del data
    out = sys.stdout.buffer
    out.write(json.dumps({"status": status, "metadata": metadata}).encode() + b"\n")
    out.write(png)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

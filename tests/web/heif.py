"""A FICTIONAL HEIF photo as an iPhone writes one: ``ftyp``, a ``meta`` box naming an image
item and an Exif item (GPS position, a camera serial number), and ``mdat`` with their bytes.
Its pixels are not real HEVC: nothing here decodes them."""

from __future__ import annotations

import struct

from PIL import ExifTags, Image

PIXELS = b"FICTIONAL-HEVC-PIXELS" * 10


def box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I", 8 + len(content)) + kind + content


def full_box(kind: bytes, version: int, content: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + content)


def exif_payload() -> bytes:
    """An Exif item's data: the offset to the TIFF header, "Exif\\0\\0", the TIFF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FICTIONAL phone maker"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "FICTIONAL-SERIAL-0042"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 18.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (45.0, 41.0, 10.0)
    tiff = exif.tobytes()
    if not tiff.startswith(b"Exif\0\0"):
        tiff = b"Exif\0\0" + tiff
    return struct.pack(">I", 0) + tiff


def heic_photo(brand: bytes = b"heic") -> bytes:
    exif = exif_payload()

    def infe(item: int, kind: bytes) -> bytes:
        return full_box(b"infe", 2, struct.pack(">HH", item, 0) + kind + b"\0")

    def layout(offset: int) -> bytes:
        iloc = full_box(
            b"iloc",
            0,
            bytes([0x44, 0x00])
            + struct.pack(">H", 2)
            + struct.pack(">HHHII", 1, 0, 1, offset, len(PIXELS))
            + struct.pack(">HHHII", 2, 0, 1, offset + len(PIXELS), len(exif)),
        )
        hdlr = full_box(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"\0")
        iinf = full_box(b"iinf", 0, struct.pack(">H", 2) + infe(1, b"hvc1") + infe(2, b"Exif"))
        return full_box(b"meta", 0, hdlr + iinf + iloc)

    ftyp = box(b"ftyp", brand + bytes(4) + b"mif1" + brand)
    meta = layout(0)
    start = len(ftyp) + len(meta) + 8
    return ftyp + layout(start) + box(b"mdat", PIXELS + exif)

"""Whether a file's bytes have the structure of the format its first bytes claim.

A few magic bytes are easy to put in front of anything (a Windows program
with ``ftyp`` at offset 4 was once stored as video/mp4), so each accepted
format is also walked: its boxes, pages, blocks, chunks or frames must be
well formed and add up to the whole file. Images are checked by decoding
them, in a worker (``services/_image_worker.py``). Each check reads only
the bytes it was given and does a bounded amount of work per byte.
"""

from __future__ import annotations

import re
import struct

# ISO BMFF brands of still images (HEIF, AVIF): not video, and not accepted.
IMAGE_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}


def pdf(data: bytes) -> bool:
    """A PDF header, ``startxref`` and ``%%EOF`` at the end, and an xref table with its
    trailer, or an xref stream, where ``startxref`` points."""
    if not re.match(rb"%PDF-[12]\.\d", data):
        return False
    tail_start = max(0, len(data) - 1024)
    ends = list(re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF").finditer(data, tail_start))
    if not ends:
        return False
    offset = int(ends[-1].group(1))
    if offset >= len(data):
        return False
    if re.compile(rb"\s*xref\s").match(data, offset):
        return re.compile(rb"trailer\s*<<").search(data, offset) is not None
    stream = re.compile(rb"\s*\d+\s+\d+\s+obj\s*<<").match(data, offset)
    return (
        stream is not None
        and re.compile(rb"/Type\s*/XRef").search(data, stream.end(), stream.end() + 4096)
        is not None
    )


def iso_bmff(data: bytes) -> bool:
    """Top-level boxes, ``ftyp`` first and a ``moov`` among them, whose sizes add up."""
    position, kinds = 0, []
    while position < len(data):
        if len(data) - position < 8:
            return False
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:  # a 64-bit size follows
            if len(data) - position < 16:
                return False
            size, header = struct.unpack_from(">Q", data, position + 8)[0], 16
        elif size == 0:  # the last box runs to the end of the file
            size = len(data) - position
        if size < header or position + size > len(data):
            return False
        if not all(32 <= byte < 127 or byte == 0xA9 for byte in kind):
            return False
        kinds.append(kind)
        position += size
    return bool(kinds) and kinds[0] == b"ftyp" and b"moov" in kinds


def iso_brand(data: bytes) -> bytes:
    return data[8:12]


_BITRATES = {  # kbit/s by bitrate index 1-14, for (MPEG-1?, layer)
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(data: bytes, position: int) -> int:
    """The length of the MPEG audio frame whose header is at ``position``; 0 if none is."""
    if len(data) - position < 4:
        return 0
    b0, b1, b2, b3 = data[position : position + 4]
    version, layer = (b1 >> 3) & 3, 4 - ((b1 >> 1) & 3)
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if (
        b0 != 0xFF
        or b1 & 0xE0 != 0xE0
        or version == 1
        or layer == 4
        or bitrate_index in (0, 15)
        or rate_index == 3
        or b3 & 3 == 2
    ):
        return 0
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def mpeg_frames(data: bytes, position: int, frames: int = 3) -> bool:
    """``frames`` whole MPEG audio frames in a row from ``position``, or fewer that end
    the file (before at most an ID3v1 tag)."""
    for _ in range(frames):
        length = mpeg_frame_length(data, position)
        if not length or position + length > len(data):
            return False
        position += length
        rest = len(data) - position
        if rest < 4 or (rest == 128 and data[position : position + 3] == b"TAG"):
            return True
    return True


def mp3(data: bytes) -> bool:
    """An ID3v2 tag (when there is one) followed by MPEG audio frames."""
    position = 0
    if data[:3] == b"ID3":
        if len(data) < 10:
            return False
        major, revision, flags = data[3], data[4], data[5]
        size_bytes = data[6:10]
        if major not in (2, 3, 4) or revision == 0xFF or any(b & 0x80 for b in size_bytes):
            return False
        size = 0
        for byte in size_bytes:  # "syncsafe": 7 bits a byte
            size = (size << 7) | byte
        position = 10 + size + (10 if major == 4 and flags & 0x10 else 0)
        while position < len(data) and data[position] == 0:  # padding past the tag
            position += 1
    return position < len(data) and mpeg_frames(data, position)


def ogg(data: bytes) -> bool:
    """Ogg pages, the first opening a stream, whose lengths add up to the file."""
    position, first = 0, True
    while position < len(data):
        if data[position : position + 4] != b"OggS" or len(data) - position < 27:
            return False
        version, kind, segments = data[position + 4], data[position + 5], data[position + 26]
        if version != 0 or kind & ~7 or (first and not kind & 2):
            return False
        table = data[position + 27 : position + 27 + segments]
        if len(table) < segments:
            return False
        position += 27 + segments + sum(table)
        first = False
    return position == len(data)


def flac(data: bytes) -> bool:
    """``fLaC``, a STREAMINFO block first, well-formed metadata blocks, then a frame."""
    position, first = 4, True
    while True:
        if len(data) - position < 4:
            return False
        header = data[position]
        kind, length = header & 0x7F, int.from_bytes(data[position + 1 : position + 4], "big")
        if kind == 127 or (first and (kind != 0 or length != 34)):
            return False
        position += 4 + length
        first = False
        if header & 0x80:  # the last metadata block
            break
    return data[position : position + 2] in (b"\xff\xf8", b"\xff\xf9")


def wav(data: bytes) -> bool:
    """A RIFF size that matches the file, and chunks with a ``fmt `` before the ``data``."""
    if len(data) < 12:
        return False
    end = struct.unpack_from("<I", data, 4)[0] + 8
    if end not in (len(data), len(data) - 1):  # a final pad byte may lie outside
        return False
    position, seen = 12, set()
    while position < end:
        if end - position < 8:
            return False
        chunk, size = struct.unpack_from("<4sI", data, position)
        if not all(32 <= byte < 127 for byte in chunk) or position + 8 + size > end:
            return False
        if (chunk == b"fmt " and size < 16) or (chunk == b"data" and b"fmt " not in seen):
            return False
        seen.add(chunk)
        position += 8 + size + (size & 1)
    return {b"fmt ", b"data"} <= seen


# --- HEIF (iPhone photos): the boxes that say which items are metadata ----------------------
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}


def _box_list(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]] | None:
    """(kind, start of content, end) of each box between ``start`` and ``end``; None when
    their sizes do not add up."""
    boxes, position = [], start
    while position < end:
        if end - position < 8:
            return None
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            if end - position < 16:
                return None
            size, header = struct.unpack_from(">Q", data, position + 8)[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            return None
        boxes.append((kind, position + header, position + size))
        position += size
    return boxes


def heif_brands(data: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO BMFF file's ``ftyp`` box."""
    if data[4:8] != b"ftyp" or len(data) < 16:
        return set()
    size = struct.unpack_from(">I", data, 0)[0]
    end = min(size, len(data))
    return {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}


def is_heif(data: bytes) -> bool:
    return bool(heif_brands(data) & HEIF_BRANDS) and not heif_brands(data) & {b"avif", b"avis"}


def heif(data: bytes) -> bool:
    """Top-level boxes, ``ftyp`` first and a ``meta`` among them, whose sizes add up."""
    boxes = _box_list(data, 0, len(data)) or []
    return bool(boxes) and boxes[0][0] == b"ftyp" and any(b[0] == b"meta" for b in boxes)


def _uint(data: bytes, position: int, size: int) -> int:
    if size == 0:
        return 0
    if position + size > len(data) or size not in (1, 2, 4, 8):
        raise ValueError("truncated")
    return int.from_bytes(data[position : position + size], "big")


def heif_metadata(data: bytes) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each metadata item of a HEIF file (``Exif``, or XMP as a ``mime`` item) with the
    byte ranges of its data in the file. ValueError when the boxes are malformed, or
    when an item's data is where this cannot follow (a reference to another item)."""
    boxes = _box_list(data, 0, len(data))
    meta = next((b for b in boxes or () if b[0] == b"meta"), None)
    if meta is None:
        raise ValueError("no meta box")
    children = _box_list(data, meta[1] + 4, meta[2])  # meta is a full box
    if children is None:
        raise ValueError("malformed meta box")
    kinds: dict[int, str] = {}
    locations: dict[int, list[tuple[int, int, int]]] = {}  # item -> (method, offset, length)
    idat = next((b for b in children if b[0] == b"idat"), None)
    for kind, start, end in children:
        if kind == b"iinf":
            version = data[start]
            count_size = 2 if version == 0 else 4
            entries = _box_list(data, start + 4 + count_size, end) or []
            for entry_kind, entry_start, entry_end in entries:
                if entry_kind != b"infe" or data[entry_start] < 2:
                    continue
                id_size = 2 if data[entry_start] == 2 else 4
                item = _uint(data, entry_start + 4, id_size)
                type_at = entry_start + 4 + id_size + 2
                item_type = data[type_at : type_at + 4]
                if item_type == b"Exif":
                    kinds[item] = "Exif"
                elif item_type == b"mime":
                    rest = data[type_at + 4 : entry_end]
                    name_end = rest.find(b"\0")
                    content = rest[name_end + 1 :].split(b"\0", 1)[0] if name_end >= 0 else b""
                    if b"xmp" in content.lower() or b"rdf" in content.lower():
                        kinds[item] = "XMP"
        elif kind == b"iloc":
            version = data[start]
            position = start + 4
            offset_size, length_size = data[position] >> 4, data[position] & 15
            base_size, index_size = data[position + 1] >> 4, data[position + 1] & 15
            position += 2
            count_size = 2 if version < 2 else 4
            count = _uint(data, position, count_size)
            position += count_size
            for _ in range(min(count, 100_000)):
                item = _uint(data, position, count_size)
                position += count_size
                method = 0
                if version in (1, 2):
                    method = _uint(data, position, 2) & 15
                    position += 2
                position += 2  # data_reference_index
                base = _uint(data, position, base_size)
                position += base_size
                extents = _uint(data, position, 2)
                position += 2
                found = []
                for _ in range(extents):
                    if version in (1, 2) and index_size:
                        position += index_size
                    offset = _uint(data, position, offset_size)
                    position += offset_size
                    length = _uint(data, position, length_size)
                    position += length_size
                    found.append((method, base + offset, length))
                locations[item] = found
                if position > end:
                    raise ValueError("malformed iloc box")
    items = []
    for item, label in kinds.items():
        ranges = []
        for method, offset, length in locations.get(item, []):
            if method == 1 and idat is not None:
                offset += idat[1]
            elif method != 0:
                raise ValueError("an item's data is given by reference")
            if length == 0 or offset + length > len(data):
                raise ValueError("an item's data lies outside the file")
            ranges.append((offset, length))
        items.append((label, ranges))
    return items

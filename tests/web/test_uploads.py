"""What the intake accepts as a file: checked by structure, and images decoded in a bounded worker.

Decompression bombs (a small file declaring a huge canvas) are refused from their header,
and a worker that runs out of memory ends in a refusal, not in the server's memory.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import wave
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bearwitness.errors import InputError
from bearwitness.services import media
from tests.web.conftest import Team
from tests.web.heif import heic_photo

TEXT = "FICTIONAL account: the files below"
# The start of a Windows program (a PE file): the disguised content in every case below.
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + bytes(43)
    + b"\x80\x00\x00\x00"
    + bytes(64)
    + b"PE\x00\x00L\x01\x03\x00"
    + bytes(400)
)


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def ftyp(brand: bytes) -> bytes:
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"iso2")


def mpeg_frames(count: int) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes a frame.
    return (b"\xff\xfb\x90\x00" + bytes(413)) * count


def id3(body: bytes = b"") -> bytes:
    return b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(body)]) + body


def ogg_page(kind: int, sequence: int, payload: bytes) -> bytes:
    return (
        b"OggS\x00"
        + bytes([kind])
        + bytes(8)
        + b"\x01\x00\x00\x00"
        + struct.pack("<I", sequence)
        + bytes(4)
        + bytes([1, len(payload)])
        + payload
    )


def riff(form: bytes, body: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + form + body


def png_bomb(side: int) -> bytes:
    """A PNG of side×side black pixels in a few kilobytes: the IDAT is written directly,
    so making it allocates nothing like the image."""
    packer = zlib.compressobj(9)
    row = bytes(1 + side * 3)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def gif_bomb() -> bytes:
    """A GIF of 65535×65535 pixels (4.3 billion) in 30 bytes."""
    return (
        b"GIF89a"
        + struct.pack("<HH", 65535, 65535)
        + b"\x00\x00\x00"
        + b"\x2c"
        + struct.pack("<HHHH", 0, 0, 65535, 65535)
        + b"\x00"
        + b"\x02\x02\x4c\x01\x00\x3b"
    )


def webp_bomb() -> bytes:
    """An extended WebP declaring a 16384×16384 canvas, with no image data."""
    size = (16383).to_bytes(3, "little")
    return riff(b"WEBP", b"VP8X" + struct.pack("<I", 10) + bytes(4) + size + size)


def picture(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, format=kind)
    return out.getvalue()


def wav_file() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(1601))
    return out.getvalue()


def valid_files() -> dict[str, tuple[bytes, str]]:
    """A well-formed file of every accepted type, and the media type it must get."""
    return {
        "scan.pdf": (picture("PDF"), "application/pdf"),
        "clip.mp4": (
            ftyp(b"isom") + box(b"moov", bytes(40)) + box(b"mdat", bytes(300)),
            "video/mp4",
        ),
        "note.m4a": (
            ftyp(b"M4A ") + box(b"moov", bytes(40)) + box(b"mdat", bytes(300)),
            "audio/mp4",
        ),
        "voice.mp3": (id3(bytes(20)) + mpeg_frames(4), "audio/mpeg"),
        "bare.mp3": (mpeg_frames(3), "audio/mpeg"),
        "voice.ogg": (
            ogg_page(2, 0, b"\x01vorbis" + bytes(22)) + ogg_page(4, 1, bytes(60)),
            "audio/ogg",
        ),
        "voice.flac": (
            b"fLaC" + b"\x80\x00\x00\x22" + bytes(34) + b"\xff\xf8" + bytes(30),
            "audio/flac",
        ),
        "voice.wav": (wav_file(), "audio/wav"),
        "photo.jpg": (picture("JPEG"), "image/jpeg"),
        "photo.png": (picture("PNG"), "image/png"),
        "photo.gif": (picture("GIF"), "image/gif"),
        "photo.webp": (picture("WEBP"), "image/webp"),
        "note.txt": ("FICTIONAL note, по-русски".encode(), "text/plain"),
        "photo.heic": (heic_photo(), "image/heic"),
    }


# A program behind the first bytes of each accepted format, and the words that refuse it.
DISGUISED = {
    "scan.pdf": (
        b"%PDF-1.7\n" + PE + b"\nstartxref\n0\n%%EOF\n",
        "a PDF file is damaged",
        "PDF-файл повреждён",
    ),
    "clip.mp4": (ftyp(b"isom") + PE, "an MP4 video file is damaged", "видеофайл MP4 повреждён"),
    "note.m4a": (
        ftyp(b"M4A ") + box(b"moov", b"") + PE,
        "an MP4 audio file is damaged",
        "аудиофайл MP4 повреждён",
    ),
    "voice.mp3": (id3() + PE, "an MP3 audio file is damaged", "аудиофайл MP3 повреждён"),
    "tagless.mp3": (
        b"\xff\xfb\x90\x00" + PE,
        "an MP3 audio file is damaged",
        "аудиофайл MP3 повреждён",
    ),
    "voice.ogg": (b"OggS" + PE, "an Ogg audio file is damaged", "аудиофайл Ogg повреждён"),
    "voice.flac": (b"fLaC" + PE, "a FLAC audio file is damaged", "аудиофайл FLAC повреждён"),
    "voice.wav": (riff(b"WAVE", PE), "a WAV audio file is damaged", "аудиофайл WAV повреждён"),
    "photo.jpg": (
        b"\xff\xd8\xff\xe0" + PE,
        "an image could not be read",
        "не удалось прочитать изображение",
    ),
    "photo.png": (
        b"\x89PNG\r\n\x1a\n" + PE,
        "an image could not be read",
        "не удалось прочитать изображение",
    ),
    "photo.gif": (b"GIF89a" + PE, "an image could not be read", "не удалось прочитать изображение"),
    "photo.webp": (
        riff(b"WEBP", PE),
        "an image could not be read",
        "не удалось прочитать изображение",
    ),
    "photo.heic": (ftyp(b"heic") + PE, "a HEIC photo is damaged", "фото HEIC повреждено"),
    "photo.avif": (ftyp(b"avif") + box(b"meta", bytes(20)), "not accepted", "не принимается"),
    "program.exe": (PE, "not accepted", "не принимается"),
}


def test_every_accepted_type_is_recognised_by_its_structure() -> None:
    for name, (data, media_type) in valid_files().items():
        assert media.sniff(data)[0] == media_type, name


def test_a_program_disguised_as_any_accepted_type_is_refused_in_both_languages(
    intake: TestClient, team: Team
) -> None:
    for name, (data, english, russian) in DISGUISED.items():
        for lang, words in (("en", english), ("ru", russian)):
            response = intake.post(
                f"/submit?lang={lang}",
                data={"text": TEXT, "lang": lang},
                files=[("files", (name, data, "application/octet-stream"))],
            )
            assert response.status_code == 400, (name, lang, response.status_code)
            assert words.lower() in response.text.lower(), (name, lang)
            assert ("Nothing was sent" if lang == "en" else "Ничего не отправлено") in response.text
    assert list((team.folder / "inbox").iterdir()) == []


def test_well_formed_files_of_every_type_are_taken_in(intake: TestClient, team: Team) -> None:
    files = valid_files()
    names = list(files)
    for start in range(0, len(names), 5):  # five files a submission at most
        response = intake.post(
            "/submit",
            data={"text": TEXT, "lang": "en"},
            files=[
                ("files", (name, files[name][0], "application/octet-stream"))
                for name in names[start : start + 5]
            ],
        )
        assert response.status_code == 200, (names[start : start + 5], response.text)


@pytest.mark.parametrize(
    ("name", "bomb"),
    [
        ("bomb.png", png_bomb(7000)),  # 49 megapixels in 143 KB: under the old 50 MP limit
        ("bomb.gif", gif_bomb()),
        ("bomb.webp", webp_bomb()),
    ],
)
def test_decompression_bombs_are_refused_from_their_header(
    intake: TestClient, team: Team, name: str, bomb: bytes
) -> None:
    assert len(bomb) < 200_000
    english = intake.post(
        "/submit", data={"text": TEXT, "lang": "en"}, files=[("files", (name, bomb, "image/png"))]
    )
    assert english.status_code == 400
    assert "An image has more than 25 megapixels" in english.text
    assert "smaller copy" in english.text and TEXT in english.text
    russian = intake.post(
        "/submit?lang=ru",
        data={"text": TEXT, "lang": "ru"},
        files=[("files", (name, bomb, "image/png"))],
    )
    assert russian.status_code == 400 and "больше 25 мегапикселей" in russian.text
    assert list((team.folder / "inbox").iterdir()) == []


def test_a_tiff_of_any_size_is_refused_before_it_is_opened() -> None:
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, format="TIFF")
    with pytest.raises(InputError, match="not accepted"):
        media.sniff(out.getvalue())


def test_the_pixel_limit_is_configurable() -> None:
    small = media.ImageWork(media.ImageLimits(max_pixels=1000))
    with pytest.raises(InputError, match=r"more than 0\.001 megapixels"):
        media.strip_image(picture("PNG"), small)
    _, clean = media.strip_image(picture("PNG"), media.ImageWork(media.ImageLimits()))
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (40, 30)


def test_a_bomb_under_the_pixel_limit_ends_in_the_worker_out_of_memory() -> None:
    bomb = png_bomb(7000)
    generous = media.ImageLimits(max_pixels=100_000_000, memory_bytes=256 * 1024 * 1024)
    # The worker itself: its address space is limited, so decoding fails there.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bearwitness.services._image_worker",
            str(generous.max_pixels),
            str(generous.memory_bytes),
            "60",
        ],
        input=bomb,
        capture_output=True,
        check=True,
    )
    assert json.loads(done.stdout.split(b"\n", 1)[0])["status"] == "memory"
    # ... and what a request gets from it: a refusal, not a copy.
    with pytest.raises(InputError, match="could not be read"):
        media.strip_image(bomb, media.ImageWork(generous))


def test_image_work_waits_for_a_free_worker_and_then_refuses() -> None:
    work = media.ImageWork(media.ImageLimits(workers=1, seconds=1))
    assert work._slots.acquire()  # the one worker is busy
    try:
        with pytest.raises(InputError, match="too many images"):
            work.strip(picture("PNG"))
    finally:
        work._slots.release()
    assert work.strip(picture("PNG"))[1].startswith(b"\x89PNG")

"""HEIC photos: recognised by their ftyp brand, their clean copy with the metadata blanked,
what the metadata said kept (sealed) for the warning on the document page."""

from __future__ import annotations

from bearwitness.services import media
from tests.web.heif import PIXELS, box, exif_payload, heic_photo


def test_a_heic_photo_is_an_image_not_a_video() -> None:
    for brand in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
        assert media.sniff(heic_photo(brand)) == ("image/heic", ".heic"), brand
    assert media.sniff(box(b"ftyp", b"isom" + bytes(4)) + box(b"moov", b""))[0] == "video/mp4"


def test_its_clean_copy_keeps_the_pixels_and_loses_position_and_serial_number() -> None:
    photo = heic_photo()
    checked = media.inspect(photo, "IMG_0001.HEIC", media.ImageWork())
    assert checked.media_type == checked.clean_media_type == "image/heic"
    assert checked.clean_name == "IMG_0001-no-metadata.heic"
    clean = checked.clean_copy
    assert clean is not None and len(clean) == len(photo) and PIXELS in clean
    assert b"FICTIONAL-SERIAL-0042" in photo and b"FICTIONAL-SERIAL-0042" not in clean
    assert exif_payload() in photo and exif_payload() not in clean
    assert "GPS GPSLatitude" in checked.metadata_text
    assert "FICTIONAL-SERIAL-0042" in checked.metadata_text
    assert media.metadata_warnings(checked.metadata_text) == ("gps", "serial")
    assert media.metadata_warnings("Make: FICTIONAL") == ()

"""RFC 3161 timestamps over a checkpoint, from a local `openssl ts` authority."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog.timestamp import http_transport, request_timestamp, verify_timestamp
from tests.tlog.tsa import make_tsa, serve_tsa

CHECKPOINT = b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n"


def test_real_token_verifies_and_dates_the_checkpoint(tmp_path: Path) -> None:
    tsa = make_tsa(tmp_path / "tsa")
    request, response = request_timestamp(CHECKPOINT, tsa.stamp)
    when = verify_timestamp(response, CHECKPOINT, roots=[tsa.root], nonce=request.nonce)
    assert abs(when - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # The standard tool agrees, knowing nothing of BearWitness.
    (tmp_path / "cp").write_bytes(CHECKPOINT)
    (tmp_path / "cp.tsr").write_bytes(response)
    subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(tmp_path / "cp"),
            "-in",
            str(tmp_path / "cp.tsr"),
            "-CAfile",
            str(tsa.root_pem),
        ],
        check=True,
        capture_output=True,
    )


def test_token_over_other_bytes_or_from_untrusted_tsa_fails(tmp_path: Path) -> None:
    tsa = make_tsa(tmp_path / "tsa")
    other = make_tsa(tmp_path / "other")
    request, response = request_timestamp(CHECKPOINT, tsa.stamp)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_timestamp(response, CHECKPOINT.replace(b"3", b"4"), roots=[tsa.root])
    with pytest.raises(VerificationError, match="does not verify"):
        verify_timestamp(response, CHECKPOINT, roots=[other.root])
    with pytest.raises(VerificationError, match="does not verify"):
        verify_timestamp(response, CHECKPOINT, roots=[tsa.root], nonce=(request.nonce or 0) + 1)
    with pytest.raises(VerificationError, match="cannot be read"):
        verify_timestamp(b"\x30\x03junk", CHECKPOINT, roots=[tsa.root])


def test_http_transport_talks_to_a_local_tsa_server(tmp_path: Path) -> None:
    tsa = make_tsa(tmp_path / "tsa")

    with serve_tsa(tsa) as url:
        request, response = request_timestamp(CHECKPOINT, http_transport(url))
        verify_timestamp(response, CHECKPOINT, roots=[tsa.root], nonce=request.nonce)
    with pytest.raises(InputError, match="did not answer"):
        http_transport(url, timeout=2)(b"x")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://tsa.invalid/", "tsa.invalid"])
def test_only_an_http_url_is_a_timestamp_authority(url: str) -> None:
    # urllib would read a local file for a file: URL put in bearwitness.toml
    with pytest.raises(InputError, match="not an http or https URL"):
        http_transport(url)

"""Optional RFC 3161 timestamps over signed checkpoints, as independent evidence of time.

A trusted timestamp authority (TSA) signs "these bytes existed at time T".
Over a signed checkpoint it dates the whole log up to that size.

    request = build_request(note)                 # DER TimeStampReq, SHA-256, nonce
    response = transport(request.der)  # the caller POSTs it as application/timestamp-query
    when = verify_timestamp(response, note, roots=[tsa_root], nonce=request.nonce)

The network stays outside this module: ``transport`` is any callable that
sends the request bytes to a TSA and returns its response bytes. Keep the
response (``.tsr``) beside the checkpoint: ``openssl ts -verify -data checkpoint
-in checkpoint.tsr -CAfile tsa-root.pem`` checks it without BearWitness.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import rfc3161_client
from cryptography import x509

from bearwitness.errors import InputError, VerificationError

Transport = Callable[[bytes], bytes]


@dataclass(frozen=True)
class TimestampRequest:
    der: bytes
    nonce: int | None


def build_request(data: bytes) -> TimestampRequest:
    """A DER TimeStampReq over SHA-256(data), with a nonce and the TSA certificate requested."""
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    return TimestampRequest(request.as_bytes(), request.nonce)


def http_transport(url: str, timeout: float = 30.0) -> Transport:
    """A :data:`Transport` that POSTs to a TSA's URL (RFC 3161 section 3.4): ``http`` or
    ``https`` only (urllib would also read a ``file:`` URL from the configuration)."""
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InputError(
            f"the timestamp authority's URL {url!r} is not an http or https URL",
            hint="Give the address of the authority, beginning with https://.",
        )

    def send(request: bytes) -> bytes:
        http = urllib.request.Request(
            url,
            data=request,
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(http, timeout=timeout) as response:  # nosec B310 # http(s)
                return bytes(response.read())
        except OSError as exc:
            raise InputError(
                f"the timestamp authority at {url} did not answer: {exc}",
                hint="Check the URL and the network, or add the timestamp later.",
            ) from None

    return send


def request_timestamp(data: bytes, transport: Transport) -> tuple[TimestampRequest, bytes]:
    """Send a request through ``transport``; returns it with the (unverified) response bytes."""
    request = build_request(data)
    return request, transport(request.der)


def verify_timestamp(
    response: bytes,
    data: bytes,
    *,
    roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    nonce: int | None = None,
) -> dt.datetime:
    """Check a TSA response over ``data`` against trusted roots; returns its time (UTC)."""
    try:
        parsed = rfc3161_client.decode_timestamp_response(response)
    except Exception:  # the Rust parser raises its own types for malformed DER
        raise VerificationError(
            "the timestamp token cannot be read",
            hint="It must be a DER RFC 3161 TimeStampResp (.tsr).",
        ) from None
    builder = rfc3161_client.VerifierBuilder(
        roots=list(roots), intermediates=list(intermediates), nonce=nonce
    )
    try:
        builder.build().verify_message(parsed, data)
    except (rfc3161_client.VerificationError, ValueError) as exc:
        raise VerificationError(
            f"the timestamp does not verify: {exc}",
            hint="It was made over other bytes, or by a TSA you do not trust.",
        ) from None
    when = parsed.tst_info.gen_time
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

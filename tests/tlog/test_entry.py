"""Log entries: canonical bytes, strict parsing, the salted commitment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.errors import InputError
from bearwitness.tlog.entry import (
    KINDS,
    SALT_SIZE,
    LogEntry,
    canonical_json,
    commit,
    format_time,
    parse_entry,
)

HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,40}", fullmatch=True)
TIMES = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
).map(format_time)

ENTRIES = st.builds(
    LogEntry,
    kind=st.sampled_from(sorted(KINDS)),
    record_type=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
    record_id=IDS,
    version=st.integers(0, 2**53 - 1),
    commitment=HEX,
    actor=IDS,
    time=TIMES,
    previous_commitment=st.none() | HEX,
    file_sha256=st.none() | HEX,
    sealed_sha256=st.none() | HEX,
)


def example() -> LogEntry:
    return LogEntry(
        kind="update",
        record_type="person",
        record_id="P-7f3a",
        version=2,
        commitment="ab" * 32,
        previous_commitment="cd" * 32,
        actor="U-02",
        time="2026-01-31T12:00:00Z",
    )


def test_canonical_bytes_are_sorted_compact_and_leave_out_none() -> None:
    assert example().to_bytes() == (
        b'{"actor":"U-02","commitment":"' + b"ab" * 32 + b'","kind":"update",'
        b'"previous_commitment":"' + b"cd" * 32 + b'","record_id":"P-7f3a",'
        b'"record_type":"person","time":"2026-01-31T12:00:00Z","version":2}'
    )


@given(ENTRIES)
def test_round_trip(entry: LogEntry) -> None:
    data = entry.to_bytes()
    assert parse_entry(data) == entry
    assert len(data) < 65535


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"actor":"U-02"}',
        # non-canonical: spaces, key order
        example().to_bytes().replace(b":", b": ", 1),
        example().to_bytes().replace(b'{"actor":"U-02",', b"{")[:-1] + b',"actor":"U-02"}',
        example().to_bytes()[:-1] + b',"extra":1}',
        example().to_bytes()[:-1] + b',"file_sha256":null}',
        example().to_bytes().replace(b'"version":2', b'"version":2.5'),
        example().to_bytes().replace(b'"version":2', b'"version":true'),
        example().to_bytes().replace(b'"version":2', b'"version":"2"'),
        example().to_bytes().replace(b"update", b"rename"),
        example().to_bytes().replace(b"2026-01-31T12:00:00Z", b"2026-02-31T12:00:00Z"),
        example().to_bytes().replace(b"2026-01-31T12:00:00Z", b"2026-01-31 12:00:00"),
        example().to_bytes().replace(b"ab" * 32, b"AB" * 32),
        example().to_bytes().replace(b"P-7f3a", b"Ivan Petrov"),
    ],
)
def test_strict_parsing_rejects(data: bytes) -> None:
    with pytest.raises(InputError, match="invalid log entry"):
        parse_entry(data)


def test_invalid_values_are_refused_at_construction() -> None:
    with pytest.raises(InputError):
        dataclasses.replace(example(), commitment="00")
    with pytest.raises(InputError):
        dataclasses.replace(example(), version=-1)


def test_commitment_construction_is_the_documented_one() -> None:
    salt = bytes(range(SALT_SIZE))
    record = canonical_json({"name": "FICTIONAL Жанна", "born": 1990})
    assert record == '{"born":1990,"name":"FICTIONAL Жанна"}'.encode()
    expected = hashlib.sha256(b"bearwitness/commitment/v1\n" + salt + record).hexdigest()
    assert commit(salt, record) == expected
    assert commit(bytes(SALT_SIZE), record) != expected
    with pytest.raises(InputError, match="32 bytes"):
        commit(b"short", record)


def test_canonical_json_refuses_non_json() -> None:
    with pytest.raises(InputError):
        canonical_json({"x": float("nan")})
    with pytest.raises(InputError):
        canonical_json({"x": object()})


def test_format_time() -> None:
    moment = dt.datetime(2026, 1, 31, 15, 0, 0, 120, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert format_time(moment) == "2026-01-31T12:00:00.000120Z"
    with pytest.raises(InputError):
        format_time(dt.datetime(2026, 1, 1))

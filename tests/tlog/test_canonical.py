"""The canonical JSON fast path writes exactly what the ``rfc8785`` package writes."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.tlog.canonical import canonical_bytes

# Every code point, lone surrogates and the keys that sort differently in UTF-16 included.
TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF))
NEAR = st.text(
    st.sampled_from(
        ["a", "\x00", "\x1f", "\x7f", '"', "\\", "\ue000", "\uffff", "😀", "\U00010000", "é"]
    )
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) - 2, max_value=2**53 + 2)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | NEAR
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(TEXT | NEAR, inner, max_size=5)
    ),
    max_leaves=30,
)


def reference(value: Any) -> bytes | type[BaseException]:
    try:
        return rfc8785.dumps(value)
    except Exception as error:  # the kind of refusal is what is compared
        return type(error)


def fast(value: Any) -> bytes | type[BaseException]:
    try:
        return canonical_bytes(value)
    except Exception as error:
        return type(error)


@settings(max_examples=3000)
@given(VALUES)
def test_fast_path_is_byte_for_byte_rfc8785(value: Any) -> None:
    assert fast(value) == reference(value)


@settings(max_examples=500)
@given(st.dictionaries(NEAR, st.integers(min_value=0, max_value=9), min_size=2, max_size=8))
def test_keys_sort_by_utf16_code_units(value: dict[str, int]) -> None:
    assert fast(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # code point order and UTF-16 order differ
        {"text": "lone \ud800 surrogate"},
        {"n": 2**53 - 1, "m": -(2**53) + 1},
        {"n": 2**53},
        {"x": 1.0, "y": -0.0, "z": 1e21},
        {"ctl": "".join(chr(c) for c in range(0x20)) + '\x7f"\\\u2028'},
        ["a", ("b", "c"), {"d": None, "e": True, "f": False}],
        {1: "an int key"},
    ],
)
def test_edge_cases_match_rfc8785(value: Any) -> None:
    assert fast(value) == reference(value)


def test_a_record_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(obj: Any) -> bytes:
        raise AssertionError("the fallback was used")

    monkeypatch.setattr(rfc8785, "dumps", refuse)
    record = {"id": "D-0001", "text": "FICTIONAL Жанна\n", "event_ids": ["E-1"], "size": 3}
    assert canonical_bytes(record).startswith(b'{"event_ids":["E-1"],"id":"D-0001"')

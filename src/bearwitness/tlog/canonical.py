"""RFC 8785 (JCS) canonical JSON: a fast path for the values the archive commits to.

Records, log entries and row digests hold only text, whole numbers, booleans,
null, lists and objects with text keys. For exactly those, the standard
library's C encoder (compact separators, keys sorted, non-ASCII kept as UTF-8)
writes the RFC 8785 bytes: it escapes the same characters the same way
(``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other control characters as
lowercase ``\\u00xx``), and sorting keys by code point equals RFC 8785's sort
by UTF-16 code units while no key holds a character from U+E000 up (those sort
above a surrogate pair by code point, below it in UTF-16). Anything else (a
float, a tuple, a subclass, a number beyond 2**53 - 1, such a key, a lone
surrogate) goes to the ``rfc8785`` package, which stays the reference: a
property test checks the two byte for byte.
"""

from __future__ import annotations

import json
from typing import Any, Final

import rfc8785

_INT_MAX: Final = 2**53 - 1  # RFC 8785 numbers are IEEE doubles: whole ones up to here
_KEY_LIMIT: Final = "\ue000"  # keys below it sort the same by code point and UTF-16
_ENCODE = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, check_circular=False
).encode


def canonical_bytes(obj: Any) -> bytes:
    """RFC 8785 bytes of ``obj``; raises what ``rfc8785.dumps`` raises for what it refuses."""
    try:
        plain = _plain(obj)
    except RecursionError:
        plain = False
    if plain:
        try:
            return _ENCODE(obj).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 names the error
            pass
    return rfc8785.dumps(obj)


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only the types the fast path writes exactly as RFC 8785."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_INT_MAX <= value <= _INT_MAX)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or max(key) < _KEY_LIMIT):
                return False
            if type(item) is not str and not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110  # a loop: a generator per list costs more than the test
            if type(item) is not str and not _plain(item):
                return False
        return True
    return False

"""Short renderings of user input for error messages.

An error names what was wrong, but a 1 MB field or 100,000 column names must
not become a 1 MB message, and a nested list must not be printed at all:
values are quoted and cut, lists of names capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def quoted(value: object, limit: int = 40) -> str:
    """``value`` quoted and short: its start if it is long, its type if it is a container."""
    if isinstance(value, str):
        # repr escapes control characters and lone surrogates, so the message prints safely.
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    if isinstance(value, bool | float) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value) if value.bit_length() < 64 else "a number too long to show"
    return f"a {type(value).__name__}"


def listed(names: Iterable[str], noun: str, limit: int = 5) -> str:
    """``3 unknown columns: a, b, c`` or ``100000 unknown columns: a, b, …, e, … (99,995 more)``."""
    names = list(names)
    return f"{len(names)} {noun}{'' if len(names) == 1 else 's'}: {shortlist(names, limit)}"


def shortlist(names: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c, d, e, … (99,995 more)``: odd or long names quoted and cut."""
    shown = ", ".join(
        name if name.isprintable() and len(name) <= 40 else quoted(name) for name in names[:limit]
    )
    return shown + (f", … ({len(names) - limit:,} more)" if len(names) > limit else "")

"""Data shown on a terminal: control characters made visible, rich markup made inert.

Anything the CLI prints that came from an archive or an input file (a district,
a name, a list's column) may carry terminal escape sequences (ESC, CSI, a
carriage return that overwrites a line), bidirectional overrides that make
text read differently from what it is, or rich markup (``[bold]``, ``[/]``).
Everything such goes through :func:`safe_text` (plain output) or :func:`inert`
(output through rich) first, which shows those characters as ``\\x1b`` or
``\\u202e`` instead of obeying them.
"""

from __future__ import annotations

from rich.markup import escape

_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]  # C0, DEL, C1
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides, isolates


def _table(*, newlines: bool, json: bool) -> dict[int, str]:
    table = {code: (f"\\u{code:04x}" if json else f"\\x{code:02x}") for code in _CONTROLS}
    table.update({code: f"\\u{code:04x}" for code in _BIDI})
    if newlines:
        del table[0x0A]
    return table


_TABLES = {
    (newlines, json): _table(newlines=newlines, json=json)
    for newlines in (False, True)
    for json in (False, True)
}


def safe_text(value: object, *, newlines: bool = False, json: bool = False) -> str:
    r"""``value`` as text with every control character and bidi override escaped.

    ``newlines`` keeps line feeds, for text that is meant to span lines (a
    document, a summary). ``json`` writes ``\u001b`` escapes, valid inside the
    strings of JSON text.
    """
    return str(value).translate(_TABLES[newlines, json])


def inert(value: object, *, newlines: bool = False) -> str:
    """:func:`safe_text`, with rich markup escaped: for data in what rich prints."""
    return escape(safe_text(value, newlines=newlines))

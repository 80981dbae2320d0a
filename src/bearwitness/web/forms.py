"""Reading a request's form once, with its limits, and its uploads kept in memory.

Starlette spools an upload to a temporary file past ``MultiPartParser.spool_max_size``,
a class attribute: setting it would change every app in the process. Each app gives
its own limit here instead, to a parser of its own, so no upload's plaintext reaches
the disk and nothing is changed for anyone else.
"""

from __future__ import annotations

from contextlib import aclosing

from fastapi import HTTPException, Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, Headers
from starlette.formparsers import MultiPartException, MultiPartParser

from bearwitness.errors import InputError


class _InMemoryParser(MultiPartParser):
    """Starlette's parser, keeping up to ``in_memory`` bytes of each upload in memory."""

    def __init__(
        self, headers: Headers, stream: object, *, max_files: int, max_fields: int, in_memory: int
    ) -> None:
        super().__init__(
            headers,
            stream,  # type: ignore[arg-type]
            max_files=max_files,
            max_fields=max_fields,
        )
        self.spool_max_size = in_memory  # this parser's, not the class's


async def read_form(
    request: Request, *, max_files: int, max_fields: int, in_memory: int
) -> FormData:
    """The request's form, read once: later calls (and ``request.form()``) get the same one.

    Raises :class:`InputError` for a form that breaks the limits or cannot be parsed.
    """
    if request._form is not None:
        return request._form
    hint = f"Send at most {max_files} files." if max_files else "Use the form as the page shows it."
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    try:
        if content_type != b"multipart/form-data":
            return await request.form(max_files=max_files, max_fields=max_fields)
        async with aclosing(request.stream()) as stream:
            form = await _InMemoryParser(
                request.headers,
                stream,
                max_files=max_files,
                max_fields=max_fields,
                in_memory=in_memory,
            ).parse()
    except (MultiPartException, HTTPException) as error:
        reason = error.message if isinstance(error, MultiPartException) else error.detail
        raise InputError(f"the form could not be read: {reason}", hint=hint) from None
    request._form = form  # Starlette's own cache, so that request.form() answers with it
    return form

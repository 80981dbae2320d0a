"""The intake's OpenRosa server, for ODK Collect, KoboCollect, Enketo and Tella.

Every enrolled device has its own base URL, ``/odk/TOKEN``; ``/odk`` with HTTP Basic
authentication (the device's name and token) works too, over TLS only. Under either:

- ``GET formList`` (OpenRosa xformsList; ``formID`` filters),
- ``GET forms/ID.xml`` (the XForm) and ``GET forms/ID/manifest`` (its media manifest),
- ``HEAD submission`` (204, with the largest body accepted) and ``POST submission``
  (multipart: ``xml_submission_file`` and one part per file).

Every answer carries ``X-OpenRosa-Version: 1.0`` (the intake's Guard adds it). An unknown
or revoked token gets 401 before anything is read. This app holds public keys only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bearwitness.errors import InputError, SubmissionConflict
from bearwitness.services import devices, field_forms, odk_forms, odk_keys, openrosa
from bearwitness.web.forms import read_form
from bearwitness.web.routes import Public

logger = logging.getLogger(__name__)
XML = "text/xml; charset=utf-8"
DEVICES = [Depends(Public("field devices: each route checks the device's token itself"))]


def _xml(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=XML, headers=headers)


def _answer(status: int, message: str, nature: str = "") -> Response:
    return _xml(openrosa.response_xml(message, nature), status)


def openrosa_router(
    folder: Path,
    recipient: Callable[[], str],
    *,
    max_body: int,
    in_memory: int,
    public_url: str = "",
    fsync: bool = True,
    fictional: bool = False,
    allow: Callable[[], bool] = lambda: True,
) -> APIRouter:
    router = APIRouter(dependencies=DEVICES)
    book = devices.DeviceBook(folder)
    receiver = openrosa.Receiver(folder, fsync=fsync, fictional=fictional)

    def device(request: Request, token: str | None) -> devices.Device | None:
        try:
            return _device(request, token)
        except Exception as error:  # devices.json unreadable: nobody gets in, and it is said
            logger.error("odk: the devices cannot be read: %s", type(error).__name__)
            return None

    def _device(request: Request, token: str | None) -> devices.Device | None:
        if token is not None:
            return devices.authenticate(book.current(), token)
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic ") or request.url.scheme != "https":
            return None  # Basic sends the token as it is: never over plain HTTP
        try:
            name, _, password = (
                base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return devices.authenticate(book.current(), password, name)

    def refused() -> Response:
        return _xml(
            openrosa.response_xml("This device is not enrolled, or was revoked.", "error"),
            401,
            {"WWW-Authenticate": 'Basic realm="BearWitness", charset="UTF-8"'},
        )

    def forms() -> list[odk_forms.Form]:
        try:
            public = odk_keys.public_key(folder)
        except Exception as error:  # odk-key.json damaged: no form rather than a failure
            logger.error("odk: the archive's ODK key cannot be read: %s", type(error).__name__)
            return []
        if public is None:
            return []
        generation = odk_keys.generation(folder)
        return [odk_forms.incident_form(public, generation), *odk_forms_of_archive(folder)]

    def base_of(request: Request, token: str | None) -> str:
        root = public_url.rstrip("/") or str(request.base_url).rstrip("/")
        return f"{root}/{devices.URL_PATH}" + (f"/{token}" if token else "")

    async def form_list(request: Request, token: str | None) -> Response:
        if device(request, token) is None:
            return refused()
        found = await asyncio.to_thread(forms)
        return _xml(
            openrosa.form_list(found, base_of(request, token), request.query_params.get("formID"))
        )

    async def form_download(request: Request, token: str | None, form_id: str) -> Response:
        if device(request, token) is None:
            return refused()
        for form in await asyncio.to_thread(forms):
            if f"{form.form_id}.xml" == form_id:
                return _xml(form.xml)
        return _answer(404, "No such form.", "error")

    async def form_manifest(request: Request, token: str | None, form_id: str) -> Response:
        if device(request, token) is None:
            return refused()
        if not any(form.form_id == form_id for form in await asyncio.to_thread(forms)):
            return _answer(404, "No such form.", "error")
        return _xml(openrosa.media_manifest())

    def head(request: Request, token: str | None) -> Response:
        if device(request, token) is None:
            return refused()
        return Response(
            status_code=204, headers={"X-OpenRosa-Accept-Content-Length": str(max_body)}
        )

    async def submit(request: Request, token: str | None) -> Response:
        found = device(request, token)
        if found is None:
            return refused()  # before a byte of the body is read
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            return _answer(413, f"A submission may be at most {max_body} bytes.", "error")
        if not allow():
            return _answer(429, "Too many submissions right now; send again later.", "error")
        try:
            # Kept in memory up to the Guard's own limit, past which nothing arrives: an
            # unencrypted upload must never be spooled to disk.
            data = await read_form(
                request, max_files=odk_max_files, max_fields=8, in_memory=in_memory
            )
        except InputError:
            return _answer(400, "The submission could not be read as multipart data.", "error")
        xml_part = data.get("xml_submission_file")
        if isinstance(xml_part, UploadFile):
            xml = await xml_part.read(max_body + 1)
        elif isinstance(xml_part, str) and xml_part:  # a client that sends it as a field
            xml = xml_part.encode("utf-8")
        else:
            return _answer(400, "The submission has no xml_submission_file.", "error")
        attachments = []
        for name, item in data.multi_items():
            if name == "xml_submission_file" or not isinstance(item, UploadFile):
                continue
            attachments.append((item.filename or name, await item.read(max_body + 1)))
        if len(xml) + sum(len(content) for _, content in attachments) > max_body:
            return _answer(413, f"A submission may be at most {max_body} bytes.", "error")
        incomplete = str(data.get("*isIncomplete*") or "").strip().lower() == "yes"
        try:
            outcome = await asyncio.to_thread(
                receiver.receive,
                recipient(),
                found.device_id,
                xml,
                attachments,
                incomplete=incomplete,
            )
        except SubmissionConflict as error:
            return _answer(409, f"{error.message}. {error.hint}", "error")
        except InputError as error:
            return _answer(400, f"{error.message}. {error.hint}", "error")
        except Exception as error:  # the inbox cannot be written: nothing was acknowledged
            logger.error("odk submission failed: %s", type(error).__name__)
            return _answer(503, "The submission could not be stored; send it again later.", "error")
        # Collect wants 201 for every part; 202 would say "accepted, not processed".
        return _answer(201, outcome.message, "submit_success")

    odk_max_files = 2 + 100  # the XML, its media (crypto.odk.MAX_MEDIA) and submission.xml.enc

    for prefix, with_token in (("/odk/{token}", True), ("/odk", False)):
        _routes(router, prefix, with_token, form_list, form_download, form_manifest, head, submit)
    return router


def odk_forms_of_archive(folder: Path) -> list[odk_forms.Form]:
    """The archive's own XLSForms, as published (encrypted to the key they were made with)."""
    return [form.published() for form in field_forms.every(folder)]


def _routes(
    router: APIRouter,
    prefix: str,
    with_token: bool,
    form_list: Callable[..., object],
    form_download: Callable[..., object],
    form_manifest: Callable[..., object],
    head: Callable[..., object],
    submit: Callable[..., object],
) -> None:
    """The same five routes, under ``/odk/TOKEN`` (``with_token``) or ``/odk`` (Basic)."""

    def token_of(request: Request) -> str | None:
        return request.path_params.get("token") if with_token else None

    async def list_route(request: Request) -> Response:
        return await form_list(request, token_of(request))  # type: ignore[no-any-return,misc]

    async def download_route(request: Request, form_id: str) -> Response:
        return await form_download(request, token_of(request), form_id)  # type: ignore[no-any-return,misc]

    async def manifest_route(request: Request, form_id: str) -> Response:
        return await form_manifest(request, token_of(request), form_id)  # type: ignore[no-any-return,misc]

    async def head_route(request: Request) -> Response:
        return head(request, token_of(request))  # type: ignore[return-value]

    async def submit_route(request: Request) -> Response:
        return await submit(request, token_of(request))  # type: ignore[no-any-return,misc]

    router.add_api_route(f"{prefix}/formList", list_route, methods=["GET"])
    router.add_api_route(f"{prefix}/forms/{{form_id}}/manifest", manifest_route, methods=["GET"])
    router.add_api_route(f"{prefix}/forms/{{form_id}}", download_route, methods=["GET"])
    router.add_api_route(f"{prefix}/submission", head_route, methods=["HEAD"])
    router.add_api_route(f"{prefix}/submission", submit_route, methods=["POST"])

"""The workbench's own limits: one pool of image workers for all its requests, and a deadline
for request bodies."""

from __future__ import annotations

import io
import threading
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bearwitness.services import media
from bearwitness.services.inbox import MANIFEST
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.state import WorkbenchSettings
from tests.web.conftest import Team, cheap_hasher, login
from tests.web.test_servers import drip


def photo(number: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (number * 40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_uploads_at_once_share_the_app_s_image_workers(
    workbench: TestClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy, most, lock = 0, 0, threading.Lock()
    run = media.ImageWork._run

    def counted(self: media.ImageWork, data: bytes) -> tuple[str, str, bytes]:
        nonlocal busy, most
        with lock:
            busy += 1
            most = max(most, busy)
        try:
            time.sleep(0.5)  # long enough for every request to have reached its worker
            return run(self, data)
        finally:
            with lock:
                busy -= 1

    monkeypatch.setattr(media.ImageWork, "_run", counted)
    token = login(workbench, team, "documenter")
    statuses: list[int] = []

    def upload(number: int) -> None:
        response = workbench.post(
            "/documents/new",
            data={"csrf": token, "title": f"FICTIONAL photo {number}", "kind": "other"},
            files=[("files", (f"photo{number}.png", photo(number), "image/png"))],
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5  # the others waited for a free worker
    assert most == media.ImageLimits().workers == 2
    assert len(list((team.folder / "inbox").glob(f"*{MANIFEST}"))) == 5  # locked: sealed


def test_a_body_dripped_to_the_workbench_is_cut_off_with_408(team: Team) -> None:
    app = create_workbench_app(
        team.folder, WorkbenchSettings(body_seconds=1.0), hasher=cheap_hasher()
    )
    # The API's login reads its body before anything else, and anyone may reach it.
    body = b'{"username": "documenter", "password": "' + b"FICTIONAL" * 200 + b'"}'
    head = (
        b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer, sent = drip(app, head, body)
    app.app.state.keys.archive.close()
    assert sent < len(body), "the whole body was taken, however slowly it came"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"Too slow" in answer and b"connection: close" in answer.lower()

"""The workbench's own limits: one pool of image workers for all its requests."""

from __future__ import annotations

import io
import threading
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bearwitness.services import media
from bearwitness.services.inbox import MANIFEST
from tests.web.conftest import Team, login


def photo(number: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (number * 40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_uploads_at_once_share_the_app_s_image_workers(workbench: TestClient, team: Team,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
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
        response = workbench.post("/documents/new", data={
            "csrf": token, "title": f"FICTIONAL photo {number}", "kind": "other"},
            files=[("files", (f"photo{number}.png", photo(number), "image/png"))])
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5  # the others waited for a free worker
    assert most == media.ImageLimits().workers == 2
    assert len(list((team.folder / "inbox").glob(f"*{MANIFEST}"))) == 5  # locked: sealed


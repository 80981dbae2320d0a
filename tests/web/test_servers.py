"""The apps behind a real uvicorn server on loopback: slow bodies are cut off."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services.archive import Archive
from bearwitness.web.guard import ASGIApp
from bearwitness.web.source.app import IntakeSettings, create_intake_app

PASSPHRASE = "FICTIONAL test passphrase"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE,
                                kdf_params=KdfParams.insecure_for_tests())
    archive.close()
    return tmp_path / "archive"


@contextmanager
def running(app: ASGIApp) -> Iterator[int]:
    """``app`` served by uvicorn in a thread on a free loopback port; yields the port."""
    import uvicorn

    listening = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started:
                break
            time.sleep(0.01)
        yield listening.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()


def test_a_body_dripped_a_few_bytes_at_a_time_is_cut_off_with_408(folder: Path) -> None:
    app = create_intake_app(folder, IntakeSettings(body_seconds=1.0, fictional=True))
    body = (b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
            + b"FICTIONAL slow account " * 80 + b"\r\n--x--\r\n")
    head = (b"POST /submit?lang=ru HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    with running(app) as port, socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(head)
        answer, sent = b"", 0
        while sent < len(body):
            readable, _, _ = select.select([client], [], [], 0.05)
            if readable:
                break
            try:
                client.sendall(body[sent:sent + 3])
            except OSError:  # the server closed the connection
                break
            sent += 3
        client.settimeout(30)
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except ConnectionResetError:  # bytes sent after the server closed: what came stays
            pass
    assert sent < len(body), "the whole body was taken, however slowly it came"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert "Слишком медленно".encode() in answer and b"connection: close" in answer.lower()
    assert list((folder / "inbox").iterdir()) == []


def test_a_body_sent_at_once_is_not_cut_off(folder: Path) -> None:
    import httpx

    app = create_intake_app(folder, IntakeSettings(body_seconds=1.0, fictional=True))
    with running(app) as port:
        response = httpx.post(f"http://127.0.0.1:{port}/submit",
                              data={"text": "FICTIONAL account sent in one go"},
                              files=[("files", ("note.txt", b"FICTIONAL " * 10_000, "text/plain"))])
    assert response.status_code == 200, response.text
    assert len(list((folder / "inbox").iterdir())) == 2

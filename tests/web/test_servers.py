"""The apps behind a real uvicorn server on loopback: slow bodies are cut off, too many
connections refused, bombs kept out of the server's memory, and the address announced only
once the port is taken (a taken port is one clear error)."""

from __future__ import annotations

import re
import select
import socket
import subprocess
import sys
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
    archive, _ = Archive.create(
        tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    archive.close()
    return tmp_path / "archive"


@contextmanager
def running(app: ASGIApp) -> Iterator[int]:
    """``app`` served by uvicorn in a thread on a free loopback port; yields the port."""
    import uvicorn

    listening = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
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


def drip(app: ASGIApp, head: bytes, body: bytes) -> tuple[bytes, int]:
    """Send ``head`` at once and ``body`` three bytes at a time to ``app`` on a real server,
    until it answers; (what it answered, how many body bytes were sent)."""
    with running(app) as port, socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(head)
        answer, sent = b"", 0
        while sent < len(body):
            readable, _, _ = select.select([client], [], [], 0.05)
            if readable:
                break
            try:
                client.sendall(body[sent : sent + 3])
            except OSError:  # the server closed the connection
                break
            sent += 3
        client.settimeout(30)
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except ConnectionResetError:  # bytes sent after the server closed: what came stays
            pass
    return answer, sent


def test_a_body_dripped_a_few_bytes_at_a_time_is_cut_off_with_408(folder: Path) -> None:
    app = create_intake_app(folder, IntakeSettings(body_seconds=1.0, fictional=True))
    body = (
        b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        + b"FICTIONAL slow account " * 80
        + b"\r\n--x--\r\n"
    )
    head = (
        b"POST /submit?lang=ru HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer, sent = drip(app, head, body)
    assert sent < len(body), "the whole body was taken, however slowly it came"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert "Слишком медленно".encode() in answer and b"connection: close" in answer.lower()
    assert list((folder / "inbox").iterdir()) == []


def test_a_body_sent_at_once_is_not_cut_off(folder: Path) -> None:
    import httpx

    app = create_intake_app(folder, IntakeSettings(body_seconds=1.0, fictional=True))
    with running(app) as port:
        response = httpx.post(
            f"http://127.0.0.1:{port}/submit",
            data={"text": "FICTIONAL account sent in one go"},
            files=[("files", ("note.txt", b"FICTIONAL " * 10_000, "text/plain"))],
        )
    assert response.status_code == 200, response.text
    assert len(list((folder / "inbox").iterdir())) == 2


# The real `bearwitness serve` and `serve-intake` processes.


def start(command: str, folder: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``command`` on a free port; (the process, the address it announced)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bearwitness.cli.main", command, str(folder), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    said = ""
    for _ in range(3):  # `serve` first says how it protects the keys, then where it listens
        line = process.stdout.readline()
        said += line
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return process, found.group(0)
    process.kill()
    raise AssertionError(f"no address announced: {said!r} {process.communicate()}")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.communicate(timeout=30)


@pytest.mark.parametrize("command", ["serve", "serve-intake"])
def test_a_server_announces_its_address_once_it_listens(folder: Path, command: str) -> None:
    import httpx

    process, address = start(command, folder)
    try:
        assert not address.endswith(":0/")
        assert httpx.get(address + ("login" if command == "serve" else "")).status_code == 200
    finally:
        stop(process)


@pytest.mark.parametrize("command", ["serve", "serve-intake"])
def test_a_taken_port_is_a_clear_error_and_no_address(
    folder: Path, tmp_path: Path, command: str
) -> None:
    from tests.cli.runner import Cli

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = Cli(tmp_path / "cli")(command, folder, "--port", str(port), ok=False)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port" in done.stderr
    assert "http://" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_connections_beyond_the_limit_get_503(folder: Path) -> None:
    import httpx

    process, address = start("serve-intake", folder, "--connections", "1")
    port = int(address.rsplit(":", 1)[1].strip("/"))
    try:
        with socket.create_connection(("127.0.0.1", port)) as held:
            held.sendall(
                b"POST /submit HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n\r\n--x"
            )
            for _ in range(100):  # once the server has taken the first connection in
                status = httpx.get(address).status_code
                if status == 503:
                    break
                time.sleep(0.1)
            assert status == 503
    finally:
        stop(process)


def peak_memory_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def test_decompression_bombs_leave_the_server_s_memory_as_it_was(folder: Path) -> None:
    import httpx

    from tests.web.test_uploads import png_bomb

    bomb = png_bomb(7000)  # 143 KB; decoded, 49 million pixels (at least 150 MB)
    process, address = start("serve-intake", folder, "--fictional")
    try:
        assert httpx.get(address).status_code == 200
        before = peak_memory_kib(process.pid)

        def send(number: int) -> int:
            return httpx.post(
                address + "submit",
                data={"text": "FICTIONAL"},
                timeout=120,
                files=[("files", (f"b{number}.png", bomb, "image/png"))],
            ).status_code

        results: list[int] = []
        threads = [threading.Thread(target=lambda n=n: results.append(send(n))) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [400] * 4
        assert peak_memory_kib(process.pid) - before < 60 * 1024
    finally:
        stop(process)
    assert list((folder / "inbox").iterdir()) == []

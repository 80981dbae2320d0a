"""What the browser tests share: Debian's Chromium driven by Playwright, the real `serve`
and `serve-intake` processes on free ports, a FICTIONAL archive for them to serve, logging
in and unlocking as a person does, and full-page screenshots in test-artifacts/web/.

A test module takes ``pytestmark = NEEDS_CHROMIUM``, builds its ``servers`` fixture with
:func:`served_archive`, and gets the ``browser`` fixture from ``tests/web/conftest.py``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import users, writing
from bearwitness.services.archive import Archive
from tests.web.conftest import FICTIONAL_ROWS, PASSPHRASE, PASSWORD, fresh_code

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BEARWITNESS_TEST_ARTIFACTS", "test-artifacts")) / "web"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEEDS_CHROMIUM = [
    pytest.mark.slow,
    pytest.mark.needs(
        CHROMIUM.exists(),
        reason=f"Debian's chromium is not at {CHROMIUM} "
        "(`make system-packages` or `apt-get install chromium` installs it)",
    ),
]
START_SECONDS = 120  # a shared, loaded machine starts Python slowly


@dataclass
class Servers:
    workbench: str
    intake: str  # "" when only the workbench was started
    folder: Path
    secrets: dict[str, str]  # username (= role) -> TOTP secret


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(START_SECONDS * 10):
        if process.poll() is not None:
            errors = process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"the server stopped: {errors!r}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


@contextmanager
def serving(folder: Path, *, intake: bool = True) -> Iterator[tuple[str, str]]:
    """The real `serve` (and `serve-intake`, unless ``intake`` is false) on ``folder``, on
    free ports; their addresses ("" for an intake not started)."""
    ports = [free_port()]
    commands = [["serve", str(folder), "--port", str(ports[0]), "--http-cookies"]]
    if intake:
        ports.append(free_port())
        commands.append(["serve-intake", str(folder), "--port", str(ports[1]), "--fictional"])
    processes = [
        subprocess.Popen(  # nosec B603 # our own CLI, fixed arguments
            [sys.executable, "-m", "bearwitness.cli.main", *command],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        for command in commands
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(port, process)
        addresses = [f"http://localhost:{port}" for port in ports]
        yield addresses[0], addresses[1] if intake else ""
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def served_archive(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    roles: Sequence[str],
    rows: Sequence[dict[str, Any]] = FICTIONAL_ROWS,
    prepare: Callable[[Archive], None] | None = None,
    intake: bool = True,
) -> Iterator[Servers]:
    """A new archive with ``rows`` (FICTIONAL) and one account per role (username = role),
    ``prepare`` run on it while it is open, then served: a module fixture's body."""
    folder = tmp_path_factory.mktemp(name) / "archive"
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    imported = [ImportRow(n, dict(data)) for n, data in enumerate(rows, start=1)]
    if imported:
        writing.write_records(archive, writing.resolve_rows(archive, imported, "fixture"))
    # Accounts are made with the keys at hand (the archive is unlocked as it is created).
    secrets = {role: users.add_user(archive, role, PASSWORD, [role]) for role in roles}
    if prepare is not None:
        prepare(archive)
    archive.close()
    with serving(folder, intake=intake) as (workbench, intake_address):
        yield Servers(workbench, intake_address, folder, secrets)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, launched by Playwright (its own browser downloads are not used)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def shot(page: object, name: str, *, full_page: bool = True) -> None:
    """A screenshot to look at: the whole page, or (``full_page=False``) the window shown."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]


def press(page: object, button: object) -> None:
    """Click a button that sends its form, and wait until the page answering it has loaded.

    A click returns once the navigation starts; reading the page then can catch the moment
    between the two documents, when ``content()`` is empty."""
    with page.expect_navigation():  # type: ignore[attr-defined]
        button.click()  # type: ignore[attr-defined]


def login(page: object, servers: Servers, role: str) -> None:
    page.goto(servers.workbench + "/login")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill(role)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_label("One-time code").fill(  # type: ignore[attr-defined]
        fresh_code(servers.workbench, servers.secrets[role])
    )
    press(page, page.get_by_role("button", name="Log in"))  # type: ignore[attr-defined]


def unlock(page: object, servers: Servers) -> None:
    """The custodian (logged in on ``page`` if not yet) unlocks the archive, if locked."""
    page.goto(servers.workbench + "/")  # type: ignore[attr-defined]
    if "/login" in page.url:  # type: ignore[attr-defined]
        login(page, servers, "custodian")
    if page.locator("#lock-state").inner_text() == "Locked":  # type: ignore[attr-defined]
        page.goto(servers.workbench + "/unlock")  # type: ignore[attr-defined]
        page.get_by_label("Passphrase").fill(PASSPHRASE)  # type: ignore[attr-defined]
        press(page, page.get_by_role("button", name="Unlock").last)  # type: ignore[attr-defined]

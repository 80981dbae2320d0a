"""The login throttle under concurrency: attempts sent together, on the page and the API.

Requests go through the real ASGI app with httpx, all at once (``asyncio.gather``),
while the password checks run in threads as in production. The hasher is real
argon2 made as slow as a production hash would be, so that attempts overlap.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
from argon2 import PasswordHasher

from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.state import WorkbenchSettings
from tests.web.conftest import BASE, PASSWORD, Team, csrf_of, fresh_code

LIMIT = WorkbenchSettings().login_failures


class SlowHasher(PasswordHasher):
    """Real argon2 (cheap parameters) that takes as long as a 64 MiB hash would."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        time.sleep(0.1)
        return super().verify(hash, password)


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40100))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=BASE)


def test_thirty_wrong_logins_at_once_stop_at_the_limit(team: Team) -> None:
    app = create_workbench_app(team.folder, hasher=SlowHasher())

    async def attack() -> tuple[list[int], int]:
        async with _client(app) as client:
            token = csrf_of((await client.get("/login")).text)

            async def attempt(password: str, code: str) -> int:
                response = await client.post(
                    "/login",
                    data={"csrf": token, "username": "analyst", "password": password, "code": code},
                )
                return response.status_code

            wrong = await asyncio.gather(*(attempt("FICTIONAL wrong", "000000") for _ in range(30)))
            # The limit is reached: the right password and a fresh code are refused too.
            right = await attempt(PASSWORD, fresh_code(str(id(app)), team.secrets["analyst"]))
            return list(wrong), right

    try:
        wrong, right = asyncio.run(attack())
    finally:
        app.app.state.keys.archive.close()
    assert Counter(wrong) == {401: LIMIT, 429: 30 - LIMIT}
    assert right == 429


def test_api_attempts_at_once_cannot_outrun_the_limit(team: Team) -> None:
    """19 wrong attempts and the right one last, all together: only the first few are
    checked at all, and the right one, past the limit, is refused."""
    app = create_workbench_app(team.folder, hasher=SlowHasher())

    async def attack() -> list[int]:
        async with _client(app) as client:
            right = {
                "username": "documenter",
                "password": PASSWORD,
                "code": fresh_code(str(id(app)), team.secrets["documenter"]),
            }
            wrong = {**right, "password": "FICTIONAL wrong"}
            bodies = [wrong] * 19 + [right]
            answers = await asyncio.gather(
                *(client.post("/api/v1/session", json=body) for body in bodies)
            )
            return [answer.status_code for answer in answers]

    try:
        codes = asyncio.run(attack())
    finally:
        app.app.state.keys.archive.close()
    # Only LIMIT attempts reach the password check, whichever order they arrive in.
    assert Counter(codes)[429] == 20 - LIMIT, codes
    assert codes[-1] == 429 and 200 not in codes, codes

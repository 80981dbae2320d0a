"""The guard's turns for reading: at most ``reads_at_once`` GET requests are answered at a
time, in order; a turn ends when the page starts to go out; writes wait for no turn."""

from __future__ import annotations

import asyncio
from typing import Any

from bearwitness.web.guard import Guard, Message


class Recorder:
    """An ASGI app that counts how many requests it is answering at once."""

    def __init__(self, streamed: asyncio.Event | None = None) -> None:
        self.now = self.most = 0
        self.streamed = streamed
        self.state = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(0.02)  # making the page
        self.now -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if self.streamed is not None and scope["path"] == "/download":
            await self.streamed.wait()  # a long download, still going out
        await send({"type": "http.response.body", "body": b"FICTIONAL"})


def _guarded(app: Recorder) -> Guard:
    return Guard(
        app, csp="default-src 'none'", max_body=1024, too_large=lambda _: b"", reads_at_once=2
    )  # type: ignore[arg-type]


async def _ask(guard: Guard, method: str, path: str = "/") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await guard({"type": "http", "method": method, "path": path, "headers": []}, receive, send)
    return sent


def test_at_most_two_reads_are_answered_at_once_and_writes_wait_for_none() -> None:
    async def run() -> tuple[int, int]:
        reads = Recorder()
        guard = _guarded(reads)
        answers = await asyncio.gather(*(_ask(guard, "GET") for _ in range(8)))
        assert all(answer[0]["status"] == 200 for answer in answers)
        writes = Recorder()
        guard = _guarded(writes)
        await asyncio.gather(*(_ask(guard, "POST") for _ in range(8)))
        return reads.most, writes.most

    assert asyncio.run(run()) == (2, 8)


def test_a_long_download_holds_no_turn() -> None:
    async def run() -> None:
        going_out = asyncio.Event()
        app = Recorder(going_out)
        guard = _guarded(app)
        downloads = [asyncio.create_task(_ask(guard, "GET", "/download")) for _ in range(2)]
        await asyncio.sleep(0.1)  # both have started to go out, and go on
        pages = await asyncio.wait_for(asyncio.gather(*(_ask(guard, "GET") for _ in range(4))), 2)
        assert len(pages) == 4 and not any(d.done() for d in downloads)
        going_out.set()
        await asyncio.gather(*downloads)

    asyncio.run(run())

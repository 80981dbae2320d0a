"""ASGI middleware both apps share: security headers, hard limits on request bodies, and
turns for reading.

The size limit is enforced while the body streams in (a lying or missing
``Content-Length`` does not help), so an oversized upload is refused before
it is parsed, and nothing of it is kept. So is the time limit: a body must
arrive within ``body_seconds``, plus one second for every ``body_rate``
bytes received (so a large upload on a slow but honest connection gets the
time it needs, and one dripped a few bytes at a time is cut off), or the
answer is 408 and the connection is closed.

With ``reads_at_once``, at most that many GET requests are being answered at a time, and
the others wait their turn in order, in the event loop. A page is Python work under one
interpreter lock that each SQLite row step lets go of: eight threads taking it from one
another serve about half the pages two do, each slower (issue 18's lists at 100,000
documents with 8 clients: p95 270 ms, and 102–124 ms two at a time). A turn ends when the
page starts to go out, so a long download holds none. Writes are not held: a save mostly
waits for its fsync, and one sync serves every save queued behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INTAKE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
WORKBENCH_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def security_headers(csp: str) -> list[tuple[bytes, bytes]]:
    return [
        (name.encode(), value.encode())
        for name, value in (
            ("content-security-policy", csp),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            ("cross-origin-opener-policy", "same-origin"),
            ("cross-origin-resource-policy", "same-origin"),
            ("cache-control", "no-store"),
            ("strict-transport-security", "max-age=63072000"),
        )
    ]


class _Refused(Exception):
    """The body broke a limit; the answer is ``status``, whatever the app made of it."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Guard:
    """Adds security headers to every response and refuses bodies over ``max_body`` bytes
    (413), or slower than the deadline (408; none when ``body_seconds`` is None)."""

    def __init__(
        self,
        app: FastAPI,
        *,
        csp: str,
        max_body: int,
        too_large: Callable[[Scope], bytes],
        body_seconds: float | None = None,
        body_rate: float = 32 * 1024,
        too_slow: Callable[[Scope], bytes] | None = None,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        reads_at_once: int | None = None,
    ) -> None:
        self.app = app  # the wrapped app, e.g. for its ``state``
        self.headers = [*security_headers(csp), *extra_headers]
        self.max_body = max_body
        self.body_seconds, self.body_rate = body_seconds, body_rate
        self.pages = {413: too_large, 408: too_slow or (lambda _: b"Too slow.")}
        self.reads = asyncio.Semaphore(reads_at_once) if reads_at_once else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.reads is None or scope.get("method") not in ("GET", "HEAD"):
            await self._answer(scope, receive, send)
            return
        turn = self.reads
        await turn.acquire()
        held = True

        def let_go() -> None:
            nonlocal held
            if held:
                held = False
                turn.release()

        async def send_then(part: Message) -> None:  # not "message": babel's keyword
            if part["type"] == "http.response.start":
                let_go()  # the page is made; what streams after holds no turn
            await send(part)

        try:
            await self._answer(scope, receive, send_then)
        finally:
            let_go()

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._refuse(413, scope, send)
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        received = 0
        complete = False
        refusal: int | None = None
        refused = False

        async def guarded_receive() -> Message:
            nonlocal received, complete, refusal
            if refusal is not None:
                return {"type": "http.disconnect"}
            if complete or self.body_seconds is None:  # e.g. waiting for a disconnect
                message = await receive()
            else:
                left = started + self.body_seconds + received / self.body_rate - loop.time()
                try:
                    message = await asyncio.wait_for(receive(), timeout=max(left, 0))
                except TimeoutError:
                    refusal = 408
                    raise _Refused(408) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body:
                    refusal = 413
                    raise _Refused(413)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if refusal is not None:  # whatever the app made of a cut-off body
                if not refused:
                    refused = True
                    await self._refuse(refusal, scope, send)
                return
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except _Refused:
            pass
        except Exception:
            if refusal is None:
                raise
        if refusal is not None and not refused:
            await self._refuse(refusal, scope, send)

    async def _refuse(self, status: int, scope: Scope, send: Send) -> None:
        body = self.pages[status](scope)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    *self.headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RateLimit:
    """A token bucket: ``rate`` events a second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.stamp = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

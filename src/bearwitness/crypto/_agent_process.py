"""The agent process itself (see agent.py); run as ``python -m``, secrets on stdin.

It binds the socket, then forks: the parent reports the child's pid and
exits, so the agent is nobody's child and needs no reaping.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

from bearwitness.crypto.agent import peer_uid
from bearwitness.crypto.hardening import Protection, protect_process
from bearwitness.crypto.keys import ArchiveSecrets

_REQUEST_LIMIT = 4096


class Agent:
    def __init__(
        self,
        listener: socket.socket,
        path: Path,
        secrets: ArchiveSecrets,
        idle_timeout_s: float,
        protection: Protection,
    ) -> None:
        self.listener = listener
        self.path = path
        self.inode = path.stat().st_ino
        self.secrets = secrets
        self.idle_timeout_s = idle_timeout_s
        self.protection = protection
        self.deadline = time.monotonic() + idle_timeout_s

    def serve(self) -> None:
        while (remaining := self.deadline - time.monotonic()) > 0:
            self.listener.settimeout(remaining)
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                break
            with conn:
                if self.handle(conn) == "lock":
                    return

    def handle(self, conn: socket.socket) -> str:
        conn.settimeout(2.0)
        if peer_uid(conn) != os.getuid():
            return "refused"
        try:
            data = b""
            while not data.endswith(b"\n") and len(data) < _REQUEST_LIMIT:
                chunk = conn.recv(1024)
                if not chunk:
                    break
                data += chunk
            op = json.loads(data).get("op")
        except (OSError, ValueError, AttributeError):
            return "bad"
        reply: dict[str, object]
        if op == "fetch":
            self.deadline = time.monotonic() + self.idle_timeout_s
            reply = self.secrets.to_payload()
        elif op == "status":
            reply = {
                "pid": os.getpid(),
                "memory_locked": self.protection.memory_locked,
                "protection": self.protection.describe(),
                "seconds_until_lock": max(0.0, self.deadline - time.monotonic()),
            }
        elif op == "lock":
            self.remove_socket()  # before replying: after `lock` returns, no agent is found
            reply = {"locked": True}
        else:
            return "bad"
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode("ascii") + b"\n")
        return str(op)

    def remove_socket(self) -> None:
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:
                self.path.unlink()


def main(argv: list[str]) -> None:
    path, idle_timeout_s = Path(argv[1]), float(argv[2])
    protection = protect_process()  # before the secrets are read
    raw = json.loads(sys.stdin.buffer.read())
    secrets = ArchiveSecrets.from_payload(raw)
    del raw
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket: start_agent has already locked any live agent
        old_umask = os.umask(0o177)
        try:
            listener.bind(str(path))
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        listener.listen(8)
    except OSError as exc:
        print(f"error cannot listen on the agent socket ({exc.strerror})", flush=True)
        sys.exit(1)
    child = os.fork()
    if child:
        print(f"ready {child}", flush=True)
        os._exit(0)
    # Memory locks are not inherited across fork: the agent that keeps the keys locks anew.
    protection = protect_process()
    agent = Agent(listener, path, secrets, idle_timeout_s, protection)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        agent.remove_socket()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        agent.serve()
    finally:
        agent.remove_socket()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)

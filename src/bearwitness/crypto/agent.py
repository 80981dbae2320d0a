"""The unlocked session: a background process that holds the archive's secrets in memory.

`bearwitness unlock` starts an agent; later commands fetch the secrets from
it over a Unix socket instead of asking for the passphrase again. The
secrets are never written to a file. The agent locks (exits, removing its
socket) on :func:`lock`, or after ``idle_timeout_s`` without a fetch.

The socket lives in ``$XDG_RUNTIME_DIR/bearwitness/`` (or a private 0700
directory under the system temp dir), never in the archive, so a copied or
seized archive carries no trace of a session. Its name is derived from the
archive's absolute path. Both sides check the peer's uid (SO_PEERCRED): the
agent serves only its own user, and a client refuses an agent run by
someone else.

The agent process disables core dumps (RLIMIT_CORE 0, not dumpable, which
also stops same-uid debuggers from attaching) and locks its memory against
swapping when the system allows it (see hardening.py, shared with the
workbench).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.errors import ArchiveError, InputError

_REPLY_LIMIT = 64 * 1024
_CLIENT_TIMEOUT_S = 5.0
_UCRED = struct.Struct("3i")


def socket_path(archive_dir: Path) -> Path:
    """Where the agent for ``archive_dir`` listens (a private directory, never the archive)."""
    key = hashlib.sha256(str(archive_dir.resolve()).encode("utf-8")).hexdigest()[:24]
    return _private_dir() / f"agent-{key}.sock"


def start_agent(archive_dir: Path, secrets: ArchiveSecrets, *, idle_timeout_s: float) -> int:
    """Start an agent holding ``secrets`` for ``archive_dir``; return its pid.

    An agent already running for this archive is locked first: a new unlock
    replaces the session.
    """
    if not idle_timeout_s > 0:
        raise InputError(
            "The idle timeout must be positive.",
            hint="Give the number of seconds before the archive locks itself.",
        )
    lock(archive_dir)
    path = socket_path(archive_dir)
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    # The agent module, by this interpreter, with fixed arguments: nothing from input.
    proc = subprocess.Popen(  # nosec B603
        [
            sys.executable,
            "-m",
            "bearwitness.crypto._agent_process",
            str(path),
            repr(idle_timeout_s),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=env,
        cwd="/",
    )
    assert proc.stdin is not None and proc.stdout is not None
    # Through a pipe, never argv or the environment: those are readable in /proc.
    try:
        proc.stdin.write(json.dumps(secrets.to_payload()).encode("ascii"))
        proc.stdin.close()
        line = proc.stdout.readline().decode("utf-8", "replace").strip()
    finally:
        proc.stdout.close()
        proc.wait()
    word, _, rest = line.partition(" ")
    if word != "ready" or not rest.isdigit():
        raise ArchiveError(
            "Could not start the unlocked session's agent"
            + (f": {rest}" if word == "error" else "."),
            hint="Check that the runtime directory is writable and private to you.",
        )
    return int(rest)


def fetch_secrets(archive_dir: Path) -> ArchiveSecrets | None:
    """The secrets from the running agent (resetting its idle timer), or None if locked."""
    reply = _request(archive_dir, "fetch")
    if reply is None:
        return None
    return ArchiveSecrets.from_payload(reply)


def lock(archive_dir: Path) -> bool:
    """Tell the agent to forget the secrets and exit; False if none was running."""
    return _request(archive_dir, "lock") is not None


def agent_status(archive_dir: Path) -> dict[str, Any] | None:
    """``{"pid", "seconds_until_lock", "memory_locked", "protection"}`` of the running agent
    (``protection``: a line saying what :mod:`hardening` achieved), or None.

    Asking for the status does not reset the idle timer.
    """
    reply = _request(archive_dir, "status")
    if reply is None:
        return None
    return {
        k: reply[k]
        for k in ("pid", "seconds_until_lock", "memory_locked", "protection")
        if k in reply
    }


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket."""
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    _pid, uid, _gid = _UCRED.unpack(raw)
    return int(uid)


def _request(archive_dir: Path, op: str) -> dict[str, Any] | None:
    path = socket_path(archive_dir)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(_CLIENT_TIMEOUT_S)
    try:
        try:
            conn.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        if peer_uid(conn) != os.getuid():
            raise ArchiveError(
                "Another user's process is listening on this archive's agent socket.",
                hint=f"Do not trust it; remove {path} and unlock again.",
            )
        conn.sendall(json.dumps({"op": op}).encode("ascii") + b"\n")
        data = b""
        while not data.endswith(b"\n") and len(data) < _REPLY_LIMIT:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError, TimeoutError):
        return None  # the agent locked while we were talking to it
    finally:
        conn.close()
    if not data:
        return None
    try:
        reply = json.loads(data)
    except json.JSONDecodeError:
        reply = None
    if not isinstance(reply, dict):
        raise ArchiveError(
            "The unlocked session's agent sent a malformed reply.",
            hint="Lock the archive and unlock it again.",
        )
    return reply


# A Unix socket's path must fit in 108 bytes; leave room for "/agent-<24 hex>.sock".
_MAX_DIR_CHARS = 70


def _private_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = (
        Path(runtime) / "bearwitness"
        if runtime
        else (Path(tempfile.gettempdir()) / f"bearwitness-{os.getuid()}")
    )
    if len(str(base)) > _MAX_DIR_CHARS:
        runtime = None
        # Short enough for a socket path; its owner and mode are checked below.
        short = "/tmp"  # nosec B108 # a 0700 directory of ours inside, checked below
        base = Path(short) / f"bearwitness-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, parents=bool(runtime), exist_ok=True)
        info = base.lstat()
    except OSError as exc:
        raise ArchiveError(
            f"Cannot create the private directory {base}: {exc.strerror}.",
            hint="Set XDG_RUNTIME_DIR to a directory only you can use.",
        ) from None
    if base.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise ArchiveError(
            f"{base} is not a private directory of yours (owner or permissions).",
            hint="Someone may be trying to intercept the session; remove it or set "
            "XDG_RUNTIME_DIR to a directory only you can use.",
        )
    return base

"""A database that does not answer: a clear message naming it, no traceback, nothing left behind."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.cli.runner import Cli
from tests.postgres import fresh_database, server_url

PASS = "a long and careful passphrase"
SECRET = "FICTIONAL-db-password"


def _init(cli: Cli, folder: Path, url: str, *, ok: bool = True) -> object:
    return cli("init", folder, "--database", url, "--passphrase-stdin", stdin=f"{PASS}\n", ok=ok)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _silent_server() -> Iterator[int]:
    """A port that takes TCP connections (the kernel's backlog) but never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def _missing_database() -> tuple[str, str]:
    """A URL on the real server naming a database that does not exist, and that name."""
    name = f"does_not_exist_{uuid.uuid4().hex[:8]}"
    info = psycopg.conninfo.conninfo_to_dict(server_url())
    info["dbname"] = name
    return "postgresql+psycopg:///?" + psycopg.conninfo.make_conninfo(**info).replace(
        " ", "&"
    ), name


def _refused_cleanly(done: object, *needles: str) -> None:
    assert hasattr(done, "returncode") and hasattr(done, "stderr")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "sqlalchemy" not in done.stderr.lower()
    assert SECRET not in done.stderr + done.stdout
    for needle in needles:
        assert needle in done.stderr, done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("case", ["closed port", "silent server", "missing database", "bad host"])
@pytest.mark.parametrize("folder_exists", [False, True])
def test_init_refuses_an_unreachable_database_and_leaves_nothing(
    cli: Cli, tmp_path: Path, case: str, folder_exists: bool
) -> None:
    folder = tmp_path / "archive"
    if folder_exists:
        folder.mkdir()
    with _silent_server() as silent:
        if case == "closed port":
            port = _closed_port()
            url = f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/bw"
            needles = ["127.0.0.1", str(port), '"bw"', "nothing is listening", "***"]
        elif case == "silent server":
            url = f"postgresql://postgres@127.0.0.1:{silent}/bw?connect_timeout=2"
            needles = ["127.0.0.1", str(silent), '"bw"', "did not answer within 2 s"]
        elif case == "missing database":
            url, name = _missing_database()
            needles = [f'"{name}"', "does not exist", "createdb"]
        else:
            url = f"postgresql://postgres:{SECRET}@no-such-host.invalid:5432/bw"
            needles = ["no-such-host.invalid", "5432", '"bw"', "host name is unknown"]
        done = _init(cli, folder, url, ok=False)
    _refused_cleanly(done, *needles)
    if folder_exists:
        assert folder.is_dir() and not any(folder.iterdir())
    else:
        assert not folder.exists()
    with fresh_database() as good:
        _init(cli, folder, good)  # the same folder now takes a working database
        assert "locked" in cli("status", folder).stdout


@pytest.mark.postgres
def test_init_refuses_a_database_that_holds_another_archive(cli: Cli, tmp_path: Path) -> None:
    with fresh_database() as url:
        _init(cli, tmp_path / "first", url)
        done = _init(cli, tmp_path / "second", url, ok=False)
    _refused_cleanly(done, "already holds", "alembic_version", "its own")
    assert not (tmp_path / "second").exists()


@pytest.mark.postgres
def test_a_failed_migration_removes_the_new_folder(cli: Cli, tmp_path: Path) -> None:
    role = f"bw_test_{uuid.uuid4().hex[:8]}"
    base = server_url()
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        with fresh_database() as url:
            # The database answers and is empty, but this user may not create tables in it.
            with psycopg.connect(
                url.removeprefix("postgresql+psycopg:///?").replace("&", " "), autocommit=True
            ) as connection:
                connection.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            weak = url.replace("user=postgres", f"user={role}")
            assert weak != url
            done = _init(cli, tmp_path / "made" / "archive", weak, ok=False)
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')
    _refused_cleanly(done, "cannot create or update the tables", "permission denied")
    assert not (tmp_path / "made").exists()  # the parent it made is gone too


@pytest.mark.postgres
def test_commands_on_an_archive_whose_database_is_gone(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    with fresh_database() as url:
        _init(cli, folder, url)
        name = psycopg.conninfo.conninfo_to_dict(
            url.removeprefix("postgresql+psycopg:///?").replace("&", " ")
        )["dbname"]
        with psycopg.connect(server_url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        port = str(_closed_port())  # were a web app to start, it would not hang the test
        for command in (
            ["status", folder],
            ["list", "events", folder],
            ["verify", folder],
            ["unlock", folder, "--stdin"],
            ["serve", folder, "--port", port],
            ["serve-intake", folder, "--port", port],
        ):
            done = cli(*command, stdin=f"{PASS}\n", ok=False)
            _refused_cleanly(done, f'"{name}"', "does not exist", str(folder / "bearwitness.toml"))


def test_a_sqlite_file_in_a_missing_folder(cli: Cli, tmp_path: Path) -> None:
    done = _init(cli, tmp_path / "archive", f"sqlite:///{tmp_path}/nowhere/archive.db", ok=False)
    _refused_cleanly(done, f"{tmp_path}/nowhere/archive.db", "cannot be opened")
    assert not (tmp_path / "archive").exists()

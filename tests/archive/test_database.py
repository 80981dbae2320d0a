"""The database layer: a server that goes away mid-session, NUL in a value, masked URLs."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from bearwitness.errors import ArchiveError, InputError
from bearwitness.services.archive import Archive
from bearwitness.store import rows
from bearwitness.store.database import masked, where
from tests.postgres import server_url


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_server_lost_mid_session_is_an_archive_error(archive: Archive) -> None:
    with archive.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(server_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with (
        pytest.raises(ArchiveError, match="connection was lost"),
        archive.engine.connect() as connection,
    ):
        connection.execute(text("SELECT 1"))


def test_a_nul_in_a_query_is_an_input_error(archive: Archive) -> None:
    # PostgreSQL refuses NUL in text (SQLite keeps it): a bad value, never a 500 or a trace.
    with archive.engine.connect() as connection:
        if archive.engine.dialect.name == "sqlite":
            assert rows.fetch_record(connection, "person", "P-\x00") is None
            return
        with pytest.raises(InputError, match="NUL"):
            rows.fetch_record(connection, "person", "P-\x00")


def test_an_unrelated_database_error_is_left_alone(archive: Archive) -> None:
    with (
        pytest.raises(Exception, match="no_such_table") as raised,
        archive.engine.connect() as connection,
    ):
        connection.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, ArchiveError)


def test_urls_are_shown_without_their_password() -> None:
    assert (
        masked("postgresql://u:FICTIONAL@db.example:6543/bw")
        == "postgresql://u:***@db.example:6543/bw"
    )
    assert "FICTIONAL" not in masked("postgresql:///?host=h&password=FICTIONAL&dbname=bw")
    assert where("postgresql:///?host=h&port=6543&dbname=bw") == 'database "bw" on h:6543'
    assert where("postgresql://u@h/bw") == 'database "bw" on h:5432'

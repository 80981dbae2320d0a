"""Opening the database and bringing its schema up to date.

SQLite is tuned for durability first: WAL with ``synchronous=FULL`` so that no
acknowledged write is lost on a power cut, foreign keys on, and temporary
tables and sorts in memory so that nothing spills to temp files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

from bearwitness.errors import ArchiveError

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite gets the pragmas above on every connection."""
    try:
        engine = create_engine(url, future=True)
    except Exception as error:  # a malformed URL or a missing driver
        raise ArchiveError(
            f"cannot use the database URL: {type(error).__name__}",
            hint="Give a URL like sqlite:///path/archive.db or postgresql+psycopg://host/db.",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "temp_store=MEMORY", "busy_timeout=10000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Apply every pending migration."""
    command.upgrade(_alembic_config(engine), "head")


def schema_is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head

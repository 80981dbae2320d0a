"""Opening the database and bringing its schema up to date.

SQLite is tuned for durability first: WAL with ``synchronous=FULL`` so that no
acknowledged write is lost on a power cut, foreign keys on, and temporary
tables and sorts in memory so that nothing spills to temp files.

A database that cannot be reached (no server, no such database, a wrong host
or password) is turned into one :class:`~bearwitness.errors.ArchiveError` here,
on every engine this module makes, naming the host, port and database with the
password masked: no command ends in a driver's traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from bearwitness.errors import ArchiveError, InputError

MIGRATIONS = Path(__file__).parent / "migrations"

# A server that does not answer must not hang a command: libpq waits for ever by default.
CONNECT_TIMEOUT_S = 10


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def connect(url: str, *, settings: Path | None = None) -> Engine:
    """An engine for ``url``; SQLite gets the pragmas above on every connection.

    ``settings`` is the file the URL came from (an archive's ``bearwitness.toml``),
    named in the hint when the database cannot be reached.
    """
    try:
        parsed = make_url(url)
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(parsed, **options)
    except Exception as error:  # a malformed URL or a missing driver
        raise ArchiveError(
            f"cannot use the database URL: {type(error).__name__}",
            hint="Give a URL like sqlite:///path/archive.db or postgresql+psycopg://host/db.",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)

    def unreachable(context: ExceptionContext) -> None:
        if _is_unreachable(context):
            raise unavailable(engine.url, context.original_exception, settings=settings)
        if _is_nul(context):
            raise InputError(
                "a value holds a NUL character (0x00), which the database cannot store or look for",
                hint="Remove it and try again.",
            )

    event.listen(engine, "handle_error", unreachable)
    return engine


def _is_unreachable(context: ExceptionContext) -> bool:
    # No connection yet: connecting failed. A disconnect: the server went away mid-command.
    # Any other error (a constraint, a lock) is the command's own and passes through.
    connecting = context.connection is None
    return (
        isinstance(context.sqlalchemy_exception, OperationalError) and connecting
    ) or context.is_disconnect


def _is_nul(context: ExceptionContext) -> bool:
    # PostgreSQL text holds no NUL: psycopg refuses one in any parameter. Whatever the way
    # in (a form field, a query parameter, a file), that is the input's fault, not a bug.
    return isinstance(context.sqlalchemy_exception, DataError) and "NUL (0x00)" in str(
        context.original_exception
    )


MASK = "***"  # what a password in a URL is shown as


def masked(url: URL | str) -> str:
    """``url`` as text with its password (in the URL or its query) shown as ``***``."""
    parsed = make_url(url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": MASK})
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def where(url: URL | str) -> str:
    """Which database ``url`` names, for messages: host, port and database, or the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database or '(in memory)'}"
    host = parsed.host or _query(parsed, "host") or "the local socket"
    port = parsed.port or _query(parsed, "port") or "5432"
    database = parsed.database or _query(parsed, "dbname") or "(the user's default)"
    return f'database "{database}" on {host}:{port}'


def _query(url: URL, name: str) -> str:
    value = url.query.get(name, "")
    return str(value if isinstance(value, str) else value[-1])


# What the drivers say, and what it means for the person at the keyboard.
_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        r'database ".*" does not exist',
        "that database does not exist",
        "Create it (for example `createdb -h HOST -p PORT NAME`), or correct the name.",
    ),
    (
        r"Connection refused",
        "nothing is listening on that host and port",
        "Start the database server, or correct the host and port.",
    ),
    (
        r"failed to resolve host|could not translate host name|Name or service not known",
        "that host name is unknown",
        "Correct the host name.",
    ),
    (
        r"timeout expired|timed out",
        "the server did not answer within {timeout} s",
        "Check the host, port and firewall, and that the server is running (on a slow link, "
        "add ?connect_timeout=SECONDS to the URL).",
    ),
    (
        r"password authentication failed|no password supplied|authentication failed",
        "the server refused the user name or password",
        "Correct the user or password.",
    ),
    (r'role ".*" does not exist', "the server has no such user", "Correct the user name."),
    (
        r"unable to open database file",
        "the file cannot be opened or created",
        "Check that its folder exists and that you may write there.",
    ),
    (
        r"server closed the connection|connection (is )?(lost|closed)|terminating connection",
        "the connection was lost",
        "Check that the database server is running, then try again.",
    ),
)


def unavailable(
    url: URL | str, error: BaseException, *, settings: Path | None = None
) -> ArchiveError:
    """The error to show when the database at ``url`` could not be used."""
    said = str(error)
    known = next(
        (
            (reason, fix)
            for pattern, reason, fix in _REASONS
            if re.search(pattern, said, re.IGNORECASE)
        ),
        None,
    )
    if known is not None:
        timeout = _query(make_url(url), "connect_timeout") or CONNECT_TIMEOUT_S
        reason, fix = known[0].format(timeout=timeout), known[1]
    else:  # the driver's own first line: libpq never puts the password in it
        first = next((line.strip() for line in said.splitlines() if line.strip()), "")
        reason = first.removeprefix("connection failed: ") or type(error).__name__
        fix = "Check that the database server is running and the URL is right."
    return ArchiveError(
        f"cannot reach the {where(url)} ({masked(url)}): {reason}",
        hint=f"{fix} Then run the command again."
        + (f" (The URL is the `database` setting in {settings}.)" if settings else ""),
    )


def require_empty(engine: Engine) -> None:
    """Refuse a database that cannot be reached or already holds tables (another archive's)."""
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise ArchiveError(
            f"the {where(engine.url)} already holds {len(tables)} table(s): {shown}",
            hint="Give each archive a new, empty database of its own.",
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "temp_store=MEMORY",
        "busy_timeout=10000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, *, seal_pair: Callable[[bytes], bytes] | None = None) -> None:
    """Apply every pending migration (in one transaction: a failure leaves the schema as it was).

    ``seal_pair`` seals a small value to the archive's public recipient: what migration
    0007 needs to seal the record ids of review decisions kept in the clear before it (the
    store holds no key of its own)."""
    config = _alembic_config(engine)
    config.attributes["seal_pair"] = seal_pair
    try:
        command.upgrade(config, "head")
    except DBAPIError as error:  # e.g. a user who may not create tables
        first = next((line for line in str(error.orig).splitlines() if line.strip()), "")
        raise ArchiveError(
            f"cannot create or update the tables in the {where(engine.url)}: {first.strip()}",
            hint="Give the database user the right to create tables there (it should own "
            "the database), then run the command again.",
        ) from None
    if engine.dialect.name == "sqlite":
        # A migration may remove what must not stay on disk (0006: linkable search filters):
        # copy the WAL into the database and empty it, so no old page lingers in either.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def schema_is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def schema_revision(connection: Connection) -> str:
    """The Alembic revision the database's schema is at ("" for none), as ``connection``
    sees it (a backup's snapshot)."""
    return str(MigrationContext.configure(connection).get_current_revision() or "")


def schema_head() -> str:
    """The newest schema revision this version of BearWitness knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())

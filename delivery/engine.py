"""The database engine behind the outbox, SQLite or PostgreSQL.

SQLite in the instance folder needs no setup and suits one machine;
several app machines must share PostgreSQL, named by ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

# Hosting platforms hand out "postgres://" URLs; SQLAlchemy wants a dialect
# name and would otherwise pick psycopg2, which is not installed.
POSTGRES_PREFIXES = ("postgres://", "postgresql://")

SQLITE_BUSY_SECONDS = 30


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]

    return url


def make_engine(url: str, make_folder: bool = True, **options) -> Engine:
    """Build an engine for the outbox from a database URL.

    :param url: a SQLAlchemy URL; ``postgres://`` is accepted too.
    :param make_folder: create a SQLite file's folder if it is missing.
    :param options: passed on to ``create_engine`` (tests use this to pin
        a PostgreSQL schema).
    :raises ValueError: when the URL names neither SQLite nor PostgreSQL.
    """
    url = normalize_url(url)
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError):
        # Not echoed: a URL that fails to parse may still hold a password.
        raise ValueError(
            "DATABASE_URL cannot be read as a database address; write it "
            "like postgresql://user@host/dbname or sqlite:////path/to/outbox.db."
        ) from None

    if backend == "sqlite" and is_in_memory(parsed):
        raise ValueError(IN_MEMORY)
    try:
        if backend == "sqlite":
            engine = _make_sqlite_engine(parsed, make_folder, **options)
        elif backend == "postgresql":
            engine = _make_postgresql_engine(parsed, **options)
        else:
            raise ValueError(
                f"DATABASE_URL names {backend!r}; the outbox runs on SQLite or "
                "PostgreSQL, e.g. postgresql://user@host/dbname."
            )
    except ArgumentError as exc:
        # Its message names the query argument at fault, never a password.
        raise ValueError(
            f"DATABASE_URL's options cannot be used ({exc}); write it like "
            "postgresql://user@host/dbname?sslmode=require."
        ) from None

    _forget_pool_after_fork(engine)

    return engine


@contextmanager
def begin_unsynced(engine: Engine) -> Iterator[Connection]:
    """Run one transaction whose commit does not wait for the disk.

    Only for a write whose loss in a power cut does no harm, such as the
    mark that a submission was delivered: lost, it only sends the same
    bytes once more. Both databases write their log in order, so the next
    synced commit, of any connection, makes this one durable too.

    SQLite sets ``synchronous`` per connection, not per transaction, so
    the pooled connection gets FULL back afterwards; if that fails, the
    connection is discarded rather than handed to the next caller.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            with conn.begin():
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                yield conn
            return

        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            _restore_full_sync(conn)


def _restore_full_sync(conn: Connection) -> None:
    try:
        conn.exec_driver_sql("PRAGMA synchronous=FULL")
        conn.commit()
    except SQLAlchemyError:
        conn.invalidate()
        raise


def shown_url(url: URL) -> str:
    """Render a database URL for people to read, every password hidden.

    SQLAlchemy hides the password of the address itself; a driver's
    password passed in the query string (``?password=...``) is hidden too.
    """
    secret = {key: "***" for key in url.query if "password" in key.lower()}
    url = url.update_query_dict(secret)
    garbled = "@" in (url.host or "") or "@" in (url.database or "")
    if url.password is not None and garbled:
        # An "@" left unescaped in the password: SQLAlchemy took the rest of
        # the password for the host or the database. Only what follows the
        # last "@" is the address.
        raw = url.render_as_string(hide_password=False).replace("%40", "@")
        shown = f"{url.drivername}://{url.username or ''}:***@{raw.rpartition('@')[2]}"
    else:
        shown = url.render_as_string(hide_password=True)

    return shown.replace("=%2A%2A%2A", "=***")


IN_MEMORY = (
    "DATABASE_URL names an in-memory SQLite database, which each "
    "connection sees empty and a restart forgets: accepted answers "
    "would be lost. Name a file: sqlite:////path/to/outbox.db."
)
# The spellings SQLAlchemy reads as true for SQLite's "uri" option.
TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})


def is_in_memory(url: URL) -> bool:
    """Tell whether a SQLite URL names a database kept only in memory.

    Read from the address alone, before anything is opened; ``stores_no_file``
    asks SQLite itself once the store is open.
    """
    database = url.database or ""
    if database in ("", ":memory:"):
        return True

    as_uri = str(url.query.get("uri", "")).lower() in TRUE_WORDS
    options = str(url).lower()
    return as_uri and (
        database.startswith("file::memory:")
        or "mode=memory" in options
        or "vfs=memdb" in options
    )


def stores_no_file(engine: Engine) -> bool:
    """Tell whether an open SQLite store keeps its data in no file."""
    with engine.connect() as conn:
        files = [row[2] for row in conn.exec_driver_sql("PRAGMA database_list")]

    return not files or not files[0]


# How long a PostgreSQL connection may take to open, unless DATABASE_URL
# says otherwise: a server that accepts and never answers would otherwise
# hold start-up, and every request that needs the outbox, for good.
POSTGRESQL_CONNECT_SECONDS = 10


def _make_postgresql_engine(url: URL, **options) -> Engine:
    connect_args = dict(options.pop("connect_args", {}))
    # What the address, a libpq service file or PGCONNECT_TIMEOUT says wins.
    told = {"connect_timeout", "service"} & set(url.query)
    if not told and "PGCONNECT_TIMEOUT" not in os.environ:
        connect_args.setdefault("connect_timeout", POSTGRESQL_CONNECT_SECONDS)

    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)


def _make_sqlite_engine(url: URL, make_folder: bool, **options) -> Engine:
    database = url.database or ""
    try:
        if make_folder and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"DATABASE_URL names a SQLite file in a folder that cannot be "
            f"made ({exc.strerror}): {Path(database).parent}."
        ) from None

    connect_args = {"timeout": SQLITE_BUSY_SECONDS, **options.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **options)

    @event.listens_for(engine, "connect")
    def use_write_ahead_log(dbapi_connection, _record) -> None:
        # WAL lets the web app read while the worker writes, and the busy
        # timeout makes concurrent writers wait instead of failing.
        # synchronous=FULL syncs the log at every commit: once a guest is
        # thanked, their answer must survive a power cut. Some SQLite builds
        # default to NORMAL in WAL mode, which may lose the last commits, so
        # it is set here rather than left to the build. Only begin_unsynced
        # relaxes it, for one transaction.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    return engine


def _forget_pool_after_fork(engine: Engine) -> None:
    # A forked child (gunicorn with --preload) must not reuse the parent's
    # sockets; dispose(close=False) drops them without closing the parent's.
    reference = weakref.ref(engine)

    def forget() -> None:
        alive = reference()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)

"""The database engine behind the outbox, SQLite or PostgreSQL.

SQLite in the instance folder needs no setup and suits one machine;
several app machines must share PostgreSQL, named by ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

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


def make_engine(url: str, **options) -> Engine:
    """Build an engine for the outbox from a database URL.

    :param url: a SQLAlchemy URL; ``postgres://`` is accepted too.
    :param options: passed on to ``create_engine`` (tests use this to pin
        a PostgreSQL schema).
    :raises ValueError: when the URL names neither SQLite nor PostgreSQL.
    """
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()

    if backend == "sqlite":
        engine = _make_sqlite_engine(url, **options)
    elif backend == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, **options)
    else:
        raise ValueError(
            f"DATABASE_URL names {backend!r}; the outbox runs on SQLite or "
            "PostgreSQL, e.g. postgresql://user@host/dbname."
        )

    _forget_pool_after_fork(engine)

    return engine


def _make_sqlite_engine(url: str, **options) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    connect_args = {"timeout": SQLITE_BUSY_SECONDS, **options.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **options)

    @event.listens_for(engine, "connect")
    def use_write_ahead_log(dbapi_connection, _record) -> None:
        # WAL lets the web app read while the worker writes, and the busy
        # timeout makes concurrent writers wait instead of failing.
        # synchronous=FULL syncs the log at every commit: once a guest is
        # thanked, their answer must survive a power cut. Some SQLite builds
        # default to NORMAL in WAL mode, which may lose the last commits, so
        # it is set here rather than left to the build.
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

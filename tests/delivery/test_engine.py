import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from delivery import schema
from delivery.cipher import build_cipher
from delivery.engine import make_engine, normalize_url
from delivery.outbox import Outbox
from tests.delivery.fakes import KEY


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_plain_postgres_urls_use_the_psycopg_driver(url, expected):
    assert normalize_url(url) == expected


def test_sqlite_engine_creates_its_folder_and_uses_the_write_ahead_log(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'outbox.db'}")

    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()

    assert mode == "wal"
    engine.dispose()


def test_sqlite_engine_syncs_every_commit_and_waits_for_other_writers(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")

    with engine.connect() as conn:
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        busy_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert synchronous == 2  # FULL: a thanked guest's answer survives a power cut
    assert busy_ms == 30_000
    engine.dispose()


def test_other_databases_are_refused():
    with pytest.raises(ValueError, match="runs on SQLite or PostgreSQL"):
        make_engine("mysql://db/guestform")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:outbox?mode=memory&uri=true",
        "sqlite:///file::memory:?uri=yes",
        "sqlite:///file:outbox?mode=memory&uri=On",
        "sqlite:///file:/outbox?vfs=memdb&uri=true",
    ],
)
def test_an_in_memory_sqlite_store_is_refused(url):
    with pytest.raises(ValueError, match="names an in-memory SQLite database"):
        make_engine(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@127.0.0.1/test?port=abc",
        "postgresql://u@127.0.0.1/test?host=a&host=b&port=1&port=2&port=3",
    ],
)
def test_unusable_postgresql_options_are_named(url):
    with pytest.raises(ValueError, match="^DATABASE_URL's options cannot be used"):
        make_engine(url)


def test_a_postgresql_server_that_never_answers_fails_within_the_connect_timeout(
    monkeypatch,
):
    import socket
    import time

    import delivery.engine

    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    monkeypatch.setattr(delivery.engine, "POSTGRESQL_CONNECT_SECONDS", 1)
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{port}/none")
    started = time.monotonic()

    with pytest.raises(OperationalError), engine.connect():
        pass

    silent.close()
    assert time.monotonic() - started < 5


def test_ping_raises_when_the_store_is_unreachable():
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1")
    outbox = Outbox(engine, build_cipher(KEY))

    with pytest.raises(Exception, match="127.0.0.1"):
        outbox.ping()


def locked_then(real, failures: int, message: str = "database is locked"):
    """Make a step that fails ``failures`` times as SQLite does, then runs."""
    calls = []

    def step(engine):
        calls.append(engine)
        if len(calls) <= failures:
            raise OperationalError("CREATE TABLE", {}, Exception(message))
        return real(engine)

    return step, calls


def test_a_locked_sqlite_file_at_start_up_is_tried_again(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    step, calls = locked_then(schema._create_tables, failures=2)
    monkeypatch.setattr(schema, "_create_tables", step)
    monkeypatch.setattr(schema.time, "sleep", lambda seconds: None)

    schema.create_schema(engine)

    assert len(calls) == 3
    assert "outbox_submissions" in inspect(engine).get_table_names()


def test_a_sqlite_file_locked_every_time_fails_with_the_lock(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    step, calls = locked_then(schema._create_tables, failures=99)
    monkeypatch.setattr(schema, "_create_tables", step)
    monkeypatch.setattr(schema.time, "sleep", lambda seconds: None)

    with pytest.raises(OperationalError, match="database is locked"):
        schema.create_schema(engine)

    assert len(calls) == schema.SQLITE_SCHEMA_ATTEMPTS


def test_other_store_failures_are_not_tried_again(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    step, calls = locked_then(schema._create_tables, 1, "disk I/O error")
    monkeypatch.setattr(schema, "_create_tables", step)

    with pytest.raises(OperationalError, match="disk I/O error"):
        schema.create_schema(engine)

    assert len(calls) == 1


@pytest.mark.parametrize(
    "url, shown",
    [
        (
            "postgresql://u:secret@db/app?password=other&sslmode=require",
            "postgresql://u:***@db/app?password=***&sslmode=require",
        ),
        ("postgresql://u:p@ss@db:5432/app", "postgresql://u:***@db:5432/app"),
        ("postgresql://u:pa@ss/word@db/app", "postgresql://u:***@db/app"),
        ("sqlite:////var/outbox.db", "sqlite:////var/outbox.db"),
        (
            "sqlite:////srv/guest@form/outbox.db",
            "sqlite:////srv/guest%40form/outbox.db",
        ),
    ],
)
def test_a_shown_database_address_hides_every_password(url, shown):
    from sqlalchemy.engine import make_url

    from delivery.engine import shown_url

    assert shown_url(make_url(url)) == shown

import pytest

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


def test_ping_raises_when_the_store_is_unreachable():
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1")
    outbox = Outbox(engine, build_cipher(KEY))

    with pytest.raises(Exception, match="127.0.0.1"):
        outbox.ping()

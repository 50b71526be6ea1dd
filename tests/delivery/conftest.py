"""Fixtures for the outbox: a store on each backend, a clock, a fake client.

Every outbox test runs on SQLite and on PostgreSQL. PostgreSQL comes from
``TEST_DATABASE_URL``; each test gets a fresh schema, dropped afterwards.
Without the variable the PostgreSQL half is skipped, except under CI, where
a missing or unreachable database fails the run.
"""

import os
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy
from flask import Flask

import delivery
from anyroad.client import encode_body
from delivery.backoff import RetryPolicy
from delivery.cipher import build_cipher
from delivery.engine import make_engine, normalize_url
from delivery.outbox import Outbox
from tests.conftest import IN_CI
from tests.delivery.fakes import KEY, FakeClient, FakeClock

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_postgres_notes: list[str] = []


def _admin_postgres_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if IN_CI:
            pytest.fail(
                "TEST_DATABASE_URL is not set, and CI=true requires the outbox "
                "to be tested on PostgreSQL: point it at a server."
            )
        reason = "TEST_DATABASE_URL is not set; PostgreSQL outbox tests skipped"
        _note(f"{reason} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
        pytest.skip(reason)

    return normalize_url(url)


def _note(text):
    if text not in _postgres_notes:
        _postgres_notes.append(text)


@pytest.fixture(scope="session")
def postgres_admin():
    """An engine on TEST_DATABASE_URL, checked once per run."""
    engine = sqlalchemy.create_engine(_admin_postgres_url())
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except sqlalchemy.exc.OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL at TEST_DATABASE_URL is unreachable ({exc.orig})"
        if IN_CI:
            pytest.fail(f"{reason}, and CI=true requires it.")
        _note(reason)
        pytest.skip(reason)

    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A URL to an empty database, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'outbox.db'}"
        return

    admin = request.getfixturevalue("postgres_admin")
    schema = f"outbox_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))

    # libpq reads "options" from the URL, so the subprocess workers of the
    # fault tests land in the same schema through DATABASE_URL alone.
    options = quote(f"-csearch_path={schema}")
    separator = "&" if "?" in admin.url.render_as_string(False) else "?"
    yield f"{admin.url.render_as_string(False)}{separator}options={options}"

    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def policy():
    return RetryPolicy(base=10, factor=2, cap=80, max_attempts=4)


@pytest.fixture
def make_outbox(database_url, clock, policy):
    """Build outboxes on the test's database; all share its table."""
    engines = []

    def build(key=KEY, **options):
        engine = make_engine(database_url)
        engines.append(engine)
        settings = {"clock": clock, "rand": lambda: 0.5, "policy": policy}
        settings.update(options)
        outbox = Outbox(engine, build_cipher(key), encode=encode_body, **settings)
        outbox.create_schema()
        return outbox

    yield build

    for engine in engines:
        engine.dispose()


@pytest.fixture
def outbox(make_outbox):
    return make_outbox()


@pytest.fixture
def client():
    return FakeClient()


@pytest.fixture
def app(tmp_path, database_url):
    """A bare Flask app with only the outbox set up, on the test's database."""
    app = Flask("guestform-test", instance_path=str(tmp_path / "instance"))
    app.config.update(DATABASE_URL=database_url, OUTBOX_KEY=KEY)
    delivery.init_app(app)
    yield app
    app.extensions["outbox"].engine.dispose()


def pytest_terminal_summary(terminalreporter):
    for text in _postgres_notes:
        terminalreporter.write_line(f"delivery: {text}", yellow=True)

import pytest
from flask import Flask

import delivery
from delivery.outbox import Outbox
from tests.delivery.fakes import KEY


def test_init_app_stores_a_ready_outbox_and_the_cli_group(app):
    outbox = app.extensions["outbox"]

    assert isinstance(outbox, Outbox)
    assert "outbox" in app.cli.commands
    outbox.ping()


def test_init_app_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    app = Flask("guestform-test", instance_path=str(tmp_path / "instance"))
    app.config.update(OUTBOX_KEY=KEY)

    outbox = delivery.init_app(app)

    assert outbox.engine.url.database == str(tmp_path / "instance" / "guestform.db")
    assert (tmp_path / "instance" / "guestform.db").exists()
    outbox.engine.dispose()


def test_init_app_uses_the_default_retry_schedule(app):
    policy = app.extensions["outbox"].policy

    assert (policy.base, policy.cap, policy.max_attempts) == (30, 3600, 50)


def test_init_app_reads_the_retry_schedule_from_the_config(tmp_path):
    app = Flask("guestform-test", instance_path=str(tmp_path / "instance"))
    app.config.update(
        OUTBOX_KEY=KEY,
        OUTBOX_RETRY_BASE_SECONDS="5",
        OUTBOX_RETRY_CAP_SECONDS=600,
        OUTBOX_MAX_ATTEMPTS=7,
    )

    outbox = delivery.init_app(app)

    policy = outbox.policy
    assert (policy.base, policy.cap, policy.max_attempts) == (5, 600, 7)
    outbox.engine.dispose()


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("OUTBOX_KEY", "", "OUTBOX_KEY is empty"),
        ("OUTBOX_KEY", "not-a-key", "Key 1 of OUTBOX_KEY is not a Fernet key"),
        ("OUTBOX_RETENTION_DAYS", "a week", "OUTBOX_RETENTION_DAYS must be a whole"),
        (
            "OUTBOX_LEASE_SECONDS",
            0,
            "OUTBOX_LEASE_SECONDS must be a whole number from 1 to 86400, not 0",
        ),
        (
            "OUTBOX_FAILED_RETENTION_DAYS",
            10**12,
            "OUTBOX_FAILED_RETENTION_DAYS must be a whole number from 1 to 3650",
        ),
        ("OUTBOX_MAX_ATTEMPTS", 10**6, "OUTBOX_MAX_ATTEMPTS must be a whole number"),
        ("DATABASE_URL", "mysql://db/guestform", "names 'mysql'"),
        ("OUTBOX_RETRY_BASE_SECONDS", "half a minute", "must be a whole number"),
        ("OUTBOX_RETRY_CAP_SECONDS", 10, r"OUTBOX_RETRY_CAP_SECONDS \(10\) is below"),
    ],
)
def test_init_app_refuses_unusable_settings(tmp_path, setting, value, message):
    app = Flask("guestform-test", instance_path=str(tmp_path))
    app.config.update(OUTBOX_KEY=KEY)
    app.config[setting] = value

    with pytest.raises(ValueError, match=message):
        delivery.init_app(app)


def test_a_store_that_cannot_be_reached_stops_start_up_naming_it(tmp_path):
    app = Flask("guestform-test", instance_path=str(tmp_path))
    closed_port = "postgresql+psycopg://guest:secret@127.0.0.1:9/outbox"
    app.config.update(OUTBOX_KEY=KEY, DATABASE_URL=closed_port)

    with pytest.raises(ValueError) as caught:
        delivery.init_app(app)

    message = str(caught.value)
    assert message.startswith(
        "The outbox store at DATABASE_URL "
        "(postgresql+psycopg://guest:***@127.0.0.1:9/outbox) cannot be used: "
        "OperationalError"
    )
    assert "secret" not in message


@pytest.mark.filterwarnings("ignore:Selection of the SingletonThreadPool")
def test_a_store_sqlite_keeps_in_no_file_is_refused_once_open(tmp_path, monkeypatch):
    # Whatever spelling the address check misses, SQLite itself is asked.
    import delivery.engine

    monkeypatch.setattr(delivery.engine, "is_in_memory", lambda url: False)
    app = Flask("guestform-test", instance_path=str(tmp_path))
    app.config.update(
        OUTBOX_KEY=KEY, DATABASE_URL="sqlite:///file:outbox?mode=memory&uri=true"
    )

    with pytest.raises(ValueError, match="names an in-memory SQLite database"):
        delivery.init_app(app)

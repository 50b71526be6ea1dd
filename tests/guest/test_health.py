"""``/healthz`` answers for the outbox store, and only for it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from delivery.engine import make_engine

UNREACHABLE_POSTGRES = "postgresql+psycopg://guestform@127.0.0.1:1/outbox"


def test_health_is_ok_while_the_outbox_store_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "outbox": "up"}


def test_health_stays_ok_while_the_upstream_is_down(client, sandbox):
    sandbox.set_faults({"search": {"error_rate": 1}, "patch": {"error_rate": 1}})

    assert client.get("/healthz").status_code == 200


def point_at_unreachable_postgres(outbox, settings):
    outbox.engine.dispose()
    outbox.engine = make_engine(
        UNREACHABLE_POSTGRES, connect_args={"connect_timeout": 2}
    )


def lose_the_sqlite_file(outbox, settings):
    outbox.engine.dispose()
    Path(settings["DATABASE_URL"].removeprefix("sqlite:///")).unlink()


@pytest.mark.parametrize(
    "break_store", [point_at_unreachable_postgres, lose_the_sqlite_file]
)
def test_health_is_503_when_the_outbox_store_does_not_answer(
    app, client, settings, caplog, break_store
):
    break_store(app.extensions["outbox"], settings)

    with caplog.at_level(logging.WARNING):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "outbox": "down"}
    assert "Traceback" not in response.get_data(as_text=True)
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == [
        "guest.health"
    ]


def test_health_recovers_when_the_store_comes_back(app, client, settings):
    outbox = app.extensions["outbox"]
    working = outbox.engine
    outbox.engine = make_engine(
        UNREACHABLE_POSTGRES, connect_args={"connect_timeout": 2}
    )
    assert client.get("/healthz").status_code == 503

    outbox.engine = working

    assert client.get("/healthz").status_code == 200

"""``python app.py``: the development server and its outbox worker."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from flask import Flask

from guest.devserver import form_lines, make_dev_server, start_outbox_worker
from guest.links import development_url
from tests.conftest import Guest, build_app
from tests.guest.helpers import DOC, stored_profile


@pytest.fixture
def served(app):
    """The development server on a free loopback port, in a thread."""
    server = make_dev_server(app, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def raw_request(server, request_line: bytes) -> bytes:
    """Send one request line and read the whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk

    return answer


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /x / HTTP/1.1", 400),  # curl -X 'GET /x' sends this
        (b"GET /x HTTP/1.1 extra", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414),
    ],
)
def test_malformed_request_lines_get_an_error_status_not_a_dropped_connection(
    served, caplog, request_line, status
):
    caplog.set_level(logging.INFO)

    answer = raw_request(served, request_line)

    # http.server answers a line it cannot parse as HTTP/0.9: no status line.
    assert f"Error code: {status}".encode() in answer
    assert not [r for r in caplog.records if r.exc_info]


def test_the_request_log_shows_the_path_without_the_guests_name(served, caplog):
    caplog.set_level(logging.INFO, logger="guest.devserver")

    raw_request(served, b"GET /f/monster-mash?last_name=Loblaw HTTP/1.1")

    logged = [r.getMessage() for r in caplog.records if r.name == "guest.devserver"]
    assert logged == ["GET /f/monster-mash 200"]


def flavor_stored(sandbox):
    return (stored_profile(sandbox).data_set or {}).get("flavor_profile")


def test_answers_the_api_refused_are_sent_by_the_worker_thread(settings, sandbox):
    app = build_app({**settings, "OUTBOX_RETRY_BASE_SECONDS": 1})
    guest = Guest(app.test_client())
    guest.find_booking(*DOC)
    sandbox.set_faults({"patch": {"error_rate": 1, "error_status": 503}})
    thanked = guest.submit({"flavor_profile": "sweet"})
    sandbox.set_faults(None)

    stop = start_outbox_worker(app, poll=0.1)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if flavor_stored(sandbox) == "sweet":
                break
            time.sleep(0.1)
    finally:
        stop.set()

    assert thanked.status_code == 303
    assert flavor_stored(sandbox) == "sweet"


def test_links_minted_without_a_public_url_follow_the_port(monkeypatch):
    monkeypatch.setenv("PORT", "5077")

    assert development_url() == "http://127.0.0.1:5077"


def app_serving(*slugs: str, embedded: bool) -> Flask:
    app = Flask("lines")
    app.extensions["campaigns"] = {slug: object() for slug in slugs}
    if embedded:
        app.extensions["sandbox"] = object()
    return app


def test_the_start_up_lines_offer_the_demo_booking_on_the_embedded_sandbox():
    app = app_serving("tasting-follow-up", "monster-mash", embedded=True)

    assert form_lines(app, "http://h") == [
        "Demo form (the API documentation's booking): http://h/f/monster-mash"
        "?booking_id=1234&last_name=Loblaw&experience_date=2021-03-31&source=email",
        "Tasting form: http://h/f/tasting-follow-up",
    ]


def test_the_start_up_lines_name_only_the_campaigns_loaded():
    app = app_serving("wine-club", embedded=True)

    assert form_lines(app, "http://h") == ["Form: http://h/f/wine-club"]


def test_the_start_up_lines_offer_no_demo_booking_upstream():
    app = app_serving("monster-mash", embedded=False)

    assert form_lines(app, "http://h") == ["Form: http://h/f/monster-mash"]

"""The sandbox served from a thread over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
import requests

from sandbox import demo
from sandbox.server import start_sandbox


@pytest.fixture
def running(tmp_path):
    sandbox = start_sandbox({"SANDBOX_DATABASE": str(tmp_path / "s.sqlite3")})
    yield sandbox
    sandbox.stop()


def test_base_url_names_loopback_and_the_api_prefix(running):
    assert running.base_url == (
        f"http://127.0.0.1:{running.server.port}/external/api/v1"
    )

    response = requests.get(
        f"{running.base_url}/users/profile",
        headers={"X-API-KEY": demo.DEMO_API_KEY},
        timeout=2,
    )

    assert response.json()["data"]["id"] == demo.DEMO_USER_ID


def test_dropped_connection_reaches_the_client_as_a_connection_error(running):
    running.set_faults({"get": {"drop_rate": 1}})

    with pytest.raises(requests.ConnectionError):
        requests.get(
            f"{running.base_url}/customer_profile/{demo.DOC_PROFILE_ID}",
            headers={"X-API-KEY": demo.DEMO_API_KEY},
            timeout=2,
        )


def test_stop_wakes_delayed_requests_and_frees_the_port(running):
    running.set_faults({"search": {"delay": 30}})
    port = running.server.port
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{running.base_url}/customer_profile/search",
            json={"booking_id": 1},
            headers={"X-API-KEY": demo.DEMO_API_KEY},
            timeout=0.2,
        )

    started = time.monotonic()
    running.stop()

    assert time.monotonic() - started < 2
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5)


def test_scratch_database_is_removed_on_stop():
    sandbox = start_sandbox()
    folder = os.path.dirname(sandbox.state.database)

    sandbox.stop()

    assert not os.path.exists(folder)


def test_refuses_to_serve_beyond_loopback():
    with pytest.raises(ValueError, match="loopback"):
        start_sandbox(host="0.0.0.0")


ONE_MIB = 1024 * 1024
TOO_LARGE = {"error": "The request body is too large."}


def json_of_size(body, size):
    """JSON text of ``body``, padded with spaces to exactly ``size`` bytes."""
    text = json.dumps(body).encode("utf-8")
    return text + b" " * (size - len(text))


def in_chunks(data):
    """Yield ``data`` in pieces, so requests sends it chunked."""
    for start in range(0, len(data), 64 * 1024):
        yield data[start : start + 64 * 1024]


def send(running, method, path, data):
    return requests.request(
        method,
        running.base_url + path,
        data=data,
        headers={"X-API-KEY": demo.DEMO_API_KEY, "Content-Type": "application/json"},
        timeout=5,
    )


ENDPOINTS = [
    pytest.param(
        "POST",
        "/customer_profile/search",
        {"booking_id": demo.DOC_BOOKING_ID},
        id="search",
    ),
    pytest.param(
        "PATCH",
        f"/customer_profile/{demo.DOC_PROFILE_ID}",
        {"referrer_medium": "email"},
        id="patch",
    ),
]


@pytest.mark.parametrize("method, path, body", ENDPOINTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_body_over_one_mib_is_413_with_or_without_content_length(
    running, method, path, body, chunked
):
    data = json_of_size(body, ONE_MIB + 1)

    response = send(running, method, path, in_chunks(data) if chunked else data)

    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert ("Content-Length" in response.request.headers) is not chunked


@pytest.mark.parametrize("method, path, body", ENDPOINTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_body_of_exactly_one_mib_is_read(running, method, path, body, chunked):
    data = json_of_size(body, ONE_MIB)

    response = send(running, method, path, in_chunks(data) if chunked else data)

    assert response.status_code == 200
    assert response.json()["data"]

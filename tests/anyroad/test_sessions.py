"""One HTTP session per process, never shared across a fork (case C10).

The environment's proxy settings still apply, read once per origin.
"""

from __future__ import annotations

import os
import socket

import pytest

from anyroad import client as client_module
from anyroad.client import ProfileClient, get_session
from anyroad.errors import UpstreamUnavailable
from sandbox import demo

# Every variable requests reads for proxies and CA bundles, in both cases
# where it accepts both.
ENVIRONMENT_SETTINGS = [
    spelling
    for scheme in ("HTTP", "HTTPS", "ALL", "NO")
    for spelling in (f"{scheme}_PROXY", f"{scheme.lower()}_proxy")
] + ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]


def test_one_session_serves_every_client_in_a_process(sandbox):
    first = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY)
    second = ProfileClient(sandbox.base_url, demo.OTHER_API_KEY)

    first.user()
    second.user()

    assert get_session() is get_session()


def test_session_carries_no_api_key():
    assert "X-API-KEY" not in get_session().headers


def test_pid_change_makes_a_new_session(monkeypatch):
    parent = get_session()
    monkeypatch.setattr(client_module.os, "getpid", lambda: -1)

    assert get_session() is not parent


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_makes_its_own_session_and_can_use_it(sandbox):
    parent_session = get_session()
    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY, read_timeout=2)
    reader, writer = os.pipe()

    pid = os.fork()
    if pid == 0:
        try:
            child_session = get_session()
            distinct = child_session is not parent_session
            booking_id = client.get(demo.DOC_PROFILE_ID).booking.id
            os.write(writer, f"{distinct} {booking_id}".encode())
        finally:
            os._exit(0)

    os.close(writer)
    answer = os.read(reader, 100).decode()
    os.close(reader)
    os.waitpid(pid, 0)

    assert answer == f"True {demo.DOC_BOOKING_ID}"
    assert get_session() is parent_session


@pytest.fixture
def fresh_environment(monkeypatch):
    """Forget the settings read so far, before and after the test."""
    for name in ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    client_module.environment_settings.cache_clear()
    yield monkeypatch
    client_module.environment_settings.cache_clear()


def test_proxy_named_in_the_environment_carries_the_calls(sandbox, fresh_environment):
    # The sandbox plays the proxy: requests sends it the absolute URL of a
    # host that exists nowhere, so only a call through the proxy can succeed.
    fresh_environment.setenv("HTTP_PROXY", sandbox.root_url)
    client = ProfileClient(
        "http://profiles.invalid/external/api/v1", demo.DEMO_API_KEY, read_timeout=2
    )

    assert client.get(demo.DOC_PROFILE_ID).booking.id == demo.DOC_BOOKING_ID


def test_no_proxy_keeps_its_hosts_off_the_proxy(sandbox, fresh_environment):
    fresh_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    fresh_environment.setenv("NO_PROXY", "127.0.0.1")
    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY, read_timeout=2)

    assert client.get(demo.DOC_PROFILE_ID).booking.id == demo.DOC_BOOKING_ID


def test_environment_is_read_once_per_process_and_origin(sandbox, fresh_environment):
    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY, read_timeout=2)
    client.user()
    fresh_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")

    # Read before the proxy was set: like every setting, it needs a restart.
    assert client.get(demo.DOC_PROFILE_ID).booking.id == demo.DOC_BOOKING_ID

    client_module.environment_settings.cache_clear()
    with pytest.raises(UpstreamUnavailable):
        client.user()


def test_settings_given_with_a_call_win_over_the_environment(
    sandbox, fresh_environment
):
    fresh_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    url = sandbox.base_url + "/users/profile"
    headers = {"X-API-KEY": demo.DEMO_API_KEY}

    response = client_module._send(
        "user", "GET", url, headers=headers, proxies={}, timeout=(2, 2)
    )

    assert response.status_code == 200


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

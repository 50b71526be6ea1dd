"""One HTTP session per process, never shared across a fork (case C10)."""

from __future__ import annotations

import os

import pytest

from anyroad import client as client_module
from anyroad.client import ProfileClient, get_session
from sandbox import demo


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

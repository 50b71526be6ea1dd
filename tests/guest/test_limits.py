"""Lookups are rate-limited per client address and per booking number."""

from __future__ import annotations

import gc
import os
import secrets
import threading
import time
import uuid

import pytest
import requests
from bs4 import BeautifulSoup
from cryptography.fernet import Fernet

from app import create_app
from guest.limits import SweptMemoryStorage, describe_wait, limiter
from sandbox import demo
from tests.conftest import IN_CI, page
from tests.load import processes

DOC = {"booking_id": "1234", "last_name": "Loblaw", "experience_date": "2021-03-31"}
TOO_MANY = "You have tried to find a booking too many times"


def lookup_token(client) -> str:
    return page(client.get("/f/monster-mash")).select_one("input[name=__lookup]")[
        "value"
    ]


def look_up(client, address="203.0.113.5", **details):
    data = {**DOC, **details, "__lookup": lookup_token(client), "homepage_url": ""}
    return client.post(
        "/f/monster-mash", data=data, environ_base={"REMOTE_ADDR": address}
    )


def searches(sandbox) -> int:
    return sandbox.stats()["requests"]["search"]


def build_app(settings, **overrides):
    application = create_app({**settings, **overrides})
    with application.app_context():
        limiter.reset()
    return application


def test_lookups_over_the_per_address_limit_get_a_plain_429_and_send_nothing(
    settings, sandbox
):
    client = build_app(
        settings, LOOKUP_LIMIT_PER_IP="3 per minute", LOOKUP_LIMIT_PER_BOOKING="99/hour"
    ).test_client()
    for booking_id in ("1234", "1235", "1236"):
        assert look_up(client, booking_id=booking_id).status_code == 200

    refused = look_up(client, booking_id="1237")

    assert refused.status_code == 429
    soup = page(refused)
    assert soup.h1.text == "Too many tries"
    assert TOO_MANY in soup.get_text()
    assert soup.select("form input[name=__state]") == []
    assert searches(sandbox) == 3


def test_a_guest_over_the_address_limit_is_told_to_come_back_in_a_minute(
    settings, sandbox
):
    client = build_app(
        settings, LOOKUP_LIMIT_PER_IP="2 per minute", LOOKUP_LIMIT_PER_BOOKING="99/hour"
    ).test_client()
    for booking_id in ("1234", "1235"):
        look_up(client, booking_id=booking_id)

    refused = look_up(client, booking_id="1236")

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Try again in about a minute." in page(refused).get_text()


def test_a_booking_refused_twenty_minutes_into_its_hour_waits_forty_more(
    settings, sandbox, monkeypatch
):
    client = build_app(
        settings, LOOKUP_LIMIT_PER_BOOKING="2 per hour", LOOKUP_LIMIT_PER_IP="99/minute"
    ).test_client()
    for address in ("203.0.113.1", "203.0.113.2"):
        look_up(client, address=address)
    twenty_minutes_on = time.time() + 20 * 60
    monkeypatch.setattr(time, "time", lambda: twenty_minutes_on)

    refused = look_up(client, address="203.0.113.3")

    assert refused.status_code == 429
    assert 39 * 60 < int(refused.headers["Retry-After"]) <= 40 * 60
    assert "Try again in about 40 minutes." in page(refused).get_text()


@pytest.mark.parametrize(
    "seconds, words",
    [
        (1, "about a minute"),
        (60, "about a minute"),
        (61, "about 2 minutes"),
        (2400, "about 40 minutes"),
        (3540, "about 59 minutes"),
        (3541, "about an hour"),
        (3600, "about an hour"),
        (3601, "about 2 hours"),
        (86400, "about 24 hours"),
    ],
)
def test_a_wait_is_put_in_rough_words_never_shorter_than_it_is(seconds, words):
    assert describe_wait(seconds) == words


def test_lookups_within_the_limits_carry_no_rate_limit_headers(settings, sandbox):
    client = build_app(settings).test_client()

    answered = look_up(client)

    assert answered.status_code == 200
    assert not [name for name in answered.headers.keys() if "ratelimit" in name.lower()]
    assert "Retry-After" not in answered.headers


def test_another_address_is_not_held_back_by_the_first_ones_limit(settings, sandbox):
    client = build_app(settings, LOOKUP_LIMIT_PER_IP="1 per minute").test_client()
    look_up(client, address="203.0.113.5")

    assert look_up(client, address="203.0.113.5").status_code == 429
    assert look_up(client, address="198.51.100.7").status_code == 200
    assert searches(sandbox) == 2


@pytest.mark.parametrize(
    "spellings",
    [
        ["1234", "1234", "1234"],
        ["1234", "#1234", " 1234 "],
        ["1234", "01234", "0001234"],
        ["1234", "\u0661\u0662\u0663\u0664", "\uff11\uff12\uff13\uff14"],
        ["0" * 17 + "1234", " " * 40 + "1234", "#" + "0" * 20 + "1234"],
    ],
    ids=["same", "hash-and-spaces", "leading-zeros", "other-scripts", "padded"],
)
def test_one_booking_is_limited_across_addresses_however_it_is_written(
    settings, sandbox, spellings
):
    client = build_app(
        settings, LOOKUP_LIMIT_PER_BOOKING="2 per hour", LOOKUP_LIMIT_PER_IP="99/minute"
    ).test_client()
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    statuses = [
        look_up(client, address=address, booking_id=spelling).status_code
        for address, spelling in zip(addresses, spellings)
    ]

    assert statuses == [200, 200, 429]
    assert searches(sandbox) == 2
    assert look_up(client, address="203.0.113.4", booking_id="1235").status_code == 200


def test_opening_the_lookup_page_is_never_limited(settings):
    client = build_app(settings, LOOKUP_LIMIT_PER_IP="1 per minute").test_client()

    statuses = {client.get("/f/monster-mash").status_code for _ in range(5)}

    assert statuses == {200}


def test_a_padded_number_does_not_count_against_a_shorter_booking(settings, sandbox):
    client = build_app(
        settings, LOOKUP_LIMIT_PER_BOOKING="2 per hour", LOOKUP_LIMIT_PER_IP="99/minute"
    ).test_client()
    for _ in range(2):
        look_up(client, booking_id="0" * 17 + "1234")

    # Cut to twenty characters, "000…1234" read as booking 123.
    assert look_up(client, booking_id="123", last_name="Nobody").status_code == 200


@pytest.mark.parametrize(
    "variable, value, lookups_allowed",
    [
        ("LOOKUP_LIMIT_PER_IP", "2 per minute", 2),
        ("LOOKUP_LIMIT_PER_BOOKING", "1 per hour", 1),
    ],
)
def test_limits_are_read_from_the_environment(
    settings, sandbox, monkeypatch, variable, value, lookups_allowed
):
    monkeypatch.setenv(variable, value)
    client = build_app(settings).test_client()

    statuses = [look_up(client).status_code for _ in range(lookups_allowed + 1)]

    assert statuses == [200] * lookups_allowed + [429]


@pytest.fixture
def redis_url():
    """The Redis named by TEST_REDIS_URL, with a key prefix private to this test.

    Skipped without the variable, except under CI=true, where the shared
    limit must be proven. Every key under the prefix is deleted afterwards.
    """
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        reason = (
            "TEST_REDIS_URL is not set; Redis rate-limit test skipped "
            "(e.g. TEST_REDIS_URL=redis://127.0.0.1:6379/15)"
        )
        if IN_CI:
            pytest.fail(f"{reason}, and CI=true requires it.")
        pytest.skip(reason)

    import redis

    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at TEST_REDIS_URL does not answer ({exc}).")
        pytest.skip(f"Redis at TEST_REDIS_URL does not answer ({exc})")

    prefix = f"guestform-test-{uuid.uuid4().hex[:12]}"
    yield url, prefix, connection

    for key in connection.scan_iter(match=f"*{prefix}*"):
        connection.delete(key)
    connection.close()


@pytest.mark.slow
def test_two_app_processes_sharing_redis_share_one_limit(redis_url, sandbox, tmp_path):
    url, prefix, connection = redis_url
    env = {
        "ANYROAD_API_URL": sandbox.base_url,
        "ANYROAD_API_KEY": demo.DEMO_API_KEY,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "OUTBOX_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'outbox.db'}",
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOOKUP_LIMIT_PER_IP": "2 per minute",
    }
    ports = [processes.free_port(), processes.free_port()]
    servers = []
    try:
        for number, port in enumerate(ports):
            server = processes.start_gunicorn(
                env, port, workers=1, log_path=tmp_path / f"app{number}.log"
            )
            servers.append(server)
        for server, port in zip(servers, ports):
            processes.wait_for(f"http://127.0.0.1:{port}/healthz", server)

        statuses = [
            post_lookup(f"http://127.0.0.1:{port}") for port in (*ports, ports[0])
        ]
    finally:
        for server in servers:
            processes.stop(server)

    assert statuses == [200, 200, 429]
    assert searches(sandbox) == 2
    assert list(connection.scan_iter(match=f"*{prefix}*")), "no counter in Redis"


def post_lookup(base_url: str) -> int:
    with requests.Session() as session:
        form = session.get(f"{base_url}/f/monster-mash", timeout=5)
        token = BeautifulSoup(form.text, "html.parser").select_one(
            "input[name=__lookup]"
        )["value"]
        answer = session.post(
            f"{base_url}/f/monster-mash",
            data={**DOC, "__lookup": token, "homepage_url": ""},
            timeout=5,
        )
    return answer.status_code


def test_lookups_stay_limited_in_memory_while_redis_is_unreachable(
    settings, sandbox, caplog
):
    unreachable = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
        "LOOKUP_LIMIT_PER_IP": "2 per minute",
    }
    client = create_app({**settings, **unreachable}).test_client()

    statuses = [look_up(client).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert searches(sandbox) == 2
    assert not [r for r in caplog.records if getattr(r, "outcome", "") == "crash"]


def test_a_refused_lookup_writes_one_line_for_its_campaign(settings, caplog):
    client = build_app(settings, LOOKUP_LIMIT_PER_IP="1 per minute").test_client()
    look_up(client)

    with caplog.at_level("INFO"):
        look_up(client)

    refused = [r for r in caplog.records if getattr(r, "outcome", "") == "rate_limited"]
    assert [(r.campaign, r.step) for r in refused] == [
        ("monster-mash", "guest.find_booking")
    ]


def test_lookups_are_counted_in_swept_memory_by_default(settings):
    app = build_app(settings)

    with app.app_context():
        assert isinstance(limiter.storage, SweptMemoryStorage)


def threads_started(monkeypatch) -> list[str]:
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda t: started.append(t.name))
    return started


def test_a_hit_after_a_quiet_moment_starts_no_thread(monkeypatch):
    storage = SweptMemoryStorage()
    storage.incr("first", 60)
    started = threads_started(monkeypatch)

    time.sleep(0.03)  # the library's own 10 ms timer has ended by now
    storage.incr("second", 60)

    assert started == []


def test_the_first_hit_in_a_forked_worker_starts_its_own_sweeper(monkeypatch):
    storage = SweptMemoryStorage()
    storage.incr("in the parent", 60)
    started = threads_started(monkeypatch)

    monkeypatch.setattr(os, "getpid", lambda: 424242)
    storage.incr("in the child", 60)
    storage.incr("in the child", 60)

    assert started == ["rate-limit-sweeper"]


def test_counters_count_within_their_window_and_forget_after_it():
    storage = SweptMemoryStorage()

    counts = [storage.incr("booking", 0.05) for _ in range(3)]
    time.sleep(0.06)

    assert counts == [1, 2, 3]
    assert storage.get("booking") == 0


def test_expired_counters_are_freed_by_the_sweeper(monkeypatch):
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.02)
    storage = SweptMemoryStorage()
    storage.incr("short", 0.01)
    storage.incr("long", 60)

    deadline = time.monotonic() + 5
    while "short" in storage.storage and time.monotonic() < deadline:
        time.sleep(0.01)

    assert "short" not in storage.storage
    assert storage.storage["long"] == 1


def test_a_sweep_that_meets_a_counter_read_away_goes_on_sweeping(monkeypatch):
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.02)
    storage = SweptMemoryStorage()
    library_sweep = storage._MemoryStorage__expire_events
    raced = []

    def race_once() -> None:
        if not raced:
            raced.append(True)
            raise KeyError("a counter a lookup dropped meanwhile")
        library_sweep()

    storage._MemoryStorage__expire_events = race_once
    storage.timer.join()  # the library's own first timer, started with it
    storage.incr("short", 0.01)

    deadline = time.monotonic() + 5
    while "short" in storage.storage and time.monotonic() < deadline:
        time.sleep(0.01)

    assert raced == [True]
    assert "short" not in storage.storage


def test_the_sweeper_ends_with_its_storage(monkeypatch):
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.02)
    storage = SweptMemoryStorage()
    running = {thread.ident for thread in threading.enumerate()}
    storage.incr("booking", 60)
    [sweeper] = [t for t in threading.enumerate() if t.ident not in running]
    storage.timer.join()  # the library's first timer, started with the storage

    del storage
    gc.collect()
    sweeper.join(timeout=5)

    assert not sweeper.is_alive()

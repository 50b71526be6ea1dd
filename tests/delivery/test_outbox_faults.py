"""The outbox against the sandbox over loopback, while the sandbox misbehaves.

The sandbox records every PATCH body it receives, so these tests assert
on what the upstream saw: how many times a submission arrived and whether
every arrival carried the same bytes (case C10).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

import delivery
from anyroad.client import ProfileClient, encode_body
from delivery.outbox import utc_now
from sandbox import demo
from tests.delivery.fakes import KEY

ROOT = Path(__file__).resolve().parents[2]
WORKER_APP = Path(__file__).with_name("worker_app.py")
PROFILE = demo.DOC_PROFILE_ID


def body_for(flavor="smoky red", captured_at="2024-05-01T12:00:00Z"):
    return {
        "captured_at": captured_at,
        "data_set": {"flavor_profile": flavor},
        "referrer_medium": "web",
    }


@pytest.fixture
def upstream(sandbox):
    """The seeded sandbox from tests/conftest.py, serving on loopback."""
    return sandbox


@pytest.fixture
def profile_client(upstream):
    return ProfileClient(
        upstream.base_url, demo.DEMO_API_KEY, connect_timeout=1.0, read_timeout=2.0
    )


def seen_by(upstream, profile_id=PROFILE):
    return upstream.stats()["patches"].get(
        profile_id, {"received": 0, "applied": 0, "bodies": []}
    )


def process_env(tmp_path, database_url, upstream, lease):
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        WORKER_INSTANCE_PATH=str(tmp_path / "worker-instance"),
        DATABASE_URL=database_url,
        OUTBOX_KEY=KEY,
        OUTBOX_LEASE_SECONDS=str(lease),
        ANYROAD_API_URL=upstream.base_url,
        ANYROAD_API_KEY=demo.DEMO_API_KEY,
    )


def start_worker(tmp_path, database_url, upstream, *args, lease=60):
    env = process_env(tmp_path, database_url, upstream, lease)
    command = [sys.executable, "-m", "flask", "--app", str(WORKER_APP)]
    return subprocess.Popen(
        [*command, "outbox", "worker", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# What the guest's request does with a validated post, in its own process.
SUBMIT = """
import json, os
from tests.delivery.worker_app import create_app

app = create_app()
app.extensions["outbox"].accept_and_deliver(
    "form-1",
    "monster-mash",
    os.environ["SUBMIT_PROFILE"],
    json.loads(os.environ["SUBMIT_BODY"]),
    app.extensions["profile_client"],
)
"""


def start_submit(tmp_path, database_url, upstream, body, lease=60):
    env = process_env(tmp_path, database_url, upstream, lease)
    env.update(SUBMIT_PROFILE=PROFILE, SUBMIT_BODY=json.dumps(body))
    return subprocess.Popen(
        [sys.executable, "-c", SUBMIT],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(
    "fault",
    [
        {"patch": {"error_rate": 1.0, "error_status": 503}},
        {"patch": {"drop_rate": 1.0}},
    ],
    ids=["503", "dropped-connection"],
)
def test_submission_made_while_upstream_is_down_is_delivered_once_after_recovery(
    outbox, clock, upstream, profile_client, fault
):
    upstream.set_faults(fault)
    submission, _ = outbox.accept("form-1", "monster-mash", PROFILE, body_for())

    during_outage = outbox.deliver(submission.id, profile_client)
    upstream.set_faults(None)
    clock.advance(3600)
    outbox.run_worker(lambda: profile_client, once=True)

    seen = seen_by(upstream)
    assert during_outage == "pending"
    assert outbox.get(submission.id).state == "delivered"
    assert seen["applied"] == 1
    assert seen["bodies"] == [encode_body(body_for()).decode()]


def test_patch_applied_then_dropped_is_resent_byte_identical(
    outbox, clock, upstream, profile_client
):
    upstream.set_faults({"patch": {"apply_then_drop_rate": 1.0}})
    submission, _ = outbox.accept("form-1", "monster-mash", PROFILE, body_for())

    first = outbox.deliver(submission.id, profile_client)
    upstream.set_faults(None)
    clock.advance(3600)
    outbox.run_worker(lambda: profile_client, once=True)

    seen = seen_by(upstream)
    assert first == "pending"
    assert outbox.get(submission.id).state == "delivered"
    assert seen["received"] == 2
    assert len(seen["bodies"]) == 1


def test_replayed_submit_after_upstream_recovery_is_not_sent_again(
    outbox, clock, upstream, profile_client
):
    upstream.set_faults({"patch": {"error_rate": 1.0, "error_status": 502}})
    first, _ = outbox.accept("form-1", "monster-mash", PROFILE, body_for())
    outbox.deliver(first.id, profile_client)
    upstream.set_faults(None)
    clock.advance(3600)
    outbox.run_worker(lambda: profile_client, once=True)

    replay, created = outbox.accept(
        "form-1", "monster-mash", PROFILE, body_for(captured_at="2024-05-01T12:05:00Z")
    )
    outbox.deliver(replay.id, profile_client)

    assert not created
    assert seen_by(upstream)["applied"] == 1
    assert len(seen_by(upstream)["bodies"]) == 1


@pytest.mark.parametrize(
    ("api_key", "body", "reason"),
    [
        ("wrong-key", body_for(), "InvalidApiKey (HTTP 401)"),
        (
            demo.DEMO_API_KEY,
            {"data_set": {"flavor_profile": "red", "hacky": "hack"}},
            "DataRejected (HTTP 422) at ",
        ),
    ],
    ids=["401", "422"],
)
def test_rejected_submission_is_kept_failed_not_retried_and_listed(
    tmp_path, database_url, make_outbox, clock, upstream, api_key, body, reason
):
    outbox = make_outbox()
    client = ProfileClient(upstream.base_url, api_key, read_timeout=2.0)
    submission, _ = outbox.accept("form-1", "monster-mash", PROFILE, body)

    outcome = outbox.deliver(submission.id, client)
    clock.advance(7 * 86400)
    resent = outbox.run_worker(lambda: client, once=True)
    app = Flask("guestform-test", instance_path=str(tmp_path))
    app.config.update(DATABASE_URL=database_url, OUTBOX_KEY=KEY)
    delivery.init_app(app)
    listing = app.test_cli_runner().invoke(args=["outbox", "failed"]).output
    app.extensions["outbox"].engine.dispose()

    assert outcome == "failed"
    assert resent == 0
    assert seen_by(upstream)["received"] == 1
    assert seen_by(upstream)["applied"] == 0
    assert f"{submission.id}\t" in listing
    assert reason in listing
    assert "hack\t" not in listing and "red" not in listing


def test_worker_killed_mid_delivery_is_delivered_once_after_restart(
    tmp_path, database_url, make_outbox, upstream
):
    outbox = make_outbox(clock=utc_now)
    submission, _ = outbox.accept("form-1", "monster-mash", PROFILE, body_for())
    upstream.set_faults({"patch": {"delay": 30}})

    worker = start_worker(tmp_path, database_url, upstream, "--poll", "0.05", lease=1)
    try:
        arrived = wait_until(lambda: seen_by(upstream)["received"] == 1)
        claimed = outbox.get(submission.id).is_claimed
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=5)
    upstream.set_faults(None)
    time.sleep(1.1)  # the dead worker's lease runs out
    restarted = start_worker(tmp_path, database_url, upstream, "--once", lease=1)
    output, _ = restarted.communicate(timeout=20)

    stored = outbox.get(submission.id)
    seen = seen_by(upstream)
    assert arrived and claimed
    assert restarted.returncode == 0, output
    assert stored.state == "delivered"
    assert stored.attempts == 2
    assert seen["received"] == 2
    assert seen["bodies"] == [encode_body(body_for()).decode()]
    assert "smoky" not in output


def test_request_killed_mid_send_is_delivered_once_by_a_worker_after_its_lease(
    tmp_path, database_url, make_outbox, upstream
):
    outbox = make_outbox(clock=utc_now)
    upstream.set_faults({"patch": {"delay": 30}})

    request = start_submit(tmp_path, database_url, upstream, body_for(), lease=2)
    try:
        arrived = wait_until(lambda: seen_by(upstream)["received"] == 1)
        held = outbox.get(1)
    finally:
        request.send_signal(signal.SIGKILL)
        request.wait(timeout=5)
    upstream.set_faults(None)
    time.sleep(2.1)  # the dead request's lease runs out
    worker = start_worker(tmp_path, database_url, upstream, "--once", lease=2)
    output, _ = worker.communicate(timeout=20)

    stored = outbox.get(1)
    seen = seen_by(upstream)
    assert arrived
    assert held.state == "pending" and held.is_claimed
    assert worker.returncode == 0, output
    assert stored.state == "delivered"
    assert stored.attempts == 2
    assert seen["received"] == 2
    assert seen["bodies"] == [encode_body(body_for()).decode()]


def test_worker_processes_sharing_the_outbox_send_each_profile_its_newest_once(
    tmp_path, database_url, make_outbox, upstream
):
    outbox = make_outbox(clock=utc_now)
    profiles = [
        demo.PROFILE_IDS[booking]
        for (account, experience, _, _), bookings in demo.SCHEDULE.items()
        if account == demo.DEMO_ACCOUNT_ID and experience == "Monster Mash"
        for booking, *_ in bookings
    ]
    newest = {}
    for n, profile in enumerate(profiles * 2):
        body = body_for(captured_at=f"2024-05-01T12:{n:02d}:00Z")
        outbox.accept(f"form-{n}", "monster-mash", profile, body)
        newest[profile] = encode_body(body).decode()
    # A short delay per PATCH keeps the workers busy at the same time.
    upstream.set_faults({"patch": {"delay": 0.1}})

    workers = [
        start_worker(tmp_path / str(n), database_url, upstream, "--once")
        for n in range(3)
    ]
    outputs = [worker.communicate(timeout=30)[0] for worker in workers]
    # A newer row claimed while another worker still held the older one
    # waits its turn (2 s) instead of racing it; a running worker would
    # send it on a later pass, and so does one more pass here.
    for attempt in range(3):
        if not outbox.counts().get("pending"):
            break
        time.sleep(2.1)
        later = start_worker(
            tmp_path / f"later-{attempt}", database_url, upstream, "--once"
        )
        outputs.append(later.communicate(timeout=30)[0])
        workers.append(later)

    assert all(worker.returncode == 0 for worker in workers), outputs
    assert outbox.counts()["delivered"] == len(profiles)
    assert outbox.counts()["superseded"] == len(profiles)
    for profile in profiles:
        assert seen_by(upstream, profile)["bodies"] == [newest[profile]]

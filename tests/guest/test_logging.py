"""Each step writes one line with its ids, and no line carries a guest's data."""

from __future__ import annotations

import logging

import pytest

from logs import KeyValueFormatter
from sandbox import demo

DOC_EMAIL = "bob@lawblog.com"
ANSWERS = {"flavor_profile": "quincewhistle-4417", "custom_attribute": "Zebulonia 9931"}


def formatted(record: logging.LogRecord) -> str:
    formatter = KeyValueFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return formatter.format(record)


@pytest.fixture
def whole_flow(app, guest, sandbox, caplog):
    """Run lookup, form, a submit the upstream refuses once, and its redelivery.

    Returns every log record written on the way, and the secrets that must
    appear in none of them.
    """
    with caplog.at_level(logging.DEBUG):
        guest.open_lookup(
            "?booking_id=1234&last_name=Loblaw&experience_date=2021-03-31&source=email"
        )
        lookup_token = guest.last_page.select_one("[name=__lookup]")["value"]
        guest.find_booking("1234", "Loblaw", "2021-03-31", query="?source=email")
        state_token = guest.state_token()

        sandbox.set_faults({"patch": {"error_rate": 1, "error_status": 503}})
        guest.submit(ANSWERS)
        sandbox.set_faults(None)
        outbox = app.extensions["outbox"]
        outcome = outbox.deliver(1, app.extensions["profile_client"])

    assert outcome == "delivered"
    secrets = {
        "first name": "Bob",
        "last name": "Loblaw",
        "email": DOC_EMAIL,
        "answer": ANSWERS["flavor_profile"],
        "other answer": "Zebulonia",
        "lookup token": lookup_token,
        "state token": state_token,
        "API key": demo.DEMO_API_KEY,
        "secret key": app.config["SECRET_KEY"],
        "outbox key": app.config["OUTBOX_KEY"],
    }
    return list(caplog.records), secrets


def lines_of(records, step):
    return [r for r in records if getattr(r, "step", None) == step]


@pytest.mark.parametrize(
    "step, outcomes",
    [
        ("lookup", ["found"]),
        ("submit", ["pending"]),
        ("retry", ["pending"]),
        ("deliver", ["delivered"]),
    ],
)
def test_each_step_writes_one_line_with_campaign_profile_outcome_and_duration(
    whole_flow, step, outcomes
):
    records, _ = whole_flow

    lines = lines_of(records, step)

    assert [r.outcome for r in lines] == outcomes
    for record in lines:
        assert record.campaign == "monster-mash"
        assert record.profile_id == demo.DOC_PROFILE_ID
        assert record.duration_ms >= 0
        assert f"step={step}" in formatted(record)


def test_every_page_shown_writes_one_render_line(whole_flow):
    records, _ = whole_flow

    lines = lines_of(records, "render")

    # The guest helper opens the lookup page again before posting it.
    assert [(r.outcome, r.profile_id) for r in lines] == [
        ("lookup", None),
        ("lookup", None),
        ("form", demo.DOC_PROFILE_ID),
    ]
    assert all(r.campaign == "monster-mash" and r.duration_ms >= 0 for r in lines)


def test_at_info_a_page_adds_no_render_line_to_its_steps_line(guest, caplog):
    with caplog.at_level(logging.INFO):
        guest.find_booking("1234", "Loblaw", "2021-03-31")

    steps = [getattr(r, "step", None) for r in caplog.records if r.name != "sandbox"]
    assert "render" not in steps
    assert steps.count("lookup") == 1


def test_no_log_line_carries_a_name_email_answer_token_or_key(whole_flow):
    records, secrets = whole_flow
    assert len(records) > 10

    leaks = [
        (what, record.name, formatted(record))
        for record in records
        for what, value in secrets.items()
        if value in formatted(record)
    ]

    assert leaks == []

"""A guest fills in the tasting form in a real browser."""

from __future__ import annotations

import pytest

from anyroad.client import ProfileClient
from sandbox import demo

pytestmark = pytest.mark.browser


def test_guest_fills_in_tasting_form_and_profile_holds_answers(
    browser_page, live_app, sandbox
):
    page = browser_page
    page.goto(f"{live_app.url}/f/tasting-follow-up?source=email")
    page.get_by_label("Booking number").fill(str(demo.TASTING_BOOKING_ID))
    page.get_by_label("Last name").fill("Müller")
    page.get_by_label("Date of your visit").fill("2021-04-10")
    page.get_by_role("button", name="Find my booking").click()

    page.get_by_label("Your overall rating").fill("5")
    page.get_by_label("Highland 18 year old").check()
    page.get_by_label("I would recommend this tasting to a friend").check()
    page.get_by_label("Tasting notes").fill("Honey and heather.")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY)
    [profile] = client.search(
        booking_id=demo.TASTING_BOOKING_ID,
        last_name="Müller",
        experience_date="2021-04-10",
    )
    assert profile.data_set == {
        "rating": 5,
        "favourite_dram": "highland-18",
        "would_recommend": True,
        "tasting_notes": "Honey and heather.",
    }
    assert profile.referrer_medium == "email"

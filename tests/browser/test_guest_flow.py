"""Guests arrive from their confirmation email and finish in a real browser.

Every page of the flow is checked on the way: axe-core finds no
violations, nothing scrolls sideways at 360 px, and a screenshot of each
page at 1280 and 360 px is taken (see conftest: UPDATE_SCREENSHOTS).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from anyroad.client import ProfileClient
from guest.links import make_deep_link
from sandbox import demo
from tests.browser.conftest import check_at_both_widths

pytestmark = pytest.mark.browser

EMAIL_LINK = {
    "booking_id": demo.TASTING_BOOKING_ID,
    "last_name": "Müller",
    "experience_date": "2021-04-10",
    "source": "email",
}
FOCUSED = "() => document.activeElement && document.activeElement.id"
FOCUS_RING = """() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def tasting_profile(sandbox):
    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY)
    [profile] = client.search(
        booking_id=demo.TASTING_BOOKING_ID,
        last_name="Müller",
        experience_date="2021-04-10",
    )
    return profile


def test_email_link_guest_fixes_one_mistake_and_sends_answers_once(
    checked_page, live_app, sandbox
):
    page = checked_page
    posts = []

    def count_answer_posts(request):
        if request.method == "POST" and urlsplit(request.url).path.endswith("/answers"):
            posts.append(request.url)

    page.on("request", count_answer_posts)

    page.goto(f"{live_app.url}/f/tasting-follow-up?{urlencode(EMAIL_LINK)}")
    assert page.get_by_label("Last name").input_value() == "Müller"
    check_at_both_widths(page, "lookup")

    page.get_by_role("button", name="Find my booking").click()
    page.get_by_label("Your overall rating").wait_for()
    check_at_both_widths(page, "form")

    page.get_by_label("Your overall rating").fill("9")
    page.get_by_label("Highland 18 year old").check()
    page.get_by_label("A friend's email for a guest pass").fill("ana.lima@")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.title().startswith("Error: ")
    # guest.js moves focus once it runs, which may be after the heading shows.
    page.wait_for_function(
        "() => document.activeElement.dataset.errorSummary !== undefined",
        timeout=5000,
    )
    assert page.evaluate("() => document.activeElement.dataset.errorSummary") == ""
    assert page.evaluate(FOCUS_RING)
    check_at_both_widths(page, "form-errors")

    # By keyboard: from the summary to its first link, which puts the
    # cursor in the field it names.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "f-rating"
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    page.get_by_label("A friend's email for a guest pass").fill("")
    page.get_by_role("button", name="Send my answers").dblclick()
    page.get_by_role("heading", name="Thank you").wait_for()
    check_at_both_widths(page, "thanks")

    assert len(posts) == 2, "the double click must post the answers once"
    profile = tasting_profile(sandbox)
    assert profile.data_set == {
        "rating": 5,
        "favourite_dram": "highland-18",
        "would_recommend": False,
    }
    assert profile.referrer_medium == "email"


def test_deep_link_opens_the_form_and_a_stale_link_falls_back_to_lookup(
    checked_page, live_app, sandbox, monkeypatch
):
    page = checked_page
    app = live_app.app
    with app.test_request_context():
        link = make_deep_link(app, "monster-mash", demo.DOC_PROFILE_ID, "email")

    page.goto(link)
    page.get_by_label("Which flavors stood out?").fill("Dark cherry")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    profile = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(
        demo.DOC_PROFILE_ID
    )
    assert profile.data_set == {"flavor_profile": "Dark cherry"}
    assert profile.referrer_medium == "email"

    # The same link, a day past the configured lifetime.
    monkeypatch.setitem(app.config, "DEEP_LINK_DAYS", -1)
    page.goto(link)
    page.get_by_text("This link has expired.").wait_for()
    assert page.title().startswith("Error: ")
    check_at_both_widths(page, "link-expired")

    page.get_by_role("button", name="Find my booking").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    summary = page.locator("[data-error-summary] a")
    assert summary.evaluate_all("(links) => links.map((a) => a.hash)") == [
        "#booking_id",
        "#last_name",
        "#experience_date",
    ]
    check_at_both_widths(page, "lookup-errors")

    page.goto(f"{live_app.url}/f/no-such-campaign")
    page.get_by_role("heading", name="Page not found").wait_for()
    check_at_both_widths(page, "not-found")


def test_guest_without_javascript_finishes_on_a_narrow_screen(
    browser, live_app, sandbox
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()

    page.goto(f"{live_app.url}/f/monster-mash?source=email")
    page.get_by_label("Booking number").fill("1234")
    page.get_by_role("button", name="Find my booking").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    page.get_by_label("Last name").fill("Loblaw")
    page.get_by_label("Date of your visit").fill("2021-03-31")
    page.get_by_role("button", name="Find my booking").click()
    page.get_by_label("Which flavors stood out?").fill("Vanilla")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    context.close()

    profile = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(
        demo.DOC_PROFILE_ID
    )
    assert profile.data_set == {"flavor_profile": "Vanilla"}
    assert profile.referrer_medium == "email"


def test_back_from_thank_you_shows_the_form_and_a_resend_keeps_first_answers(
    browser_page, live_app, sandbox
):
    page = browser_page
    page.goto(
        f"{live_app.url}/f/monster-mash?booking_id=1234&last_name=Loblaw"
        "&experience_date=2021-03-31"
    )
    page.get_by_role("button", name="Find my booking").click()
    page.locator("#f-flavor_profile").fill("red")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    page.go_back()
    page.locator("#f-flavor_profile").fill("blue")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    assert "kept those" in page.locator(".notice").inner_text()
    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY)
    assert client.get(demo.DOC_PROFILE_ID).data_set == {"flavor_profile": "red"}

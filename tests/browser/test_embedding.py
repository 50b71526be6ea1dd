"""A venue's page on one site embeds the form served from another site."""

from __future__ import annotations

from string import Template

import pytest
from werkzeug.wrappers import Response

from anyroad.client import ProfileClient
from sandbox import demo
from tests.browser.conftest import (
    VENUE_PAGE,
    WIDTHS,
    LiveServer,
    horizontal_overflow,
    screenshot,
    wait_until,
)

pytestmark = pytest.mark.browser

COOKIE_PROBE = """async () => {
    document.cookie = "probe=1; SameSite=None; Secure; Path=/";
    return {
        cookie: document.cookie,
        storageAccess: await document.hasStorageAccess(),
    };
}"""
CONTENT_HEIGHT = "() => document.documentElement.getBoundingClientRect().height"
HAS_SCROLLBAR = (
    "() => document.documentElement.scrollHeight > window.innerHeight"
    " || document.documentElement.scrollWidth > window.innerWidth"
)


def settled_height(page, frame) -> float:
    """Wait until the iframe is as tall as its content; return that height."""
    iframe = page.locator("iframe.guestform-frame")

    def matches():
        outer = iframe.evaluate("(node) => node.getBoundingClientRect().height")
        inner = frame.evaluate(CONTENT_HEIGHT)
        return outer if abs(outer - inner) <= 2 else None

    height = wait_until(matches, message="the iframe never took its content's height")
    assert not frame.evaluate(HAS_SCROLLBAR)

    return height


def shoot_both_widths(page, frame, name: str) -> None:
    """Screenshot the venue page at both widths, the frame fitted each time."""
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        settled_height(page, frame)
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at {width} px"
        page.locator("iframe.guestform-frame").scroll_into_view_if_needed()
        screenshot(page, f"{name}-{width}")

    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})


def test_guest_finishes_the_embedded_form_with_third_party_cookies_blocked(
    cookieless_browser, venue_site, form_site, sandbox
):
    page = cookieless_browser.new_page()
    page.goto(venue_site.url)
    form = page.frame_locator("iframe.guestform-frame")
    form.get_by_role("button", name="Find my booking").wait_for()
    frame = page.locator("iframe.guestform-frame").element_handle().content_frame()

    probe = frame.evaluate(COOKIE_PROBE)
    assert probe == {"cookie": "", "storageAccess": False}
    heights = [settled_height(page, frame)]

    assert form.get_by_label("Booking number").input_value() == "1234"
    form.get_by_label("Date of your visit").fill("2021-03-31")
    form.get_by_role("button", name="Find my booking").click()
    form.get_by_text("Enter the last name on the booking.").first.wait_for()
    heights.append(settled_height(page, frame))
    shoot_both_widths(page, frame, "embedded-lookup-errors")

    form.get_by_label("Last name").fill("Loblaw")
    form.get_by_role("button", name="Find my booking").click()
    form.get_by_label("Which flavors stood out?").fill("Smoke and plum")
    heights.append(settled_height(page, frame))
    shoot_both_widths(page, frame, "embedded-form")

    form.get_by_role("button", name="Send my answers").click()
    form.get_by_role("heading", name="Thank you").wait_for()
    heights.append(settled_height(page, frame))
    shoot_both_widths(page, frame, "embedded-thanks")

    assert heights[1] > heights[0], "errors should make the frame taller"
    assert heights[3] < heights[2], "the thank-you page should make it shorter"
    events = page.wait_for_function("() => window.submittedEvents.length").json_value()
    assert events == 1
    assert page.evaluate("() => window.submittedEvents") == [
        {"detail": {"campaign": "monster-mash"}, "target": "guestform-frame"}
    ]
    assert "sent=1" not in frame.url, "a reload must not tell the venue again"
    frame.evaluate("() => window.location.reload()")
    form.get_by_role("heading", name="Thank you").wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.submittedEvents.length") == 1
    profile = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(
        demo.DOC_PROFILE_ID
    )
    assert profile.data_set == {"flavor_profile": "Smoke and plum"}
    assert profile.referrer_medium == "iframe"
    assert cookieless_browser.cookies() == []

    # The probe can see a cookie where cookies are allowed: the same site,
    # opened at the top level, keeps it.
    top = cookieless_browser.new_page()
    top.goto(f"{form_site.url}/f/monster-mash")
    assert top.evaluate(COOKIE_PROBE)["cookie"] == "probe=1"


ISOLATION = {
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def isolated_venue_site(form_site):
    """The venue's page again, this time cross-origin isolated (COEP and COOP)."""
    html = Template(VENUE_PAGE.read_text(encoding="utf-8")).substitute(
        form_url=form_site.url
    )

    def venue(environ, start_response):
        page = Response(html, mimetype="text/html", headers=ISOLATION)
        return page(environ, start_response)

    server = LiveServer(venue)
    yield server
    server.stop()


def test_an_isolated_venue_page_shows_the_form_and_hears_it_was_sent(
    browser_page, isolated_venue_site, sandbox
):
    page = browser_page
    page.set_default_timeout(8000)
    page.goto(isolated_venue_site.url)
    form = page.frame_locator("iframe.guestform-frame")

    form.get_by_label("Last name").fill("Loblaw")
    form.get_by_label("Date of your visit").fill("2021-03-31")
    form.get_by_role("button", name="Find my booking").click()
    form.get_by_label("Which flavors stood out?").fill("Cedar")
    form.get_by_role("button", name="Send my answers").click()
    form.get_by_role("heading", name="Thank you").wait_for()

    assert page.evaluate("() => window.crossOriginIsolated") is True
    wait_until(lambda: page.evaluate("() => window.submittedEvents.length") == 1)
    profile = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(
        demo.DOC_PROFILE_ID
    )
    assert profile.data_set == {"flavor_profile": "Cedar"}

"""A guest whose browser runs no form script still edits lists and radios.

form.js is blocked (as when scripts are off or fail to load) while the page
stays open to axe-core: the server's own "Add another", "Remove" and
"No answer" controls must pass it and must work.
"""

from __future__ import annotations

import pytest

from anyroad.client import ProfileClient
from sandbox import demo
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.conftest import app_settings, start_seeded_sandbox, tasting_asking

pytestmark = pytest.mark.browser

EXTRA_QUESTIONS = {
    "revisit": {
        "type": "array",
        "maxItems": 5,
        "items": {"type": "string", "minLength": 2, "maxLength": 60},
    },
    "heard_from": {"enum": ["friend", "web", "guidebook"]},
}
LINK = (
    "/f/tasting-follow-up?booking_id=2001&last_name=M%C3%BCller"
    "&experience_date=2021-04-10"
)


@pytest.fixture
def campaigns(tmp_path):
    """The demo campaigns, the tasting one with a list and optional radios."""
    labels = {
        "revisit": "Drams to taste again",
        "heard_from": "How did you hear of us?",
    }
    return tasting_asking(tmp_path, EXTRA_QUESTIONS, labels)


@pytest.fixture
def sandbox(tmp_path, campaigns):
    running = start_seeded_sandbox(tmp_path, campaigns)
    yield running
    running.stop()


@pytest.fixture
def settings(tmp_path, sandbox, campaigns):
    return app_settings(
        sandbox,
        tmp_path,
        CAMPAIGNS_DIR=str(campaigns),
        RATELIMIT_STORAGE_URI="memory://",
    )


def row_values(page) -> list[str]:
    rows = page.locator("[data-row-list] input[name^='f-revisit-']")
    return [
        rows.nth(n).input_value()
        for n in range(rows.count())
        if not rows.nth(n).get_attribute("name").endswith("_row")
    ]


def test_guest_without_form_script_edits_a_list_and_clears_a_radio(
    checked_page, live_app, sandbox
):
    page = checked_page
    page.set_default_timeout(5000)
    page.route("**/static/js/form.js", lambda route: route.abort())
    page.goto(live_app.url + LINK)
    page.get_by_role("button", name="Find my booking").click()

    page.get_by_label("Your overall rating").fill("4")
    page.get_by_label("Islay 16 year old").check()
    rows = page.get_by_role("textbox", name="Drams to taste again")
    for n, dram in enumerate(["Islay 16", "Oban", "Talisker"]):
        rows.nth(n).fill(dram)
    page.get_by_role("button", name="Add another to Drams to taste again").click()
    assert row_values(page) == ["Islay 16", "Oban", "Talisker", ""]
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert horizontal_overflow(page) <= 0

    page.get_by_role("button", name="Remove").nth(1).click()
    assert row_values(page) == ["Islay 16", "Talisker", ""]
    page.get_by_role("radio", name="friend", exact=True).check()
    page.get_by_role("radio", name="No answer").check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    client = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY)
    assert client.get(demo.TASTING_PROFILE_ID).data_set == {
        "rating": 4,
        "favourite_dram": "islay-16",
        "would_recommend": False,
        "revisit": ["Islay 16", "Talisker"],
    }

"""Without scripts, a list's "Add another" and "Remove" post the page back.

Such a post is the guest still answering: the page comes back with one row
more or fewer, the answers kept, no errors shown, and nothing sent.
"""

from __future__ import annotations

import re

import pytest

from sandbox import demo
from tests.conftest import (
    Guest,
    app_settings,
    build_app,
    form_fields,
    page,
    start_seeded_sandbox,
    tasting_asking,
)
from tests.guest.helpers import patches_received, stored_profile, text_of

TASTING = (demo.TASTING_BOOKING_ID, "Müller", "2021-04-10")
REVISIT = {
    "type": "array",
    "maxItems": 5,
    "items": {"type": "string", "minLength": 2, "maxLength": 60},
}


@pytest.fixture
def sandbox(tmp_path):
    """A sandbox whose tasting campaign also asks which drams to revisit."""
    campaigns = tasting_asking(
        tmp_path, {"revisit": REVISIT}, {"revisit": "Drams to taste again"}
    )
    running = start_seeded_sandbox(tmp_path, campaigns)
    yield running
    running.stop()


@pytest.fixture
def guest(tmp_path, sandbox):
    settings = app_settings(
        sandbox,
        tmp_path,
        CAMPAIGNS_DIR=str(tmp_path / "campaigns"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    found = Guest(build_app(settings).test_client(), campaign="tasting-follow-up")
    found.find_booking(*TASTING)
    return found


def press(guest: Guest, button: str, answers: dict):
    """Post the page as shown, with ``answers`` typed in, by ``button``."""
    data = form_fields(guest.last_page)
    data.update(answers)
    data["_action"] = button
    response = guest.client.post(f"/f/{guest.campaign}/answers", data=data)
    guest.last_page = page(response)
    return response


def typed_rows(guest: Guest) -> list[str]:
    """Give what each row of the list shows, in order."""
    inputs = guest.last_page.select("[data-row-list] input[name^=f-revisit-]")
    return [
        field.get("value", "")
        for field in inputs
        if re.fullmatch(r"f-revisit-\d+", field["name"])
    ]


def test_page_without_scripts_offers_list_buttons(guest):
    add = guest.last_page.select_one("button[name=_action][value='add:f-revisit']")
    removes = guest.last_page.select("button[name=_action][value^='remove:']")

    assert add is not None and text_of(add) == "Add another to Drams to taste again"
    assert [b["value"] for b in removes] == [
        "remove:f-revisit-0",
        "remove:f-revisit-1",
        "remove:f-revisit-2",
    ]


def test_add_another_shows_one_more_row_keeps_answers_and_sends_nothing(guest, sandbox):
    response = press(
        guest,
        "add:f-revisit",
        {"f-rating": "4", "f-revisit-0": "Islay 16", "f-revisit-1": "Speyside"},
    )

    assert response.status_code == 200
    assert typed_rows(guest) == ["Islay 16", "Speyside", "", ""]
    assert guest.last_page.select_one("[name=f-rating]")["value"] == "4"
    assert guest.last_page.select(".error-message") == []
    assert not guest.last_page.title.text.startswith("Error: ")
    assert patches_received(sandbox, demo.TASTING_PROFILE_ID) == 0


def test_add_another_stops_at_max_items(guest):
    add = guest.last_page.select_one("button[value='add:f-revisit']")
    assert not add.has_attr("disabled")

    press(guest, "add:f-revisit", {})
    press(guest, "add:f-revisit", {})
    press(guest, "add:f-revisit", {})

    add = guest.last_page.select_one("button[value='add:f-revisit']")
    assert len(typed_rows(guest)) == 5
    assert add.has_attr("disabled")


def test_remove_drops_that_row_and_the_rest_is_delivered(guest, sandbox):
    press(
        guest,
        "remove:f-revisit-1",
        {"f-revisit-0": "Islay 16", "f-revisit-1": "Gone", "f-revisit-2": "Oban"},
    )

    assert typed_rows(guest) == ["Islay 16", "Oban"]
    assert patches_received(sandbox, demo.TASTING_PROFILE_ID) == 0

    data = form_fields(guest.last_page)
    data.update({"f-rating": "5", "f-favourite_dram": "islay-16"})
    response = guest.client.post(f"/f/{guest.campaign}/answers", data=data)

    assert response.status_code == 303
    stored = stored_profile(sandbox, demo.TASTING_PROFILE_ID).data_set
    assert stored == {
        "rating": 5,
        "favourite_dram": "islay-16",
        "would_recommend": False,
        "revisit": ["Islay 16", "Oban"],
    }


def test_button_naming_nothing_shows_the_page_again_and_sends_nothing(guest, sandbox):
    response = press(
        guest,
        "remove:f-nowhere-9",
        {"f-rating": "5", "f-favourite_dram": "islay-16"},
    )

    assert response.status_code == 200
    assert guest.last_page.select_one("[name=f-rating]")["value"] == "5"
    assert patches_received(sandbox, demo.TASTING_PROFILE_ID) == 0

"""A post as long as the form allows is read, in any script (forms.sizes).

A text area takes 10,000 characters; as emoji, urlencoded, that is 120 KB.
The answers post of each campaign gets the room of the longest post its
page lets through on top of MAX_CONTENT_LENGTH, so such answers are kept
and sent, or explained when too long, while every other post keeps the
configured cap.
"""

from __future__ import annotations

import pytest

from sandbox import demo
from tests.conftest import (
    Guest,
    app_settings,
    build_app,
    start_seeded_sandbox,
    tasting_asking,
)
from tests.guest.helpers import stored_profile

TASTING = (demo.TASTING_BOOKING_ID, "Müller", "2021-04-10")
REQUIRED = {"favourite_dram": "islay-16", "rating": "4"}
STORY = {"type": "string"}
MEMORIES = {"type": "array", "maxItems": 3, "items": {"type": "string"}}


@pytest.fixture
def sandbox(tmp_path):
    """A sandbox whose tasting campaign also asks for a story and memories."""
    campaigns = tasting_asking(
        tmp_path,
        {"story": STORY, "memories": MEMORIES},
        {
            "story": {"label": "Your story", "widget": "textarea"},
            "memories": "Moments you remember",
        },
    )
    running = start_seeded_sandbox(tmp_path, campaigns)
    yield running
    running.stop()


@pytest.fixture
def app(tmp_path, sandbox):
    settings = app_settings(
        sandbox,
        tmp_path,
        CAMPAIGNS_DIR=str(tmp_path / "campaigns"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    return build_app(settings)


@pytest.fixture
def guest(app):
    found = Guest(app.test_client(), campaign="tasting-follow-up")
    found.find_booking(*TASTING)
    return found


@pytest.mark.parametrize("character", ["a", "é", "日", "😀"])
def test_the_longest_story_the_form_allows_is_kept_and_sent(guest, sandbox, character):
    story = character * 10_000
    field = guest.last_page.select_one("textarea[name=f-story]")

    response = guest.submit({**REQUIRED, "story": story})

    assert field["maxlength"] == "20000"  # UTF-16 units: an emoji is two
    assert response.status_code == 303
    stored = stored_profile(sandbox, demo.TASTING_PROFILE_ID).data_set
    assert stored["story"] == story


@pytest.mark.parametrize("character", ["a", "\u00e9", "\u65e5"])
def test_a_story_as_long_as_the_page_lets_through_is_explained_not_refused(
    guest, sandbox, character
):
    response = guest.submit({**REQUIRED, "story": character * 20_000})

    assert response.status_code == 200
    assert guest.error_for("f-story") == (
        "Error: Enter no more than 10,000 characters."
    )
    kept = guest.last_page.select_one("textarea[name=f-story]").text
    assert kept.lstrip("\n") == character * 20_000


def test_every_text_filled_to_what_the_page_lets_through_is_read(guest):
    controls = guest.last_page.select("textarea[maxlength], input[maxlength]")
    longest = {
        control["name"].removeprefix("f-"): "\u65e5" * int(control["maxlength"])
        for control in controls
    }

    response = guest.submit({**REQUIRED, **longest})

    assert len(longest) >= 3
    assert response.status_code == 200
    assert guest.error_for("f-story").startswith("Error: Enter no more than")


def test_every_row_of_a_list_may_be_as_long_as_a_row_allows(guest, sandbox):
    memories = [emoji * 2_000 for emoji in "🥃🌧🔥"]
    rows = {f"memories-{index}": text for index, text in enumerate(memories)}

    response = guest.submit({**REQUIRED, **rows, "story": "😀" * 10_000})

    assert response.status_code == 303
    stored = stored_profile(sandbox, demo.TASTING_PROFILE_ID).data_set
    assert stored["memories"] == memories


def post(client, path: str, size: int):
    body = "f-story=" + "a" * (size - len("f-story="))
    return client.post(
        path, data=body, content_type="application/x-www-form-urlencoded"
    )


def test_only_the_answers_post_gets_the_campaigns_room(app):
    client = app.test_client()
    generated = app.extensions["forms"]["tasting-follow-up"]
    room = app.config["MAX_CONTENT_LENGTH"] + generated.largest_answers

    at_the_room = post(client, "/f/tasting-follow-up/answers", room)
    over_it = post(client, "/f/tasting-follow-up/answers", room + 1)
    lookup = post(client, "/f/tasting-follow-up", room)

    assert room > 190_000
    assert at_the_room.status_code != 413
    assert over_it.status_code == 413
    assert lookup.status_code == 413

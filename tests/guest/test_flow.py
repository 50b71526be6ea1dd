"""A guest finds their booking, answers the form and sees the thank-you page."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import OperationalError

from sandbox import demo
from tests.conftest import page
from tests.guest.helpers import DOC, patches_received, stored_profile, text_of

NO_MATCH = "We could not find a booking with those details"


def test_email_link_prefills_the_lookup_step(guest):
    guest.open_lookup(
        "?booking_id=1234&last_name=Loblaw&experience_date=2021-03-31&source=email"
    )

    values = {
        name: guest.last_page.select_one(f"input[name={name}]")["value"]
        for name in ("booking_id", "last_name", "experience_date")
    }
    assert values == {
        "booking_id": "1234",
        "last_name": "Loblaw",
        "experience_date": "2021-03-31",
    }


def test_doc_booking_opens_form_headed_by_experience_and_first_name(guest):
    response = guest.find_booking(*DOC)

    assert response.status_code == 200
    heading = text_of(guest.last_page.select_one(".experience"))
    assert heading == "Monster Mash Wednesday 31 March 2021 at 15:00"
    assert "Hello Bob" in text_of(guest.last_page.select_one(".greeting"))
    assert guest.last_page.select_one("input[name=__state]")["value"]


@pytest.mark.parametrize(
    "booking_id, last_name, experience_date",
    [
        ("1234", "Smith", "2021-03-31"),
        ("1234", "Loblaw", "2021-03-01"),
        ("9999", "Loblaw", "2021-03-31"),
    ],
)
def test_wrong_detail_gives_one_message_that_names_no_field(
    guest, booking_id, last_name, experience_date
):
    guest.find_booking(booking_id, last_name, experience_date)

    notice = text_of(guest.last_page.select_one(".notice"))
    assert notice.startswith(NO_MATCH)
    assert guest.last_page.select(".error-message") == []
    assert guest.last_page.select_one("input[name=__state]") is None


@pytest.mark.parametrize("last_name", ["loblaw", "LOBLAW", " Lob-law ", "Lob'law"])
def test_last_name_matches_whatever_its_case_and_punctuation(guest, last_name):
    guest.find_booking("1234", last_name, "2021-03-31")

    assert guest.last_page.select_one("input[name=__state]") is not None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("booking_id", "12a4", "Enter the booking number"),
        ("booking_id", "", "Enter the booking number"),
        ("last_name", "", "Enter the last name"),
        ("experience_date", "31/03/2021", "Enter the date of your visit"),
        ("experience_date", "2021-02-30", "Enter the date of your visit"),
    ],
)
def test_malformed_lookup_shows_message_next_to_the_field(
    guest, sandbox, field, value, message
):
    details = dict(zip(("booking_id", "last_name", "experience_date"), DOC))
    details[field] = value

    guest.find_booking(**details)

    assert guest.error_for(field).startswith(f"Error: {message}")
    assert guest.last_page.title.text.startswith("Error: ")
    assert sandbox.stats()["requests"]["search"] == 0


@pytest.mark.parametrize(
    "booking_id",
    [
        "9223372036854775807",
        "00009223372036854775807",
        "#1000000000000",
        "0" * 5_000 + "999999",
    ],
)
def test_any_booking_number_the_api_can_hold_is_searched(guest, sandbox, booking_id):
    guest.find_booking(booking_id, "Loblaw", "2021-03-31")

    assert text_of(guest.last_page.select_one(".notice")).startswith(NO_MATCH)
    assert sandbox.stats()["requests"]["search"] == 1


@pytest.mark.parametrize("booking_id", ["9223372036854775808", "1" * 25, "9" * 5_000])
def test_a_booking_number_beyond_the_apis_says_so(guest, sandbox, booking_id):
    guest.find_booking(booking_id, "Loblaw", "2021-03-31")

    assert guest.error_for("booking_id") == (
        "Error: That number is larger than any booking number. "
        "Check it against your confirmation email."
    )
    assert sandbox.stats()["requests"]["search"] == 0


def test_changing_answers_from_the_thank_you_page_keeps_the_source(guest, sandbox):
    guest.find_booking(*DOC, query="?source=email")
    sent = guest.submit({"flavor_profile": "red"})
    thanks = page(guest.client.get(sent.headers["Location"]))
    change = thanks.find("a", string="Change your answers")["href"]

    guest.find_booking(*DOC, query=change.removeprefix("/f/monster-mash"))
    guest.submit({"flavor_profile": "smoke"})

    assert change == "/f/monster-mash?source=email"
    profile = stored_profile(sandbox)
    assert profile.data_set == {"flavor_profile": "smoke"}
    assert profile.referrer_medium == "email"


def test_a_thank_you_page_names_no_source_the_campaign_does_not_know(client):
    thanks = page(client.get("/f/monster-mash/thanks?source=carrier-pigeon"))

    change = thanks.find("a", string="Change your answers")["href"]
    assert change == "/f/monster-mash"


def test_a_lookup_posted_from_another_campaigns_page_is_not_called_old(client):
    other = page(client.get("/f/tasting-follow-up"))
    token = other.select_one("input[name=__lookup]")["value"]

    response = client.post(
        "/f/monster-mash",
        data={"__lookup": token, "booking_id": "1234", "last_name": "Loblaw"},
    )

    notice = text_of(page(response).select_one(".notice"))
    assert notice == "We could not read that page. Please try again."


def test_booking_for_another_experience_is_told_the_form_is_not_for_it(client):
    guest_page = client.get("/f/tasting-follow-up")
    token = page(guest_page).select_one("input[name=__lookup]")["value"]

    response = client.post(
        "/f/tasting-follow-up",
        data={
            "__lookup": token,
            "booking_id": "1234",
            "last_name": "Loblaw",
            "experience_date": "2021-03-31",
        },
    )

    notice = text_of(page(response).select_one(".notice"))
    assert "this form is for another experience" in notice


def test_submitted_answers_reach_the_profile_with_source_and_utc_time(guest, sandbox):
    guest.open_lookup("?source=email")
    guest.find_booking(*DOC, query="?source=email")
    before = datetime.now(timezone.utc).replace(microsecond=0)

    response = guest.submit({"flavor_profile": "red", "custom_attribute": ""})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        "/f/monster-mash/thanks?source=email&sent=1"
    )
    profile = stored_profile(sandbox)
    assert profile.data_set == {"flavor_profile": "red"}
    assert profile.referrer_medium == "email"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", profile.captured_at)
    captured = datetime.strptime(profile.captured_at, "%Y-%m-%dT%H:%M:%SZ")
    captured = captured.replace(tzinfo=timezone.utc)
    assert before <= captured <= before + timedelta(seconds=5)


@pytest.mark.parametrize(
    "query, recorded",
    [
        ("", "web"),
        ("?source=web", "web"),
        ("?source=sms", "web"),
        ("?source=iframe", "iframe"),
        # Embedded, iframe is recorded unless the tag names an allowed source.
        ("?embed=1", "iframe"),
        ("?embed=1&source=email", "email"),
        ("?embed=1&source=web", "web"),
        ("?embed=1&source=sms", "iframe"),
        ("?embed=1&source=", "iframe"),
    ],
)
def test_source_is_recorded_and_unknown_sources_fall_back_to_web_or_iframe(
    guest, sandbox, query, recorded
):
    guest.find_booking(*DOC, query=query)

    guest.submit({"flavor_profile": "red"})

    assert stored_profile(sandbox).referrer_medium == recorded


def test_thank_you_page_follows_a_submit(guest, client):
    guest.find_booking(*DOC)
    response = guest.submit({"flavor_profile": "smoky"})

    thanks = page(client.get(response.headers["Location"]))

    assert thanks.h1.text == "Thank you"


def test_coming_back_shows_the_saved_answers(guest):
    guest.find_booking(*DOC)
    guest.submit({"flavor_profile": "smoky", "custom_attribute": "peat"})

    guest.find_booking(*DOC)

    fields = {
        name: guest.last_page.select_one(f"[name=f-{name}]")
        for name in ("flavor_profile", "custom_attribute")
    }
    assert fields["flavor_profile"]["value"] == "smoky"
    assert fields["custom_attribute"]["value"] == "peat"


def test_invalid_answer_shows_error_next_to_field_and_sends_nothing(client, sandbox):
    from tests.conftest import Guest

    guest = Guest(client, campaign="tasting-follow-up")
    guest.find_booking(demo.TASTING_BOOKING_ID, "Müller", "2021-04-10")

    guest.submit({"rating": "9", "favourite_dram": "islay-16"})

    assert guest.last_page.title.text.startswith("Error: ")
    summary = guest.last_page.select_one("[data-error-summary]")
    assert summary is not None
    assert [a["href"] for a in summary.select("a")] == ["#f-rating"]
    assert summary.select_one("a").text.startswith("Your overall rating: Enter ")
    assert "1" in guest.error_for("f-rating") and "5" in guest.error_for("f-rating")
    assert patches_received(sandbox, demo.TASTING_PROFILE_ID) == 0


def test_tasting_form_sends_typed_values(client, sandbox):
    from tests.conftest import Guest

    guest = Guest(client, campaign="tasting-follow-up")
    guest.find_booking(demo.TASTING_BOOKING_ID, "MULLER", "2021-04-10")

    response = guest.submit(
        {
            "rating": "4",
            "favourite_dram": "islay-16",
            "would_recommend": "y",
            "bottles_bought": "2.0",
            "spend": "42.50",
            "next_visit": "2027-01-15",
            "friend_email": "",
            "postcode": "",
            "tasting_notes": "",
        }
    )

    assert response.status_code == 303
    profile = stored_profile(sandbox, demo.TASTING_PROFILE_ID)
    assert profile.data_set == {
        "rating": 4,
        "favourite_dram": "islay-16",
        "would_recommend": True,
        "bottles_bought": 2,
        "spend": 42.5,
        "next_visit": "2027-01-15",
    }
    assert isinstance(profile.data_set["bottles_bought"], int)


def test_double_submit_delivers_once(guest, sandbox):
    guest.find_booking(*DOC)
    token = guest.state_token()

    first = guest.submit({"flavor_profile": "red"})
    second = guest.client.post(
        "/f/monster-mash/answers",
        data={"__state": token, "f-flavor_profile": "red"},
    )

    assert first.status_code == second.status_code == 303
    assert "again" not in first.headers["Location"]
    assert second.headers["Location"].endswith("again=1")
    assert patches_received(sandbox) == 1


def test_resubmitted_page_tells_the_guest_the_first_answers_were_kept(guest):
    guest.find_booking(*DOC)
    token = guest.state_token()
    guest.submit({"flavor_profile": "red"})

    again = guest.client.post(
        "/f/monster-mash/answers",
        data={"__state": token, "f-flavor_profile": "blue"},
        follow_redirects=True,
    )

    notice = text_of(page(again).select_one(".notice"))
    assert "already sent its answers, so we kept those" in notice


@pytest.mark.parametrize("last_name", ["---", "''", " - ' "])
def test_last_name_of_punctuation_only_is_a_field_error(guest, sandbox, last_name):
    guest.find_booking("1234", last_name, "2021-03-31")

    assert guest.error_for("last_name") == (
        "Error: Enter the last name on the booking, in letters."
    )
    assert sandbox.stats()["requests"]["search"] == 0


def test_expired_page_keeps_answers_renews_token_and_sends_nothing(
    guest, sandbox, monkeypatch
):
    import time

    guest.find_booking(*DOC)
    old_token = guest.state_token()
    later = time.time() + 3 * 3600
    monkeypatch.setattr(time, "time", lambda: later)

    response = guest.submit({"flavor_profile": "vanilla"})

    assert response.status_code == 200
    assert guest.last_page.select_one("[name=f-flavor_profile]")["value"] == "vanilla"
    assert guest.state_token() != old_token
    assert "open for a while" in text_of(guest.last_page.select_one(".notice"))
    assert patches_received(sandbox) == 0


def test_forged_state_token_is_refused_and_nothing_is_sent(guest, sandbox):
    guest.find_booking(*DOC)
    forged = guest.state_token()[:-3] + "abc"

    response = guest.client.post(
        "/f/monster-mash/answers",
        data={"__state": forged, "f-flavor_profile": "red"},
    )

    assert response.status_code == 400
    assert patches_received(sandbox) == 0


def test_flow_sets_no_cookie(guest):
    responses = [guest.open_lookup(), guest.find_booking(*DOC)]
    responses.append(guest.submit({"flavor_profile": "red"}))

    assert all("Set-Cookie" not in r.headers for r in responses)


def test_honeypot_post_is_dropped(guest, sandbox):
    guest.find_booking(*DOC)

    response = guest.submit(
        {"flavor_profile": "red"}, extra={"homepage_url": "spam.example"}
    )

    assert response.status_code == 303
    assert patches_received(sandbox) == 0


def test_search_that_fails_upstream_shows_try_again_page(guest, sandbox, caplog):
    sandbox.set_faults({"search": {"error_rate": 1, "error_status": 503}})

    with caplog.at_level(logging.INFO):
        response = guest.find_booking(*DOC)

    assert response.status_code == 503
    assert "try again" in text_of(guest.last_page).lower()
    assert "Traceback" not in response.get_data(as_text=True)
    assert "Loblaw" not in caplog.text and "Bob" not in caplog.text
    failures = [r for r in caplog.records if r.name == "guest.errors"]
    assert [(r.campaign, r.status) for r in failures] == [("monster-mash", 503)]


def test_search_that_never_answers_gives_up_within_the_timeout(guest, sandbox, app):
    import time

    sandbox.set_faults({"search": {"delay": 5}})
    app.extensions["profile_client"].read_timeout = 0.5

    started = time.monotonic()
    response = guest.find_booking(*DOC)

    assert response.status_code == 503
    assert time.monotonic() - started < 3


def test_submit_while_upstream_is_down_still_thanks_the_guest(guest, sandbox):
    guest.find_booking(*DOC)
    sandbox.set_faults({"patch": {"error_rate": 1, "error_status": 503}})

    response = guest.submit({"flavor_profile": "red"})

    assert response.status_code == 303
    assert stored_profile(sandbox).data_set is None


@pytest.mark.parametrize("step", ["search", "patch"])
def test_an_upstream_failure_is_one_warning_line_with_the_ids(
    guest, sandbox, caplog, step
):
    if step == "patch":
        guest.find_booking(*DOC)
    sandbox.set_faults({step: {"error_rate": 1, "error_status": 503}})

    with caplog.at_level(logging.DEBUG):
        if step == "patch":
            guest.submit({"flavor_profile": "red"})
        else:
            guest.find_booking(*DOC)

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].campaign == "monster-mash"
    assert "503" in warnings[0].getMessage() or warnings[0].status == 503


def test_campaign_pages_may_be_framed_and_others_may_not(client):
    lookup = client.get("/f/monster-mash")
    index = client.get("/")

    assert "frame-ancestors 'self'" in lookup.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in index.headers["Content-Security-Policy"]
    assert lookup.headers["X-Content-Type-Options"] == "nosniff"
    assert lookup.headers["Referrer-Policy"] == "no-referrer"


def test_unknown_campaign_is_a_plain_404(client):
    response = client.get("/f/no-such-campaign")

    assert response.status_code == 404
    assert page(response).h1.text == "Page not found"


def test_coming_back_while_answers_wait_shows_them_not_the_older_ones(guest, sandbox):
    guest.find_booking(*DOC)
    sandbox.set_faults({"patch": {"error_rate": 1, "error_status": 503}})
    guest.submit({"flavor_profile": "waiting"})

    guest.find_booking(*DOC)

    field = guest.last_page.select_one("[name=f-flavor_profile]")
    assert field["value"] == "waiting"
    assert "have not reached the venue yet" in text_of(
        guest.last_page.select_one(".notice")
    )
    assert stored_profile(sandbox).data_set is None


def test_answers_the_outbox_cannot_keep_come_back_to_the_guest(
    app, guest, sandbox, monkeypatch, caplog
):
    def store_down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is down"))

    monkeypatch.setattr(app.extensions["outbox"], "accept_and_deliver", store_down)
    guest.find_booking(*DOC)

    response = guest.submit({"flavor_profile": "plum"})

    assert response.status_code == 503
    assert guest.last_page.select_one("#f-flavor_profile")["value"] == "plum"
    assert "could not save your answers" in text_of(
        guest.last_page.select_one(".notice")
    )
    assert patches_received(sandbox) == 0
    assert "plum" not in caplog.text
    assert "DATABASE_URL" in caplog.text

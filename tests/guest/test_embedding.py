"""Forms inside venues' pages: the embed script, the iframe flow, no cookies."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Guest, build_app, page
from tests.guest.helpers import DOC, stored_profile


@pytest.fixture
def cookieless_guest(app):
    """A guest whose browser keeps no cookies at all, like Safari in an iframe."""
    return Guest(app.test_client(use_cookies=False))


def test_embed_script_is_served_as_javascript_and_cached_briefly(client):
    response = client.get("/embed.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.max_age == 300
    assert "guestform:submitted" in response.get_data(as_text=True)


def test_embedded_page_tells_guest_js_which_parents_may_hear_it(client):
    soup = page(client.get("/f/monster-mash?embed=1"))

    assert "is-embedded" in soup.body["class"]
    origins = json.loads(soup.body["data-parent-origins"])
    assert origins == ["http://127.0.0.1:*", "http://localhost:*"]


def test_whole_embedded_flow_works_without_any_cookie(cookieless_guest, sandbox):
    guest = cookieless_guest

    lookup = guest.open_lookup("?embed=1")
    found = guest.find_booking(*DOC, query="?embed=1")
    sent = guest.submit({"flavor_profile": "smoke"})
    thanks = guest.client.get(sent.headers["Location"])

    assert found.status_code == 200 and "is-embedded" in guest.last_page.body["class"]
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(
        "/f/monster-mash/thanks?embed=1&source=iframe&sent=1"
    )
    assert stored_profile(sandbox).data_set == {"flavor_profile": "smoke"}
    responses = [lookup, found, sent, thanks]
    assert all("Set-Cookie" not in r.headers for r in responses)


def test_thank_you_page_hands_the_parent_the_campaign_slug_and_nothing_else(
    guest, client
):
    guest.find_booking(*DOC, query="?embed=1")
    sent = guest.submit({"flavor_profile": "smoke"})

    soup = page(client.get(sent.headers["Location"]))

    data = {
        name: value
        for tag in soup.find_all(True)
        for name, value in tag.attrs.items()
        if name.startswith("data-") and name != "data-parent-origins"
    }
    assert data == {"data-submitted": "monster-mash"}
    assert not re.search(r"Bob|Loblaw|smoke", soup.get_text())


def test_only_the_showing_after_a_submit_tells_the_parent(guest, client):
    guest.find_booking(*DOC, query="?embed=1")
    first = guest.submit({"flavor_profile": "smoke"})
    replayed = guest.submit({"flavor_profile": "smoke"})

    opened_later = page(client.get("/f/monster-mash/thanks?embed=1"))
    after_replay = page(client.get(replayed.headers["Location"]))

    assert "sent=1" in first.headers["Location"]
    assert opened_later.select("[data-submitted]") == []
    assert after_replay.select("[data-submitted]") == []


def test_plain_iframe_without_the_script_or_embed_flag_still_works(
    guest, client, sandbox
):
    response = guest.find_booking(*DOC)
    sent = guest.submit({"flavor_profile": "red"})

    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://127.0.0.1:*" in policy
    assert sent.status_code == 303
    assert stored_profile(sandbox).referrer_medium == "web"


def test_embedded_state_survives_every_step_without_the_query(guest, client):
    guest.find_booking(*DOC, query="?embed=1")
    token = guest.state_token()

    response = client.post(
        "/f/monster-mash/answers",
        data={"__state": token, "f-flavor_profile": "x" * 201},
    )

    assert "is-embedded" in page(response).body["class"]


def test_embedded_lookup_problems_keep_the_page_embedded(client):
    lookup = page(client.get("/f/monster-mash?embed=1"))
    token = lookup.select_one("input[name=__lookup]")["value"]

    response = client.post(
        "/f/monster-mash",
        data={
            "__lookup": token,
            "booking_id": "12a4",
            "last_name": "",
            "experience_date": "",
        },
    )

    soup = page(response)
    assert "is-embedded" in soup.body["class"]
    assert [a["href"] for a in soup.select("[data-error-summary] a")] == [
        "#booking_id",
        "#last_name",
        "#experience_date",
    ]


def posted_from(client, query: str, **fields):
    """Post the lookup the way the page at ``query`` would post it."""
    lookup = page(client.get(f"/f/monster-mash{query}"))
    form = lookup.select_one("form")
    data = {"__lookup": lookup.select_one("input[name=__lookup]")["value"]}
    data.update(fields)

    return form["action"], client.post(form["action"], data=data)


def test_a_refusal_before_the_token_is_read_keeps_the_page_embedded(settings, sandbox):
    app = build_app({**settings, "LOOKUP_LIMIT_PER_BOOKING": "1 per hour"})
    client = app.test_client()
    lookup = {"booking_id": "1238", "last_name": "Nobody", "experience_date": ""}
    posted_from(client, "?embed=1&source=email", **lookup)

    action, refused = posted_from(client, "?embed=1&source=email", **lookup)

    soup = page(refused)
    back = soup.find("a", string="Back to the start")["href"]
    assert action == "/f/monster-mash?embed=1&source=email"
    assert refused.status_code == 429
    assert "is-embedded" in soup.body["class"]
    assert back == "/f/monster-mash?embed=1&source=email"


@pytest.mark.parametrize(
    "status, content_type, body",
    [
        (400, "application/x-www-form-urlencoded", b"f-x=%zz"),
        (415, "multipart/form-data; boundary=b", b"--b--"),
        (413, "application/x-www-form-urlencoded", b"f-x=" + b"a" * 500_000),
    ],
    ids=["unreadable", "wrong-type", "too-large"],
)
def test_a_post_refused_before_it_is_read_stays_embedded(
    client, status, content_type, body
):
    response = client.post(
        "/f/monster-mash/answers?embed=1&source=iframe",
        data=body,
        content_type=content_type,
    )

    soup = page(response)
    back = soup.find("a", string="Back to the start")["href"]
    assert response.status_code == status
    assert "is-embedded" in soup.body["class"]
    assert "frame-ancestors 'none'" not in response.headers["Content-Security-Policy"]
    assert back == "/f/monster-mash?embed=1&source=iframe"


def test_an_old_lookup_page_keeps_its_source_and_embedding(client):
    response = client.post(
        "/f/monster-mash?embed=1&source=email",
        data={"__lookup": "stale", "booking_id": "1234"},
    )

    soup = page(response)
    assert "is-embedded" in soup.body["class"]
    assert soup.select_one("form")["action"] == "/f/monster-mash?embed=1&source=email"

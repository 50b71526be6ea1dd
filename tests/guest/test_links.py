"""Links from confirmation emails: signed deep links and their endpoint."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from anyroad.client import ProfileClient
from sandbox import demo
from tests.conftest import page
from tests.guest.helpers import patches_received, text_of

TOKEN = "booking-system-secret"
PUBLIC_URL = "https://forms.venue.example"
PROFILE = demo.DOC_PROFILE_ID


@pytest.fixture
def settings(settings):
    settings.update(BOOKING_SYSTEM_TOKEN=TOKEN, PUBLIC_URL=PUBLIC_URL)
    return settings


def mint(client, body, authorization=f"Bearer {TOKEN}"):
    headers = {"Authorization": authorization} if authorization else {}
    return client.post("/api/deep-links", json=body, headers=headers)


def path_of(url: str) -> str:
    """The part of a link the test client opens: path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-secret", f"Basic {TOKEN}", TOKEN],
)
def test_endpoint_refuses_callers_without_the_booking_system_token(
    client, authorization
):
    response = mint(
        client, {"campaign": "monster-mash", "profile_id": PROFILE}, authorization
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "url" not in response.get_json()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/deep-links", 405), ("POST", "/api/nothing-here", 404)],
)
def test_the_api_answers_wrong_methods_and_paths_in_json(client, method, path, status):
    response = client.open(path, method=method)

    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]
    if status == 405:
        assert "POST" in response.headers["Allow"]


def test_endpoint_stays_closed_when_no_token_is_configured(app, client):
    app.config["BOOKING_SYSTEM_TOKEN"] = ""

    response = mint(
        client, {"campaign": "monster-mash", "profile_id": PROFILE}, "Bearer "
    )

    assert response.status_code == 401


def test_endpoint_mints_a_public_link_that_expires_after_the_configured_days(
    client, app
):
    before = datetime.now(UTC).replace(microsecond=0)

    response = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE})

    assert response.status_code == 201
    body = response.get_json()
    assert body["url"].startswith(f"{PUBLIC_URL}/f/monster-mash/link?t=")
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
    expected = before + timedelta(days=app.config["DEEP_LINK_DAYS"])
    assert abs(expires.replace(tzinfo=UTC) - expected) < timedelta(seconds=5)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "body, named",
    [
        ({"campaign": "no-such-campaign", "profile_id": PROFILE}, "no-such-campaign"),
        ({"campaign": "monster-mash", "profile_id": "1234"}, "1234"),
        ({"campaign": "monster-mash"}, "profile id"),
        ({"campaign": "monster-mash", "profile_id": PROFILE, "source": "sms"}, "sms"),
    ],
)
def test_endpoint_answers_422_naming_what_it_cannot_link(client, body, named):
    response = mint(client, body)

    assert response.status_code == 422
    assert named in response.get_json()["error"]


def test_endpoint_answers_400_to_a_body_that_is_not_a_json_object(client):
    response = client.post(
        "/api/deep-links",
        data="campaign=monster-mash",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert response.status_code == 400


def test_deep_link_opens_the_profiles_form_without_a_lookup(client):
    url = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE}).json["url"]

    soup = page(client.get(path_of(url)))

    assert soup.select_one("input[name=__state]")["value"]
    assert "Hello Bob" in text_of(soup.select_one(".greeting"))
    assert soup.select_one("input[name=booking_id]") is None


def test_opening_a_link_many_times_changes_nothing_and_the_answer_arrives_once(
    client, guest, sandbox
):
    url = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE}).json["url"]
    for _scanner in range(3):
        client.get(path_of(url))
    assert patches_received(sandbox) == 0

    guest.last_page = page(client.get(path_of(url)))
    response = guest.submit({"flavor_profile": "smoke"})

    assert response.status_code == 303
    assert patches_received(sandbox) == 1
    stored = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(PROFILE)
    assert stored.data_set == {"flavor_profile": "smoke"}
    assert stored.referrer_medium == "email"


def test_expired_link_lands_on_the_lookup_step_with_a_short_explanation(
    client, app, monkeypatch
):
    days = app.config["DEEP_LINK_DAYS"]
    minted = time.time() - (days * 86400 + 60)
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: minted)
        url = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE}).json[
            "url"
        ]

    response = client.get(path_of(url))

    soup = page(response)
    assert response.status_code == 200
    assert text_of(soup.select_one(".notice")).startswith("This link has expired.")
    assert soup.title.text.startswith("Error: ")
    assert soup.select_one("input[name=booking_id]") is not None
    assert soup.select_one("input[name=__state]") is None


def test_a_link_to_a_profile_no_longer_there_asks_for_the_booking(client, app):
    signer = app.extensions["signer"]
    token = signer.sign_deep_link(
        "monster-mash", "00000000-0000-4000-8000-000000000000", "email"
    )

    soup = page(client.get(f"/f/monster-mash/link?t={token}"))

    assert text_of(soup.select_one(".notice")) == (
        "This link no longer opens a booking. Find your booking below instead."
    )
    assert soup.select_one("input[name=booking_id]") is not None


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.replace(".", "x", 1),
        lambda token: "",
    ],
    ids=["signature", "payload", "empty"],
)
def test_altered_link_lands_on_the_lookup_step_saying_it_is_not_valid(client, alter):
    url = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE}).json["url"]
    token = path_of(url).rsplit("/", 1)[1]

    response = client.get(f"/f/monster-mash/link?t={alter(token) or 'x'}")

    soup = page(response)
    assert text_of(soup.select_one(".notice")).startswith("This link is not valid.")
    assert soup.select_one("input[name=booking_id]") is not None


def test_link_for_one_campaign_does_not_open_another(client):
    url = mint(client, {"campaign": "monster-mash", "profile_id": PROFILE}).json["url"]
    token = path_of(url).rsplit("/", 1)[1]

    soup = page(client.get(f"/f/tasting-follow-up/link?t={token}"))

    assert text_of(soup.select_one(".notice")).startswith("This link is not valid.")


def test_cli_prints_only_the_link_on_stdout_and_the_link_opens_the_form(app):
    result = app.test_cli_runner().invoke(
        args=["deep-link", "monster-mash", PROFILE, "--source", "iframe"]
    )

    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith(f"{PUBLIC_URL}/f/monster-mash/link?t=")
    assert f"DEEP_LINK_DAYS={app.config['DEEP_LINK_DAYS']}" in result.stderr
    soup = page(app.test_client().get(path_of(url)))
    assert soup.select_one("input[name=__state]")["value"]


def test_cli_warns_when_the_link_names_the_development_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    monkeypatch.setenv("PORT", "5077")

    result = app.test_cli_runner().invoke(args=["deep-link", "monster-mash", PROFILE])

    assert result.stdout.startswith("http://127.0.0.1:5077/f/monster-mash/link?t=")
    assert "PUBLIC_URL is not set" in result.stderr


@pytest.mark.parametrize(
    "arguments, named",
    [
        (["no-such-campaign", PROFILE], "no-such-campaign"),
        (["monster-mash", "not-a-uuid"], "not-a-uuid"),
        (["monster-mash", PROFILE, "--source", "kiosk"], "kiosk"),
    ],
)
def test_cli_refuses_what_it_cannot_link_with_a_usage_error(app, arguments, named):
    result = app.test_cli_runner().invoke(args=["deep-link", *arguments])

    assert result.exit_code == 2
    assert named in result.stderr
    assert result.stdout == ""

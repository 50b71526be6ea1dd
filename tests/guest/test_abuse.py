"""Bots, oversized posts, strange fields and broken encodings get plain answers.

Each test checks what the guest (or the bot) sees and what the upstream
received: a refused post must never reach the sandbox, and the server must
still serve the next guest.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from app import create_app
from guest.limits import limiter
from logs import KeyValueFormatter
from sandbox import demo
from tests.conftest import Guest, app_settings, page, start_seeded_sandbox
from tests.guest.helpers import DOC, stored_profile

ROOT = Path(__file__).resolve().parents[2]
COULD_NOT_READ = "We could not read that"


def patches(sandbox) -> dict:
    return sandbox.stats()["patches"]


def formatted(records) -> str:
    formatter = KeyValueFormatter("%(levelname)s %(name)s: %(message)s")
    return "\n".join(formatter.format(record) for record in records)


@pytest.fixture(scope="module")
def shared_upstream(tmp_path_factory):
    """One sandbox and app for the long tables below; each test resets counts."""
    folder = tmp_path_factory.mktemp("abuse")
    sandbox = start_seeded_sandbox(folder)
    app = create_app(
        app_settings(
            sandbox,
            folder,
            LOOKUP_LIMIT_PER_IP="10000 per minute",
            LOOKUP_LIMIT_PER_BOOKING="10000 per minute",
        )
    )
    yield sandbox, app
    sandbox.stop()


@pytest.fixture
def shared(shared_upstream):
    """The shared sandbox with fresh stats, and a new guest on the shared app."""
    sandbox, app = shared_upstream
    sandbox.state.stats.reset()
    with app.app_context():
        limiter.reset()
    return sandbox, Guest(app.test_client())


def still_serves_guests(client) -> bool:
    guest = Guest(client)
    guest.find_booking(*DOC)
    return guest.last_page.select_one("input[name=__state]") is not None


class TestHoneypot:
    def test_lookup_with_the_honeypot_filled_is_dropped_and_logged(
        self, guest, sandbox, caplog
    ):
        guest.open_lookup()
        with caplog.at_level(logging.INFO):
            response = guest.client.post(
                "/f/monster-mash",
                data={
                    "__lookup": guest.last_page.select_one("[name=__lookup]")["value"],
                    "booking_id": "1234",
                    "last_name": "Loblaw",
                    "experience_date": "2021-03-31",
                    "homepage_url": "http://spam.example/win",
                },
            )

        assert response.status_code == 200
        assert "could not find a booking" in page(response).select_one(".notice").text
        assert page(response).select_one("input[name=__state]") is None
        assert sandbox.stats()["requests"]["search"] == 0
        caught = [r for r in caplog.records if getattr(r, "outcome", "") == "honeypot"]
        assert [(r.levelname, r.campaign) for r in caught] == [("INFO", "monster-mash")]
        for private in ("Loblaw", "1234", "2021-03-31", "spam.example"):
            assert private not in formatted(caught)

    def test_answers_with_the_honeypot_filled_are_thanked_but_never_kept(
        self, guest, sandbox, app, caplog
    ):
        guest.find_booking(*DOC)

        with caplog.at_level(logging.INFO):
            response = guest.submit(
                {"flavor_profile": "botberry"},
                extra={"homepage_url": "http://spam.example/"},
            )

        assert response.status_code == 303
        assert patches(sandbox) == {}
        assert app.extensions["outbox"].counts().get("pending", 0) == 0
        assert sum(app.extensions["outbox"].counts().values()) == 0
        caught = [r for r in caplog.records if getattr(r, "outcome", "") == "honeypot"]
        assert len(caught) == 1
        assert "botberry" not in formatted(caplog.records)

    def test_a_blank_honeypot_bothers_nobody(self, guest, sandbox):
        guest.find_booking(*DOC)

        response = guest.submit({"flavor_profile": "plum"}, extra={"homepage_url": ""})

        assert response.status_code == 303
        assert stored_profile(sandbox).data_set == {"flavor_profile": "plum"}


class TestSizes:
    @pytest.mark.parametrize("path", ["/f/monster-mash", "/f/monster-mash/answers"])
    def test_body_over_the_cap_gets_the_413_page_and_the_server_carries_on(
        self, client, sandbox, path
    ):
        body = "f-flavor_profile=" + "a" * (1024 * 1024)

        response = client.post(
            path, data=body, content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code == 413
        assert page(response).h1.text == "That was too much to send"
        assert "Traceback" not in response.get_data(as_text=True)
        assert patches(sandbox) == {}
        assert still_serves_guests(client)

    @pytest.fixture
    def uncapped_settings(self, settings, tmp_path):
        """The demo campaign with every maxLength taken out of its model."""
        model = json.loads((ROOT / "campaigns" / "monster-mash.json").read_text())
        for prop in model["data_model"]["properties"].values():
            prop.pop("maxLength", None)
        folder = tmp_path / "campaigns"
        folder.mkdir()
        (folder / "monster-mash.json").write_text(json.dumps(model))
        return {**settings, "CAMPAIGNS_DIR": str(folder)}

    @pytest.mark.parametrize("length", [2_001, 5_000, 60_000])
    def test_text_over_the_default_cap_is_refused_when_the_model_sets_none(
        self, uncapped_settings, sandbox, length
    ):
        from app import create_app

        guest = Guest(create_app(uncapped_settings).test_client())
        guest.find_booking(*DOC)
        field = guest.last_page.select_one("[name=f-flavor_profile]")

        response = guest.submit({"flavor_profile": "x" * length})

        assert field["maxlength"] == "4000"  # twice the cap: UTF-16 units
        assert response.status_code == 200
        assert guest.error_for("f-flavor_profile") == (
            "Error: Enter no more than 2,000 characters."
        )
        assert patches(sandbox) == {}


class TestUnknownFields:
    @pytest.mark.parametrize(
        "extra",
        [
            {"hacky": "1"},
            {"f-hacky": "1"},
            {"f-flavor_profile-0": "x"},
            {"f-flavor_profile-extra": "x"},
            {"F-flavor_profile": "x"},
            {"data_set": '{"hacky": 1}'},
            {"f-data_set": '{"hacky": 1}'},
            {"f-__proto__": "x", "f-": "x", "-": "x"},
            {"referrer_medium": "sms", "captured_at": "1999-01-01T00:00:00Z"},
        ],
        ids=lambda extra: ",".join(extra),
    )
    def test_posted_fields_the_form_did_not_render_never_reach_the_profile(
        self, shared, extra
    ):
        sandbox, guest = shared
        guest.find_booking(*DOC)

        response = guest.submit({"flavor_profile": "plum"}, extra=extra)

        assert response.status_code == 303
        assert stored_profile(sandbox).data_set == {"flavor_profile": "plum"}
        [seen] = patches(sandbox).values()
        [body] = seen["bodies"]
        assert json.loads(body)["referrer_medium"] == "web"
        assert "hacky" not in body and "1999" not in body

    def test_generator_builds_the_data_set_only_from_names_it_rendered(
        self, guest, app
    ):
        guest.find_booking(*DOC)
        rendered = {
            field["name"]
            for field in guest.last_page.select("form [name]")
            if field["name"].startswith("f-")
        }
        posted = MultiDict(
            [(name, "plum") for name in rendered]
            + [("f-hacky", "1"), ("f-flavor_profile-1", "2"), ("hacky", "3")]
        )
        generated = app.extensions["forms"]["monster-mash"]

        with app.test_request_context():
            data_set = generated.validate(generated.make_form(formdata=posted))

        assert {f"f-{name}" for name in data_set} <= rendered
        assert data_set == {"flavor_profile": "plum", "custom_attribute": "plum"}


class TestWrongTypes:
    @pytest.mark.parametrize(
        "rating, message",
        [
            ("abc", "Enter a whole number"),
            ("4.5", "Enter a whole number"),
            ("1e3", "Enter a whole number"),
            ("9", "Enter a whole number from 1 to 5"),
            ("9" * 40, "Enter a whole number"),
        ],
    )
    def test_answer_of_the_wrong_kind_is_explained_beside_its_field(
        self, shared, rating, message
    ):
        sandbox, guest = shared
        guest.campaign = "tasting-follow-up"
        guest.find_booking(demo.TASTING_BOOKING_ID, "Müller", "2021-04-10")

        response = guest.submit({"rating": rating, "favourite_dram": "islay-16"})

        assert response.status_code == 200
        assert guest.error_for("f-rating").startswith(f"Error: {message}")
        assert patches(sandbox) == {}

    def test_a_field_posted_twice_counts_once(self, shared):
        sandbox, guest = shared
        guest.find_booking(*DOC)
        data = MultiDict(
            [
                ("__state", guest.state_token()),
                ("f-flavor_profile", "first"),
                ("f-flavor_profile", "second"),
            ]
        )

        response = guest.client.post("/f/monster-mash/answers", data=data)

        assert response.status_code == 303
        assert stored_profile(sandbox).data_set == {"flavor_profile": "first"}


class TestEncodings:
    @pytest.fixture
    def state_body(self, shared):
        _, guest = shared
        guest.find_booking(*DOC)
        return b"__state=" + guest.state_token().encode() + b"&homepage_url="

    @pytest.mark.parametrize(
        "tail, content_type, status",
        [
            (b"&f-flavor_profile=\xff\xfe", "application/x-www-form-urlencoded", 400),
            (b"&f-flavor_profile=%ff%fe", "application/x-www-form-urlencoded", 400),
            (b"&f-flavor_profile=%ed%a0%80", "application/x-www-form-urlencoded", 400),
            (b"&f-flavor_profile=%zz", "application/x-www-form-urlencoded", 400),
            (b"&f-flavor_profile=100%", "application/x-www-form-urlencoded", 400),
            (b"&f-flavor_profile=%4", "application/x-www-form-urlencoded", 400),
            (b'{"f-flavor_profile": "red"}', "application/json", 415),
            (b"f-flavor_profile=red", "text/plain", 415),
            (b"", "", 415),
            (b"--b\r\njunk\r\n--b--", "multipart/form-data; boundary=b", 415),
            (b"junk", "multipart/form-data", 415),
        ],
        ids=[
            "raw-invalid-utf8",
            "escaped-invalid-utf8",
            "escaped-surrogate",
            "bad-escape",
            "bare-percent",
            "short-escape",
            "json",
            "text-plain",
            "no-content-type",
            "multipart-junk",
            "multipart-no-boundary",
        ],
    )
    def test_unreadable_answers_get_a_plain_error_and_nothing_is_sent(
        self, shared, state_body, tail, content_type, status
    ):
        sandbox, guest = shared
        response = guest.client.post(
            "/f/monster-mash/answers", data=state_body + tail, content_type=content_type
        )

        assert response.status_code == status
        assert page(response).h1.text == COULD_NOT_READ
        assert "Traceback" not in response.get_data(as_text=True)
        assert patches(sandbox) == {}
        assert still_serves_guests(guest.client)

    @pytest.mark.parametrize(
        "body",
        [b"booking_id=12\xff34&last_name=Lob", b"booking_id=%c3%28", b"last_name=%"],
    )
    def test_unreadable_lookup_gets_a_plain_error_and_no_search(self, shared, body):
        sandbox, guest = shared

        response = guest.client.post(
            "/f/monster-mash",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 400
        assert page(response).h1.text == COULD_NOT_READ
        assert sandbox.stats()["requests"]["search"] == 0

    def test_well_encoded_non_ascii_answers_arrive_intact(self, shared):
        sandbox, guest = shared
        guest.find_booking(*DOC)

        guest.submit({"flavor_profile": "Grüße, 𝄞 and ✓"})

        assert stored_profile(sandbox).data_set == {"flavor_profile": "Grüße, 𝄞 and ✓"}

"""static/js/form.js in headless Chromium: rows added and removed, dependents.

The last tests turn scripts off, to check the list buttons that post the
page back, and what Enter in a field does.

Skips without /usr/bin/chromium (or CHROMIUM_PATH), as the app's browser
tests do.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from forms.gallery import bp

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def gallery_url():
    app = Flask("form_js_tests", root_path=str(REPO))
    app.register_blueprint(bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/dev/gallery"
    server.shutdown()
    server.server_close()


# Campaigns written for these tests, served like the gallery's own.
FOLLOW_UPS = {
    "hidden-trigger": {
        "data_model": {
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "staff": {"type": "string", "title": "Staff member"},
            },
            "dependencies": {"source": ["staff"]},
        },
        "ui": {"hidden": {"source": "kiosk"}},
    },
    "required-follow-up": {
        "data_model": {
            "type": "object",
            "properties": {
                "card": {"type": "string"},
                "billing": {"type": "string"},
            },
            "required": ["billing"],
            "dependencies": {"card": ["billing"]},
        },
    },
    "null-trigger": {
        "data_model": {
            "type": "object",
            "properties": {
                "note": {"type": ["string", "null"]},
                "why": {"type": "string"},
            },
            "required": ["note"],
            "dependencies": {"note": ["why"]},
        },
    },
    "chain-backwards": {
        "data_model": {
            "type": "object",
            "properties": {
                "glass": {"type": "string"},
                "wine": {"type": "string"},
                "visit": {"type": "string"},
            },
            "dependencies": {"visit": ["wine"], "wine": ["glass"]},
        },
    },
}


@pytest.fixture(scope="module")
def campaigns_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaigns")
    for slug, keys in FOLLOW_UPS.items():
        campaign = {"name": slug, **keys}
        (folder / f"{slug}.json").write_text(json.dumps(campaign), encoding="utf-8")
    app = Flask("form_js_campaigns", root_path=str(REPO))
    app.config["GALLERY_DIR"] = folder
    app.register_blueprint(bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/dev/gallery"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    opened = browser.new_page()
    yield opened
    opened.close()


def sent_data_set(page) -> dict:
    return json.loads(page.locator("[data-sent]").inner_text())


def test_rows_keep_one_blank_row_and_add_and_remove(page, gallery_url):
    page.goto(f"{gallery_url}/kids-ages")
    rows = page.locator("#f-ages > [data-row-list] > [data-row]")

    assert rows.count() == 1
    page.get_by_role("button", name="Add another to Children's ages").click()
    page.get_by_role("button", name="Add another to Children's ages").click()
    assert rows.count() == 3
    page.locator("#f-ages-0").fill("4")
    page.locator("#f-ages-1").fill("7")
    page.locator("#f-ages-2").fill("11")
    rows.nth(1).get_by_role("button", name="Remove").click()
    assert rows.nth(1).locator("label [data-row-number]").inner_text() == "2"
    assert rows.nth(1).get_by_role("button", name="Remove Age of child 2").count()
    page.get_by_role("button", name="Try sending").click()

    assert sent_data_set(page)["ages"] == [4, 11]


def test_add_button_stops_at_max_items(page, gallery_url):
    page.goto(f"{gallery_url}/kids-ages")
    add = page.locator("#f-ages .row-add")

    for _ in range(5):
        add.click()

    assert page.locator("#f-ages > [data-row-list] > [data-row]").count() == 6
    assert add.is_disabled()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_add_another_by_keyboard_moves_to_the_new_rows_first_field(page, gallery_url):
    page.goto(f"{gallery_url}/allergy-details")
    page.locator("#f-has_allergies--0").check()

    page.get_by_role("button", name="Add another to Allergies").focus()
    page.keyboard.press("Enter")

    assert focused_id(page) == "f-allergies-1-allergen"


def test_the_last_row_allowed_keeps_the_focus_in_the_form(page, gallery_url):
    page.goto(f"{gallery_url}/kids-ages")
    add = page.locator("#f-ages .row-add")

    for _ in range(5):
        add.focus()
        page.keyboard.press("Enter")

    assert add.is_disabled()
    assert focused_id(page) == "f-ages-5"


def test_nested_rows_get_their_own_indexes(page, gallery_url):
    page.goto(f"{gallery_url}/allergy-details")
    page.locator("#f-has_allergies--0").check()
    page.get_by_role("button", name="Add another to Allergies").click()
    page.locator("#f-allergies-0-allergen").select_option("egg")
    page.locator("#f-allergies-0-severity--0").check()
    page.locator("#f-allergies-1-allergen").select_option("soy")
    page.locator("#f-allergies-1-severity--1").check()
    page.get_by_role("button", name="Try sending").click()

    assert [a["allergen"] for a in sent_data_set(page)["allergies"]] == ["egg", "soy"]


def test_dependent_question_shows_once_its_trigger_is_answered(page, gallery_url):
    page.goto(f"{gallery_url}/wine-club-signup")
    message = page.locator("#f-gift_message")

    assert not message.is_visible()
    page.locator("#f-gift_recipient").fill("Sam")
    assert message.is_visible()
    page.locator("#f-gift_recipient").fill("")
    assert not message.is_visible()
    assert message.is_disabled()


@pytest.mark.parametrize(
    ("slug", "follow_up", "sent"),
    [
        ("hidden-trigger", "f-staff", {"source": "kiosk", "staff": "Sam"}),
        ("required-follow-up", "f-billing", {"billing": "Sam"}),
        ("null-trigger", "f-why", {"note": None, "why": "Sam"}),
    ],
    ids=["hidden trigger", "required anyway", "trigger sent as null"],
)
def test_follow_up_of_an_always_sent_trigger_is_shown_and_sent(
    page, campaigns_url, slug, follow_up, sent
):
    page.goto(f"{campaigns_url}/{slug}")
    question = page.locator(f"#{follow_up}")

    assert question.is_visible()
    assert question.is_enabled()
    question.fill("Sam")
    page.get_by_role("button", name="Try sending").click()

    assert sent_data_set(page) == sent


def test_follow_up_placed_before_its_trigger_comes_back_with_it(page, campaigns_url):
    page.goto(f"{campaigns_url}/chain-backwards")
    page.locator("#f-visit").fill("Tour")
    page.locator("#f-wine").fill("Red")
    page.locator("#f-glass").fill("Large")
    page.locator("#f-visit").fill("")
    assert not page.locator("#f-glass").is_visible()

    page.locator("#f-visit").fill("Tasting")

    assert page.locator("#f-wine").is_visible()
    assert page.locator("#f-glass").is_visible()
    page.get_by_role("button", name="Try sending").click()
    assert sent_data_set(page) == {"visit": "Tasting", "wine": "Red", "glass": "Large"}


def test_follow_up_of_a_trigger_the_page_does_not_show_is_shown(page, gallery_url):
    page.goto(f"{gallery_url}/wine-club-signup")
    page.evaluate(
        """() => {
            const wrapper = document.createElement("div");
            wrapper.id = "follow-up";
            wrapper.setAttribute("data-depends-on", "f-added-by-the-server");
            wrapper.innerHTML = '<input id="f-follow-up" name="f-follow-up">';
            document.querySelector("form").append(wrapper);
            document.dispatchEvent(new Event("input"));
        }"""
    )

    assert page.locator("#f-follow-up").is_visible()
    assert page.locator("#f-follow-up").is_enabled()


@pytest.fixture
def page_without_scripts(browser):
    context = browser.new_context(java_script_enabled=False)
    opened = context.new_page()
    yield opened
    context.close()


def test_without_scripts_add_and_remove_post_the_page_back(
    page_without_scripts, gallery_url
):
    page = page_without_scripts
    page.goto(f"{gallery_url}/kids-ages")
    rows = page.locator("#f-ages > [data-row-list] > [data-row]")
    assert rows.count() == 3

    page.locator("#f-ages-0").fill("4")
    page.locator("#f-ages-1").fill("7")
    # Without scripts each press posts the page: wait for the new one
    # before counting its rows.
    with page.expect_navigation():
        page.get_by_role("button", name="Add another to Children's ages").click()
    assert rows.count() == 4
    assert page.locator("#f-ages-0").input_value() == "4"
    with page.expect_navigation():
        page.get_by_role("button", name="Remove Age of child 1").click()
    assert rows.count() == 3
    assert not page.locator("[data-sent]").count()
    page.get_by_role("button", name="Try sending").click()

    assert sent_data_set(page)["ages"] == [7]


def test_without_scripts_enter_in_a_field_sends_the_form(
    page_without_scripts, gallery_url
):
    page = page_without_scripts
    page.goto(f"{gallery_url}/kids-ages")
    page.locator("#f-ages-0").fill("4")
    page.locator("#f-ages-1").fill("9")

    page.locator("#f-ages-1").press("Enter")

    assert sent_data_set(page)["ages"] == [4, 9]


def test_no_answer_clears_a_chosen_radio(page_without_scripts, gallery_url):
    page = page_without_scripts
    page.goto(f"{gallery_url}/kids-ages")
    page.locator("#f-ages-0").fill("4")
    page.get_by_role("radio", name="A folding one").check()
    page.get_by_role("radio", name="No answer").check()
    page.get_by_role("button", name="Try sending").click()

    assert sent_data_set(page) == {"ages": [4], "high_chair": False}

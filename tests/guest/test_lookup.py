"""The lookup step judges and tidies a last name as the API's search will."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guest.lookup import search_key, tidy_last_name
from sandbox.names import normalise_last_name

IN_LETTERS = "Error: Enter the last name on the booking, in letters."


@pytest.fixture
def searched(app):
    """Record the last names the app sends to the API's search."""
    profile_client = app.extensions["profile_client"]
    search = profile_client.search
    sent = []

    def recording_search(**criteria):
        sent.append(criteria["last_name"])
        return search(**criteria)

    profile_client.search = recording_search
    return sent


@pytest.mark.parametrize(
    "name, tidied",
    [
        ("Newton\u00adJohn", "NewtonJohn"),
        ("Newton\u200dJohn", "NewtonJohn"),
        ("Newton\u200bJohn", "NewtonJohn"),
        ("\ufeffLoblaw\u2060", "Loblaw"),
        ("Newton\u2212John", "Newton-John"),
        ("Newton\u2010John", "Newton-John"),
        ("Newton\u2011John", "Newton-John"),
        ("Newton\u2013John", "Newton-John"),
        ("Newton\u2014John", "Newton-John"),
        ("Newton\ufe63John", "Newton-John"),
        ("D\u2019Angelo", "D'Angelo"),
        ("D\u02bcAngelo", "D'Angelo"),
        ("Ka\u02bbahumanu", "Ka'ahumanu"),
        ("D\u00b4Angelo", "D'Angelo"),
        ("Van\u00a0Morrison", "Van Morrison"),
        ("Van\tMorrison\u2028", "Van Morrison"),
        ("Lob\x00law\x85", "Loblaw"),
        ("Beyoncé", "Beyoncé"),
        ("Müller", "Müller"),
    ],
)
def test_typed_last_name_is_tidied_into_characters_the_api_drops(name, tidied):
    assert tidy_last_name(name) == tidied


@pytest.mark.parametrize(
    "name, key",
    [
        ("D'Angelo", "dangelo"),
        ("Van Morrison", "vanmorrison"),
        ("Beyoncé", "beyonce"),
        ("Newton-John", "newtonjohn"),
        ("O\u2019Brien", "obrien"),
        ("Newton\u2212John", "newtonjohn"),
        ("\u02bc", ""),
        ("\u02bb\u00ad", ""),
        ("\u0301", ""),
    ],
)
def test_search_key_follows_the_contract_examples(name, key):
    assert search_key(name) == key


@pytest.mark.parametrize(
    "last_name",
    [
        "\u02bc",
        "\u02bb",
        "\u02bc\u02bb\u2019",
        "\u02b9",
        "\u00ad-",
        "\u2212",
        "\u2013 \u2014",
        "\u00a0'\u00a0",
        "\u0301",
        "42",
    ],
)
def test_last_name_with_nothing_left_to_search_is_a_field_error(
    guest, sandbox, last_name
):
    response = guest.find_booking("1234", last_name, "2021-03-31")

    assert response.status_code == 200
    assert guest.error_for("last_name") == IN_LETTERS
    assert sandbox.stats()["requests"]["search"] == 0


@pytest.mark.parametrize("last_name", ["\u00ad", "\u200b\u200d\ufeff", "\u00a0\t"])
def test_last_name_of_invisible_characters_only_counts_as_blank(
    guest, sandbox, last_name
):
    guest.find_booking("1234", last_name, "2021-03-31")

    assert guest.error_for("last_name") == "Error: Enter the last name on the booking."
    assert sandbox.stats()["requests"]["search"] == 0


@pytest.mark.parametrize(
    "typed, sent",
    [
        ("Newton-John", "Newton-John"),
        ("Newton\u00adJohn", "NewtonJohn"),
        ("Newton\u200dJohn", "NewtonJohn"),
        ("Newton\u200bJohn", "NewtonJohn"),
        ("Newton\u2212John", "Newton-John"),
        ("Newton\u2010John", "Newton-John"),
        ("Newton\u2011John", "Newton-John"),
        ("Newton\u2013John", "Newton-John"),
        ("Newton\u2014John", "Newton-John"),
        ("Newton\u00a0John", "Newton John"),
    ],
)
def test_last_name_with_look_alike_hyphens_finds_the_booking(
    guest, searched, typed, sent
):
    guest.find_booking(1237, typed, "2021-04-01")

    assert guest.last_page.select_one("input[name=__state]") is not None
    assert searched == [sent]


@pytest.mark.parametrize(
    "booking_id, typed, sent",
    [
        (1235, "D\u02bcAngelo", "D'Angelo"),
        (1235, "D\u02bbAngelo", "D'Angelo"),
        (1236, "O\u2019Brien", "O'Brien"),
        (1236, "O\u00b4Brien", "O'Brien"),
    ],
)
def test_last_name_with_typographic_apostrophe_finds_the_booking(
    guest, searched, booking_id, typed, sent
):
    guest.find_booking(booking_id, typed, "2021-03-31")

    assert guest.last_page.select_one("input[name=__state]") is not None
    assert searched == [sent]


def test_plain_name_is_sent_as_typed(guest, searched):
    guest.find_booking(1238, "Van Morrison", "2021-04-01")

    assert guest.last_page.select_one("input[name=__state]") is not None
    assert searched == ["Van Morrison"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_a_name_the_app_accepts_is_never_empty_to_the_api(name):
    if any(char.isalpha() for char in search_key(name)):
        assert normalise_last_name(tidy_last_name(name)) != ""


@pytest.mark.parametrize(
    ("in_link", "shown", "input_type"),
    [
        ("2021-03-31", "2021-03-31", "date"),
        ("2021-3-31", "2021-03-31", "date"),
        ("2021-03-31T15:00", "2021-03-31", "date"),
        ("2021-03-31 15:00:00", "2021-03-31", "date"),
        ("31/03/2021", "31/03/2021", "text"),
        ("2021-02-30", "2021-02-30", "text"),
    ],
)
def test_a_date_from_an_email_link_is_never_shown_as_blank(
    guest, in_link, shown, input_type
):
    guest.open_lookup(f"?booking_id=1234&last_name=Loblaw&experience_date={in_link}")

    field = guest.last_page.select_one("#experience_date")
    assert (field["value"], field["type"]) == (shown, input_type)


@pytest.mark.parametrize(
    ("in_link", "input_type", "hint"),
    [
        ("", "date", "As on your booking confirmation."),
        ("2021-03-31", "date", "As on your booking confirmation."),
        ("31/03/2021", "text", "Year, month and day, like 2021-03-31."),
    ],
)
def test_the_date_hint_gives_a_written_form_only_for_a_text_input(
    guest, in_link, input_type, hint
):
    guest.open_lookup(f"?booking_id=1234&last_name=Loblaw&experience_date={in_link}")

    field = guest.last_page.select_one("#experience_date")
    shown = guest.last_page.select_one("#experience_date--hint").text
    assert (field["type"], shown) == (input_type, hint)


@pytest.mark.parametrize(
    "booking_id",
    [
        "\u0661\u0662\u0663\u0664",
        "\u06f1\u06f2\u06f3\u06f4",
        "\u0967\u0968\u0969\u096a",
        "\uff11\uff12\uff13\uff14",
    ],
    ids=["arabic-indic", "persian", "devanagari", "full-width"],
)
def test_a_booking_number_in_another_scripts_digits_finds_the_booking(
    guest, sandbox, booking_id
):
    guest.find_booking(booking_id, "Loblaw", "2021-03-31")

    assert guest.last_page.select_one("input[name=__state]") is not None
    assert sandbox.stats()["requests"]["search"] == 1


def test_a_year_first_date_with_short_parts_finds_the_booking(guest):
    response = guest.find_booking("1234", "Loblaw", "2021-3-31")

    assert response.status_code == 200
    assert guest.last_page.select_one("input[name=__state]") is not None

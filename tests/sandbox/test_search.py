"""POST customer_profile/search: criteria, name rules, AND, 204, 400 and IPs."""

from __future__ import annotations

import pytest

from sandbox import demo
from sandbox.app import create_sandbox_app
from tests.sandbox.conftest import KEY_HEADERS, set_approved_ips

BAD_BOOKING_ID = (
    "booking_id must be a whole number from 0 to 9223372036854775807, "
    "the largest a signed 64-bit integer holds."
)


@pytest.mark.parametrize(
    "last_name, booking_ids",
    [
        ("Loblaw", [1234, 1240]),
        ("LOBLAW", [1234, 1240]),
        ("dangelo", [1235]),
        ("D'Angelo", [1235]),
        ("D’Angelo", [1235]),
        ("d angelo", [1235]),
        ("OBrien", [1236, 2003]),
        ("O’Brien", [1236, 2003]),
        ("o'brien", [1236, 2003]),
        ("newtonjohn", [1237]),
        ("Newton John", [1237]),
        ("Newton–John", [1237]),
        ("vanmorrison", [1238]),
        ("Van-Morrison", [1238]),
        ("beyonce", [1239]),
        ("BEYONCÉ", [1239]),
        ("Muller", [2001]),
        ("müller", [2001]),
        ("nunez", [2002]),
        ("Núñez", [2002]),
        ("Nakamura", [3001]),
        ("Smith", []),
    ],
)
def test_last_name_matches_after_normalisation(api, last_name, booking_ids):
    response = api.search({"last_name": last_name})

    if booking_ids:
        assert response.status_code == 200
        assert api.booking_ids(response) == booking_ids
    else:
        assert response.status_code == 204


@pytest.mark.parametrize(
    "criteria, booking_ids",
    [
        ({"booking_id": 2001}, [2001]),
        ({"booking_id": "2001"}, [2001]),
        ({"experience_date": "2021-04-10"}, [2001, 2002]),
        ({"last_name": "Loblaw", "experience_date": "2021-04-01"}, [1240]),
        ({"booking_id": 2001, "last_name": "Müller"}, [2001]),
        ({"booking_id": 2001, "last_name": "Loblaw"}, []),
        ({"booking_id": 2001, "experience_date": "2021-04-11"}, []),
        ({"booking_id": 99999}, []),
        ({"booking_id": 1234, "last_name": None}, [1234]),
    ],
)
def test_criteria_combine_with_and(api, criteria, booking_ids):
    response = api.search(criteria)

    if booking_ids:
        assert api.booking_ids(response) == booking_ids
    else:
        assert response.status_code == 204
        assert response.data == b""


def test_criteria_may_come_as_query_parameters(api):
    response = api.search(
        query={
            "booking_id": "2001",
            "last_name": "muller",
            "experience_date": "2021-04-10",
        }
    )

    assert response.status_code == 200
    assert api.booking_ids(response) == [demo.TASTING_BOOKING_ID]
    first = response.get_json()["data"][0]
    assert first["id"] == demo.TASTING_PROFILE_ID
    assert first["attributes"]["experience"] == {
        "date": "2021-04-10",
        "name": "Single Malt Tasting",
        "time": "18:30",
    }


def test_query_and_body_criteria_combine(api):
    response = api.search({"last_name": "Loblaw"}, query={"booking_id": "1240"})

    assert api.booking_ids(response) == [1240]


def test_search_encodes_guest_fields_in_base64(api):
    response = api.search({"booking_id": demo.TASTING_BOOKING_ID})

    booking = response.get_json()["data"][0]["attributes"]["booking"]
    assert booking["guest_first_name"] == "Wm/Dqw=="
    assert booking["guest_last_name"] == "TcO8bGxlcg=="
    assert booking["number_guests_booked"] == 2
    assert booking["tickets"] == {"adult": 2}


@pytest.mark.parametrize(
    "body, query, error",
    [
        ({}, None, "Give at least one of booking_id, last_name or experience_date."),
        (None, None, "Give at least one of booking_id, last_name or experience_date."),
        (
            {"last_name": ""},
            None,
            "Give at least one of booking_id, last_name or experience_date.",
        ),
        ({"booking_id": "12a"}, None, BAD_BOOKING_ID),
        ({"booking_id": 12.5}, None, BAD_BOOKING_ID),
        ({"booking_id": True}, None, BAD_BOOKING_ID),
        ({"booking_id": -4}, None, BAD_BOOKING_ID),
        (None, {"booking_id": "١٢٣٤"}, BAD_BOOKING_ID),
        (None, {"booking_id": "\u00a01234"}, BAD_BOOKING_ID),
        (
            {"experience_date": "31/03/2021"},
            None,
            "experience_date must be a date in YYYY-MM-DD form.",
        ),
        (
            {"experience_date": "2021-02-30"},
            None,
            "experience_date must be a date in YYYY-MM-DD form.",
        ),
        (
            {"experience_date": "2021-03-31T15:00:00Z"},
            None,
            "experience_date must be a date in YYYY-MM-DD form.",
        ),
        ({"last_name": 42}, None, "last_name must be a string."),
        (
            {"last_name": " - '"},
            None,
            "last_name must contain more than spaces and hyphens.",
        ),
        (
            {"surname": "Loblaw"},
            None,
            "Unknown search criteria ['surname']; use any of "
            "['booking_id', 'last_name', 'experience_date'].",
        ),
        (
            {"booking_id": 1234},
            {"booking_id": "1235"},
            "booking_id is given twice with different values.",
        ),
    ],
)
def test_bad_criteria_are_400(api, body, query, error):
    response = api.search(body, query=query)

    assert response.status_code == 400
    assert response.get_json() == {"error": error}


@pytest.mark.parametrize(
    "body, query",
    [
        ({"booking_id": 10**30}, None),
        ({"booking_id": 2**63}, None),
        ({"booking_id": "9223372036854775808"}, None),
        (None, {"booking_id": "9" * 40}),
        (None, {"booking_id": "9" * 5000}),
    ],
)
def test_booking_id_beyond_64_bits_is_400_naming_the_limit(api, body, query):
    response = api.search(body, query=query)

    assert response.status_code == 400
    assert response.get_json() == {"error": BAD_BOOKING_ID}


def test_largest_64_bit_booking_id_is_searched_and_matches_nothing(api):
    response = api.search({"booking_id": 2**63 - 1})

    assert response.status_code == 204


def test_booking_id_with_many_leading_zeros_is_read_as_its_number(api):
    response = api.search(query={"booking_id": "0" * 30 + "1234"})

    assert api.booking_ids(response) == [demo.DOC_BOOKING_ID]


@pytest.mark.parametrize(
    "body, query",
    [
        (None, {"booking_id": ["1234", "1235"]}),
        (None, {"experience_date": ["2021-03-31", "2021-04-01"]}),
        (None, {"last_name": ["Loblaw", "Müller"]}),
        ({"booking_id": 1235}, {"booking_id": ["1234", "01234"]}),
        ({"last_name": "D'Angelo"}, {"last_name": "Loblaw"}),
    ],
)
def test_one_criterion_with_two_different_values_is_400(api, body, query):
    response = api.search(body, query=query)

    name = next(iter(query))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"{name} is given twice with different values."
    }


@pytest.mark.parametrize(
    "body, query, booking_ids",
    [
        ({"booking_id": 1234}, {"booking_id": "01234"}, [1234]),
        (None, {"booking_id": ["1234", " 1234"]}, [1234]),
        ({"booking_id": "1234"}, {"booking_id": "1234"}, [1234]),
        ({"last_name": "Loblaw"}, {"last_name": "loblaw"}, [1234, 1240]),
        ({"last_name": "D'Angelo"}, {"last_name": ["dangelo", "D’ANGELO"]}, [1235]),
        ({"last_name": None}, {"last_name": "Loblaw"}, [1234, 1240]),
        ({"experience_date": "2021-04-10"}, {"experience_date": ""}, [2001, 2002]),
    ],
)
def test_copies_of_a_criterion_agree_when_they_read_the_same(
    api, body, query, booking_ids
):
    response = api.search(body, query=query)

    assert response.status_code == 200
    assert api.booking_ids(response) == booking_ids


def test_search_with_no_match_has_no_body_and_no_content_type(api):
    response = api.search({"booking_id": 99999})

    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_non_json_search_body_is_400(client):
    response = client.post(
        "/external/api/v1/customer_profile/search",
        data="last_name=Loblaw",
        content_type="application/x-www-form-urlencoded",
        headers=KEY_HEADERS,
    )

    assert response.status_code == 400


@pytest.fixture
def tasting_elsewhere(settings, campaigns_dir):
    """A sandbox where only the Monster Mash campaign approves loopback."""
    set_approved_ips(campaigns_dir, "tasting-follow-up", ["192.0.2.10"])
    settings["CAMPAIGNS_DIR"] = str(campaigns_dir)
    return create_sandbox_app(settings).test_client()


def test_search_lists_only_profiles_whose_campaign_approves_the_caller(
    tasting_elsewhere,
):
    response = tasting_elsewhere.post(
        "/external/api/v1/customer_profile/search",
        json={"last_name": "OBrien"},
        headers=KEY_HEADERS,
    )

    assert response.status_code == 200
    ids = [p["attributes"]["booking"]["id"] for p in response.get_json()["data"]]
    assert ids == [1236]


def test_search_whose_every_match_is_hidden_by_ip_is_403(tasting_elsewhere):
    response = tasting_elsewhere.post(
        "/external/api/v1/customer_profile/search",
        json={"booking_id": demo.TASTING_BOOKING_ID},
        headers=KEY_HEADERS,
    )

    assert response.status_code == 403
    assert response.get_json() == {"error": "Forbidden."}


def test_profile_no_campaign_serves_is_found_from_any_ip(api):
    response = api.search(
        {"booking_id": demo.UNSERVED_BOOKING_ID},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )

    assert response.status_code == 200
    first = response.get_json()["data"][0]
    assert first["attributes"]["experience"]["name"] == "Distillery Walk"


@pytest.mark.parametrize(
    "body, name",
    [
        (b'{"booking_id": 1234, "booking_id": 1235}', "booking_id"),
        (b'{"last_name": "Loblaw", "last_name": "D\'Angelo"}', "last_name"),
        (
            b'{"experience_date": "2021-03-31", "experience_date": "2021-04-01"}',
            "experience_date",
        ),
        (b'{"last_name": {"given": "Bob", "given": "Gob"}}', "last_name/given"),
    ],
)
def test_name_repeated_in_the_body_with_different_values_is_400(api, body, name):
    response = api.search(data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"{name} is given twice with different values."
    }


@pytest.mark.parametrize(
    "body, booking_ids",
    [
        (b'{"booking_id": 1234, "booking_id": "01234"}', [1234]),
        (b'{"last_name": "Loblaw", "last_name": "LOBLAW"}', [1234, 1240]),
        (b'{"booking_id": 1234, "booking_id": null}', [1234]),
    ],
)
def test_name_repeated_in_the_body_with_agreeing_values_is_read_once(
    api, body, booking_ids
):
    response = api.search(data=body, content_type="application/json")

    assert response.status_code == 200
    assert api.booking_ids(response) == booking_ids

"""Every example in the contract, with the host swapped, gets its documented answer."""

from __future__ import annotations

import pytest

from sandbox import demo
from tests.sandbox import contract_examples as doc
from tests.sandbox.conftest import API


def test_key_request_with_account_login_returns_documented_key(client):
    response = client.get(
        f"{API}/users/key", auth=(demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    )

    assert response.status_code == 200
    assert response.get_json() == doc.KEY_ANSWER


def test_key_verification_returns_documented_user(client):
    response = client.get(
        f"{API}/users/profile", headers={"X-API-KEY": demo.DEMO_API_KEY}
    )

    assert response.status_code == 200
    assert response.get_json() == doc.USER_ANSWER


def test_get_example_returns_documented_profile(api):
    response = api.get(doc.DOC_PROFILE_ID)

    assert response.status_code == 200
    assert response.get_json() == doc.GET_ANSWER


def test_patch_example_returns_documented_profile(api):
    response = api.patch(doc.DOC_PROFILE_ID, doc.PATCH_BODY)

    assert response.status_code == 200
    assert response.get_json() == doc.PATCH_ANSWER
    assert api.get(doc.DOC_PROFILE_ID).get_json() == doc.PATCH_ANSWER


def test_search_with_the_bookings_own_values_returns_documented_list(api):
    api.patch(doc.DOC_PROFILE_ID, doc.PATCH_BODY)

    response = api.search(
        {"booking_id": 1234, "last_name": "Loblaw", "experience_date": "2021-03-31"}
    )

    assert response.status_code == 200
    assert response.get_json() == doc.SEARCH_ANSWER


def test_search_example_as_printed_finds_nothing_because_criteria_combine(api):
    # The contract asks for Smith on 2021-03-01 yet answers with Loblaw on
    # 2021-03-31; with AND semantics that exact request matches nothing.
    api.patch(doc.DOC_PROFILE_ID, doc.PATCH_BODY)

    response = api.search(
        {"booking_id": 1234, "last_name": "Smith", "experience_date": "2021-03-01"}
    )

    assert response.status_code == 204
    assert response.data == b""


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/users/profile"),
        ("get", f"/customer_profile/{doc.DOC_PROFILE_ID}"),
        ("patch", f"/customer_profile/{doc.DOC_PROFILE_ID}"),
        ("post", "/customer_profile/search"),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "not-a-key"}])
def test_missing_or_wrong_key_gets_documented_401(client, method, path, headers):
    response = getattr(client, method)(
        API + path, headers=headers, json={"booking_id": 1234}
    )

    assert response.status_code == 401
    assert response.get_json() == doc.INVALID_KEY


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/customer_profile/{doc.DOC_PROFILE_ID}"),
        ("patch", f"/customer_profile/{doc.DOC_PROFILE_ID}"),
        ("post", "/customer_profile/search"),
    ],
)
def test_caller_outside_approved_ips_gets_documented_403(client, method, path):
    response = getattr(client, method)(
        API + path,
        headers={"X-API-KEY": demo.DEMO_API_KEY},
        json={"booking_id": 1234},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )

    assert response.status_code == 403
    assert response.get_json() == doc.FORBIDDEN

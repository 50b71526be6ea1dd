"""Error answers the sandbox decided beyond the contract's own 401 and 403."""

from __future__ import annotations

import pytest

from sandbox import demo
from tests.sandbox.conftest import API, KEY_HEADERS

NOT_FOUND = {"error": "Customer profile not found."}


@pytest.mark.parametrize(
    "profile_id",
    [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        "56c934fa03c246f4b7f96d44bafdd5a2",
    ],
)
def test_unknown_or_malformed_profile_id_is_404(api, profile_id):
    response = api.get(profile_id)

    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


def test_uppercase_profile_id_finds_the_profile(api):
    response = api.get(demo.DOC_PROFILE_ID.upper())

    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == demo.DOC_PROFILE_ID


def test_other_accounts_key_cannot_see_the_profile(api):
    other = {"X-API-KEY": demo.OTHER_API_KEY}

    assert api.get(demo.DOC_PROFILE_ID, headers=other).status_code == 404
    assert api.patch(demo.DOC_PROFILE_ID, {}, headers=other).status_code == 404
    assert api.get(demo.OTHER_PROFILE_ID, headers=other).status_code == 200
    assert api.get(demo.OTHER_PROFILE_ID).status_code == 404


def test_search_lists_only_the_keys_own_account(api):
    mine = api.search({"last_name": "Loblaw", "experience_date": "2021-03-31"})
    theirs = api.search(
        {"last_name": "Loblaw", "experience_date": "2021-03-31"},
        headers={"X-API-KEY": demo.OTHER_API_KEY},
    )

    assert api.booking_ids(mine) == [demo.DOC_BOOKING_ID]
    assert api.booking_ids(theirs) == [demo.OTHER_BOOKING_ID]


@pytest.mark.parametrize(
    "credentials",
    [
        (demo.DEMO_EMAIL, "wrong password"),
        ("nobody@example.com", demo.DEMO_PASSWORD),
        ("", ""),
    ],
)
def test_key_request_with_wrong_login_is_401(client, credentials):
    response = client.get(f"{API}/users/key", auth=credentials)

    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid email or password."}


def test_key_request_without_login_is_401(client):
    response = client.get(f"{API}/users/key")

    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid email or password."}


def test_key_request_ignores_email_case(client):
    response = client.get(
        f"{API}/users/key", auth=(demo.DEMO_EMAIL.upper(), demo.DEMO_PASSWORD)
    )

    assert response.get_json()["data"]["attributes"]["key"] == demo.DEMO_API_KEY


def test_second_account_gets_its_own_key(client):
    response = client.get(
        f"{API}/users/key", auth=(demo.OTHER_EMAIL, demo.OTHER_PASSWORD)
    )

    assert response.get_json()["data"]["attributes"]["key"] == demo.OTHER_API_KEY


@pytest.mark.parametrize(
    "body, content_type, error",
    [
        ("{not json", "application/json", "The body is not valid JSON."),
        ("", "application/json", "The body is not valid JSON."),
        ('{"data_set": NaN}', "application/json", "The body is not valid JSON."),
        (b"\xff\xfe", "application/json", "The body is not valid JSON."),
        ("[1, 2]", "application/json", "The body must be a JSON object."),
        ("null", "application/json", "The body must be a JSON object."),
        (
            "referrer_medium=email",
            "application/x-www-form-urlencoded",
            "Send a JSON body with Content-Type: application/json.",
        ),
    ],
)
def test_patch_with_unreadable_body_is_400(api, body, content_type, error):
    response = api.patch(demo.DOC_PROFILE_ID, body, content_type=content_type)

    assert response.status_code == 400
    assert response.get_json() == {"error": error}


def test_patch_naming_read_only_attributes_is_400_with_reasons(api):
    response = api.patch(demo.DOC_PROFILE_ID, {"booking": {}, "id": "x"})

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "The body names attributes that cannot be changed.",
        "reasons": [
            {
                "pointer": "/booking",
                "keyword": "additionalProperties",
                "message": "This attribute cannot be changed.",
            },
            {
                "pointer": "/id",
                "keyword": "additionalProperties",
                "message": "This attribute cannot be changed.",
            },
        ],
    }


@pytest.mark.parametrize(
    "method, path, status, error",
    [
        ("get", "/nothing/here", 404, "Not found."),
        (
            "delete",
            f"/customer_profile/{demo.DOC_PROFILE_ID}",
            405,
            "Method not allowed.",
        ),
        ("get", "/customer_profile/search", 405, "Method not allowed."),
    ],
)
def test_routing_errors_answer_in_the_api_style(client, method, path, status, error):
    response = getattr(client, method)(
        API + path, headers={"X-API-KEY": demo.DEMO_API_KEY}
    )

    assert response.status_code == status
    assert response.get_json() == {"error": error}


@pytest.mark.parametrize("method", ["get", "head", "patch", "put", "delete"])
def test_search_path_refuses_every_method_but_post_with_405(client, method):
    response = getattr(client, method)(
        f"{API}/customer_profile/search",
        headers={"X-API-KEY": demo.DEMO_API_KEY},
    )

    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    if method != "head":
        assert response.get_json() == {"error": "Method not allowed."}


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_search_path_refuses_unusual_methods_with_the_same_allow(client, method):
    response = client.open(f"{API}/customer_profile/search", method=method)

    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert response.get_json() == {"error": "Method not allowed."}


@pytest.mark.parametrize(
    "path, allow",
    [
        ("/customer_profile/search", "OPTIONS, POST"),
        (f"/customer_profile/{demo.DOC_PROFILE_ID}", "GET, HEAD, OPTIONS, PATCH"),
        (f"/customer_profile/{demo.UNSERVED_PROFILE_ID}", "GET, HEAD, OPTIONS, PATCH"),
        ("/users/key", "GET, HEAD, OPTIONS"),
        ("/users/profile", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_lists_exactly_the_methods_the_path_takes(client, path, allow):
    response = client.options(API + path, headers=KEY_HEADERS)

    assert response.status_code == 200
    assert response.headers["Allow"] == allow
    assert response.data == b""


@pytest.mark.parametrize(
    "path, allow",
    [
        ("/_sandbox/faults", "GET, HEAD, OPTIONS, POST"),
        ("/_sandbox/stats", "DELETE, GET, HEAD, OPTIONS"),
    ],
)
def test_options_on_the_control_endpoints_lists_their_methods(client, path, allow):
    response = client.options(path)

    assert response.status_code == 200
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_wrong_method_on_a_profile_lists_the_same_methods_as_options(client, method):
    path = f"{API}/customer_profile/{demo.DOC_PROFILE_ID}"

    response = getattr(client, method)(path, headers=KEY_HEADERS)

    assert response.status_code == 405
    assert response.headers["Allow"] == client.options(path).headers["Allow"]
    assert response.get_json() == {"error": "Method not allowed."}


def test_wrong_method_on_a_profile_says_which_are_allowed(client):
    response = client.delete(f"{API}/customer_profile/{demo.DOC_PROFILE_ID}")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, PATCH"


@pytest.mark.parametrize(
    "body, error",
    [
        (
            '{"data_set": {"flavor_profile": 1e400}}',
            "The number 1e400 is too large to store.",
        ),
        (
            '{"data_set": {"flavor_profile": ' + "9" * 4301 + "}}",
            "A number has more than 4300 digits, too many to store.",
        ),
        (
            '{"data_set": ' + "[" * 5000 + "]" * 5000 + "}",
            "The body nests too deeply to read.",
        ),
    ],
)
def test_json_python_cannot_hold_is_400_not_500(api, body, error):
    response = api.patch(demo.DOC_PROFILE_ID, body)

    assert response.status_code == 400
    assert response.get_json() == {"error": error}


def test_403_is_answered_only_after_the_key_and_profile_are_known(api):
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}

    wrong_key = api.get(
        demo.DOC_PROFILE_ID, headers={"X-API-KEY": "nope"}, environ_base=elsewhere
    )
    unknown = api.get("00000000-0000-4000-8000-000000000000", environ_base=elsewhere)

    assert wrong_key.status_code == 401
    assert unknown.status_code == 404


NOT_JSON = {"error": "The body is not valid JSON."}


@pytest.mark.parametrize(
    "body",
    [
        rb'{"last_name": "Lob\ud800law"}',
        rb'{"last_name": "Lob\udc00law"}',
        rb'{"last_\ud800name": "Loblaw"}',
        b'{"last_name": "Lob\xed\xa0\x80law"}',
    ],
    ids=["high-escape", "low-escape", "in-a-key", "utf-8-bytes"],
)
def test_search_body_with_a_lone_surrogate_is_400_not_json(api, body):
    response = api.search(data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.get_json() == NOT_JSON


@pytest.mark.parametrize(
    "body",
    [
        rb'{"referrer_medium": "\ud83d"}',
        rb'{"captured_at": "2021-03-01T08:00:00Z\ud800"}',
        rb'{"data_set": {"flavor_profile": "\ud800"}}',
        rb'{"data_set": {"flavor_\udfff": "red"}}',
        rb'{"data_set": {"flavor_profile": "red", "x": [{"y": ["\ud800"]}]}}',
        rb'{"\ud800": "email"}',
        b'{"referrer_medium": "\xed\xa0\x80"}',
    ],
    ids=[
        "medium",
        "captured-at",
        "data-set-value",
        "data-set-key",
        "nested-in-a-list",
        "top-level-key",
        "utf-8-bytes",
    ],
)
def test_patch_body_with_a_lone_surrogate_is_400_and_stores_nothing(api, body):
    before = api.get(demo.DOC_PROFILE_ID).get_json()

    response = api.patch(demo.DOC_PROFILE_ID, body)

    assert response.status_code == 400
    assert response.get_json() == NOT_JSON
    assert api.get(demo.DOC_PROFILE_ID).get_json() == before


def test_data_set_query_text_with_a_lone_surrogate_is_400(api):
    response = api.patch(
        demo.DOC_PROFILE_ID,
        b"",
        content_type=None,
        query_string={"data_set": r'{"flavor_profile": "\ud800"}'},
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "The data_set query parameter is not valid JSON."
    }


def test_a_surrogate_pair_is_one_character_and_is_kept(api):
    response = api.patch(
        demo.DOC_PROFILE_ID, rb'{"data_set": {"flavor_profile": "\ud83c\udf83"}}'
    )

    assert response.status_code == 200
    assert response.get_json()["data"]["attributes"]["data_set"] == {
        "flavor_profile": "\N{JACK-O-LANTERN}"
    }


QUERY_NOT_TEXT = {"error": "The query string is not valid UTF-8."}
NOT_UTF_8_QUERIES = [
    pytest.param("referrer_medium=caf%E9", id="latin-1-escape"),
    pytest.param("referrer_medium=%ED%A0%80", id="encoded-surrogate"),
    pytest.param("data_set=%7B%22flavor_profile%22%3A%22%E9%22%7D", id="data-set"),
    pytest.param("caf%E9=1", id="in-a-name"),
]


@pytest.mark.parametrize("query", NOT_UTF_8_QUERIES)
def test_patch_query_that_is_not_utf_8_is_400_and_stores_nothing(api, query):
    before = api.get(demo.DOC_PROFILE_ID).get_json()

    response = api.patch(f"{demo.DOC_PROFILE_ID}?{query}", b"", content_type=None)

    assert response.status_code == 400
    assert response.get_json() == QUERY_NOT_TEXT
    assert api.get(demo.DOC_PROFILE_ID).get_json() == before


def test_patch_query_with_raw_bytes_that_are_not_utf_8_is_400(api):
    response = api.patch(
        demo.DOC_PROFILE_ID,
        b"",
        content_type=None,
        environ_overrides={"QUERY_STRING": "referrer_medium=caf\xe9"},
    )

    assert response.status_code == 400
    assert response.get_json() == QUERY_NOT_TEXT


def test_patch_query_in_utf_8_is_read_as_text(api):
    response = api.patch(
        f"{demo.DOC_PROFILE_ID}?referrer_medium=caf%C3%A9", b"", content_type=None
    )

    assert response.status_code == 200
    assert response.get_json()["data"]["attributes"]["referrer_medium"] == "café"


@pytest.mark.parametrize(
    "query", ["last_name=Lob%E9law", "last_name=Lob%ED%A0%80law", "booking_id=1%FF"]
)
def test_search_query_that_is_not_utf_8_is_400(client, query):
    response = client.post(
        f"{API}/customer_profile/search?{query}",
        headers={"X-API-KEY": demo.DEMO_API_KEY},
    )

    assert response.status_code == 400
    assert response.get_json() == QUERY_NOT_TEXT


def test_get_query_that_is_not_utf_8_is_400(api):
    response = api.get(f"{demo.DOC_PROFILE_ID}?customer_profile_id=%E9")

    assert response.status_code == 400
    assert response.get_json() == QUERY_NOT_TEXT


@pytest.mark.parametrize(
    "query, error",
    [
        pytest.param(
            "bogus=1",
            "Unknown query parameters ['bogus']; use any of ['customer_profile_id'].",
            id="unknown",
        ),
        pytest.param(
            "referrer_medium=email",
            "Unknown query parameters ['referrer_medium']; use any of "
            "['customer_profile_id'].",
            id="patch-only",
        ),
        pytest.param(
            f"customer_profile_id={demo.TASTING_PROFILE_ID}",
            "customer_profile_id is given twice with different values.",
            id="another-profile",
        ),
        pytest.param(
            f"customer_profile_id={demo.DOC_PROFILE_ID}"
            f"&customer_profile_id={demo.TASTING_PROFILE_ID}",
            "customer_profile_id is given twice with different values.",
            id="this-and-another",
        ),
    ],
)
def test_get_refuses_the_query_patch_refuses(api, query, error):
    response = api.get(f"{demo.DOC_PROFILE_ID}?{query}")

    assert response.status_code == 400
    assert response.get_json() == {"error": error}


def test_get_accepts_customer_profile_id_naming_its_own_profile(api):
    response = api.get(
        f"{demo.DOC_PROFILE_ID}?customer_profile_id={demo.DOC_PROFILE_ID.upper()}"
    )

    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == demo.DOC_PROFILE_ID

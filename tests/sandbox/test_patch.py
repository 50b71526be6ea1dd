"""PATCH customer_profile: validation, partial updates, captured_at in UTC."""

from __future__ import annotations

import json

import pytest

from sandbox import demo
from sandbox.app import create_sandbox_app
from tests.sandbox.conftest import Api, set_approved_ips

VALID_TASTING = {"favourite_dram": "islay-16", "rating": 4}


def attributes(response):
    return response.get_json()["data"]["attributes"]


def test_partial_patch_leaves_other_attributes(api):
    api.patch(
        demo.DOC_PROFILE_ID,
        {
            "data_set": {"flavor_profile": "smoke"},
            "referrer_medium": "email",
            "captured_at": "2021-03-01T08:00:00Z",
        },
    )

    response = api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": "iframe"})

    assert response.status_code == 200
    assert attributes(response)["referrer_medium"] == "iframe"
    assert attributes(response)["data_set"] == {"flavor_profile": "smoke"}
    assert attributes(response)["captured_at"] == "2021-03-01T08:00:00Z"


def test_empty_patch_changes_nothing(api):
    before = api.get(demo.DOC_PROFILE_ID).get_json()

    response = api.patch(demo.DOC_PROFILE_ID, {})

    assert response.status_code == 200
    assert response.get_json() == before


def test_null_clears_captured_at_and_referrer_medium(api):
    api.patch(
        demo.DOC_PROFILE_ID,
        {"referrer_medium": "email", "captured_at": "2021-03-01T08:00:00Z"},
    )

    response = api.patch(
        demo.DOC_PROFILE_ID, {"referrer_medium": None, "captured_at": None}
    )

    assert attributes(response)["referrer_medium"] is None
    assert attributes(response)["captured_at"] is None


def test_data_set_is_replaced_whole_not_merged(api):
    api.patch(demo.TASTING_PROFILE_ID, {"data_set": {**VALID_TASTING, "spend": 12.5}})

    response = api.patch(demo.TASTING_PROFILE_ID, {"data_set": VALID_TASTING})

    assert attributes(response)["data_set"] == VALID_TASTING


def test_invalid_data_set_is_422_and_stores_nothing(api):
    api.patch(demo.TASTING_PROFILE_ID, {"data_set": VALID_TASTING})
    before = api.get(demo.TASTING_PROFILE_ID).get_json()

    response = api.patch(
        demo.TASTING_PROFILE_ID,
        {
            "data_set": {"favourite_dram": "islay-16", "rating": 9, "hacky": "hack"},
            "referrer_medium": "kiosk",
            "captured_at": "2021-04-10T20:00:00Z",
        },
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Some values were not accepted; see reasons."
    assert [(r["pointer"], r["keyword"]) for r in body["reasons"]] == [
        ("/data_set/hacky", "additionalProperties"),
        ("/data_set/rating", "maximum"),
    ]
    assert api.get(demo.TASTING_PROFILE_ID).get_json() == before


@pytest.mark.parametrize(
    "data_set, pointer, keyword",
    [
        ({"flavor_profile": 6}, "/data_set/flavor_profile", "type"),
        (
            {"flavour_profile": "red"},
            "/data_set/flavour_profile",
            "additionalProperties",
        ),
        ({"flavor_profile": "x" * 201}, "/data_set/flavor_profile", "maxLength"),
        (None, "/data_set", "type"),
        ("red", "/data_set", "type"),
    ],
)
def test_contract_invalid_examples_are_rejected(api, data_set, pointer, keyword):
    response = api.patch(demo.DOC_PROFILE_ID, {"data_set": data_set})

    assert response.status_code == 422
    reasons = response.get_json()["reasons"]
    assert [(r["pointer"], r["keyword"]) for r in reasons] == [(pointer, keyword)]


def test_missing_required_fields_are_each_pointed_at(api):
    response = api.patch(demo.TASTING_PROFILE_ID, {"data_set": {}})

    assert response.status_code == 422
    assert response.get_json()["reasons"] == [
        {
            "pointer": "/data_set/favourite_dram",
            "keyword": "required",
            "message": "This field is required.",
        },
        {
            "pointer": "/data_set/rating",
            "keyword": "required",
            "message": "This field is required.",
        },
    ]


@pytest.mark.parametrize(
    "field, value, keyword",
    [
        ("next_visit", "2021-02-30", "format"),
        ("next_visit", "tomorrow", "format"),
        ("friend_email", "ana.lima@", "format"),
        ("friend_email", "ana lima@example.com", "format"),
        ("postcode", "!!", "pattern"),
        ("rating", 4.0, "type"),
        ("rating", True, "type"),
        ("would_recommend", "yes", "type"),
    ],
)
def test_tasting_values_are_checked_by_draft4_with_formats(api, field, value, keyword):
    response = api.patch(
        demo.TASTING_PROFILE_ID, {"data_set": {**VALID_TASTING, field: value}}
    )

    assert response.status_code == 422
    reasons = response.get_json()["reasons"]
    assert [(r["pointer"], r["keyword"]) for r in reasons] == [
        (f"/data_set/{field}", keyword)
    ]


def test_full_valid_tasting_answer_is_stored(api):
    answer = {
        **VALID_TASTING,
        "would_recommend": False,
        "bottles_bought": 0,
        "spend": 42.5,
        "next_visit": "2024-02-29",
        "friend_email": "ana.lima@example.com",
        "postcode": "EH1 1AA",
        "tasting_notes": "Peat and pears.",
    }

    response = api.patch(demo.TASTING_PROFILE_ID, {"data_set": answer})

    assert response.status_code == 200
    assert attributes(response)["data_set"] == answer


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("2021-03-01 00:00:00-08", "2021-03-01T08:00:00Z"),
        ("2021-03-01T00:00:00-08:00", "2021-03-01T08:00:00Z"),
        ("2021-03-01T00:00:00-0800", "2021-03-01T08:00:00Z"),
        ("2021-03-01T08:00:00Z", "2021-03-01T08:00:00Z"),
        ("2021-03-01t08:00:00z", "2021-03-01T08:00:00Z"),
        ("2021-03-01T08:00:00.987654+00:00", "2021-03-01T08:00:00Z"),
        ("2021-03-01 05:30:15.5+05:30", "2021-03-01T00:00:15Z"),
        ("2020-12-31T23:30:00-01", "2021-01-01T00:30:00Z"),
    ],
)
def test_captured_at_is_stored_in_utc(api, sent, stored):
    response = api.patch(demo.DOC_PROFILE_ID, {"captured_at": sent})

    assert response.status_code == 200
    assert attributes(response)["captured_at"] == stored


FRACTIONS = ["1", "123456", "123456789", "1234567891", "12345678901234567890"]


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_captured_at_takes_a_fraction_of_any_length_and_drops_it(api, fraction):
    response = api.patch(
        demo.DOC_PROFILE_ID, {"captured_at": f"2021-03-01T08:00:00.{fraction}Z"}
    )

    assert response.status_code == 200
    assert attributes(response)["captured_at"] == "2021-03-01T08:00:00Z"


def test_captured_at_with_a_point_but_no_fraction_digits_is_422(api):
    response = api.patch(demo.DOC_PROFILE_ID, {"captured_at": "2021-03-01T08:00:00.Z"})

    assert response.status_code == 422
    assert response.get_json() == {
        "error": "Some values were not accepted; see reasons.",
        "reasons": [
            {
                "pointer": "/captured_at",
                "keyword": "format",
                "message": "Use an RFC 3339 timestamp with an offset, for example "
                "2021-03-01T08:00:00Z or 2021-03-01 00:00:00-08.",
            }
        ],
    }


@pytest.fixture
def api_with_a_date_time_field(settings, campaigns_dir):
    """The sandbox's API, with Monster Mash asking for a date-time too."""
    path = campaigns_dir / "monster-mash.json"
    campaign = json.loads(path.read_text(encoding="utf-8"))
    campaign["data_model"]["properties"]["visited_at"] = {
        "type": "string",
        "format": "date-time",
    }
    path.write_text(json.dumps(campaign), encoding="utf-8")
    settings["CAMPAIGNS_DIR"] = str(campaigns_dir)
    return Api(create_sandbox_app(settings).test_client())


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_date_time_in_a_data_set_takes_a_fraction_of_any_length(
    api_with_a_date_time_field, fraction
):
    data_set = {"visited_at": f"2021-03-01T08:00:00.{fraction}+01:00"}

    response = api_with_a_date_time_field.patch(
        demo.DOC_PROFILE_ID, {"data_set": data_set}
    )

    assert response.status_code == 200
    assert attributes(response)["data_set"] == data_set


@pytest.mark.parametrize(
    "sent",
    [
        "2021-03-01 00:00:00",
        "2021-03-01",
        "yesterday",
        "2021-02-30T00:00:00Z",
        "2021-03-01T24:00:00Z",
        "2021-03-01T00:00Z",
        "2021-03-01T00:00:00+25:00",
        "2021-03-01T00:00:00-٠٨:٠٠",
        "٢٠٢١-03-01T00:00:00Z",
        1614585600,
    ],
)
def test_captured_at_without_offset_or_not_a_timestamp_is_422(api, sent):
    response = api.patch(demo.DOC_PROFILE_ID, {"captured_at": sent})

    assert response.status_code == 422
    [reason] = response.get_json()["reasons"]
    assert reason["pointer"] == "/captured_at"
    assert (
        api.get(demo.DOC_PROFILE_ID).get_json()["data"]["attributes"]["captured_at"]
        is None
    )


@pytest.mark.parametrize(
    "sent", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00"]
)
def test_captured_at_outside_the_stored_years_says_so(api, sent):
    response = api.patch(demo.DOC_PROFILE_ID, {"captured_at": sent})

    assert response.status_code == 422
    assert response.get_json()["reasons"] == [
        {
            "pointer": "/captured_at",
            "keyword": "format",
            "message": "The timestamp falls outside 0001-01-01T00:00:00Z to "
            "9999-12-31T23:59:59Z, the range the API stores.",
        }
    ]


def test_earliest_and_latest_storable_captured_at_are_kept(api):
    earliest = api.patch(
        demo.DOC_PROFILE_ID, {"captured_at": "0001-01-01T01:00:00+01:00"}
    )
    latest = api.patch(
        demo.DOC_PROFILE_ID, {"captured_at": "9999-12-31T21:59:59-02:00"}
    )

    assert attributes(earliest)["captured_at"] == "0001-01-01T00:00:00Z"
    assert attributes(latest)["captured_at"] == "9999-12-31T23:59:59Z"


@pytest.mark.parametrize(
    "postcode",
    ["AB1 2CD\n", "AB1 2CD\r\n", "AB١ 2CD"],
)
def test_pattern_follows_ecma_262_not_python(api, postcode):
    response = api.patch(
        demo.TASTING_PROFILE_ID, {"data_set": {**VALID_TASTING, "postcode": postcode}}
    )

    assert response.status_code == 422
    [reason] = response.get_json()["reasons"]
    assert (reason["pointer"], reason["keyword"]) == ("/data_set/postcode", "pattern")


@pytest.mark.parametrize("medium", [7, "x" * 256, ["email"]])
def test_referrer_medium_must_be_a_short_string(api, medium):
    response = api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": medium})

    assert response.status_code == 422
    assert response.get_json()["reasons"][0]["pointer"] == "/referrer_medium"


def test_profile_no_campaign_serves_cannot_be_changed(api):
    response = api.patch(demo.UNSERVED_PROFILE_ID, {"referrer_medium": "email"})

    assert response.status_code == 422
    assert response.get_json() == {
        "error": "This customer profile belongs to no campaign, so it cannot be "
        "changed.",
        "reasons": [],
    }


NO_CAMPAIGN = {
    "error": "This customer profile belongs to no campaign, so it cannot be changed.",
    "reasons": [],
}


@pytest.mark.parametrize(
    "body, query, content_type, error",
    [
        pytest.param(
            b"not json",
            None,
            "application/json",
            {"error": "The body is not valid JSON."},
            id="not-json",
        ),
        pytest.param(
            b"{}",
            None,
            "text/plain",
            {"error": "Send a JSON body with Content-Type: application/json."},
            id="not-json-content-type",
        ),
        pytest.param(
            b"",
            None,
            None,
            {"error": "Send a JSON body with Content-Type: application/json."},
            id="no-body-no-query",
        ),
        pytest.param(
            b"[]",
            None,
            "application/json",
            {"error": "The body must be a JSON object."},
            id="not-an-object",
        ),
        pytest.param(
            b"{}",
            "bogus=1",
            "application/json",
            {
                "error": "Unknown query parameters ['bogus']; use any of "
                "['captured_at', 'data_set', 'referrer_medium', "
                "'customer_profile_id']."
            },
            id="unknown-query",
        ),
        pytest.param(
            b"",
            "referrer_medium=caf%E9",
            None,
            {"error": "The query string is not valid UTF-8."},
            id="query-not-utf-8",
        ),
        pytest.param(
            b"{}",
            f"customer_profile_id={demo.DOC_PROFILE_ID}",
            "application/json",
            {"error": "customer_profile_id is given twice with different values."},
            id="another-profile",
        ),
        pytest.param(
            b'{"referrer_medium": "a", "referrer_medium": "b"}',
            None,
            "application/json",
            {"error": "referrer_medium is given twice with different values."},
            id="differing-copies",
        ),
        pytest.param(
            b'{"data_set": {"flavor_profile": "red"}}',
            "data_set=%7B%7D",
            "application/json",
            {"error": "data_set is given twice with different values."},
            id="differing-data-sets",
        ),
        pytest.param(
            b'{"booking": {}}',
            None,
            "application/json",
            {
                "error": "The body names attributes that cannot be changed.",
                "reasons": [
                    {
                        "pointer": "/booking",
                        "keyword": "additionalProperties",
                        "message": "This attribute cannot be changed.",
                    }
                ],
            },
            id="read-only",
        ),
    ],
)
def test_profile_no_campaign_serves_still_answers_400_before_422(
    api, body, query, content_type, error
):
    path = demo.UNSERVED_PROFILE_ID + (f"?{query}" if query else "")

    response = api.patch(path, body, content_type=content_type)

    assert response.status_code == 400
    assert response.get_json() == error


@pytest.mark.parametrize(
    "body",
    [
        {"captured_at": "yesterday"},
        {"data_set": {"anything": 1}},
        {"data_set": {"flavor_profile": "red"}, "referrer_medium": "email"},
        {},
    ],
)
def test_readable_patch_of_a_profile_no_campaign_serves_is_422(api, body):
    before = api.get(demo.UNSERVED_PROFILE_ID).get_json()

    response = api.patch(demo.UNSERVED_PROFILE_ID, body)

    assert response.status_code == 422
    assert response.get_json() == NO_CAMPAIGN
    assert api.get(demo.UNSERVED_PROFILE_ID).get_json() == before


def test_approved_ip_ranges_are_honoured(settings, campaigns_dir):
    set_approved_ips(campaigns_dir, "monster-mash", ["10.1.0.0/16"])
    settings["CAMPAIGNS_DIR"] = str(campaigns_dir)
    api_client = create_sandbox_app(settings).test_client()
    url = f"/external/api/v1/customer_profile/{demo.DOC_PROFILE_ID}"
    headers = {"X-API-KEY": demo.DEMO_API_KEY}

    inside = api_client.get(
        url, headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    outside = api_client.get(url, headers=headers)

    assert inside.status_code == 200
    assert outside.status_code == 403


def patch_with_query(api, query, body=b"", **kwargs):
    """PATCH the contract's profile with query parameters and, if given, a body."""
    if body == b"":
        kwargs.setdefault("content_type", None)
    return api.patch(demo.DOC_PROFILE_ID, body, query_string=query, **kwargs)


def test_query_parameters_are_stored_like_body_attributes(api):
    response = patch_with_query(
        api,
        {"referrer_medium": "qp", "captured_at": "2022-01-01T00:00:00-08"},
        {},
    )

    assert response.status_code == 200
    assert attributes(response)["referrer_medium"] == "qp"
    assert attributes(response)["captured_at"] == "2022-01-01T08:00:00Z"


def test_data_set_query_parameter_is_json_text(api):
    response = patch_with_query(
        api, {"data_set": '{"flavor_profile": "smoke"}'}, content_type=None
    )

    assert response.status_code == 200
    assert attributes(response)["data_set"] == {"flavor_profile": "smoke"}


def test_query_and_body_attributes_are_merged(api):
    response = patch_with_query(
        api, {"referrer_medium": "web"}, {"data_set": {"flavor_profile": "red"}}
    )

    assert attributes(response)["referrer_medium"] == "web"
    assert attributes(response)["data_set"] == {"flavor_profile": "red"}


@pytest.mark.parametrize(
    "query, body",
    [
        ({"referrer_medium": "web"}, {"referrer_medium": "web"}),
        (
            {"captured_at": "2021-03-01 00:00:00-08"},
            {"captured_at": "2021-03-01T08:00:00Z"},
        ),
        (
            {"data_set": '{"flavor_profile":"red"}'},
            {"data_set": {"flavor_profile": "red"}},
        ),
        ({"customer_profile_id": demo.DOC_PROFILE_ID.upper()}, {}),
    ],
)
def test_copies_that_read_the_same_are_accepted(api, query, body):
    response = patch_with_query(api, query, body)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query, body, name",
    [
        ({"referrer_medium": "qp"}, {"referrer_medium": "email"}, "referrer_medium"),
        ({"referrer_medium": "qp"}, {"referrer_medium": None}, "referrer_medium"),
        ({"referrer_medium": ["qp", "web"]}, b"", "referrer_medium"),
        (
            {"captured_at": "2021-03-01T00:00:00Z"},
            {"captured_at": "2021-03-01T00:00:00-08"},
            "captured_at",
        ),
        (
            {"data_set": '{"flavor_profile":"red"}'},
            {"data_set": {"flavor_profile": "smoke"}},
            "data_set",
        ),
        (
            {"customer_profile_id": demo.TASTING_PROFILE_ID},
            {},
            "customer_profile_id",
        ),
    ],
)
def test_copies_with_different_values_are_400_and_store_nothing(api, query, body, name):
    before = api.get(demo.DOC_PROFILE_ID).get_json()

    response = patch_with_query(api, query, body)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"{name} is given twice with different values."
    }
    assert api.get(demo.DOC_PROFILE_ID).get_json() == before


def test_unknown_query_parameters_are_400_naming_them(api):
    response = patch_with_query(api, {"bogus": "1", "referrer_medium": "qp"}, {})

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Unknown query parameters ['bogus']; use any of ['captured_at', "
        "'data_set', 'referrer_medium', 'customer_profile_id']."
    }


def test_data_set_query_parameter_that_is_not_json_is_400(api):
    response = patch_with_query(api, {"data_set": "{flavor_profile: red}"})

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "The data_set query parameter is not valid JSON."
    }


def test_query_values_are_judged_like_body_values(api):
    response = patch_with_query(
        api,
        {"captured_at": "yesterday", "data_set": '{"flavor_profile": 6}'},
        {"referrer_medium": 7},
    )

    assert response.status_code == 422
    reasons = response.get_json()["reasons"]
    assert [(r["pointer"], r["keyword"]) for r in reasons] == [
        ("/captured_at", "format"),
        ("/data_set/flavor_profile", "type"),
        ("/referrer_medium", "type"),
    ]


def test_same_bad_value_in_both_places_gives_one_reason(api):
    response = patch_with_query(
        api, {"captured_at": "yesterday"}, {"captured_at": "yesterday"}
    )

    assert response.status_code == 422
    assert len(response.get_json()["reasons"]) == 1


def test_patch_with_neither_query_nor_body_is_still_400(api):
    response = api.patch(demo.DOC_PROFILE_ID, b"", content_type=None)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Send a JSON body with Content-Type: application/json."
    }


@pytest.mark.parametrize(
    "body, name",
    [
        (b'{"referrer_medium": "a", "referrer_medium": "b"}', "referrer_medium"),
        (b'{"referrer_medium": "a", "referrer_medium": null}', "referrer_medium"),
        (
            b'{"captured_at": "2021-03-01T08:00:00Z",'
            b' "captured_at": "2021-03-01T08:00:00-08"}',
            "captured_at",
        ),
        (
            b'{"data_set": {"flavor_profile": "red"},'
            b' "data_set": {"flavor_profile": "smoke"}}',
            "data_set",
        ),
        (
            b'{"data_set": {"flavor_profile": "red", "flavor_profile": "smoke"}}',
            "data_set/flavor_profile",
        ),
        (b'{"data_set": {"x": [{"y": 1, "y": 2}]}}', "data_set/x/0/y"),
        (b'{"data_set": {"x": {"y": 1, "y": 1.0}}}', "data_set/x/y"),
    ],
)
def test_name_repeated_in_the_body_with_different_values_is_400(api, body, name):
    before = api.get(demo.DOC_PROFILE_ID).get_json()

    response = api.patch(demo.DOC_PROFILE_ID, body)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"{name} is given twice with different values."
    }
    assert api.get(demo.DOC_PROFILE_ID).get_json() == before


def test_name_repeated_in_data_set_query_text_with_different_values_is_400(api):
    response = patch_with_query(
        api, {"data_set": '{"flavor_profile": "red", "flavor_profile": "smoke"}'}
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "data_set/flavor_profile is given twice with different values."
    }


@pytest.mark.parametrize(
    "body, stored",
    [
        (
            b'{"captured_at": "2021-03-01 00:00:00-08",'
            b' "captured_at": "2021-03-01T08:00:00Z"}',
            {"captured_at": "2021-03-01T08:00:00Z"},
        ),
        (
            b'{"data_set": {"flavor_profile": "red", "flavor_profile": "red"}}',
            {"data_set": {"flavor_profile": "red"}},
        ),
    ],
)
def test_name_repeated_in_the_body_with_agreeing_values_is_stored_once(
    api, body, stored
):
    response = api.patch(demo.DOC_PROFILE_ID, body)

    assert response.status_code == 200
    assert {name: attributes(response)[name] for name in stored} == stored


@pytest.mark.parametrize(
    "text, shown", [("5", "5"), ('"red"', "'red'"), ("[1, 1]", "[1, 1]")]
)
def test_data_set_query_text_that_is_no_object_is_judged_by_the_model(api, text, shown):
    response = patch_with_query(api, {"data_set": text})

    assert response.status_code == 422
    assert response.get_json() == {
        "error": "Some values were not accepted; see reasons.",
        "reasons": [
            {
                "pointer": "/data_set",
                "keyword": "type",
                "message": f"{shown} is not of type 'object'",
            }
        ],
    }

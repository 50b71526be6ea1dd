"""Fault injection and stats, through config, the control endpoints and the API."""

from __future__ import annotations

import json

import pytest

from sandbox import demo
from sandbox.faults import FaultInjector, read_plan
from sandbox.problems import ConnectionDropped
from tests.sandbox.conftest import API, KEY_HEADERS


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"serch": {}}, "Unknown fault keys ['serch']"),
        ({"get": {"drop": 1}}, "Unknown keys ['drop'] in the faults for 'get'"),
        ({"get": {"drop_rate": 1.5}}, "must be between 0 and 1"),
        (
            {"get": {"delay": -1}},
            "The fault get.delay must be from 0 to 86400 seconds.",
        ),
        ({"get": {"delay": 1e300}}, "get.delay must be from 0 to 86400 seconds."),
        ({"get": {"delay": float("inf")}}, "get.delay must be from 0 to 86400"),
        ({"get": {"drop_rate": float("nan")}}, "must be between 0 and 1"),
        ({"get": {"delay": "slow"}}, "The fault get.delay must be a number."),
        ({"get": {"error_status": 418}}, "get.error_status must be one of"),
        ({"get": {"drop_rate": 0.6, "error_rate": 0.6}}, "add up to more than 1"),
        ({"search": {"apply_then_drop_rate": 1}}, "only applies to 'patch'"),
        ({"seed": "x"}, "The fault 'seed' must be a whole number."),
        ("{oops", "SANDBOX_FAULTS is not valid JSON"),
        ([1], "must be a JSON object"),
    ],
)
def test_bad_fault_plans_are_refused_with_a_sentence(raw, message):
    with pytest.raises(
        ValueError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace(".", r"\.")
        .replace("(", r"\("),
    ):
        read_plan(raw)


def test_same_seed_gives_same_outcomes():
    plan = read_plan({"seed": 7, "get": {"drop_rate": 0.3, "error_rate": 0.3}})
    first, second = FaultInjector(plan), FaultInjector(plan)

    outcomes = [first.choose("get") for _ in range(40)]

    assert outcomes == [second.choose("get") for _ in range(40)]
    assert {"drop", "error", "normal"} <= set(outcomes)


def test_streams_of_other_kinds_do_not_shift_a_kinds_outcomes():
    plan = read_plan({"seed": 3, "get": {"error_rate": 0.5}})
    quiet, busy = FaultInjector(plan), FaultInjector(plan)
    for _ in range(10):
        busy.choose("search")

    assert [quiet.choose("get") for _ in range(20)] == [
        busy.choose("get") for _ in range(20)
    ]


def test_share_of_errors_follows_the_rate():
    injector = FaultInjector(read_plan({"seed": 1, "search": {"error_rate": 0.25}}))

    errors = sum(injector.choose("search") == "error" for _ in range(2000))

    assert 400 < errors < 600


def test_faults_from_config_json_apply(settings):
    from sandbox.app import create_sandbox_app

    settings["SANDBOX_FAULTS"] = json.dumps(
        {"get": {"error_rate": 1, "error_status": 502}}
    )
    client = create_sandbox_app(settings).test_client()

    response = client.get(
        f"{API}/customer_profile/{demo.DOC_PROFILE_ID}", headers=KEY_HEADERS
    )

    assert response.status_code == 502
    assert response.get_json() == {"error": "Bad gateway."}


@pytest.mark.parametrize(
    "status, body",
    [
        (500, {"error": "Internal server error."}),
        (503, {"error": "Service unavailable."}),
        (401, {"error": "Invalid API key."}),
        (403, {"error": "Forbidden."}),
    ],
)
def test_injected_errors_answer_in_the_api_style(client, api, status, body):
    client.post(
        "/_sandbox/faults", json={"search": {"error_rate": 1, "error_status": status}}
    )

    response = api.search({"booking_id": 1234})

    assert response.status_code == status
    assert response.get_json() == body


def test_options_is_neither_counted_nor_faulted(client):
    client.post(
        "/_sandbox/faults",
        json={"search": {"error_rate": 1}, "get": {"garbage_rate": 1}},
    )

    search = client.options(f"{API}/customer_profile/search")
    profile = client.options(f"{API}/customer_profile/{demo.DOC_PROFILE_ID}")

    assert (search.status_code, search.headers["Allow"]) == (200, "OPTIONS, POST")
    assert (profile.status_code, profile.headers["Allow"]) == (
        200,
        "GET, HEAD, OPTIONS, PATCH",
    )
    stats = client.get("/_sandbox/stats").get_json()
    assert stats["requests"] == {"user": 0, "search": 0, "get": 0, "patch": 0}
    assert stats["faults"] == {}


def test_injected_garbage_is_a_200_html_page(client, api):
    client.post("/_sandbox/faults", json={"get": {"garbage_rate": 1}})

    response = api.get(demo.DOC_PROFILE_ID)

    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_dropped_request_never_answers_and_stores_nothing(client, api):
    client.post("/_sandbox/faults", json={"patch": {"drop_rate": 1}})

    with pytest.raises(ConnectionDropped):
        api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": "email"})

    client.post("/_sandbox/faults", json={})
    attributes = api.get(demo.DOC_PROFILE_ID).get_json()["data"]["attributes"]
    assert attributes["referrer_medium"] is None
    stats = client.get("/_sandbox/stats").get_json()
    assert stats["patches"][demo.DOC_PROFILE_ID]["applied"] == 0
    assert stats["faults"] == {"drop": 1}


def test_apply_then_drop_stores_the_patch_but_never_answers(client, api):
    client.post("/_sandbox/faults", json={"patch": {"apply_then_drop_rate": 1}})

    with pytest.raises(ConnectionDropped):
        api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": "email"})

    attributes = api.get(demo.DOC_PROFILE_ID).get_json()["data"]["attributes"]
    assert attributes["referrer_medium"] == "email"
    stats = client.get("/_sandbox/stats").get_json()
    assert stats["patches"][demo.DOC_PROFILE_ID]["applied"] == 1
    assert stats["faults"] == {"apply_then_drop": 1}


def test_stats_count_patches_and_keep_distinct_bodies(client, api):
    first = '{"referrer_medium":"email"}'
    second = '{"referrer_medium":"web"}'

    api.patch(demo.DOC_PROFILE_ID, first)
    api.patch(demo.DOC_PROFILE_ID, first)
    api.patch(demo.DOC_PROFILE_ID, second)
    api.patch(demo.TASTING_PROFILE_ID, {"data_set": {"rating": 99}})
    api.search({"booking_id": 1234})

    stats = client.get("/_sandbox/stats").get_json()
    assert stats["requests"] == {"user": 0, "search": 1, "get": 0, "patch": 4}
    assert stats["patches"][demo.DOC_PROFILE_ID] == {
        "received": 3,
        "applied": 3,
        "bodies": [first, second],
    }
    assert stats["patches"][demo.TASTING_PROFILE_ID]["applied"] == 0


def test_stats_reset_forgets_everything(client, api):
    api.patch(demo.DOC_PROFILE_ID, {})

    reset = client.delete("/_sandbox/stats")

    assert reset.status_code == 204
    assert reset.data == b""
    assert "Content-Type" not in reset.headers

    stats = client.get("/_sandbox/stats").get_json()
    assert stats["patches"] == {}
    assert sum(stats["requests"].values()) == 0


def test_control_endpoint_shows_and_clears_the_plan(client):
    set_answer = client.post(
        "/_sandbox/faults", json={"seed": 9, "get": {"delay": 0.5}}
    )
    shown = client.get("/_sandbox/faults").get_json()
    cleared = client.post("/_sandbox/faults", json={}).get_json()

    assert set_answer.get_json() == shown
    assert shown["seed"] == 9
    assert shown["get"]["delay"] == 0.5
    assert cleared == {"seed": 0}


def test_control_endpoint_refuses_a_bad_plan(client):
    response = client.post("/_sandbox/faults", json={"get": {"drop_rate": 2}})

    assert response.status_code == 400
    assert "between 0 and 1" in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/_sandbox/faults", "/_sandbox/stats"])
def test_control_endpoints_are_hidden_from_other_hosts(client, path):
    response = client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.1"})

    assert response.status_code == 404

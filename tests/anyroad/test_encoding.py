"""encode_body gives the same bytes for the same body, every time."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from anyroad.client import encode_body


def test_key_order_does_not_change_the_bytes():
    first = {"referrer_medium": "web", "data_set": {"b": 1, "a": [2, 1]}}
    second = {"data_set": {"a": [2, 1], "b": 1}, "referrer_medium": "web"}

    assert encode_body(first) == encode_body(second)
    assert (
        encode_body(first) == b'{"data_set":{"a":[2,1],"b":1},"referrer_medium":"web"}'
    )


def test_text_is_utf8_not_escaped():
    body = encode_body({"data_set": {"tasting_notes": "Zoë’s dram"}})

    assert body == '{"data_set":{"tasting_notes":"Zoë’s dram"}}'.encode("utf-8")
    assert json.loads(body) == {"data_set": {"tasting_notes": "Zoë’s dram"}}


def test_aware_datetimes_become_utc_rfc3339_and_dates_iso():
    pacific = timezone(timedelta(hours=-8))

    body = encode_body(
        {
            "captured_at": datetime(2021, 3, 1, 0, 0, 0, 500, tzinfo=pacific),
            "data_set": {"next_visit": date(2021, 5, 1)},
        }
    )

    assert body == (
        b'{"captured_at":"2021-03-01T08:00:00Z","data_set":{"next_visit":"2021-05-01"}}'
    )


@pytest.mark.parametrize(
    "body, error",
    [
        ({"captured_at": datetime(2021, 3, 1)}, TypeError),
        ({"data_set": {"spend": float("nan")}}, ValueError),
        ({"data_set": {"x": {1, 2}}}, TypeError),
    ],
)
def test_values_json_cannot_hold_are_refused(body, error):
    with pytest.raises(error):
        encode_body(body)

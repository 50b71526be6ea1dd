"""Reading customer profile resources into dataclasses."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from anyroad.models import Profile
from tests.sandbox.contract_examples import GET_ANSWER, PATCH_ANSWER


def resource(answer=GET_ANSWER):
    return copy.deepcopy(answer["data"])


def test_contract_example_reads_into_a_profile():
    profile = Profile.from_resource(resource(PATCH_ANSWER))

    assert profile.id == "56c934fa-03c2-46f4-b7f9-6d44bafdd5a2"
    assert profile.data_set == {"custom_attribute": "red"}
    assert profile.captured_at == "2021-03-01T08:00:00Z"
    assert profile.referrer_medium == "email"
    assert profile.booking.id == 1234
    assert profile.booking.first_name == "Bob"
    assert profile.booking.last_name == "Loblaw"
    assert profile.booking.email == "bob@lawblog.com"
    assert profile.booking.number_guests_booked == 2
    assert profile.booking.tickets == {"adult": 1, "child": 1}
    assert profile.experience.name == "Monster Mash"
    assert profile.experience.date == date(2021, 3, 31)
    assert profile.experience.time == "15:00"


def test_repr_leaves_out_guest_data():
    text = repr(Profile.from_resource(resource(PATCH_ANSWER)))

    for personal in ("Bob", "Loblaw", "lawblog", "custom_attribute"):
        assert personal not in text


def test_malformed_guest_fields_become_none_not_errors():
    raw = resource()
    raw["attributes"]["booking"].update(
        guest_first_name="QU$$JD", guest_last_name="TfxsbGVy", guest_email=None
    )

    booking = Profile.from_resource(raw).booking

    assert (booking.first_name, booking.last_name, booking.email) == (None, None, None)


def test_a_booking_number_named_booking_id_as_the_attribute_list_has_it_is_read():
    raw = resource()
    booking = raw["attributes"]["booking"]
    booking["booking_id"] = booking.pop("id")

    assert Profile.from_resource(raw).booking.id == 1234


@pytest.mark.parametrize(
    "path, value, attribute, expected",
    [
        (("experience", "date"), "31/03/2021", "experience.date", None),
        (("experience", "date"), None, "experience.date", None),
        (("booking", "id"), "1234", "booking.id", 1234),
        (("booking", "tickets"), '{"adult": 2}', "booking.tickets", {"adult": 2}),
        (("booking", "tickets"), "two adults", "booking.tickets", {}),
        (("data_set",), "not an object", "data_set", None),
    ],
)
def test_odd_values_are_read_leniently(path, value, attribute, expected):
    raw = resource()
    target = raw["attributes"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    found = Profile.from_resource(raw)
    for name in attribute.split("."):
        found = getattr(found, name)

    assert found == expected


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["attributes"].pop("booking"),
        lambda r: r["attributes"].__setitem__("experience", "Monster Mash"),
        lambda r: r["attributes"]["booking"].__setitem__("id", "12a"),
        lambda r: r["attributes"]["booking"].__setitem__("id", True),
        lambda r: (r.pop("id"), r["attributes"].pop("id")),
        lambda r: r.pop("attributes"),
    ],
)
def test_wrong_shapes_raise_value_error(change):
    raw = resource()
    change(raw)

    with pytest.raises(ValueError):
        Profile.from_resource(raw)


def test_a_list_is_not_a_resource():
    with pytest.raises(ValueError):
        Profile.from_resource([resource()])

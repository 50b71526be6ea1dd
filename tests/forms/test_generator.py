"""Turning posted answers into a data set, or into errors beside questions.

The C-numbered tests are the cases from the field (shared/cases/README.md);
each has neighbours testing the rest of its family.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from forms.campaign import load_campaign
from forms.generator import build_form
from tests.forms.browser import row_ids, serialize, tick, type_into
from tests.forms.conftest import REPO, errors_by_field, make_campaign, object_model

GUESTS = object_model(
    {"guests": {"type": "integer", "minimum": 1, "maximum": 20}}, required=["guests"]
)


# C1. Whole numbers typed by people.


@pytest.mark.parametrize(
    ("typed", "sent"),
    [(" 4 ", 4), ("4", 4), ("2.0", 2), ("+7", 7), ("20", 20), ("07", 7), ("3.00", 3)],
)
def test_whole_number_typed_plainly_is_sent_as_an_integer(post, typed, sent):
    data_set, _ = post(GUESTS, [("f-guests", typed)])

    assert data_set == {"guests": sent}
    assert type(data_set["guests"]) is int


@pytest.mark.parametrize(
    "typed",
    ["1e1", "3abc", "1_0", "٣", "7.5", "1e400", "seven", "0x10", "１", "2,0", "- 4"],
)
def test_whole_number_in_other_shapes_is_a_field_error(post, typed):
    data_set, form = post(GUESTS, [("f-guests", typed)])

    assert data_set is None
    assert errors_by_field(form) == {"f-guests": "Enter a whole number from 1 to 20."}


SIZES = object_model({"guests": {"type": "integer"}, "spend": {"type": "number"}})


@pytest.mark.parametrize(
    ("pairs", "sent"),
    [
        ([("f-guests", "\u200e4")], {"guests": 4}),
        ([("f-guests", "1\u200b2\ufeff")], {"guests": 12}),
        ([("f-guests", "\u00a04\u202f")], {"guests": 4}),
        ([("f-spend", "\u202a4.5\u202c")], {"spend": 4.5}),
    ],
)
def test_numbers_are_read_without_invisible_characters(post, pairs, sent):
    data_set, _ = post(SIZES, pairs)

    assert data_set == sent


def test_a_thin_space_between_digits_is_a_space_and_refused(post):
    data_set, form = post(SIZES, [("f-spend", "1\u2009000")])

    assert data_set is None
    assert errors_by_field(form) == {"f-spend": "Enter a number."}


def test_nothing_is_sent_while_any_field_has_an_error(post):
    model = object_model(
        {"guests": {"type": "integer"}, "name": {"type": "string"}}, required=["name"]
    )

    data_set, form = post(model, [("f-guests", "1_0"), ("f-name", "Ana")])

    assert data_set is None
    assert list(errors_by_field(form)) == ["f-guests"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e400", "Enter a number from 0 to 10,000."),
        ("nan", "Enter a number from 0 to 10,000."),
        ("-1", "Enter a number from 0 to 10,000."),
        ("10000.5", "Enter a number from 0 to 10,000."),
    ],
)
def test_number_field_refuses_what_is_not_a_plain_decimal(post, typed, message):
    model = object_model({"spend": {"type": "number", "minimum": 0, "maximum": 10000}})

    data_set, form = post(model, [("f-spend", typed)])

    assert data_set is None
    assert errors_by_field(form) == {"f-spend": message}


UNCLEAR_COMMA = (
    "Use a point for decimals, like 4.5, and commas only between thousands, like 1,500."
)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("1,500", 1500),
        ("12,345.67", 12345.67),
        ("-1,000", -1000),
        ("+1,000,000", 1000000),
        ("9,999.5", 9999.5),
    ],
)
def test_number_with_thousands_grouped_by_commas_is_read_as_printed(post, typed, sent):
    model = object_model({"spend": {"type": "number"}})

    data_set, _ = post(model, [("f-spend", typed)])

    assert data_set == {"spend": sent}
    assert type(data_set["spend"]) is type(sent)


@pytest.mark.parametrize(
    "typed",
    ["1,5", "4,50", "1,5000", "12,34,567", "0,500", ",500", "1,500,", "1,,500",
     "1.500,5", "1,500e3", "-0,5"],
)  # fmt: skip
def test_number_with_a_comma_that_is_not_a_thousands_separator_is_refused(post, typed):
    model = object_model({"spend": {"type": "number", "minimum": 0}})

    data_set, form = post(model, [("f-spend", typed)])

    assert data_set is None
    assert errors_by_field(form) == {"f-spend": UNCLEAR_COMMA}


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("1,500", 1500), ("-1,000", -1000), ("12,345,678", 12345678), ("1,500.00", 1500)],
)
def test_whole_number_with_thousands_grouped_by_commas_is_read_as_printed(
    post, typed, sent
):
    model = object_model({"guests": {"type": "integer"}})

    data_set, _ = post(model, [("f-guests", typed)])

    assert data_set == {"guests": sent}


@pytest.mark.parametrize("typed", ["1,5", "1,50", "12,34,567", "0,500", "1,500.5"])
def test_whole_number_with_an_unclear_comma_is_told_the_range(post, typed):
    data_set, form = post(GUESTS, [("f-guests", typed)])

    assert data_set is None
    assert errors_by_field(form) == {"f-guests": "Enter a whole number from 1 to 20."}


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("4.5", 4.5),
        ("42", 42),
        (".5", 0.5),
        ("1e3", 1000),
        ("-0", 0),
        # Whole once rounded to the number that is sent.
        ("9999.999999999999999", 10000),
        ("0.1e-400", 0),
        ("2.0000000000000001", 2),
    ],
)
def test_number_field_sends_whole_numbers_as_integers(post, typed, sent):
    model = object_model({"spend": {"type": "number"}})

    data_set, _ = post(model, [("f-spend", typed)])

    assert data_set == {"spend": sent}
    assert type(data_set["spend"]) is type(sent)


# C2. Unchecked boxes, "False" and zero.

C2_MODEL = object_model(
    {
        "newsletter": {"type": "boolean"},
        "children": {"type": "integer", "minimum": 0},
        "terms": {"type": "boolean", "enum": [True]},
    },
    required=["newsletter", "children", "terms"],
)


def test_unticked_boxes_are_false_and_a_must_tick_box_errors(post):
    data_set, form = post(C2_MODEL, [("f-children", "0")])

    assert data_set is None
    assert errors_by_field(form) == {"f-terms": "Tick this box to continue."}


def test_false_posted_for_a_box_is_false_and_zero_is_kept(post):
    pairs = [("f-newsletter", "False"), ("f-children", "0"), ("f-terms", "y")]

    data_set, _ = post(C2_MODEL, pairs)

    assert data_set == {"newsletter": False, "children": 0, "terms": True}


@pytest.mark.parametrize(
    "terms", [{"type": "boolean", "enum": [True]}, {"enum": [True]}]
)
def test_a_must_tick_box_errors_unticked_whether_or_not_typed(post, terms):
    model = object_model({"terms": terms}, required=["terms"])

    unticked, form = post(model, [])
    ticked, _ = post(model, [("f-terms", "true")])

    assert unticked is None
    assert errors_by_field(form) == {"f-terms": "Tick this box to continue."}
    assert ticked == {"terms": True}


@pytest.mark.parametrize(
    "agrees",
    [
        {"type": "boolean", "enum": [True]},
        {"enum": [True]},
        {"allOf": [{"type": "boolean"}, {"enum": [True]}]},
        {"allOf": [{"$ref": "#/definitions/yes"}]},
    ],
)
def test_optional_box_that_refuses_false_is_left_out_unticked(post, agrees):
    model = object_model(
        {"name": {"type": "string"}, "agrees": agrees},
        definitions={"yes": {"type": "boolean", "enum": [True]}},
    )

    unticked, _ = post(model, [("f-name", "Jo")])
    posted_false, _ = post(model, [("f-name", "Jo"), ("f-agrees", "false")])
    ticked, _ = post(model, [("f-name", "Jo"), ("f-agrees", "true")])

    assert unticked == {"name": "Jo"}
    assert posted_false == {"name": "Jo"}
    assert ticked == {"name": "Jo", "agrees": True}


def test_optional_box_that_refuses_false_in_a_started_group_is_left_out(post):
    model = object_model(
        {
            "child": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "agrees": {"type": "boolean", "enum": [True]},
                },
            }
        }
    )

    data_set, _ = post(model, [("f-child-name", "Tom")])

    assert data_set == {"child": {"name": "Tom"}}


def test_photo_consent_sends_without_the_guardian_box_when_no_children(post):
    campaign = load_campaign(REPO / "gallery" / "photo-consent.json")

    data_set, _ = post(campaign.data_model, [("f-photos", "yes")], campaign.ui)

    assert data_set == {"photos": "yes"}


def test_optional_box_that_refuses_false_can_trigger_a_follow_up(post, render):
    model = object_model(
        {"agrees": {"type": "boolean", "enum": [True]}, "name": {"type": "string"}},
        dependencies={"agrees": ["name"]},
    )

    page = render(build_form(make_campaign(model)).make_form())
    unticked, _ = post(model, [])
    ticked, form = post(model, [("f-agrees", "true")])

    assert page.find(id="f-name").parent["data-depends-on"] == "f-agrees"
    assert unticked == {}
    assert ticked is None
    assert errors_by_field(form) == {"f-name": "Enter an answer to this question."}


@pytest.mark.parametrize(
    ("posted", "sent"),
    [
        (None, False),
        ("true", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_checkbox_values_read_as_browsers_and_old_links_send_them(post, posted, sent):
    model = object_model({"newsletter": {"type": "boolean"}})
    pairs = [] if posted is None else [("f-newsletter", posted)]

    data_set, _ = post(model, pairs)

    assert data_set == {"newsletter": sent}


# C6. Draft 4 exclusive bounds are booleans.

C6_MODEL = object_model(
    {
        "age": {
            "type": "integer",
            "minimum": 5,
            "exclusiveMinimum": True,
            "maximum": 17,
            "exclusiveMaximum": True,
        }
    }
)


@pytest.mark.parametrize(
    ("typed", "valid"), [("5", False), ("17", False), ("6", True), ("16", True)]
)
def test_exclusive_bounds_exclude_the_bound_itself(post, typed, valid):
    data_set, form = post(C6_MODEL, [("f-age", typed)])

    assert (data_set == {"age": int(typed)}) is valid
    if not valid:
        assert errors_by_field(form) == {"f-age": "Enter a whole number from 6 to 16."}


def test_exclusive_bounds_never_become_html_true_or_one(render):
    form = build_form(make_campaign(C6_MODEL)).make_form()

    age = render(form).find(id="f-age")

    assert age.get("min") in (None, "6")
    assert age.get("max") in (None, "16")


@pytest.mark.parametrize(
    ("schema", "typed", "message"),
    [
        ({"minimum": 0, "exclusiveMinimum": True}, "0", "Enter a number more than 0."),
        ({"maximum": 1, "exclusiveMaximum": True}, "1", "Enter a number less than 1."),
        (
            {"minimum": 0, "exclusiveMinimum": True, "maximum": 5},
            "0",
            "Enter a number more than 0 and at most 5.",
        ),
    ],
)
def test_exclusive_bounds_on_decimals_are_worded_as_more_or_less_than(
    post, schema, typed, message
):
    model = object_model({"weight": {"type": "number", **schema}})

    _, form = post(model, [("f-weight", typed)])

    assert errors_by_field(form) == {"f-weight": message}


# Merged allOf bounds keep each exclusive flag with its own bound.

EXCLUSIVE_ZERO = {"minimum": 0, "exclusiveMinimum": True}
EXCLUSIVE_HUNDRED = {"maximum": 100, "exclusiveMaximum": True}


@pytest.mark.parametrize(
    ("kind", "parts", "refused", "accepted", "message"),
    [
        ("integer", [EXCLUSIVE_ZERO, {"minimum": 5}], "4", "5", "of 5 or more"),
        ("integer", [{"minimum": 5}, EXCLUSIVE_ZERO], "4", "5", "of 5 or more"),
        ("number", [EXCLUSIVE_HUNDRED, {"maximum": 50}], "51", "50", "of 50 or less"),
        ("number", [{"maximum": 50}, EXCLUSIVE_HUNDRED], "51", "50", "of 50 or less"),
        (
            "number",
            [{"minimum": 5}, {"minimum": 5, "exclusiveMinimum": True}],
            "5",
            "5.1",
            "more than 5",
        ),
        (
            "number",
            [{"maximum": 9, "exclusiveMaximum": True}, {"maximum": 9}],
            "9",
            "8.9",
            "less than 9",
        ),
        (
            "integer",
            [{"minimum": 2}, {"minimum": 3, "exclusiveMinimum": True}],
            "3",
            "4",
            "of 4 or more",
        ),
    ],
)
def test_merged_bounds_keep_the_exclusive_flag_of_the_bound_kept(
    post, kind, parts, refused, accepted, message
):
    noun = "a whole number" if kind == "integer" else "a number"
    model = object_model({"size": {"allOf": [{"type": kind}, *parts]}})

    _, form = post(model, [("f-size", refused)])
    data_set, _ = post(model, [("f-size", accepted)])

    assert errors_by_field(form) == {"f-size": f"Enter {noun} {message}."}
    assert data_set == {"size": float(accepted) if "." in accepted else int(accepted)}


# C7. Formats are checked, all of them.

C7_MODEL = object_model(
    {
        "arrival_day": {"type": "string", "format": "date"},
        "contact": {"type": "string", "format": "email"},
        "pickup": {"type": "string", "format": "date-time"},
        "pickup_time": {"type": "string", "format": "time"},
        "website": {"type": "string", "format": "uri"},
    }
)


def test_bad_date_email_and_date_time_are_three_field_errors(post):
    pairs = [
        ("f-arrival_day", "2021-02-30"),
        ("f-contact", "ana.lima@"),
        ("f-pickup", "tomorrow"),
    ]

    data_set, form = post(C7_MODEL, pairs)

    assert data_set is None
    assert errors_by_field(form) == {
        "f-arrival_day": "Enter a date like 2021-03-31.",
        "f-contact": "Enter an email address like name@example.com.",
        "f-pickup": "Enter a date and time like 2021-03-31 15:00.",
    }


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("arrival_day", "31/03/2021"),
        ("arrival_day", "2021-3-31"),
        ("arrival_day", "٢٠٢١-٠٣-٣١"),
        ("contact", "ana lima@example.com"),
        ("contact", "ana@example"),
        ("contact", "@example.com"),
        ("pickup", "2021-02-30T10:00"),
        ("pickup", "2021-03-31T25:00"),
        ("pickup_time", "25:00"),
        ("pickup_time", "noon"),
        ("website", "example.com"),
        ("website", "https://"),
        ("website", "tomorrow"),
    ],
)
def test_every_format_is_checked_on_the_server(post, name, typed):
    data_set, form = post(C7_MODEL, [(f"f-{name}", typed)])

    assert data_set is None
    assert list(errors_by_field(form)) == [f"f-{name}"]


@pytest.mark.parametrize(
    ("name", "typed", "sent"),
    [
        ("arrival_day", "2024-02-29", "2024-02-29"),
        ("contact", "ana.lima@example.com", "ana.lima@example.com"),
        ("pickup", "2021-03-31T15:00", "2021-03-31T15:00:00Z"),
        ("pickup", "2021-03-31T15:00:30", "2021-03-31T15:00:30Z"),
        ("pickup", "2021-03-31T15:00:00+01:00", "2021-03-31T14:00:00Z"),
        ("pickup", "2021-03-31T15:00+01:00", "2021-03-31T14:00:00Z"),
        ("pickup", "2021-03-31 15:00z", "2021-03-31T15:00:00Z"),
        ("pickup_time", "15:30", "15:30:00"),
        ("pickup_time", "15:30:05", "15:30:05"),
        ("website", "https://example.com/tours", "https://example.com/tours"),
    ],
)
def test_well_formed_values_are_sent_as_rfc3339_and_friends(post, name, typed, sent):
    data_set, _ = post(C7_MODEL, [(f"f-{name}", typed)])

    assert data_set == {name: sent}


@pytest.mark.parametrize(
    ("name", "typed", "sent"),
    [
        ("contact", "friend@exa\u200dmple.com", "friend@example.com"),
        ("contact", "friend@example.com\u200b", "friend@example.com"),
        ("contact", "\ufefffriend@example.com", "friend@example.com"),
        ("contact", "fri\u00adend@example.com", "friend@example.com"),
        ("contact", "\u202afriend@exam\u200cple.com\u2060", "friend@example.com"),
        ("contact", "\u00a0friend@example.com\u3000", "friend@example.com"),
        ("arrival_day", "\u200e2024-02-29\u200f", "2024-02-29"),
        ("pickup", "2021-03-31T15:00\u2069", "2021-03-31T15:00:00Z"),
        ("pickup_time", "15:\u200b30", "15:30:00"),
        (
            "website",
            "https://exa\u00admple.com/\ufefftours",
            "https://example.com/tours",
        ),
    ],
)
def test_formatted_answers_lose_every_invisible_character(post, name, typed, sent):
    data_set, _ = post(C7_MODEL, [(f"f-{name}", typed)])

    assert data_set == {name: sent}


def test_local_date_time_is_read_in_the_campaign_time_zone(post):
    data_set, _ = post(
        C7_MODEL, [("f-pickup", "2021-07-01T09:30")], ui={"timezone": "Europe/Lisbon"}
    )

    assert data_set == {"pickup": "2021-07-01T09:30:00+01:00"}


def test_a_local_time_the_clocks_skip_is_a_field_error(post):
    data_set, form = post(
        C7_MODEL, [("f-pickup", "2021-03-28T01:30")], ui={"timezone": "Europe/London"}
    )

    assert data_set is None
    assert errors_by_field(form) == {
        "f-pickup": "There is no 01:30 on 28 March 2021 here: the clocks go "
        "forward that night. Enter a time that exists."
    }


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        # Just before and after the hour the clocks skip.
        ("2021-03-28T00:59", "2021-03-28T00:59:00Z"),
        ("2021-03-28T02:00", "2021-03-28T02:00:00+01:00"),
        # The hour the clocks repeat: its first occurrence is meant.
        ("2021-10-31T01:30", "2021-10-31T01:30:00+01:00"),
    ],
)
def test_local_times_around_a_clock_change_are_read_as_they_happen(post, typed, sent):
    data_set, _ = post(
        C7_MODEL, [("f-pickup", typed)], ui={"timezone": "Europe/London"}
    )

    assert data_set == {"pickup": sent}


def test_stored_date_time_is_shown_in_the_campaign_time_zone(render):
    generated = build_form(make_campaign(C7_MODEL, {"timezone": "Europe/Lisbon"}))

    form = generated.make_form(data_set={"pickup": "2021-07-01T08:30:00Z"})

    assert render(form).find(id="f-pickup")["value"] == "2021-07-01T09:30"


# C3. An optional group with a required field inside.

C3_MODEL = object_model(
    {
        "name": {"type": "string"},
        "address": {
            "type": "object",
            "additionalProperties": False,
            "required": ["zip"],
            "properties": {
                "street": {"type": "string"},
                "zip": {
                    "type": "string",
                    "pattern": "^[0-9]{5}$",
                    "description": "Five digits.",
                },
            },
        },
    }
)


def test_optional_group_left_empty_is_left_out_whole(post):
    pairs = [("f-name", "Ana Lima"), ("f-address-street", ""), ("f-address-zip", "")]

    data_set, _ = post(C3_MODEL, pairs)

    assert data_set == {"name": "Ana Lima"}


def test_started_optional_group_needs_its_required_fields(post):
    pairs = [
        ("f-name", "Ana Lima"),
        ("f-address-street", "Rua Um 10"),
        ("f-address-zip", ""),
    ]

    data_set, form = post(C3_MODEL, pairs)

    assert data_set is None
    assert errors_by_field(form) == {
        "f-address-zip": "Enter an answer to this question."
    }


@pytest.mark.parametrize("zip_code", ["1234", "123456", "٣٣٣٣٣", "12345\n"])
def test_pattern_is_checked_as_ecma_262_reads_it(post, zip_code):
    pairs = [("f-address-street", "Rua Um 10"), ("f-address-zip", zip_code)]

    data_set, form = post(C3_MODEL, pairs)

    if zip_code == "12345\n":
        assert data_set == {"address": {"street": "Rua Um 10", "zip": "12345"}}
    else:
        assert errors_by_field(form) == {
            "f-address-zip": "Enter the answer in the format asked for."
        }


POSTCODE = object_model(
    {
        "postcode": {
            "type": "string",
            "pattern": "^[A-Z0-9]{2,4} [0-9][A-Z]{2}$",
            "description": "Like AB1 2CD.",
        }
    }
)


@pytest.mark.parametrize(
    "typed",
    [
        "AB1\u00a02CD",
        "AB1\u202f2CD",
        "AB1\u20092CD",
        "AB1\u30002CD",
        "AB1 2C\u200dD",
        "\u200eAB1\u200c 2CD\ufeff",
    ],
    ids=["no-break", "narrow-no-break", "thin", "ideographic", "zwj", "marks"],
)
def test_patterned_answer_is_matched_after_spaces_and_invisibles_are_tidied(
    post, typed
):
    data_set, form = post(POSTCODE, [("f-postcode", typed)])

    assert errors_by_field(form) == {}
    assert data_set == {"postcode": "AB1 2CD"}


def test_unticked_box_alone_does_not_start_an_optional_group(post):
    model = object_model(
        {
            "pickup": {
                "type": "object",
                "required": ["hotel"],
                "properties": {
                    "hotel": {"type": "string"},
                    "early": {"type": "boolean"},
                },
            }
        }
    )

    assert post(model, [("f-pickup-hotel", "")])[0] == {}
    assert post(model, [("f-pickup-hotel", "Ritz")])[0] == {
        "pickup": {"hotel": "Ritz", "early": False}
    }


def test_required_group_is_always_sent_and_checked(post):
    model = object_model(
        {
            "contact": {
                "type": "object",
                "required": ["phone"],
                "properties": {"phone": {"type": "string"}},
            }
        },
        required=["contact"],
    )

    data_set, form = post(model, [])

    assert data_set is None
    assert errors_by_field(form) == {
        "f-contact-phone": "Enter an answer to this question."
    }


# C4. Checkbox lists.

C4_MODEL = object_model(
    {
        "diet": {
            "type": "array",
            "uniqueItems": True,
            "minItems": 1,
            "items": {"type": "integer", "enum": [1, 2, 3]},
        }
    }
)


@pytest.mark.parametrize(
    ("ticked", "sent"),
    [
        (["1", "3"], {"diet": [1, 3]}),
        (["3", "1"], {"diet": [1, 3]}),
        (["1", "1"], {"diet": [1]}),
        ([], {}),
    ],
)
def test_checklist_sends_ticked_values_once_in_page_order(post, ticked, sent):
    data_set, _ = post(C4_MODEL, [("f-diet", value) for value in ticked])

    assert data_set == sent
    assert all(type(v) is int for v in data_set.get("diet", []))


@pytest.mark.parametrize("ticked", [["9"], ["1", "9"], ["1.0"], ["true"]])
def test_checklist_refuses_values_it_did_not_offer(post, ticked):
    data_set, form = post(C4_MODEL, [("f-diet", value) for value in ticked])

    assert data_set is None
    assert "not a valid choice" in errors_by_field(form)["f-diet--0"]


def test_required_checklist_left_empty_is_checked_by_min_items(post):
    model = dict(C4_MODEL, required=["diet"])

    data_set, form = post(model, [])

    assert data_set is None
    assert errors_by_field(form) == {"f-diet--0": "Choose at least 1 option."}


def test_checklist_max_items_is_worded_for_options(post):
    model = object_model(
        {"diet": {"type": "array", "maxItems": 2, "items": {"enum": ["a", "b", "c"]}}}
    )

    _, form = post(model, [("f-diet", "a"), ("f-diet", "b"), ("f-diet", "c")])

    assert errors_by_field(form) == {"f-diet--0": "Choose no more than 2 options."}


# C5. A choice that may be "none".

C5_MODEL = object_model(
    {"seat": {"type": ["string", "null"], "enum": ["window", "aisle", None]}},
    required=["seat"],
)


def test_no_preference_is_sent_as_null(post, render):
    generated = build_form(make_campaign(C5_MODEL))
    page = render(generated.make_form())
    option = next(
        box
        for box in page.find(id="f-seat").find_all("input")
        if page.find("label", attrs={"for": box["id"]}).get_text() == "No preference"
    )

    data_set, _ = post(C5_MODEL, [("f-seat", option["value"])])

    assert data_set == {"seat": None}


def test_choice_with_null_left_unanswered_asks_to_choose(post):
    data_set, form = post(C5_MODEL, [])

    assert data_set is None
    assert errors_by_field(form) == {"f-seat--0": "Choose one of the options."}


def test_null_option_is_labelled_from_the_hints(render):
    ui = {"fields": {"seat": {"enum_labels": {"null": "Any seat"}}}}
    form = build_form(make_campaign(C5_MODEL, ui)).make_form()

    labels = [
        label.get_text() for label in render(form).find(id="f-seat").find_all("label")
    ]

    assert labels == ["window", "aisle", "Any seat"]


@pytest.mark.parametrize(
    ("schema", "posted", "sent"),
    [
        ({"type": ["string", "null"]}, "", None),
        ({"type": ["string", "null"]}, "x", "x"),
        ({"type": ["integer", "null"]}, "", None),
        ({"type": ["integer", "null"]}, "3", 3),
        ({"type": ["boolean", "null"]}, "null", None),
        ({"type": ["boolean", "null"]}, "false", False),
    ],
)
def test_required_nullable_question_left_blank_sends_null(post, schema, posted, sent):
    model = object_model({"answer": schema}, required=["answer"])

    data_set, _ = post(model, [("f-answer", posted)])

    assert data_set == {"answer": sent}


def test_optional_nullable_question_left_blank_is_left_out(post):
    model = object_model({"answer": {"type": ["string", "null"]}})

    assert post(model, [("f-answer", "")])[0] == {}


# An optional group of radios can be cleared: "No answer".

COLOUR = object_model(
    {
        "colour": {"enum": ["red", "white"]},
        "seat": {"type": ["string", "null"], "enum": ["window", None]},
        "name": {"type": "string"},
    },
    required=["name"],
)


def radio_labels(page, group_id):
    return [label.get_text() for label in page.find(id=group_id).find_all("label")]


def checked_labels(page, group_id):
    group = page.find(id=group_id)
    return [
        group.find("label", attrs={"for": box["id"]}).get_text()
        for box in group.find_all("input", checked=True)
    ]


def test_optional_radios_end_with_no_answer_which_posts_blank(render):
    page = render(build_form(make_campaign(COLOUR)).make_form())

    last = page.find(id="f-colour").find_all("input")[-1]
    assert radio_labels(page, "f-colour") == ["red", "white", "No answer"]
    assert (last["type"], last["name"], last["value"]) == ("radio", "f-colour", "")
    assert last["id"] == "f-colour--2" and not last.has_attr("required")


@pytest.mark.parametrize(
    ("posted", "sent"),
    [
        ("", {"name": "Ana"}),
        ("red", {"name": "Ana", "colour": "red"}),
    ],
)
def test_no_answer_leaves_the_question_out(post, posted, sent):
    assert post(COLOUR, [("f-name", "Ana"), ("f-colour", posted)])[0] == sent


def test_no_answer_is_not_no_preference_which_sends_null(post, render):
    page = render(build_form(make_campaign(COLOUR)).make_form())

    assert radio_labels(page, "f-seat") == ["window", "No preference", "No answer"]
    assert post(COLOUR, [("f-name", "A"), ("f-seat", "null")])[0]["seat"] is None
    assert "seat" not in post(COLOUR, [("f-name", "A"), ("f-seat", "")])[0]


def test_no_answer_is_checked_again_only_when_the_guest_chose_it(render):
    generated = build_form(make_campaign(COLOUR))
    chose_none = generated.make_form(formdata=MultiDict([("f-colour", "")]))
    skipped = generated.make_form(formdata=MultiDict([("f-name", "")]))
    generated.validate(chose_none)

    assert checked_labels(render(chose_none), "f-colour") == ["No answer"]
    assert checked_labels(render(skipped), "f-colour") == []
    assert checked_labels(render(generated.make_form()), "f-colour") == []
    saved = generated.make_form(data_set={"name": "Ana"})
    assert checked_labels(render(saved), "f-colour") == []


def test_no_answer_alone_does_not_start_an_optional_group(post):
    model = object_model(
        {
            "visit": {
                "type": "object",
                "required": ["when"],
                "properties": {
                    "when": {"type": "string"},
                    "mood": {"enum": ["happy", "sad"]},
                },
            }
        }
    )

    assert post(model, [("f-visit-mood", "")])[0] == {}


VISIT = object_model(
    {
        "name": {"type": "string"},
        "visit": {
            "type": "object",
            "required": ["mood"],
            "properties": {
                "mood": {"enum": ["happy", "sad"]},
                "note": {"type": "string"},
            },
        },
    },
    required=["name"],
)


def test_a_group_chosen_into_by_mistake_can_be_left_out_again(post, render):
    page = render(build_form(make_campaign(VISIT)).make_form())

    assert radio_labels(page, "f-visit-mood") == ["happy", "sad", "No answer"]
    assert post(VISIT, [("f-name", "Ana"), ("f-visit-mood", "")])[0] == {"name": "Ana"}


def test_no_answer_in_a_started_group_is_told_to_choose(post):
    data_set, form = post(
        VISIT, [("f-name", "Ana"), ("f-visit-mood", ""), ("f-visit-note", "Fun")]
    )

    assert data_set is None
    assert errors_by_field(form) == {"f-visit-mood--0": "Choose one of the options."}


def test_a_row_with_a_required_radio_offers_no_answer_too(post, render):
    model = object_model(
        {
            "guests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["menu"],
                    "properties": {"menu": {"enum": ["meat", "fish"]}},
                },
            }
        }
    )
    page = render(build_form(make_campaign(model)).make_form())

    assert radio_labels(page, "f-guests-0-menu") == ["meat", "fish", "No answer"]
    assert post(model, [("f-guests-0-menu", "")])[0] == {}


def test_no_answer_label_comes_from_the_hints(render):
    ui = {"fields": {"colour": {"none_label": "Rather not say"}}}
    page = render(build_form(make_campaign(COLOUR, ui)).make_form())

    assert radio_labels(page, "f-colour")[-1] == "Rather not say"


@pytest.mark.parametrize(
    ("schema", "required", "ui"),
    [
        ({"enum": ["a", "b"]}, True, {}),
        (
            {"type": "object", "required": ["in"], "properties": {"in": {"enum": [1]}}},
            True,
            {},
        ),
        ({"enum": ["a", "b"]}, False, {"widget": "select"}),
        ({"enum": list("abcdef")}, False, {}),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, False, {}),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, True, {}),
    ],
)
def test_no_answer_is_only_offered_where_a_radio_may_be_left_out(
    render, schema, required, ui
):
    model = object_model({"pick": schema}, required=["pick"] if required else [])
    hints = {"fields": {"pick": ui}} if ui else {}
    page = render(build_form(make_campaign(model, hints)).make_form())

    assert "No answer" not in page.get_text()


# Lists a guest adds to.

ROWS_MODEL = object_model(
    {
        "ages": {
            "type": "array",
            "maxItems": 4,
            "items": {"type": "integer", "minimum": 0, "maximum": 17, "title": "Age"},
        },
        "guests": {"type": "array", "items": {"$ref": "#/definitions/guest"}},
    },
    definitions={
        "guest": {
            "type": "object",
            "title": "Guest",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "vegan": {"type": "boolean"}},
        }
    },
)


def test_blank_rows_are_ignored_and_filled_rows_keep_their_order(post):
    pairs = [("f-ages-0", "3"), ("f-ages-1", ""), ("f-ages-2", "5"), ("f-ages-7", "9")]

    data_set, _ = post(ROWS_MODEL, pairs)

    assert data_set == {"ages": [3, 5, 9]}


def test_list_of_groups_sends_each_started_row(post):
    pairs = [
        ("f-guests-0-name", "Ana"),
        ("f-guests-1-name", ""),
        ("f-guests-2-name", "Rui"),
        ("f-guests-2-vegan", "true"),
    ]

    data_set, _ = post(ROWS_MODEL, pairs)

    assert data_set == {
        "guests": [{"name": "Ana", "vegan": False}, {"name": "Rui", "vegan": True}]
    }


def test_error_in_a_row_sits_beside_that_row_field(post):
    pairs = [
        ("f-guests-0-name", "Ana"),
        ("f-guests-1-name", ""),
        ("f-guests-1-vegan", "true"),
    ]

    data_set, form = post(ROWS_MODEL, pairs)

    assert data_set is None
    assert errors_by_field(form) == {
        "f-guests-1-name": "Enter an answer to this question."
    }


def test_too_many_rows_is_an_error_on_the_list(post):
    pairs = [(f"f-ages-{i}", str(i)) for i in range(5)]

    data_set, form = post(ROWS_MODEL, pairs)

    assert data_set is None
    assert errors_by_field(form) == {"f-ages": "Give no more than 4 entries."}


def test_repeated_entries_are_refused_when_unique_items_is_set(post):
    model = object_model(
        {"tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}}
    )

    _, form = post(model, [("f-tags-0", "oak"), ("f-tags-1", "oak")])

    assert errors_by_field(form) == {"f-tags": "Remove the entries that are repeated."}


def test_empty_list_page_offers_spare_rows_up_to_max_items(render):
    model = object_model(
        {
            "pair": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
            "many": {"type": "array", "items": {"type": "string"}},
        }
    )
    page = render(build_form(make_campaign(model)).make_form())

    def shown(list_id):
        listing = page.find(id=list_id).find(attrs={"data-row-list": True})
        return [tag["id"] for tag in listing.find_all("input", type="text")]

    assert shown("f-pair") == ["f-pair-0", "f-pair-1"]
    assert shown("f-many") == ["f-many-0", "f-many-1", "f-many-2"]


def test_saved_rows_come_back_with_a_spare_row(render):
    generated = build_form(make_campaign(ROWS_MODEL))

    page = render(generated.make_form(data_set={"ages": [4, 9]}))

    listing = page.find(id="f-ages").find(attrs={"data-row-list": True})
    values = [tag.get("value") for tag in listing.find_all("input", type="text")]
    assert values == ["4", "9", "", ""]


def test_posted_rows_beyond_the_cap_are_not_read(post):
    model = object_model({"tags": {"type": "array", "items": {"type": "string"}}})

    data_set, _ = post(model, [(f"f-tags-{i}", "x") for i in range(500)])

    assert len(data_set["tags"]) == 100


# Dependencies: a question required once another is answered.

DEPENDENT_MODEL = object_model(
    {
        "allergy": {"type": "string"},
        "severity": {"enum": ["mild", "severe"]},
        "epipen": {"type": "boolean"},
    },
    dependencies={"allergy": ["severity"], "severity": {"required": ["epipen"]}},
)


def test_dependent_question_is_free_while_its_trigger_is_blank(post):
    assert post(DEPENDENT_MODEL, [])[0] == {"epipen": False}


def test_dependent_question_is_required_once_its_trigger_is_answered(post):
    data_set, form = post(DEPENDENT_MODEL, [("f-allergy", "nuts")])

    assert data_set is None
    assert errors_by_field(form) == {"f-severity--0": "Choose one of the options."}


def test_dependent_question_carries_its_trigger_for_form_js(render):
    page = render(build_form(make_campaign(DEPENDENT_MODEL)).make_form())

    wrapper = page.find(id="f-severity")

    assert wrapper["data-depends-on"] == "f-allergy"


# A follow-up whose trigger is sent whatever the guest does is required
# whenever its group is sent, so it is asked outright, never hidden.


def with_follow_up(trigger: dict, required=(), **extra) -> dict:
    """Make a model where ``why`` follows ``trigger``."""
    return object_model(
        {"trigger": trigger, "why": {"type": "string"}},
        required=required,
        dependencies={"trigger": ["why"]},
        **extra,
    )


KIOSK = {"hidden": {"trigger": "kiosk"}}
ALWAYS_SENT_TRIGGERS = {
    "hidden answer": (with_follow_up({"type": "string"}), KIOSK, {"trigger": "kiosk"}),
    "required nullable answer": (
        with_follow_up({"type": ["string", "null"]}, required=["trigger"]),
        {},
        {"trigger": None},
    ),
    "required nullable number": (
        with_follow_up({"type": ["integer", "null"]}, required=["trigger"]),
        {},
        {"trigger": None},
    ),
    "required checklist": (
        with_follow_up(
            {"type": "array", "items": {"enum": ["a", "b"]}}, required=["trigger"]
        ),
        {},
        {"trigger": []},
    ),
    "required list": (
        with_follow_up(
            {"type": "array", "items": {"type": "string"}}, required=["trigger"]
        ),
        {},
        {"trigger": []},
    ),
    "required group": (
        with_follow_up(
            {"type": "object", "properties": {"day": {"type": "string"}}},
            required=["trigger"],
        ),
        {},
        {"trigger": {}},
    ),
}


@pytest.mark.parametrize(
    ("model", "ui", "sent"), ALWAYS_SENT_TRIGGERS.values(), ids=ALWAYS_SENT_TRIGGERS
)
def test_follow_up_of_an_always_sent_trigger_is_asked_outright(render, model, ui, sent):
    page = render(build_form(make_campaign(model, ui)).make_form())

    assert page.find(attrs={"data-depends-on": True}) is None
    assert page.find(id="f-why").has_attr("required")
    assert "(optional)" not in page.find("label", attrs={"for": "f-why"}).text


@pytest.mark.parametrize(
    ("model", "ui", "sent"), ALWAYS_SENT_TRIGGERS.values(), ids=ALWAYS_SENT_TRIGGERS
)
def test_follow_up_of_an_always_sent_trigger_is_sent_with_it(post, model, ui, sent):
    left_out = post(model, [], ui)[1]
    data_set, _ = post(model, [("f-why", "Staff badge")], ui)

    assert errors_by_field(left_out) == {"f-why": "Enter an answer to this question."}
    assert data_set == {**sent, "why": "Staff badge"}


def test_follow_up_the_group_requires_anyway_is_asked_outright(post, render):
    model = object_model(
        {"card": {"type": "string"}, "billing": {"type": "string"}},
        required=["billing"],
        dependencies={"card": ["billing"]},
    )

    page = render(build_form(make_campaign(model)).make_form())
    data_set, _ = post(model, [("f-billing", "1 High St")])

    assert page.find(attrs={"data-depends-on": True}) is None
    assert page.find(id="f-billing").has_attr("required")
    assert data_set == {"billing": "1 High St"}


def test_follow_up_sent_as_null_asks_its_own_follow_up_outright(post, render):
    model = object_model(
        {
            "source": {"type": "string"},
            "staff": {"type": ["string", "null"]},
            "badge": {"type": "string"},
        },
        dependencies={"source": ["staff"], "staff": ["badge"]},
    )
    ui = {"hidden": {"source": "kiosk"}}

    page = render(build_form(make_campaign(model, ui)).make_form())
    data_set, _ = post(model, [("f-badge", "B7")], ui)

    assert page.find(attrs={"data-depends-on": True}) is None
    assert data_set == {"source": "kiosk", "staff": None, "badge": "B7"}


def test_follow_up_keeps_waiting_for_a_trigger_the_guest_may_leave_out(render):
    model = object_model(
        {"trigger": {"type": ["string", "null"]}, "why": {"type": "string"}},
        dependencies={"trigger": ["why"]},
    )

    page = render(build_form(make_campaign(model)).make_form())

    assert page.find(id="f-why").parent["data-depends-on"] == "f-trigger"
    assert not page.find(id="f-why").has_attr("required")


def test_follow_up_in_a_loop_is_still_required_by_an_always_sent_trigger(post, render):
    model = object_model(
        {
            "source": {"type": "string"},
            "staff": {"type": "string"},
            "badge": {"type": "string"},
        },
        dependencies={"source": ["staff"], "staff": ["badge"], "badge": ["staff"]},
    )
    ui = {"hidden": {"source": "kiosk"}}

    page = render(build_form(make_campaign(model, ui)).make_form())
    _, form = post(model, [], ui)

    assert page.find(id="f-staff").has_attr("required")
    assert page.find(id="f-badge").parent["data-depends-on"] == "f-staff"
    assert errors_by_field(form) == {"f-staff": "Enter an answer to this question."}


def test_follow_ups_that_trigger_each_other_are_shown_from_the_start(post, render):
    model = object_model(
        {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}},
        dependencies={"a": ["b"], "b": ["a"], "c": ["a"]},
    )

    page = render(build_form(make_campaign(model)).make_form())
    data_set, form = post(model, [("f-a", "x")])

    assert page.find(attrs={"data-depends-on": True}) is None
    assert data_set is None
    assert errors_by_field(form) == {"f-b": "Enter an answer to this question."}


# $ref, allOf and titled choices.


def test_ref_and_all_of_merge_into_one_question(post, render):
    model = object_model(
        {"party": {"allOf": [{"$ref": "#/definitions/count"}, {"maximum": 12}]}},
        definitions={"count": {"type": "integer", "minimum": 1, "title": "Party size"}},
    )
    generated = build_form(make_campaign(model))

    label = render(generated.make_form()).find("label", attrs={"for": "f-party"})
    _, form = post(model, [("f-party", "13")])

    assert label.get_text(" ", strip=True) == "Party size (optional)"
    assert errors_by_field(form) == {"f-party": "Enter a whole number from 1 to 12."}


TITLED = object_model(
    {
        "tour": {
            "oneOf": [
                {"enum": ["am"], "title": "Morning tour"},
                {"enum": ["pm"], "title": "Afternoon tour"},
            ]
        },
        "size": {
            "type": "integer",
            "anyOf": [
                {"enum": [1], "title": "Single"},
                {"enum": [2], "title": "Double"},
            ],
        },
    },
    required=["tour"],
)


def test_titled_choices_show_titles_and_send_values(post, render):
    page = render(build_form(make_campaign(TITLED)).make_form())
    labels = [label.get_text() for label in page.find(id="f-tour").find_all("label")]

    data_set, _ = post(TITLED, [("f-tour", "pm"), ("f-size", "2")])

    assert labels == ["Morning tour", "Afternoon tour"]
    assert data_set == {"tour": "pm", "size": 2}


def test_mixed_enum_values_keep_their_json_types(post, render):
    model = object_model(
        {"pick": {"enum": [1, "1", True, None, 2.5]}}, required=["pick"]
    )
    page = render(build_form(make_campaign(model)).make_form())
    tokens = [box["value"] for box in page.find(id="f-pick").find_all("input")]

    sent = [post(model, [("f-pick", token)])[0]["pick"] for token in tokens]

    assert sent == [1, "1", True, None, 2.5]
    assert [type(v) for v in sent] == [int, str, bool, type(None), float]


def test_many_options_become_a_select_and_few_become_radios(render):
    model = object_model(
        {"few": {"enum": list("abcde")}, "many": {"enum": list("abcdef")}}
    )
    page = render(build_form(make_campaign(model)).make_form())

    assert page.find(id="f-few").name == "fieldset"
    assert page.find(id="f-many").name == "select"


# Defaults, hidden answers, and names the model does not have.


def test_defaults_fill_a_fresh_form_but_not_a_returning_one(render):
    model = object_model(
        {
            "size": {"type": "integer", "default": 2},
            "news": {"type": "boolean", "default": True},
        }
    )
    generated = build_form(make_campaign(model))

    fresh = render(generated.make_form())
    returning = render(generated.make_form(data_set={"size": 5}))

    assert fresh.find(id="f-size")["value"] == "2"
    assert fresh.find(id="f-news").has_attr("checked")
    assert returning.find(id="f-size")["value"] == "5"
    assert not returning.find(id="f-news").has_attr("checked")


def test_hidden_answers_are_added_without_being_asked(post, render):
    model = object_model(
        {"name": {"type": "string"}, "source": {"enum": ["kiosk", "web"]}},
        required=["source"],
    )
    ui = {"hidden": {"source": "kiosk"}}

    data_set, _ = post(model, [("f-name", "Ana"), ("f-source", "web")], ui=ui)
    page = render(build_form(make_campaign(model, ui)).make_form())

    assert data_set == {"name": "Ana", "source": "kiosk"}
    assert page.find(id="f-source") is None


HIDDEN_INSIDE = object_model(
    {
        "name": {"type": "string"},
        "visit": {
            "type": "object",
            "properties": {
                "mood": {"type": "string"},
                "kiosk": {"type": "string"},
            },
        },
        "consent": {
            "type": "object",
            "required": ["version"],
            "properties": {"version": {"type": "integer"}},
        },
    },
    required=["consent"],
)
HIDDEN_INSIDE_UI = {"hidden": {"visit.kiosk": "hall", "consent.version": 3}}


@pytest.mark.parametrize(
    ("pairs", "sent"),
    [
        ([("f-name", "Ana")], {"name": "Ana", "consent": {"version": 3}}),
        (
            [("f-visit-mood", "calm")],
            {"visit": {"mood": "calm", "kiosk": "hall"}, "consent": {"version": 3}},
        ),
    ],
)
def test_hidden_answer_in_a_group_is_sent_with_its_group(post, pairs, sent):
    data_set, _ = post(HIDDEN_INSIDE, pairs, ui=HIDDEN_INSIDE_UI)

    assert data_set == sent


def test_a_group_with_only_hidden_answers_is_not_shown(render):
    generated = build_form(make_campaign(HIDDEN_INSIDE, HIDDEN_INSIDE_UI))
    page = render(generated.make_form())

    assert page.find(id="f-visit-kiosk") is None
    assert page.find(id="f-consent") is None
    assert page.find(id="f-visit-mood") is not None


def test_posted_names_the_model_does_not_have_are_never_sent(post):
    model = object_model({"name": {"type": "string"}})

    data_set, _ = post(model, [("f-name", "Ana"), ("f-admin", "true"), ("admin", "1")])

    assert data_set == {"name": "Ana"}


def test_saved_data_the_form_cannot_show_is_ignored(render):
    model = object_model(
        {
            "size": {"type": "integer"},
            "pick": {"enum": ["a"]},
            "tags": {"type": "array", "items": {"type": "string"}},
        }
    )
    generated = build_form(make_campaign(model))

    page = render(
        generated.make_form(data_set={"size": "x", "pick": "gone", "tags": 7})
    )

    assert page.find(id="f-size")["value"] == ""
    assert not page.find(id="f-pick").find_all(attrs={"checked": True})


# Text: tidying and length caps.


@pytest.mark.parametrize(
    ("widget", "typed", "sent"),
    [
        ("", "  Ana Lima  ", "Ana Lima"),
        ("", "two\r\nlines", "two lines"),
        ("textarea", "two\r\nlines\r\n", "two\nlines"),
        ("", "   ", None),
        ("", "Ana\x00 Lima\x1b", "Ana Lima"),
        ("textarea", "tab\tand\x07 bell\x7f", "tab\tand bell"),
        ("", "\x00\x00", None),
        ("", "\u2028x\x85y", "x y"),
        ("", "a\x0bb\x0cc", "a b c"),
        ("textarea", "one\x85two\x0bthree\x0cfour", "one\ntwo\nthree\nfour"),
        ("", "\ufeffAna\u00a0Lima\u202e", "Ana Lima"),
        ("", "\u2067Ana\u2069 co\u00adop\u200b", "Ana coop"),
        (
            "",
            "\U0001f469\u200d\U0001f373 and \u200fLima",
            "\U0001f469\u200d\U0001f373 and \u200fLima",
        ),
        (
            "textarea",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645\u3000!",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 !",
        ),
        ("", "Ana\u2029Lima\tBraga\x9b", "Ana Lima Braga"),
        ("textarea", "one\u2028two\u2029three\x80", "one\ntwo\nthree"),
        ("", "\x85\u2028\x9f", None),
    ],
)
def test_text_is_trimmed_and_line_breaks_are_normalised(post, widget, typed, sent):
    model = object_model({"note": {"type": "string"}})
    ui = {"fields": {"note": {"widget": widget}}} if widget else None

    data_set, _ = post(model, [("f-note", typed)], ui=ui)

    assert data_set == ({} if sent is None else {"note": sent})


@pytest.mark.parametrize(
    ("schema", "widget", "limit"),
    [({}, "", 2000), ({}, "textarea", 10000), ({"maxLength": 20}, "", 20)],
)
def test_every_text_answer_has_a_length_cap(post, schema, widget, limit):
    model = object_model({"note": {"type": "string", **schema}})
    ui = {"fields": {"note": {"widget": widget}}} if widget else None

    fits, _ = post(model, [("f-note", "x" * limit)], ui=ui)
    _, form = post(model, [("f-note", "x" * (limit + 1))], ui=ui)

    assert fits == {"note": "x" * limit}
    assert errors_by_field(form) == {
        "f-note": f"Enter no more than {limit:,} characters."
    }


@pytest.mark.parametrize(
    ("schema", "typed", "message"),
    [
        ({"minLength": 3}, "ab", "Enter at least 3 characters."),
        ({"minLength": 3, "maxLength": 5}, "abcdef", "Enter from 3 to 5 characters."),
        (
            {"type": "integer", "multipleOf": 5},
            "7",
            "Enter a whole number in steps of 5.",
        ),
        (
            {"type": "number", "minimum": 0, "multipleOf": 0.5},
            "0.7",
            "Enter a number of 0 or more in steps of 0.5.",
        ),
    ],
)
def test_guest_messages_are_chosen_by_keyword(post, schema, typed, message):
    model = object_model({"answer": {"type": "string", **schema}})

    _, form = post(model, [("f-answer", typed)])

    assert errors_by_field(form) == {"f-answer": message}


def test_error_summary_lists_every_error_in_page_order(post):
    model = object_model(
        {"b": {"type": "integer"}, "a": {"type": "string", "format": "email"}},
        required=["a", "b"],
    )

    _, form = post(model, [("f-b", "x")], ui={"order": ["a", "b"]})

    assert [item["field_id"] for item in form.error_summary] == ["f-a", "f-b"]


def test_error_summary_names_each_question_as_the_page_shows_it(post):
    guest = {
        "type": "object",
        "title": "Guest",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name"],
    }
    model = object_model(
        {
            "rating": {"type": "integer", "title": "Overall rating"},
            "guests": {"type": "array", "items": guest},
            "tags": {"type": "array", "items": {"type": "integer"}},
        },
        required=["rating"],
    )
    pairs = [
        ("f-guests-0-_row", ""),
        ("f-guests-0-age", "5"),
        ("f-guests-1-_row", ""),
        ("f-guests-1-name", "Ann"),
        ("f-guests-1-age", "x"),
        ("f-tags-0-_row", ""),
        ("f-tags-0", "y"),
    ]

    _, form = post(model, pairs)

    assert [item["question"] for item in form.error_summary] == [
        "Overall rating",
        "Guest 1, Name",
        "Guest 2, Age",
        "Tags 1",
    ]


@pytest.mark.parametrize(
    ("schema", "ui", "field_id"),
    [
        ({"enum": ["a", "b"]}, {}, "f-pick--0"),
        (
            {"type": "array", "minItems": 1, "items": {"enum": ["a", "b"]}},
            {},
            "f-pick--0",
        ),
        ({"enum": ["a", "b"]}, {"fields": {"pick": {"widget": "select"}}}, "f-pick"),
        ({"type": "string"}, {}, "f-pick"),
    ],
)
def test_summary_links_to_a_control_that_can_take_focus(
    post, render, schema, ui, field_id
):
    model = object_model({"pick": schema}, required=["pick"])

    _, form = post(model, [], ui=ui)
    target = render(form).find(id=field_id)

    assert [item["field_id"] for item in form.error_summary] == [field_id]
    assert target.name in ("input", "select")


# List buttons without scripts: "Add another" and "Remove" post the page.

PLAIN_ROWS = object_model(
    {"tags": {"type": "array", "maxItems": 5, "items": {"type": "string"}}}
)
RADIO_ROWS = object_model(
    {
        "seats": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"side": {"enum": ["left", "right"]}},
            },
        }
    }
)


def press(generated, page, action):
    """Post a page as its button would; give the form shown again."""
    formdata = serialize(page)
    formdata.add("_action", action)
    assert generated.pending_action(formdata) == action

    form = generated.make_form(formdata=formdata)
    generated.apply_action(form, action)
    return form


def text_rows(page, list_id):
    listing = page.find(id=list_id).find(attrs={"data-row-list": True})
    return [
        (tag["name"], tag["value"]) for tag in listing.find_all("input", type="text")
    ]


def test_rows_carry_a_marker_and_buttons_that_post_the_page(render):
    page = render(build_form(make_campaign(PLAIN_ROWS)).make_form())
    rows = page.find(id="f-tags")

    row = rows.find(attrs={"data-row": True})
    assert row.find("input", type="hidden")["name"] == "f-tags-0-_row"
    remove = row.find("button", class_="row-remove")
    assert (remove["type"], remove["name"], remove["value"]) == (
        "submit",
        "_action",
        "remove:f-tags-0",
    )
    assert remove.get_text() == "Remove Tags 1"
    add = rows.find("button", class_="row-add")
    assert (add["name"], add["value"]) == ("_action", "add:f-tags")
    assert add.get_text() == "Add another to Tags"


def test_first_submit_button_is_a_plain_send_for_the_enter_key(render):
    page = render(build_form(make_campaign(PLAIN_ROWS)).make_form())

    first = page.find("button")
    assert first.get("name") is None and first["type"] == "submit"
    assert first["tabindex"] == "-1" and first["aria-hidden"] == "true"


def test_add_another_shows_one_more_row_and_keeps_the_answers(render):
    generated = build_form(make_campaign(PLAIN_ROWS))
    page = render(generated.make_form())
    type_into(page, "f-tags-0", "oak")
    type_into(page, "f-tags-2", "ash")

    form = press(generated, page, "add:f-tags")

    assert not form.error_summary
    assert text_rows(render(form), "f-tags") == [
        ("f-tags-0", "oak"),
        ("f-tags-1", ""),
        ("f-tags-2", "ash"),
        ("f-tags-3", ""),
    ]


def test_remove_shows_one_row_fewer_and_the_rest_are_sent(render):
    generated = build_form(make_campaign(PLAIN_ROWS))
    page = render(generated.make_form(data_set={"tags": ["oak", "ash", "elm"]}))

    page = render(press(generated, page, "remove:f-tags-1"))
    form = generated.make_form(formdata=serialize(page))

    assert [value for _, value in text_rows(page, "f-tags")] == ["oak", "elm", "", ""]
    assert generated.pending_action(serialize(page)) is None
    assert generated.validate(form) == {"tags": ["oak", "elm"]}


def test_remove_works_on_rows_whose_blank_radios_post_nothing(render):
    generated = build_form(make_campaign(RADIO_ROWS))
    page = render(generated.make_form())
    tick(page, "f-seats-1-side--1")

    form = press(generated, page, "remove:f-seats-0")
    shown = render(form).find(id="f-seats").find_all(attrs={"data-row": True})

    assert [row.find("input")["name"] for row in shown[:-1]] == [
        "f-seats-1-_row",
        "f-seats-2-_row",
    ]
    assert generated.validate(form) == {"seats": [{"side": "right"}]}


def test_rows_kept_after_remove_are_numbered_afresh_by_the_next_post(render):
    generated = build_form(make_campaign(PLAIN_ROWS))
    page = render(generated.make_form(data_set={"tags": ["oak", "ash", "elm"]}))

    page = render(press(generated, page, "remove:f-tags-1"))
    assert row_ids(page, "f-tags") == ["f-tags-0", "f-tags-2", "f-tags-3", "f-tags-4"]
    page = render(press(generated, page, "add:f-tags"))

    assert text_rows(page, "f-tags") == [
        ("f-tags-0", "oak"),
        ("f-tags-1", "elm"),
        ("f-tags-2", ""),
        ("f-tags-3", ""),
        ("f-tags-4", ""),
    ]


def test_add_another_stops_at_max_items(render):
    generated = build_form(make_campaign(PLAIN_ROWS))
    page = render(generated.make_form())

    for _ in range(3):
        page = render(press(generated, page, "add:f-tags"))

    add = page.find(id="f-tags").find("button", class_="row-add")
    assert len(text_rows(page, "f-tags")) == 5
    assert add.has_attr("disabled")


def test_rows_inside_rows_are_added_and_removed_by_their_own_ids(render):
    model = object_model(
        {
            "tables": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "guests": {"type": "array", "items": {"type": "string"}}
                    },
                },
            }
        }
    )
    generated = build_form(make_campaign(model))
    page = render(generated.make_form())
    type_into(page, "f-tables-1-guests-0", "Ana")

    page = render(press(generated, page, "add:f-tables-1-guests"))
    assert len(text_rows(page, "f-tables-1-guests")) == 4
    page = render(press(generated, page, "remove:f-tables-0"))
    form = generated.make_form(formdata=serialize(page))

    assert row_ids(page, "f-tables") == ["f-tables-1", "f-tables-2"]
    assert generated.validate(form) == {"tables": [{"guests": ["Ana"]}]}


@pytest.mark.parametrize(
    "action", ["add:f-ghost", "remove:f-tags-9", "remove:f-tags", "dance", "add:"]
)
def test_unknown_action_changes_nothing_but_still_sends_nothing(render, action):
    generated = build_form(make_campaign(PLAIN_ROWS))
    page = render(generated.make_form())
    type_into(page, "f-tags-0", "oak")

    form = press(generated, page, action)

    assert generated.apply_action(form, action) is False
    assert len(text_rows(render(form), "f-tags")) == 3


@pytest.mark.parametrize(
    ("pairs", "pending"),
    [
        ([], None),
        ([("_action", "")], None),
        ([("_action", "  ")], None),
        ([("_action", "add:f-tags")], "add:f-tags"),
        ([("_action", "add:f-tags"), ("_action", "remove:f-tags-0")], "add:f-tags"),
    ],
)
def test_pending_action_is_the_first_non_blank_action(pairs, pending):
    generated = build_form(make_campaign(PLAIN_ROWS))

    assert generated.pending_action(MultiDict(pairs)) == pending
    assert generated.pending_action(None) is None

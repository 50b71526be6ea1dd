"""Turning posted answers into a data set, or into errors beside questions.

The C-numbered tests are the cases from the field (shared/cases/README.md);
each has neighbours testing the rest of its family.
"""

from __future__ import annotations

import pytest

from forms.generator import build_form
from tests.forms.conftest import errors_by_field, make_campaign, object_model

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
    "typed", ["1e1", "3abc", "1_0", "٣", "7.5", "1e400", "seven", "0x10", "１", "2,0", "- 4"]
)
def test_whole_number_in_other_shapes_is_a_field_error(post, typed):
    data_set, form = post(GUESTS, [("f-guests", typed)])

    assert data_set is None
    assert errors_by_field(form) == {"f-guests": "Enter a whole number from 1 to 20."}


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
        ("1,5", "Use a point for decimals, like 4.5."),
        ("4,50", "Use a point for decimals, like 4.5."),
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


@pytest.mark.parametrize(
    ("typed", "sent"), [("4.5", 4.5), ("42", 42), (".5", 0.5), ("1e3", 1000), ("-0", 0)]
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
    required=["newsletter", "children"],
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
    ("posted", "sent"),
    [(None, False), ("true", True), ("on", True), ("false", False), ("0", False), ("", False)],
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


@pytest.mark.parametrize(("typed", "valid"), [("5", False), ("17", False), ("6", True), ("16", True)])
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
    pairs = [("f-arrival_day", "2021-02-30"), ("f-contact", "ana.lima@"), ("f-pickup", "tomorrow")]

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
        ("pickup_time", "15:30", "15:30"),
        ("website", "https://example.com/tours", "https://example.com/tours"),
    ],
)
def test_well_formed_values_are_sent_as_rfc3339_and_friends(post, name, typed, sent):
    data_set, _ = post(C7_MODEL, [(f"f-{name}", typed)])

    assert data_set == {name: sent}


def test_local_date_time_is_read_in_the_campaign_time_zone(post):
    data_set, _ = post(
        C7_MODEL, [("f-pickup", "2021-07-01T09:30")], ui={"timezone": "Europe/Lisbon"}
    )

    assert data_set == {"pickup": "2021-07-01T09:30:00+01:00"}


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
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            },
        },
    }
)


def test_optional_group_left_empty_is_left_out_whole(post):
    pairs = [("f-name", "Ana Lima"), ("f-address-street", ""), ("f-address-zip", "")]

    data_set, _ = post(C3_MODEL, pairs)

    assert data_set == {"name": "Ana Lima"}


def test_started_optional_group_needs_its_required_fields(post):
    pairs = [("f-name", "Ana Lima"), ("f-address-street", "Rua Um 10"), ("f-address-zip", "")]

    data_set, form = post(C3_MODEL, pairs)

    assert data_set is None
    assert errors_by_field(form) == {"f-address-zip": "Enter an answer to this question."}


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


def test_unticked_box_alone_does_not_start_an_optional_group(post):
    model = object_model(
        {
            "pickup": {
                "type": "object",
                "required": ["hotel"],
                "properties": {"hotel": {"type": "string"}, "early": {"type": "boolean"}},
            }
        }
    )

    assert post(model, [("f-pickup-hotel", "")])[0] == {}
    assert post(model, [("f-pickup-hotel", "Ritz")])[0] == {
        "pickup": {"hotel": "Ritz", "early": False}
    }


def test_required_group_is_always_sent_and_checked(post):
    model = object_model(
        {"contact": {"type": "object", "required": ["phone"], "properties": {
            "phone": {"type": "string"}}}},
        required=["contact"],
    )

    data_set, form = post(model, [])

    assert data_set is None
    assert errors_by_field(form) == {"f-contact-phone": "Enter an answer to this question."}


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
    assert "not a valid choice" in errors_by_field(form)["f-diet"]


def test_required_checklist_left_empty_is_checked_by_min_items(post):
    model = dict(C4_MODEL, required=["diet"])

    data_set, form = post(model, [])

    assert data_set is None
    assert errors_by_field(form) == {"f-diet": "Choose at least 1 option."}


def test_checklist_max_items_is_worded_for_options(post):
    model = object_model(
        {"diet": {"type": "array", "maxItems": 2, "items": {"enum": ["a", "b", "c"]}}}
    )

    _, form = post(model, [("f-diet", "a"), ("f-diet", "b"), ("f-diet", "c")])

    assert errors_by_field(form) == {"f-diet": "Choose no more than 2 options."}


# C5. A choice that may be "none".

C5_MODEL = object_model(
    {"seat": {"type": ["string", "null"], "enum": ["window", "aisle", None]}},
    required=["seat"],
)


def test_no_preference_is_sent_as_null(post, render):
    generated = build_form(make_campaign(C5_MODEL))
    page = render(generated.make_form())
    option = next(
        box for box in page.find(id="f-seat").find_all("input")
        if page.find("label", attrs={"for": box["id"]}).get_text() == "No preference"
    )

    data_set, _ = post(C5_MODEL, [("f-seat", option["value"])])

    assert data_set == {"seat": None}


def test_choice_with_null_left_unanswered_asks_to_choose(post):
    data_set, form = post(C5_MODEL, [])

    assert data_set is None
    assert errors_by_field(form) == {"f-seat": "Choose one of the options."}


def test_null_option_is_labelled_from_the_hints(render):
    ui = {"fields": {"seat": {"enum_labels": {"null": "Any seat"}}}}
    form = build_form(make_campaign(C5_MODEL, ui)).make_form()

    labels = [label.get_text() for label in render(form).find(id="f-seat").find_all("label")]

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

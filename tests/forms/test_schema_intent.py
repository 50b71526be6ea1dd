"""What an author meant but Draft 4 would silently drop is refused at start-up.

Each refusal names the campaign file, the JSON pointer and the keyword, so
the author can find the line that says more than the form would do.
"""

from __future__ import annotations

import json

import pytest

from forms.campaign import CAMPAIGN_KEYS, CampaignError, load_campaign
from forms.generator import build_form
from tests.forms.conftest import make_campaign, object_model

DRAFT4 = "http://json-schema.org/draft-04/schema#"


def refusal(model: dict) -> str:
    """Build a form from ``model`` in wine-club.json and give its refusal."""
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(model, slug="wine-club"))

    return str(caught.value)


def write_campaign(folder, **keys) -> str:
    """Write wine-club.json with a plain model and the given top-level keys."""
    campaign = {
        "name": "Wine club",
        "data_model": object_model({"name": {"type": "string"}}),
        **keys,
    }
    path = folder / "wine-club.json"
    path.write_text(json.dumps(campaign), encoding="utf-8")
    return path


# 1. A keyword on a question whose declared type it cannot apply to.


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "integer", "minLength": 1}, "minLength"),
        ({"type": "integer", "maxLength": 3}, "maxLength"),
        ({"type": "integer", "pattern": "^1"}, "pattern"),
        ({"type": "integer", "format": "date"}, "format"),
        ({"type": "string", "minimum": 3}, "minimum"),
        ({"type": "boolean", "maximum": 3}, "maximum"),
        (
            {"type": "string", "minimum": 1, "exclusiveMinimum": True},
            "minimum",
        ),
        ({"type": "string", "multipleOf": 2}, "multipleOf"),
        ({"type": "string", "items": {"type": "string"}}, "items"),
        ({"type": "string", "minItems": 1}, "minItems"),
        ({"type": "string", "maxItems": 3}, "maxItems"),
        ({"type": "number", "uniqueItems": True}, "uniqueItems"),
        ({"type": "string", "properties": {}}, "properties"),
        ({"type": "string", "required": ["street"]}, "required"),
        ({"type": "string", "additionalProperties": False}, "additionalProperties"),
        (
            {"type": "array", "items": {"enum": ["a"]}, "dependencies": {}},
            "dependencies",
        ),
        ({"type": ["string", "null"], "minimum": 3}, "minimum"),
    ],
)
def test_keyword_the_declared_type_ignores_is_refused(schema, keyword):
    message = refusal(object_model({"answer": schema}))

    assert message.startswith("wine-club.json: ")
    assert f"/data_model/properties/answer/{keyword} (keyword: {keyword})" in message
    assert "so Draft 4 would ignore it" in message


def test_refusal_says_which_type_the_keyword_needs_and_which_was_declared():
    message = refusal(object_model({"age": {"type": "integer", "maxLength": 3}}))

    assert message == (
        "wine-club.json: /data_model/properties/age/maxLength (keyword: maxLength) "
        "cannot be a form: maxLength applies only to string answers and the type "
        'is "integer", so Draft 4 would ignore it; remove it or change the type.'
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"enum": ["a", "bb"], "maxLength": 2},
        {"type": ["string", "null"], "maxLength": 3},
        {"type": "integer", "multipleOf": 5, "maximum": 100},
        {"type": "number", "minimum": 0},
        {"type": ["integer", "null"], "minimum": 0},
        {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
        {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
    ],
)
def test_keyword_on_a_type_it_applies_to_or_on_no_type_is_accepted(schema):
    build_form(make_campaign(object_model({"answer": schema})))


def test_keyword_the_type_ignores_after_allof_is_merged_is_refused():
    schema = {"type": "integer", "allOf": [{"maxLength": 3}]}

    message = refusal(object_model({"age": schema}))

    assert message.startswith("wine-club.json: /data_model/properties/age ")
    assert "(keyword: maxLength)" in message
    assert "once allOf is merged, maxLength applies only to string" in message


# 2. Rules no answer can meet.


@pytest.mark.parametrize(
    ("schema", "keyword", "reason"),
    [
        (
            {"type": "integer", "minimum": 5, "maximum": 3},
            "minimum",
            "minimum 5 is above maximum 3",
        ),
        (
            {"type": "number", "minimum": 3, "maximum": 3, "exclusiveMaximum": True},
            "exclusiveMaximum",
            "minimum and maximum are both 3 and exclusiveMaximum leaves out 3",
        ),
        (
            {"type": "number", "minimum": 3, "exclusiveMinimum": True, "maximum": 3},
            "exclusiveMinimum",
            "minimum and maximum are both 3 and exclusiveMinimum leaves out 3",
        ),
        (
            {"type": "string", "minLength": 5, "maxLength": 3},
            "minLength",
            "minLength 5 is above maxLength 3",
        ),
        (
            {
                "type": "array",
                "items": {"enum": ["a", "b", "c"]},
                "minItems": 3,
                "maxItems": 2,
            },
            "minItems",
            "minItems 3 is above maxItems 2",
        ),
        (
            {"type": "integer", "enum": ["one", "two"]},
            "enum",
            'no option has the type "integer"',
        ),
    ],
)
def test_rules_no_answer_can_meet_are_refused(schema, keyword, reason):
    message = refusal(object_model({"answer": schema}))

    assert message.startswith(
        f"wine-club.json: /data_model/properties/answer/{keyword} "
        f"(keyword: {keyword}) cannot be a form: {reason}"
    )


@pytest.mark.parametrize(
    ("parts", "keyword"),
    [
        (
            [{"minimum": 5, "exclusiveMinimum": True}, {"maximum": 5}],
            "exclusiveMinimum",
        ),
        (
            [{"maximum": 5, "exclusiveMaximum": True}, {"minimum": 5}],
            "exclusiveMaximum",
        ),
        (
            [
                {"minimum": 4, "exclusiveMinimum": True},
                {"maximum": 5, "exclusiveMaximum": True},
            ],
            "minimum",
        ),
    ],
)
def test_allof_parts_whose_exclusive_bounds_leave_no_answer_are_refused(parts, keyword):
    schema = {"type": "integer", "allOf": parts}

    message = refusal(object_model({"guests": schema}))

    assert message.startswith(
        f"wine-club.json: /data_model/properties/guests (keyword: {keyword}) "
        "cannot be a form: once allOf is merged,"
    )


def test_bounds_crossed_by_two_allof_parts_are_refused():
    schema = {"type": "integer", "allOf": [{"minimum": 5}, {"maximum": 3}]}

    message = refusal(object_model({"guests": schema}))

    assert message.startswith(
        "wine-club.json: /data_model/properties/guests (keyword: minimum) "
        "cannot be a form: once allOf is merged, minimum 5 is above maximum 3"
    )


CONTACT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"name": {"type": "string"}},
}


@pytest.mark.parametrize(
    ("model", "pointer", "refused"),
    [
        (
            {
                "type": "object",
                "definitions": {"contact": CONTACT},
                "allOf": [
                    {"$ref": "#/definitions/contact"},
                    {"properties": {"dietary": {"type": "string"}}},
                ],
            },
            "/data_model/definitions/contact/additionalProperties",
            "dietary",
        ),
        (
            {
                "type": "object",
                "additionalProperties": False,
                "allOf": [{"properties": {"name": {"type": "string"}}}],
            },
            "/data_model/additionalProperties",
            "name",
        ),
        (
            object_model(
                {
                    "guest": {
                        "allOf": [
                            CONTACT,
                            {"properties": {"age": {"type": "integer"}}},
                        ]
                    }
                }
            ),
            "/data_model/properties/guest/allOf/0/additionalProperties",
            "age",
        ),
    ],
    ids=["ref beside a part", "beside allOf", "inside a question"],
)
def test_question_an_allof_part_closes_out_is_refused(model, pointer, refused):
    message = refusal(model)

    assert message.startswith(
        f"wine-club.json: {pointer} (keyword: additionalProperties) cannot be a "
        f"form: it refuses {refused!r}, which another part of allOf asks for"
    )


def test_allof_parts_that_list_every_question_they_close_are_a_form():
    model = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"name": {}},
        "allOf": [CONTACT, {"properties": {"name": {"maxLength": 40}}}],
    }

    generated = build_form(make_campaign(model))

    assert [child.key for child in generated.root.children] == ["name"]
    assert generated.root.children[0].schema["maxLength"] == 40


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 3, "maximum": 3},
        {"type": "string", "minLength": 2, "maxLength": 2},
        {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1, "maxItems": 1},
    ],
)
def test_bounds_meeting_at_one_value_are_accepted(schema):
    build_form(make_campaign(object_model({"answer": schema})))


# 3. A $schema naming another draft.


@pytest.mark.parametrize(
    "uri",
    [
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/schema#",
    ],
)
def test_schema_of_another_draft_is_refused(uri):
    message = refusal(object_model({"name": {"type": "string"}}, **{"$schema": uri}))

    assert message.startswith(
        f"wine-club.json: /data_model/$schema (keyword: $schema) cannot be a "
        f"form: {uri!r} is not Draft 4"
    )


def test_schema_of_another_draft_inside_a_question_is_refused():
    schema = {"type": "string", "$schema": "http://json-schema.org/draft-06/schema#"}

    message = refusal(object_model({"name": schema}))

    assert "/data_model/properties/name/$schema (keyword: $schema)" in message


@pytest.mark.parametrize("uri", [DRAFT4, DRAFT4.rstrip("#")])
def test_schema_naming_draft_4_is_accepted(uri):
    model = object_model({"name": {"type": "string"}}, **{"$schema": uri})

    build_form(make_campaign(model))


# 5. Definitions that no $ref uses are checked like those that are.


@pytest.mark.parametrize(
    ("definitions", "pointer", "keyword"),
    [
        (
            {"colour": {"type": "string", "const": "red"}},
            "/data_model/definitions/colour/const",
            "const",
        ),
        (
            {"colour": {"type": "string", "foo": 1}},
            "/data_model/definitions/colour/foo",
            "foo",
        ),
        (
            {
                "address": {
                    "type": "object",
                    "properties": {"zip/code": {"type": "integer", "pattern": "^1"}},
                }
            },
            "/data_model/definitions/address/properties/zip~1code/pattern",
            "pattern",
        ),
        (
            {"size": {"type": "integer", "minimum": 9, "maximum": 1}},
            "/data_model/definitions/size/minimum",
            "minimum",
        ),
        (
            {"pair": {"allOf": [{"type": "string", "if": {}}]}},
            "/data_model/definitions/pair/allOf/0/if",
            "if",
        ),
    ],
)
def test_unused_definition_is_checked_like_a_used_one(definitions, pointer, keyword):
    model = object_model({"name": {"type": "string"}}, definitions=definitions)

    message = refusal(model)

    assert message.startswith(f"wine-club.json: {pointer} (keyword: {keyword}) ")


def test_unused_definition_without_a_type_is_accepted():
    model = object_model(
        {"name": {"type": "string"}},
        definitions={"named": {"required": ["name"]}},
    )

    build_form(make_campaign(model))


# 4. Top-level keys of the campaign file.


def test_mistyped_top_level_key_is_refused_naming_the_nearest_key(tmp_path):
    path = write_campaign(tmp_path, approved_ip=["192.0.2.10"])

    with pytest.raises(CampaignError) as caught:
        load_campaign(path)

    assert str(caught.value) == (
        f"{path}: /approved_ip (keyword: approved_ip): not a campaign key, so it "
        "would be ignored; did you mean 'approved_ips'?"
    )


def test_unknown_top_level_key_far_from_any_lists_the_keys(tmp_path):
    path = write_campaign(tmp_path, colour="red")

    with pytest.raises(CampaignError) as caught:
        load_campaign(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: /colour (keyword: colour): not a campaign")
    assert message.endswith(
        "the keys are name, data_model, display_label, display_key, experiences, "
        "sources, approved_ips, ui, example."
    )


def test_every_documented_top_level_key_is_accepted(tmp_path):
    path = write_campaign(
        tmp_path,
        display_label="Wine club",
        display_key="wine_club",
        experiences=["Tasting"],
        sources=["web", "email"],
        approved_ips=["192.0.2.10"],
        ui={"title": "Join"},
        example={"name": "Bob"},
    )

    campaign = load_campaign(path)

    assert set(CAMPAIGN_KEYS) == set(json.loads(path.read_text()))
    assert campaign.approved_ips == ("192.0.2.10",)


# 6. An option the question's own rules refuse: a guest could pick it and
# never send it.


@pytest.mark.parametrize(
    ("schema", "option", "rule"),
    [
        ({"type": "string", "enum": ["red", 1]}, "1", "type"),
        ({"type": "string", "enum": ["red", None]}, "null", "type"),
        (
            {"type": "string", "maxLength": 4, "enum": ["red", "purple"]},
            '"purple"',
            "maxLength",
        ),
        ({"type": "integer", "minimum": 1, "enum": [0, 1, 2]}, "0", "minimum"),
        (
            {"type": "string", "pattern": "^[a-z]+$", "enum": ["red", "Blue"]},
            '"Blue"',
            "pattern",
        ),
        (
            {"type": "number", "multipleOf": 0.5, "enum": [1, 1.25]},
            "1.25",
            "multipleOf",
        ),
    ],
)
def test_an_option_the_questions_rules_refuse_is_refused(schema, option, rule):
    message = refusal(object_model({"colour": schema}))

    assert message.startswith(
        "wine-club.json: /data_model/properties/colour/enum (keyword: enum) cannot "
        f"be a form: the option {option} breaks the question's own {rule}, so a "
        "guest who chose it could never send it"
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["string", "null"], "enum": ["red", None]},
        {"type": "string", "maxLength": 6, "enum": ["red", "purple"]},
        {"type": "integer", "minimum": 0, "maximum": 2, "enum": [0, 1, 2]},
        {"enum": ["red", 1, None]},
    ],
)
def test_options_the_questions_rules_allow_are_kept(schema):
    generated = build_form(make_campaign(object_model({"colour": schema})))

    node = generated.root.child("colour")
    assert [choice.value for choice in node.choices] == schema["enum"]


@pytest.mark.parametrize(
    "bounds",
    [
        {"minimum": 1.2, "maximum": 1.8},
        {
            "minimum": 1,
            "maximum": 2,
            "exclusiveMinimum": True,
            "exclusiveMaximum": True,
        },
        {"minimum": 1.5, "maximum": 2, "exclusiveMaximum": True},
    ],
)
def test_integer_bounds_that_hold_no_whole_number_are_refused(bounds):
    message = refusal(object_model({"guests": {"type": "integer", **bounds}}))

    assert "/data_model/properties/guests/minimum (keyword: minimum)" in message
    assert "no whole number lies between" in message


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 1.2, "maximum": 2.8},
        {"type": "integer", "minimum": 1, "maximum": 2, "exclusiveMinimum": True},
        {"type": ["integer", "null"], "minimum": 0.5, "maximum": 1},
        {"type": "number", "minimum": 1.2, "maximum": 1.8},
    ],
)
def test_bounds_that_hold_an_answer_are_accepted(schema):
    generated = build_form(make_campaign(object_model({"guests": schema})))

    assert generated.root.child("guests") is not None

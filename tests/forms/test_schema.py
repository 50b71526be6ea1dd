"""What build_form refuses, and how it says so."""

from __future__ import annotations

import json

import pytest

from forms.campaign import CampaignError, load_campaign
from forms.generator import build_form
from tests.forms.browser import pick, serialize
from tests.forms.conftest import errors_by_field, make_campaign, object_model


@pytest.mark.parametrize(
    ("properties", "extra", "pointer", "keyword"),
    [
        (
            {"extras": {"type": "object", "patternProperties": {"^x": {}}}},
            {},
            "/data_model/properties/extras/patternProperties",
            "patternProperties",
        ),
        (
            {"extras": {"type": "object", "additionalProperties": {"type": "string"}}},
            {},
            "/data_model/properties/extras/additionalProperties",
            "additionalProperties",
        ),
        (
            {"name": {"type": "string", "not": {"enum": ["x"]}}},
            {},
            "/data_model/properties/name/not",
            "not",
        ),
        (
            {"pair": {"type": "array", "items": [{"type": "string"}]}},
            {},
            "/data_model/properties/pair/items",
            "items",
        ),
        (
            {
                "pair": {
                    "type": "array",
                    "items": {"type": "string"},
                    "additionalItems": False,
                }
            },
            {},
            "/data_model/properties/pair/additionalItems",
            "additionalItems",
        ),
        (
            {"home": {"$ref": "http://example.com/schema.json"}},
            {},
            "/data_model/properties/home/$ref",
            "$ref",
        ),
        (
            {"me": {"$ref": "#/definitions/me"}},
            {
                "definitions": {
                    "me": {
                        "type": "object",
                        "properties": {"again": {"$ref": "#/definitions/me"}},
                    }
                }
            },
            "/data_model/definitions/me/properties/again/$ref",
            "$ref",
        ),
        (
            {"size": {"$ref": "#/definitions/size", "minimum": 1}},
            {"definitions": {"size": {"type": "integer"}}},
            "/data_model/properties/size",
            "minimum",
        ),
        (
            {"pick": {"type": "string", "const": "x"}},
            {},
            "/data_model/properties/pick/const",
            "const",
        ),
        (
            {"any": {"type": ["string", "integer"]}},
            {},
            "/data_model/properties/any/type",
            "type",
        ),
        (
            {"what": {"description": "no type"}},
            {},
            "/data_model/properties/what",
            "type",
        ),
        (
            {"ip": {"type": "string", "format": "ipv4"}},
            {},
            "/data_model/properties/ip/format",
            "format",
        ),
        (
            {"price": {"type": "number", "multipleOf": 0.01}},
            {},
            "/data_model/properties/price/multipleOf",
            "multipleOf",
        ),
        (
            {"flags": {"type": "array", "items": {"type": "boolean"}}},
            {},
            "/data_model/properties/flags/items",
            "items",
        ),
        (
            {"pick": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
            {},
            "/data_model/properties/pick/oneOf/0",
            "oneOf",
        ),
        (
            {"box": {"type": "object", "minProperties": 1, "properties": {}}},
            {},
            "/data_model/properties/box/minProperties",
            "minProperties",
        ),
        (
            {"a/b": {"type": "string", "if": {}}},
            {},
            "/data_model/properties/a~1b/if",
            "if",
        ),
        (
            {"size": {"type": "integer"}},
            {"dependencies": {"size": ["colour"]}},
            "/data_model/dependencies/size",
            "dependencies",
        ),
        (
            {
                "opt": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "default": 1}},
                }
            },
            {},
            "/data_model/properties/opt/properties/n/default",
            "default",
        ),
    ],
)
def test_what_cannot_be_a_form_is_refused_naming_file_pointer_and_keyword(
    properties, extra, pointer, keyword
):
    campaign = make_campaign(object_model(properties, **extra), slug="wine-club")

    with pytest.raises(CampaignError) as caught:
        build_form(campaign)

    message = str(caught.value)
    assert message.startswith("wine-club.json: ")
    assert pointer in message
    assert f"(keyword: {keyword})" in message


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "x-note": "extension keys are fine"},
        {"type": "number", "multipleOf": 0.25},
        {"type": ["integer", "number"]},
        {"type": "string", "$comment": "annotations are fine"},
        {"type": "object", "additionalProperties": True, "properties": {}},
    ],
)
def test_annotations_and_exact_steps_are_accepted(schema):
    build_form(make_campaign(object_model({"answer": schema})))


def test_top_level_must_be_an_object():
    with pytest.raises(CampaignError, match=r"/data_model/allOf/0 \(keyword: type\)"):
        build_form(
            make_campaign(
                {"type": "object", "properties": {}, "allOf": [{"type": "string"}]}
            )
        )


@pytest.mark.parametrize(
    ("gift", "required"),
    [
        ({"type": "boolean"}, []),
        ({"type": "boolean", "enum": [True, False]}, []),
        ({"type": "boolean", "enum": [True]}, ["gift"]),
    ],
)
def test_checkbox_sent_unticked_cannot_trigger_a_dependency(gift, required):
    model = object_model(
        {"gift": gift, "message": {"type": "string"}},
        required=required,
        dependencies={"gift": ["message"]},
    )

    with pytest.raises(
        CampaignError, match=r"/data_model/dependencies/gift \(keyword: dependencies\)"
    ):
        build_form(make_campaign(model))


def test_default_that_breaks_its_own_rules_is_refused():
    model = object_model({"size": {"type": "integer", "minimum": 1, "default": 0}})

    with pytest.raises(
        CampaignError, match=r"/data_model/properties/size/default \(keyword: default\)"
    ):
        build_form(make_campaign(model))


# $ref is a URI fragment: percent-decoded, then read as a JSON pointer.


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("Guest Details", "#/definitions/Guest%20Details"),
        ("Guest Details", "#/definitions/Guest Details"),
        ("party%size", "#/definitions/party%25size"),
        ("in/out", "#/definitions/in~1out"),
        ("tilde~name", "#/definitions/tilde~0name"),
    ],
)
def test_ref_is_followed_as_validators_follow_it(post, name, ref):
    model = object_model(
        {"party": {"$ref": ref}},
        definitions={name: {"type": "integer", "minimum": 1}},
    )

    data_set, _ = post(model, [("f-party", "4")])
    _, form = post(model, [("f-party", "0")])

    assert data_set == {"party": 4}
    assert errors_by_field(form) == {"f-party": "Enter a whole number of 1 or more."}


@pytest.mark.parametrize(
    ("name", "ref", "names"),
    [
        ("party%20size", "#/definitions/party%20size", "/definitions/party size"),
        ("in/out", "#/definitions/in%2Fout", "/definitions/in/out"),
    ],
)
def test_ref_that_validators_cannot_follow_is_refused(name, ref, names):
    model = object_model(
        {"party": {"$ref": ref}}, definitions={name: {"type": "integer"}}
    )

    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(model))

    assert str(caught.value).startswith(
        "sample.json: /data_model/properties/party/$ref (keyword: $ref) cannot be "
        f"a form: {ref} does not exist: it names /data_model{names}"
    )


# A format on a choice of text options: each option must meet it.

DAY_CHOICE = {
    "type": "string",
    "format": "date",
    "oneOf": [
        {"enum": ["2021-04-01"], "title": "Thu 1 April"},
        {"enum": ["2021-04-02"], "title": "Fri 2 April"},
    ],
}
EMAIL_CHOICE = {"type": "string", "format": "email", "enum": ["a@example.com"]}


@pytest.mark.parametrize(
    ("schema", "label", "sent"),
    [
        (DAY_CHOICE, "Fri 2 April", "2021-04-02"),
        (EMAIL_CHOICE, "a@example.com", "a@example.com"),
        (
            {"type": ["string", "null"], "format": "time", "enum": ["09:30:00", None]},
            "No preference",
            None,
        ),
        (
            {"type": "array", "items": EMAIL_CHOICE},
            "a@example.com",
            ["a@example.com"],
        ),
    ],
    ids=["titled dates", "emails", "nullable times", "checklist of emails"],
)
def test_choice_of_text_options_that_meet_its_format_is_a_form(
    render, schema, label, sent
):
    generated = build_form(make_campaign(object_model({"pick": schema})))
    page = render(generated.make_form())
    pick(page, "f-pick", label)

    form = generated.make_form(formdata=serialize(page))

    assert generated.validate(form) == {"pick": sent}
    assert page.find(id="f-pick--format") is None


@pytest.mark.parametrize(
    ("schema", "option"),
    [
        (
            {**DAY_CHOICE, "oneOf": [*DAY_CHOICE["oneOf"], {"enum": ["soon"]}]},
            '"soon"',
        ),
        ({**EMAIL_CHOICE, "enum": ["a@example.com", "front desk"]}, '"front desk"'),
    ],
)
def test_choice_with_an_option_that_breaks_its_format_is_refused(schema, option):
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(object_model({"pick": schema})))

    assert f"the option {option} breaks the question's own format" in str(caught.value)
    assert str(caught.value).startswith("sample.json: /data_model/properties/pick")


def test_format_on_options_that_are_never_text_is_refused():
    model = object_model({"pick": {"enum": [1, 2], "format": "date"}})

    with pytest.raises(
        CampaignError,
        match=r"/data_model/properties/pick/format \(keyword: format\) cannot be a "
        "form: formats apply to text answers only",
    ):
        build_form(make_campaign(model))


TEXT_X = {"properties": {"x": {"type": "string"}}}


@pytest.mark.parametrize(
    "definitions, parts",
    [
        ({"a": TEXT_X}, ["#/definitions/a", "#/definitions/a"]),
        (
            {
                "a": TEXT_X,
                "b": {
                    "allOf": [
                        {"$ref": "#/definitions/a"},
                        {"properties": {"y": {"type": "string"}}},
                    ]
                },
            },
            ["#/definitions/a", "#/definitions/b"],
        ),
    ],
    ids=["the same part twice", "a part that uses another"],
)
def test_a_definition_two_allof_parts_use_is_no_cycle(post, definitions, parts):
    model = object_model(
        {}, definitions=definitions, allOf=[{"$ref": ref} for ref in parts]
    )
    del model["additionalProperties"]

    data_set, _ = post(model, [("f-x", "an answer")])

    assert data_set == {"x": "an answer"}


@pytest.mark.parametrize(
    "definition",
    [
        {"allOf": [{"$ref": "#/definitions/node"}]},
        {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}},
    ],
    ids=["through allOf", "through a property"],
)
def test_a_definition_that_holds_itself_is_refused(definition):
    model = object_model(
        {"tree": {"$ref": "#/definitions/node"}}, definitions={"node": definition}
    )

    with pytest.raises(CampaignError, match="#/definitions/node refers back to itself"):
        build_form(make_campaign(model))


ADDRESS = {"type": "object", "properties": {"street": {"type": "string"}}}


@pytest.mark.parametrize(
    "person",
    [
        {
            "allOf": [
                {"$ref": "#/definitions/address"},
                {"properties": {"work": {"$ref": "#/definitions/address"}}},
            ]
        },
        {
            "allOf": [{"$ref": "#/definitions/address"}],
            "properties": {"work": {"$ref": "#/definitions/address"}},
        },
    ],
    ids=["in a sibling part", "beside the allOf"],
)
def test_a_definition_one_part_uses_may_hold_a_question_using_it(post, person):
    model = object_model(
        {"person": {"$ref": "#/definitions/person"}},
        definitions={"address": ADDRESS, "person": person},
    )

    data_set, _ = post(
        model, [("f-person-street", "Rua Um 10"), ("f-person-work-street", "Cais 2")]
    )

    assert data_set == {"person": {"street": "Rua Um 10", "work": {"street": "Cais 2"}}}


def test_a_cycle_through_one_allof_part_is_still_refused():
    person = {
        "allOf": [
            {"$ref": "#/definitions/address"},
            {"properties": {"boss": {"$ref": "#/definitions/person"}}},
        ]
    }
    model = object_model(
        {"person": {"$ref": "#/definitions/person"}},
        definitions={"address": ADDRESS, "person": person},
    )

    with pytest.raises(
        CampaignError, match="#/definitions/person refers back to itself"
    ):
        build_form(make_campaign(model))


def doubling_chain(levels: int) -> dict:
    """Definitions whose every level names the next one twice."""
    definitions = {
        f"d{level}": {
            "allOf": [
                {"$ref": f"#/definitions/d{level + 1}"},
                {"$ref": f"#/definitions/d{level + 1}"},
            ]
        }
        for level in range(levels)
    }
    definitions[f"d{levels}"] = ADDRESS

    return object_model({"x": {"$ref": "#/definitions/d0"}}, definitions=definitions)


def test_a_short_doubling_chain_is_one_question(post):
    data_set, form = post(doubling_chain(4), [("f-x-street", "Rua Um 10")])

    assert data_set == {"x": {"street": "Rua Um 10"}}
    assert [field.name for field in form.q0.form] == ["f-x-street"]


def test_a_doubling_chain_too_costly_to_check_on_each_post_is_refused():
    # 2**13 copies of the address: each post would check them all.
    with pytest.raises(CampaignError) as refused:
        build_form(make_campaign(doubling_chain(13)))

    assert "(keyword: allOf) cannot be a form: checking any post would visit " in (
        str(refused.value)
    )
    assert "more than 5,000 schemas" in str(refused.value)


def test_a_costly_entry_in_a_long_list_is_refused_with_max_items_named():
    entry = doubling_chain(8)["definitions"]
    model = object_model(
        {"rows": {"type": "array", "items": {"$ref": "#/definitions/d0"}}},
        definitions=entry,
    )

    with pytest.raises(CampaignError) as refused:
        build_form(make_campaign(model))

    assert str(refused.value).startswith(
        "sample.json: /data_model/properties/rows (keyword: maxItems) cannot be "
        "a form: checking "
        "a post with every list full would visit more than 50,000 schemas"
    )


def test_the_same_entry_in_a_short_list_is_a_form(post):
    entry = doubling_chain(8)["definitions"]
    model = object_model(
        {
            "rows": {
                "type": "array",
                "maxItems": 10,
                "items": {"$ref": "#/definitions/d0"},
            }
        },
        definitions=entry,
    )

    data_set, _ = post(model, [("f-rows-0-street", "Rua Um 10")])

    assert data_set == {"rows": [{"street": "Rua Um 10"}]}


def test_many_questions_with_titled_options_are_a_form():
    options = [{"enum": [n], "title": f"Option {n}"} for n in range(10)]
    model = object_model(
        {f"q{n}": {"type": "integer", "oneOf": options} for n in range(190)}
    )

    generated = build_form(make_campaign(model))

    assert len(generated.root.children) == 190


def test_dependencies_from_two_allof_parts_both_apply(post):
    model = object_model(
        {name: {"type": "string"} for name in ("x", "y", "z")},
        allOf=[{"dependencies": {"x": ["y"]}}, {"dependencies": {"x": ["z"]}}],
    )

    _, form = post(model, [("f-x", "a"), ("f-z", "c")])
    data_set, _ = post(model, [("f-x", "a"), ("f-y", "b"), ("f-z", "c")])

    assert list(errors_by_field(form)) == ["f-y"]
    assert data_set == {"x": "a", "y": "b", "z": "c"}


def test_an_object_option_whose_rules_use_a_definition_is_judged_in_one_line():
    model = object_model(
        {
            "q": {
                "enum": ["x", {"a": 1}],
                "properties": {"a": {"$ref": "#/definitions/small"}},
            }
        },
        definitions={"small": {"type": "integer", "maximum": 0}},
    )

    with pytest.raises(CampaignError) as refused:
        build_form(make_campaign(model))

    assert "/data_model/properties/q/enum (keyword: enum)" in str(refused.value)
    assert 'the option {"a": 1} breaks' in str(refused.value)


def nested_groups(depth: int) -> dict:
    """A model whose groups nest ``depth`` deep, the top level counted."""
    schema: dict = {"type": "string"}
    for _ in range(depth - 1):
        schema = {"type": "object", "properties": {"a": schema}}

    return object_model({"a": schema})


def test_groups_twenty_deep_are_a_form(post):
    data_set, _ = post(nested_groups(20), [("f" + "-a" * 20, "deep")])

    leaf = data_set
    for _ in range(20):
        leaf = leaf["a"]
    assert leaf == "deep"


def test_groups_nested_deeper_than_twenty_are_refused():
    with pytest.raises(CampaignError) as refused:
        build_form(make_campaign(nested_groups(21)))

    assert str(refused.value) == (
        "sample.json: /data_model"
        + "/properties/a" * 20
        + " (keyword: properties) cannot be a form: groups and lists nest "
        "more than 20 deep here; no guest could find their way through such "
        "a form."
    )


def test_a_chain_of_refs_longer_than_32_is_refused():
    definitions = {f"d{n}": {"$ref": f"#/definitions/d{n + 1}"} for n in range(40)}
    definitions["d40"] = {"type": "string"}
    model = object_model({"x": {"$ref": "#/definitions/d0"}}, definitions=definitions)

    with pytest.raises(
        CampaignError,
        match=r"/definitions/d31/\$ref \(keyword: \$ref\) cannot be a form: "
        r"#/definitions/d32 is reached through more than 32 \$refs",
    ):
        build_form(make_campaign(model))


def test_a_campaign_file_nested_past_64_levels_is_refused_where_it_goes_deep(
    tmp_path,
):
    path = tmp_path / "deep.json"
    nested: dict = {"type": "string"}
    for _ in range(70):
        nested = {"allOf": [nested]}
    path.write_text(json.dumps({"name": "Deep", "data_model": nested}))

    with pytest.raises(CampaignError) as refused:
        load_campaign(path)

    assert str(refused.value) == (
        f"{path}: /data_model"
        + "/allOf/0" * 32
        + " nests objects and lists more than 64 deep; a campaign file needs "
        "no more, and checking it would exhaust Python's recursion limit."
    )


def test_a_campaign_file_too_deep_for_json_to_read_is_refused(tmp_path):
    path = tmp_path / "deeper.json"
    path.write_text('{"name": "Deep", "data_model": ' + "[" * 5000 + "]" * 5000 + "}")

    with pytest.raises(CampaignError) as refused:
        load_campaign(path)

    assert str(refused.value) == (
        f"{path}: cannot read JSON: it nests objects and lists too deep to "
        "read; a campaign file needs no more than 64 levels."
    )


WINES = [{"enum": [f"w{n}"], "title": f"Wine {n}"} for n in range(30)]


@pytest.mark.parametrize("name", ["items", "bottles"])
def test_a_question_named_items_is_no_list(name):
    bottle = {
        "type": "object",
        "properties": {"wine": {"type": "string", "oneOf": WINES}},
    }
    model = object_model({name: {"type": "array", "maxItems": 20, "items": bottle}})
    nested = object_model({"order": model})

    generated = build_form(make_campaign(nested))

    assert [child.key for child in generated.root.children] == ["order"]


def test_boxes_to_tick_count_one_entry_per_option():
    tastes = {
        "type": "array",
        "uniqueItems": True,
        "items": {"type": "string", "enum": [f"t{n}" for n in range(14)]},
    }
    guest = {
        "type": "object",
        "properties": {f"likes{n}": tastes for n in range(5)}
        | {"name": {"type": "string"}},
    }
    model = object_model({"guests": {"type": "array", "items": guest}})

    generated = build_form(make_campaign(model))

    assert generated.root.child("guests").item.child("likes0").kind == "checklist"

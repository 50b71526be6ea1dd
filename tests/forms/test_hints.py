"""UI hints: applied where they name a question, refused where they do not."""

from __future__ import annotations

import pytest

from forms.campaign import CampaignError
from forms.generator import build_form
from tests.forms.conftest import errors_by_field, make_campaign, object_model

MODEL = object_model(
    {
        "name": {"type": "string"},
        "pick": {"enum": ["a", "b"]},
        "diet": {"type": "array", "items": {"enum": ["vegan", "halal"]}},
        "address": {"type": "object", "properties": {"zip": {"type": "string"}}},
        "guests": {
            "type": "array",
            "items": {"type": "object", "properties": {"age": {"type": "integer"}}},
        },
    }
)


@pytest.mark.parametrize(
    ("ui", "pointer", "keyword"),
    [
        ({"fields": {"nmae": {"label": "Name"}}}, "/ui/fields/nmae", "fields"),
        (
            {"fields": {"address.zipp": {"label": "Zip"}}},
            "/ui/fields/address.zipp",
            "fields",
        ),
        ({"fields": {"name": {"lable": "Name"}}}, "/ui/fields/name/lable", "lable"),
        ({"fields": {"name": {"widget": "radio"}}}, "/ui/fields/name/widget", "widget"),
        (
            {"fields": {"pick": {"widget": "textarea"}}},
            "/ui/fields/pick/widget",
            "widget",
        ),
        (
            {"fields": {"pick": {"enum_labels": {"c": "C"}}}},
            "/ui/fields/pick/enum_labels",
            "enum_labels",
        ),
        ({"order": ["name", "ghost"]}, "/ui/order/1", "order"),
        ({"order": ["name", "name"]}, "/ui/order", "order"),
        ({"hidden": {"ghost": 1}}, "/ui/hidden/ghost", "hidden"),
        ({"hidden": {"pick": "c"}}, "/ui/hidden/pick", "hidden"),
        ({"hidden": {"address.zipp": "1"}}, "/ui/hidden/address.zipp", "hidden"),
        ({"hidden": {"address.zip": 12}}, "/ui/hidden/address.zip", "hidden"),
        ({"hidden": {"guests.age": 9}}, "/ui/hidden/guests.age", "hidden"),
        ({"colour": "red"}, "/ui/colour", "colour"),
        (
            {"fields": {"name": {"none_label": "Skip"}}},
            "/ui/fields/name/none_label",
            "none_label",
        ),
        (
            {"fields": {"pick": {"widget": "select", "none_label": "Skip"}}},
            "/ui/fields/pick/none_label",
            "none_label",
        ),
        (
            {"fields": {"diet": {"none_label": "Skip"}}},
            "/ui/fields/diet/none_label",
            "none_label",
        ),
        ({"timezone": "Mars/Olympus"}, "/ui/timezone", "timezone"),
    ],
)
def test_hints_naming_unknown_fields_or_impossible_widgets_stop_start_up(
    ui, pointer, keyword
):
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(MODEL, ui, slug="tasting"))

    message = str(caught.value)
    assert message.startswith("tasting.json: ")
    assert f"{pointer} (keyword: {keyword})" in message


def test_dotted_hints_reach_nested_questions_and_list_entries(render):
    ui = {
        "fields": {
            "address.zip": {"label": "Postcode", "autocomplete": "postal-code"},
            "guests.age": {"label": "Age", "help": "On the day of the visit."},
        }
    }
    page = render(build_form(make_campaign(MODEL, ui)).make_form())

    assert (
        page.find("label", attrs={"for": "f-address-zip"})
        .get_text(strip=True)
        .startswith("Postcode")
    )
    assert page.find(id="f-address-zip")["autocomplete"] == "postal-code"
    assert page.find(id="f-guests-0-age--hint").get_text() == "On the day of the visit."


def test_widget_and_labels_from_hints_are_used(render):
    ui = {
        "order": ["pick", "name"],
        "fields": {
            "pick": {"widget": "select", "enum_labels": {"a": "Apple", "b": "Banana"}},
            "name": {"widget": "textarea", "placeholder": "Your words"},
        },
    }
    page = render(build_form(make_campaign(MODEL, ui)).make_form())

    select = page.find(id="f-pick")
    first_two = [tag.get("id") for tag in page.select("[id^=f-]")[:2]]
    assert select.name == "select"
    assert [o.get_text() for o in select.find_all("option")][1:] == ["Apple", "Banana"]
    assert page.find(id="f-name").name == "textarea"
    assert page.find(id="f-name")["placeholder"] == "Your words"
    assert first_two == ["f-pick", "f-name"]


PATTERNED = {"type": "string", "pattern": "^[0-9]{5}$"}


@pytest.mark.parametrize(
    ("model", "pointer"),
    [
        (object_model({"zip": PATTERNED}), "/data_model/properties/zip/pattern"),
        (
            object_model(
                {"address": {"type": "object", "properties": {"zip": PATTERNED}}}
            ),
            "/data_model/properties/address/properties/zip/pattern",
        ),
        (
            object_model({"zips": {"type": "array", "items": PATTERNED}}),
            "/data_model/properties/zips/items/pattern",
        ),
    ],
)
def test_pattern_the_page_never_explains_stops_start_up(model, pointer):
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(model, slug="tasting"))

    message = str(caught.value)
    assert message.startswith("tasting.json: ")
    assert f"{pointer} (keyword: pattern)" in message


@pytest.mark.parametrize(
    ("schema", "ui"),
    [
        ({**PATTERNED, "description": "Five digits."}, {}),
        (PATTERNED, {"fields": {"zip": {"help": "Five digits."}}}),
        (PATTERNED, {"fields": {"zip": {"pattern_message": "Enter five digits."}}}),
    ],
)
def test_pattern_explained_by_a_hint_or_its_own_message_is_accepted(schema, ui):
    build_form(make_campaign(object_model({"zip": schema}), ui))


def test_pattern_message_reaches_every_entry_of_a_list(post):
    model = object_model({"zips": {"type": "array", "items": PATTERNED}})
    ui = {"fields": {"zips": {"pattern_message": "Enter five digits."}}}

    _, form = post(model, [("f-zips-0", "123")], ui=ui)

    assert errors_by_field(form) == {"f-zips-0": "Enter five digits."}


def test_none_label_on_a_required_radio_stops_start_up():
    model = object_model({"pick": {"enum": ["a", "b"]}}, required=["pick"])
    ui = {"fields": {"pick": {"none_label": "Skip"}}}

    with pytest.raises(CampaignError, match="/ui/fields/pick/none_label"):
        build_form(make_campaign(model, ui))


def test_a_hidden_answer_inside_a_list_is_refused_with_the_reason():
    ui = {"hidden": {"guests.age": 9}}

    with pytest.raises(CampaignError, match='"guests.age" is inside a list'):
        build_form(make_campaign(MODEL, ui))


# A property named "p.q" and a property "q" inside "p" share the hint path.

DOTTED = object_model(
    {
        "p.q": {"type": "string"},
        "p": {"type": "object", "properties": {"q": {"type": "string"}}},
        "guests.age": {"type": "integer"},
        "guests": {
            "type": "array",
            "items": {"type": "object", "properties": {"age": {"type": "integer"}}},
        },
    }
)


@pytest.mark.parametrize(
    ("ui", "pointer", "keyword", "properties"),
    [
        (
            {"fields": {"p.q": {"label": "Which?"}}},
            "/ui/fields/p.q",
            "fields",
            "/data_model/properties/p.q or the one at "
            "/data_model/properties/p/properties/q",
        ),
        (
            {"hidden": {"p.q": "fixed"}},
            "/ui/hidden/p.q",
            "hidden",
            "/data_model/properties/p.q or the one at "
            "/data_model/properties/p/properties/q",
        ),
        (
            {"fields": {"guests.age": {"help": "Which?"}}},
            "/ui/fields/guests.age",
            "fields",
            "/data_model/properties/guests.age or the one at "
            "/data_model/properties/guests/items/properties/age",
        ),
        (
            {"hidden": {"guests.age": 9}},
            "/ui/hidden/guests.age",
            "hidden",
            "/data_model/properties/guests.age or the one at "
            "/data_model/properties/guests/items/properties/age",
        ),
    ],
)
def test_a_hint_naming_two_properties_stops_start_up_naming_both(
    ui, pointer, keyword, properties
):
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(DOTTED, ui, slug="tasting"))

    path = pointer.rsplit("/", 1)[1]
    assert str(caught.value) == (
        f"tasting.json: {pointer} (keyword: {keyword}): "
        f'"{path}" could mean the property at {properties}; '
        "rename one of them so that each has a hint path of its own."
    )


def test_hints_may_leave_an_ambiguous_path_unnamed(post):
    ui = {"fields": {"p": {"label": "Group"}}}

    data_set, _ = post(DOTTED, [("f-_702e71", "flat"), ("f-p-q", "nested")], ui=ui)

    assert data_set == {"p.q": "flat", "p": {"q": "nested"}}


def test_a_dotted_property_name_that_fits_one_property_takes_hints(post, render):
    model = object_model({"v.2": {"type": "string"}, "size.cm": {"type": "integer"}})
    ui = {
        "fields": {"v.2": {"label": "Version two", "help": "As printed."}},
        "hidden": {"size.cm": 30},
    }
    generated = build_form(make_campaign(model, ui))
    field_id = "f-_" + "v.2".encode().hex()

    page = render(generated.make_form())
    data_set, _ = post(model, [(field_id, "beta")], ui=ui)

    label = page.find("label", attrs={"for": field_id}).get_text(strip=True)
    assert label.startswith("Version two")
    assert page.find(id=f"{field_id}--hint").get_text() == "As printed."
    assert data_set == {"v.2": "beta", "size.cm": 30}


@pytest.mark.parametrize(
    ("schema", "value", "shown"),
    [
        ({"type": "string"}, True, 'true is not a valid value for "source"'),
        ({"type": "string"}, None, 'null is not a valid value for "source"'),
        ({"type": "integer"}, "3", '"3" is not a valid value for "source"'),
        ({"type": "integer"}, 2.5, '2.5 is not a valid value for "source"'),
        ({"type": "string"}, ["kiosk"], '["kiosk"] is not a valid value'),
        ({"type": "string"}, {"a": False}, '{"a": false} is not a valid value'),
        ({"enum": ["a"]}, "caf\u00e9", '"caf\u00e9" is not a valid value'),
    ],
)
def test_a_refused_hidden_value_is_shown_as_json(schema, value, shown):
    model = object_model({"source": schema})

    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(model, {"hidden": {"source": value}}))

    assert shown in str(caught.value)


@pytest.mark.parametrize(
    ("ui", "shown"),
    [
        ({"fields": {"nmae": {}}}, 'the data model has no field "nmae"'),
        ({"fields": {"name": {"widget": "radio"}}}, '"radio" cannot show'),
        (
            {"fields": {"pick": {"enum_labels": {"c": "C"}}}},
            '"c" is not one of the options',
        ),
        ({"order": ["ghost"]}, 'the data model has no top-level field "ghost"'),
    ],
)
def test_names_in_hint_errors_are_quoted_as_json(ui, shown):
    with pytest.raises(CampaignError) as caught:
        build_form(make_campaign(MODEL, ui))

    assert shown in str(caught.value)

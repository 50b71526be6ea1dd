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

    with pytest.raises(CampaignError, match="'guests.age' is inside a list"):
        build_form(make_campaign(MODEL, ui))

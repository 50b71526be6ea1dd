"""The field macros: labels, groups, hints and errors tied to their inputs."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from forms.generator import build_form
from tests.forms.conftest import make_campaign, object_model

MODEL = object_model(
    {
        "name": {"type": "string", "description": "As on your booking."},
        "email": {"type": "string", "format": "email"},
        "size": {"type": "integer", "minimum": 1},
        "seat": {"enum": ["window", "aisle"]},
        "region": {"enum": list("abcdefg")},
        "diet": {"type": "array", "items": {"enum": ["vegan", "halal"]}},
        "news": {"type": "boolean"},
        "terms": {"type": "boolean", "enum": [True]},
        "notes": {"type": "string"},
        "address": {
            "type": "object",
            "required": ["zip"],
            "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
        },
        "ages": {"type": "array", "items": {"type": "integer"}},
    },
    required=["name", "seat", "email"],
)
UI = {"fields": {"notes": {"widget": "textarea"}, "name": {"autocomplete": "name"}}}


@pytest.fixture
def page(render):
    return render(build_form(make_campaign(MODEL, UI)).make_form())


@pytest.fixture
def failed_page(render):
    generated = build_form(make_campaign(MODEL, UI))
    form = generated.make_form(
        formdata=MultiDict(
            [("f-size", "x"), ("f-address-zip", "1"), ("f-diet", "meat")]
        )
    )
    assert generated.validate(form) is None
    return render(form)


def visible_controls(page):
    return [
        tag
        for tag in page.find_all(["input", "select", "textarea"])
        if tag.find_parent("template") is None
    ]


def test_every_input_has_a_label_pointing_at_it(page):
    for control in visible_controls(page):
        assert page.find("label", attrs={"for": control["id"]}), control["id"]


def test_radio_and_checkbox_groups_are_fieldsets_with_legends(page):
    for group_id in ("f-seat", "f-diet"):
        group = page.find(id=group_id)
        assert group.name == "fieldset"
        assert group.legend.get_text(strip=True)


def test_nested_object_is_a_fieldset_with_a_legend(page):
    address = page.find(id="f-address")

    assert address.name == "fieldset"
    assert address.legend.get_text(" ", strip=True) == "Address (optional)"
    assert address.find(id="f-address-zip") is not None


def test_hint_is_tied_to_its_input(page):
    name = page.find(id="f-name")

    assert name["aria-describedby"] == "f-name--hint"
    assert page.find(id="f-name--hint").get_text() == "As on your booking."


def test_errors_are_tied_to_inputs_marked_invalid_and_prefixed(failed_page):
    for field_id in ("f-size", "f-address-zip", "f-name", "f-email"):
        control = failed_page.find(id=field_id)
        error = failed_page.find(id=f"{field_id}--error")
        assert control["aria-invalid"] == "true"
        assert f"{field_id}--error" in control["aria-describedby"].split()
        assert error.find(class_="visually-hidden").get_text() == "Error:"


def test_group_errors_are_tied_to_the_group_and_its_options(failed_page):
    seat = failed_page.find(id="f-seat")

    assert "f-seat--error" in seat["aria-describedby"].split()
    assert all(box["aria-invalid"] == "true" for box in seat.find_all("input"))


def test_required_questions_are_marked_and_optional_ones_say_so(page):
    def label_text(field_id):
        return page.find("label", attrs={"for": field_id}).get_text(" ", strip=True)

    assert page.find(id="f-name").has_attr("required")
    assert page.find(id="f-email").has_attr("required")
    assert all(
        box.has_attr("required") for box in page.find(id="f-seat").find_all("input")
    )
    assert not page.find(id="f-size").has_attr("required")
    assert label_text("f-size").endswith("(optional)")
    assert not label_text("f-name").endswith("(optional)")


@pytest.mark.parametrize(
    ("field_id", "required"),
    [("f-news", False), ("f-terms", False), ("f-address-zip", False)],
)
def test_boxes_and_questions_in_optional_groups_are_not_marked_required(
    page, field_id, required
):
    assert page.find(id=field_id).has_attr("required") is required
    assert "(optional)" not in page.find("label", attrs={"for": field_id}).get_text()


def test_ids_come_from_the_json_path(page):
    assert page.find(id="f-address-zip")["name"] == "f-address-zip"
    assert page.find(id="f-ages-0")["name"] == "f-ages-0"


@pytest.mark.parametrize(
    ("field_id", "attributes"),
    [
        ("f-email", {"type": "email", "spellcheck": "false"}),
        ("f-size", {"type": "text", "inputmode": "numeric"}),
        ("f-name", {"type": "text", "autocomplete": "name", "maxlength": "2000"}),
        ("f-address-zip", {"pattern": "[0-9]{5}"}),
    ],
)
def test_inputs_carry_html_attributes_from_the_model_and_hints(
    page, field_id, attributes
):
    control = page.find(id=field_id)

    assert {key: control.get(key) for key in attributes} == attributes


def test_no_inline_scripts_or_handlers(page):
    assert page.find("script") is None
    assert not [
        tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)
    ]


@pytest.mark.parametrize(
    ("pattern", "emitted"),
    [
        ("^[0-9]{5}$", "[0-9]{5}"),
        ("^[A-Z]{2}\\d{3}$", "[A-Z]{2}\\d{3}"),
        ("^[A-Za-z0-9 -]{3,10}$", None),
        ("[0-9]{5}", None),
        ("^a|b$", None),
        ("^(a|b)c$", "(a|b)c"),
        ("^(?=x).$", None),
        ("^\\-$", None),
    ],
)
def test_html_pattern_is_only_emitted_when_the_browser_reads_it_the_same(
    render, pattern, emitted
):
    model = object_model({"code": {"type": "string", "pattern": pattern}})

    control = render(build_form(make_campaign(model)).make_form()).find(id="f-code")

    assert control.get("pattern") == emitted

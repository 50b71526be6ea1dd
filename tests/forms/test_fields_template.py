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
UI = {
    "fields": {
        "notes": {"widget": "textarea"},
        "name": {"autocomplete": "name"},
        "address.zip": {"pattern_message": "Enter five digits."},
    }
}


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
        if tag.find_parent("template") is None and tag.get("type") != "hidden"
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
        ("f-name", {"type": "text", "autocomplete": "name", "maxlength": "4000"}),
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
    model = object_model(
        {"code": {"type": "string", "pattern": pattern, "description": "A code."}}
    )

    control = render(build_form(make_campaign(model)).make_form()).find(id="f-code")

    assert control.get("pattern") == emitted


DATES = object_model(
    {
        "day": {"type": "string", "format": "date"},
        "clock": {"type": "string", "format": "time"},
        "moment": {"type": "string", "format": "date-time"},
    },
    required=["day"],
)


@pytest.mark.parametrize(
    ("name", "typed", "picker"),
    [
        ("day", "2021-03-31", "date"),
        ("clock", "15:30", "time"),
        ("clock", "15:30:05.250", "time"),
        ("moment", "2021-03-31T15:00", "datetime-local"),
        ("moment", "2021-03-31 15:00", "datetime-local"),
    ],
)
def test_readable_dates_and_times_keep_their_picker_without_maxlength(
    render, name, typed, picker
):
    generated = build_form(make_campaign(DATES))
    form = generated.make_form(
        formdata=MultiDict({"f-day": "2021-03-31", f"f-{name}": typed})
    )
    assert generated.validate(form) is not None

    control = render(form).find(id=f"f-{name}")

    assert control["type"] == picker
    assert not control.has_attr("maxlength")
    assert "aria-describedby" not in control.attrs


@pytest.mark.parametrize(
    ("name", "typed", "example"),
    [
        ("day", "2021-02-30", "like 2021-03-31"),
        ("day", "31/03/2021", "like 2021-03-31"),
        ("clock", "25:00", "like 15:30"),
        ("clock", "15:30Z", "like 15:30"),
        ("moment", "2021-02-30T10:00", "like 2021-03-31 15:00"),
        ("moment", "tomorrow", "like 2021-03-31 15:00"),
    ],
)
def test_unreadable_date_or_time_stays_visible_as_text_with_its_shape(
    render, name, typed, example
):
    generated = build_form(make_campaign(DATES))
    form = generated.make_form(
        formdata=MultiDict({"f-day": "2021-03-31", f"f-{name}": typed})
    )
    generated.validate(form)
    page = render(form)

    control = page.find(id=f"f-{name}")
    shape = page.find(id=f"f-{name}--format")

    assert control["type"] == "text"
    assert control["value"] == typed
    assert example in shape.get_text()
    assert f"f-{name}--format" in control["aria-describedby"].split()


def test_date_left_out_by_the_browser_is_asked_for_again_as_text(render):
    generated = build_form(make_campaign(DATES))
    form = generated.make_form(formdata=MultiDict([("f-day", "")]))
    assert generated.validate(form) is None

    page = render(form)

    assert page.find(id="f-day")["type"] == "text"
    assert page.find(id="f-day--format") is not None
    assert page.find(id="f-day--error") is not None


def test_fresh_date_keeps_its_picker(render):
    page = render(build_form(make_campaign(DATES)).make_form())

    assert [page.find(id=f"f-{n}")["type"] for n in ("day", "clock", "moment")] == [
        "date",
        "time",
        "datetime-local",
    ]
    assert page.find(class_="hint") is None

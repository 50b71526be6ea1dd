"""Questions rendered in Python: the same markup as the macros, escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from forms.campaign import load_campaign
from forms.generator import build_form
from forms.markup import CACHE_LIMIT
from tests.forms.conftest import make_campaign, object_model

GALLERY = sorted((Path(__file__).resolve().parents[2] / "gallery").glob("*.json"))
MACROS = (
    '{% from "forms/fields.html" import render_field %}'
    '<div class="generated-fields" data-generated-form>'
    "{% for field in form %}{{ render_field(field) }}{% endfor %}</div>"
)


class Outline(HTMLParser):
    """Elements with sorted attributes, and texts with spaces collapsed."""

    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.items.append((f"/{tag}",))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("#text", re.sub(r"\s+", " ", data.strip())))


def outline(html: str) -> list:
    parser = Outline()
    parser.feed(html)
    return parser.items


@pytest.fixture
def both(page_app):
    """Render a form through Python and through the macros."""

    def render_both(form):
        with page_app.app_context():
            fast = render_template_string(
                '{% from "forms/fields.html" import render_fields %}'
                "{{ render_fields(form) }}",
                form=form,
            )
            slow = render_template_string(MACROS, form=form)
        return fast, slow

    return render_both


def forms_of(path: Path):
    generated = build_form(load_campaign(path))
    example = json.loads(path.read_text(encoding="utf-8"))["example"]
    posted = generated.make_form(formdata=MultiDict())
    generated.validate(posted)
    return [generated.make_form(), generated.make_form(data_set=example), posted]


@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_python_rendering_matches_the_macros(both, path):
    for form in forms_of(path):
        fast, slow = both(form)

        assert outline(fast) == outline(slow)


@pytest.mark.parametrize("widget", ["radio", "select"])
def test_choice_with_a_format_matches_the_macros_after_an_error(both, widget):
    day = {"type": "string", "format": "date", "enum": ["2021-04-01", "2021-04-02"]}
    ui = {"fields": {"day": {"widget": widget}}}
    generated = build_form(make_campaign(object_model({"day": day}, ["day"]), ui))
    form = generated.make_form(formdata=MultiDict())
    generated.validate(form)

    fast, slow = both(form)

    assert outline(fast) == outline(slow)
    assert "f-day--format" not in slow


def test_everything_a_campaign_or_guest_wrote_is_escaped(both, render):
    model = object_model(
        {
            "note": {"type": "string", "title": "<b>Note</b>", "description": "a&b"},
            "pick": {"enum": ['"x"', "<y>"]},
            "menu": {"enum": ['"x"', "<y>"]},
            "day": {"type": "string", "format": "date"},
        }
    )
    ui = {"fields": {"menu": {"widget": "select"}}}
    generated = build_form(make_campaign(model, ui))
    posted = {"f-note": '"><script>x</script>', "f-day": "<i>", "f-menu": "<y>"}
    form = generated.make_form(formdata=MultiDict(posted))
    generated.validate(form)

    fast, slow = both(form)
    page = render(form)

    assert "<script>" not in fast and "<b>" not in fast and "<i>" not in fast
    label = page.find("label", attrs={"for": "f-note"})
    assert label.get_text().startswith("<b>Note</b>")
    assert page.find(id="f-note")["value"] == '"><script>x</script>'
    assert page.find(id="f-day")["value"] == "<i>"
    assert [box["value"] for box in page.find(id="f-pick").find_all("input")] == [
        '"x"',
        "<y>",
        "",
    ]
    assert page.find(id="f-menu").find("option", selected=True)["value"] == "<y>"
    assert outline(fast) == outline(slow)


ROWS = object_model(
    {
        "guests": {
            "type": "array",
            "maxItems": 4,
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "kid": {"type": "boolean"}},
            },
        }
    }
)


def row_names(page):
    listing = page.find(id="f-guests").find(attrs={"data-row-list": True})
    return [tag["name"] for tag in listing.find_all("input", type="text")]


@pytest.mark.parametrize(
    ("saved", "names"),
    [
        (None, ["f-guests-0-name", "f-guests-1-name", "f-guests-2-name"]),
        (
            {"guests": [{"name": "Ana"}, {"name": "Rui"}]},
            [
                "f-guests-0-name",
                "f-guests-1-name",
                "f-guests-2-name",
                "f-guests-3-name",
            ],
        ),
    ],
)
def test_spare_rows_follow_the_entries_up_to_max_items(render, saved, names):
    generated = build_form(make_campaign(ROWS))

    page = render(generated.make_form(data_set=saved))

    assert row_names(page) == names


def test_posted_rows_are_kept_and_spares_numbered_after_them(render):
    generated = build_form(make_campaign(ROWS))
    posted = {"f-guests-0-name": "Ana", "f-guests-1-name": "", "f-guests-2-name": "Rui"}
    form = generated.make_form(formdata=MultiDict(posted))

    page = render(form)

    numbers = [
        label.find(attrs={"data-row-number": True})
        for label in page.find(id="f-guests").find_all("legend")[1:]
    ]
    assert row_names(page) == [f"f-guests-{index}-name" for index in range(4)]
    assert [n.get_text() for n in numbers] == ["1", "2", "3", "4", ""]


def test_spare_rows_cache_stays_small_whatever_is_posted(render):
    model = object_model(
        {
            "lists": {
                "type": "array",
                "items": {"type": "array", "maxItems": 20, "items": ROWS},
            }
        }
    )
    generated = build_form(make_campaign(model))

    posted = {f"f-lists-{index}-0-guests-0-name": "Ana" for index in range(90)}

    render(generated.make_form(formdata=MultiDict(posted)))

    inner = generated.root.child("lists").item
    assert len(inner.pieces.rows) <= CACHE_LIMIT

"""The gallery: realistic campaigns, each shown, filled and sent back intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from forms.campaign import load_campaign
from forms.formats import SUPPORTED_FORMATS, build_validator
from forms.gallery import bp
from forms.generator import build_form
from forms.schema import SUPPORTED_KEYWORDS
from tests.forms.browser import fill, serialize

GALLERY = sorted((Path(__file__).resolve().parents[2] / "gallery").glob("*.json"))


def gallery_ids():
    return [path.stem for path in GALLERY]


def read_example(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["example"]


def test_gallery_has_at_least_fifteen_campaigns():
    assert len(GALLERY) >= 15


@pytest.mark.parametrize("path", GALLERY, ids=gallery_ids())
def test_gallery_example_is_valid_for_its_model(path):
    campaign = load_campaign(path)

    assert build_validator(campaign.data_model).is_valid(read_example(path))


@pytest.mark.parametrize("path", GALLERY, ids=gallery_ids())
def test_gallery_example_comes_back_from_a_prefilled_form(path, render):
    generated = build_form(load_campaign(path))
    example = read_example(path)

    page = render(generated.make_form(data_set=example))
    form = generated.make_form(formdata=serialize(page))

    assert generated.validate(form) == example, form.error_summary


@pytest.mark.parametrize("path", GALLERY, ids=gallery_ids())
def test_gallery_example_typed_into_an_empty_form_is_sent_as_is(path, render):
    campaign = load_campaign(path)
    generated = build_form(campaign)
    example = read_example(path)
    page = render(generated.make_form(data_set={}))

    fill(page, generated.root, example, zone_name=campaign.ui.get("timezone", ""))
    form = generated.make_form(formdata=serialize(page))

    assert generated.validate(form) == example, form.error_summary


def used_keywords(schema, found: set) -> set:
    """Collect every keyword used anywhere in a schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in ("properties", "definitions", "dependencies"):
                for sub in value.values():
                    used_keywords(sub, found)
            elif key in ("items", "not", "additionalProperties"):
                used_keywords(value, found)
            elif key in ("allOf", "anyOf", "oneOf"):
                for sub in value:
                    used_keywords(sub, found)
        if "format" in schema:
            found.add(f"format:{schema['format']}")
        types = schema.get("type", [])
        for name in types if isinstance(types, list) else [types]:
            found.add(f"type:{name}")

    return found


def test_gallery_together_uses_every_supported_keyword_format_and_type():
    found: set = set()
    hints: set = set()
    for path in GALLERY:
        campaign = load_campaign(path)
        used_keywords(campaign.data_model, found)
        for field in campaign.ui.get("fields", {}).values():
            hints.update(field)
            hints.update(f"widget:{field['widget']}" for _ in [1] if "widget" in field)
        hints.update(key for key in campaign.ui if key != "fields")

    expected = set(SUPPORTED_KEYWORDS) | {f"format:{f}" for f in SUPPORTED_FORMATS}
    expected |= {
        f"type:{t}"
        for t in ("string", "integer", "number", "boolean", "object", "array", "null")
    }
    assert expected - found == set()
    assert {
        "label",
        "help",
        "placeholder",
        "widget",
        "enum_labels",
        "autocomplete",
        "pattern_message",
        "widget:select",
        "widget:radio",
        "widget:textarea",
        "order",
        "hidden",
        "timezone",
        "title",
        "intro",
    } - hints == set()


@pytest.fixture
def gallery_client(page_app):
    from flask import Flask

    app = Flask("gallery_tests", root_path=page_app.root_path)
    app.register_blueprint(bp)
    return app.test_client()


def test_gallery_page_shows_every_campaign(gallery_client):
    response = gallery_client.get("/dev/gallery")
    page = BeautifulSoup(response.data, "html.parser")

    sections = page.find_all("section", class_="gallery-entry")

    assert response.status_code == 200
    assert [s["id"] for s in sections] == gallery_ids()
    assert all(s.find(attrs={"data-generated-form": True}) for s in sections)


def test_gallery_page_filled_with_examples_renders(gallery_client):
    response = gallery_client.get("/dev/gallery?filled=1")

    assert response.status_code == 200


def test_gallery_campaign_post_shows_the_data_set_or_errors(gallery_client):
    sent = gallery_client.post("/dev/gallery/kids-ages", data={"f-ages-0": "4"})
    refused = gallery_client.post("/dev/gallery/kids-ages", data={"f-ages-0": "40"})

    shown = BeautifulSoup(sent.data, "html.parser").find(attrs={"data-sent": True})
    summary = BeautifulSoup(refused.data, "html.parser").find(class_="error-summary")
    assert json.loads(shown.get_text()) == {"ages": [4], "high_chair": False}
    assert summary.a["href"] == "#f-ages-0"


def test_gallery_post_summary_links_to_the_first_option_of_a_group(gallery_client):
    refused = gallery_client.post("/dev/gallery/event-feedback", data={})

    page = BeautifulSoup(refused.data, "html.parser")
    links = [a["href"] for a in page.find(class_="error-summary").find_all("a")]

    assert links
    for href in links:
        target = page.find(id=href[1:])
        assert target is not None and target.name in ("input", "select", "textarea")

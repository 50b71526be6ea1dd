"""Fixtures for the form generator: campaigns from plain models, and pages.

These tests need no upstream and no app factory; a bare Flask app serves
the repository's templates so the field macros render as on the real page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask, render_template_string
from hypothesis import settings as hypothesis_settings
from werkzeug.datastructures import MultiDict

from forms.campaign import Campaign
from forms.generator import build_form
from tests.conftest import IN_CI

REPO = Path(__file__).resolve().parents[2]

# CI runs the same examples every time; locally each run explores anew.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")
FORMS_SETTINGS = hypothesis_settings(max_examples=120, deadline=None)


def make_campaign(
    model: dict, ui: dict | None = None, slug: str = "sample"
) -> Campaign:
    """Wrap a data model in a campaign as a file would."""
    return Campaign(
        slug=slug, name="Sample", data_model=model, ui=ui or {}, path=f"{slug}.json"
    )


def object_model(properties: dict, required=(), **extra) -> dict:
    """Make a top-level model with the given properties."""
    model = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        model["required"] = list(required)
    model.update(extra)

    return model


@pytest.fixture(scope="session")
def page_app():
    return Flask("forms_tests", root_path=str(REPO))


@pytest.fixture
def render(page_app):
    """Render a form's questions and parse them as a browser would."""

    def render_form(form) -> BeautifulSoup:
        with page_app.app_context():
            html = render_template_string(
                '{% from "forms/fields.html" import render_fields %}'
                "{{ render_fields(form) }}",
                form=form,
            )
        return BeautifulSoup(html, "html.parser")

    return render_form


@pytest.fixture
def post():
    """Post answers to a model's form; give back (data_set, form)."""

    def post_answers(model, pairs, ui=None):
        generated = build_form(make_campaign(model, ui))
        form = generated.make_form(formdata=MultiDict(pairs))
        return generated.validate(form), form

    return post_answers


def errors_by_field(form) -> dict:
    """Map field ids to their messages, from the error summary."""
    return {item["field_id"]: item["message"] for item in form.error_summary}

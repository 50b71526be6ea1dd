"""A campaign with a 50-question data model, and how long its form takes to build.

The model mixes every kind of question the generator knows: text with
formats, patterns and limits, whole and decimal numbers, checkboxes,
radio and select choices, checklists, a nested group and a list of
groups, plus a dependency, so the build exercises all of its steps.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from forms.campaign import load_campaign
from forms.generator import build_form

SLUG = "fifty-questions"
TEXT_FORMATS = ("email", "date", "time", "uri", "date-time")
COLOURS = ["red", "orange", "yellow", "green", "blue", "indigo", "violet"]
SIZES = ["s", "m", "l"]


def fifty_question_model() -> dict[str, Any]:
    """Give a Draft 4 data model that asks exactly 50 questions."""
    properties: dict[str, Any] = {}
    for index in range(11):
        schema: dict[str, Any] = {"type": "string", "maxLength": 200}
        if index < len(TEXT_FORMATS):
            schema = {"type": "string", "format": TEXT_FORMATS[index]}
        elif index == 6:
            schema["pattern"] = "^[A-Z]{2}[0-9]{4}$"
            schema["description"] = "Two capitals and four digits, like AB1234."
        properties[f"text_{index}"] = schema
    for index in range(8):
        properties[f"whole_{index}"] = {
            "type": "integer",
            "minimum": 0,
            "maximum": 100 + index,
        }
    for index in range(5):
        properties[f"decimal_{index}"] = {"type": "number", "minimum": 0}
    for index in range(6):
        properties[f"tick_{index}"] = {"type": "boolean"}
    for index in range(8):
        options = COLOURS if index % 2 else SIZES
        properties[f"choice_{index}"] = {"type": "string", "enum": options}
    for index in range(3):
        properties[f"checklist_{index}"] = {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "enum": COLOURS},
        }
    properties["address"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["street", "country"],
        "properties": {
            "street": {"type": "string", "maxLength": 200},
            "town": {"type": "string", "maxLength": 100},
            "postcode": {
                "type": "string",
                "pattern": "^[A-Z0-9 ]{3,10}$",
                "description": "3 to 10 capitals, digits or spaces.",
            },
            "country": {"type": "string", "enum": ["GB", "IE", "PT", "ES"]},
            "notes": {"type": "string", "maxLength": 500},
        },
    }
    properties["companions"] = {
        "type": "array",
        "maxItems": 10,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 120},
                "age": {"type": "integer", "minimum": 0, "maximum": 120},
                "email": {"type": "string", "format": "email"},
                "vegetarian": {"type": "boolean"},
            },
        },
    }

    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["text_0", "whole_0", "choice_0"],
        "properties": properties,
        "dependencies": {"text_7": ["text_8"]},
    }


def fifty_question_campaign() -> dict[str, Any]:
    """Give the whole campaign file, with a few UI hints."""
    return {
        "name": "Fifty questions",
        "experiences": [],
        "approved_ips": ["127.0.0.1"],
        "data_model": fifty_question_model(),
        "ui": {
            "title": "Fifty questions",
            "fields": {
                "text_9": {"widget": "textarea", "help": "As much as you like."},
                "choice_1": {"widget": "radio"},
                "address.postcode": {"autocomplete": "postal-code"},
            },
        },
    }


def count_questions(generated) -> int:
    """Count the questions a guest answers (groups and lists hold others)."""
    holders = ("group", "rows")
    return sum(
        1
        for node in generated.root.walk()
        if node is not generated.root
        and node.kind not in holders
        and node.key is not None
    )


def time_build(folder: Path, repeats: int) -> dict[str, Any]:
    """Write the campaign file, then time reading it and building its form.

    Returns the median milliseconds of ``repeats`` runs of each step, and
    the number of questions the built form asks.
    """
    path = folder / f"{SLUG}.json"
    path.write_text(json.dumps(fifty_question_campaign()), encoding="utf-8")

    read_ms, build_ms = [], []
    generated = None
    for _ in range(repeats):
        started = time.perf_counter()
        campaign = load_campaign(path)
        read_ms.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        generated = build_form(campaign)
        build_ms.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    generated.make_form()
    make_ms = (time.perf_counter() - started) * 1000

    return {
        "questions": count_questions(generated),
        "read_ms": statistics.median(read_ms),
        "build_ms": statistics.median(build_ms),
        "first_make_form_ms": make_ms,
        "repeats": repeats,
    }

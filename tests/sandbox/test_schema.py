"""Checking a data_set: ECMA 262 patterns and the sandbox's own formats."""

from __future__ import annotations

import pytest

from sandbox.schema import check_data_set


def keywords(model, data_set):
    return [(r["pointer"], r["keyword"]) for r in check_data_set(model, data_set)]


def model_of(**properties):
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    "pattern, value",
    [
        ("^[A-Za-z0-9 -]{3,10}$", "AB1 2CD\n"),
        ("^\\d{3}$", "١٢٣"),
        ("^\\d{3}$", "123\n"),
        ("^\\w+$", "zoë"),
    ],
)
def test_pattern_refuses_what_only_python_regex_accepts(pattern, value):
    model = model_of(code={"type": "string", "pattern": pattern})

    assert keywords(model, {"code": value}) == [("/data_set/code", "pattern")]


@pytest.mark.parametrize(
    "pattern, value", [("^\\d{3}$", "123"), ("[$]$", "cost$"), ("^a|b$", "xb")]
)
def test_pattern_accepts_what_ecma_262_accepts(pattern, value):
    model = model_of(code={"type": "string", "pattern": pattern})

    assert keywords(model, {"code": value}) == []


def test_pattern_properties_match_names_the_ecma_262_way():
    model = {
        "type": "object",
        "patternProperties": {"^x\\d$": {"type": "integer"}},
        "additionalProperties": False,
    }

    assert keywords(model, {"x1": 1, "x٢": 2, "x3\n": 3}) == [
        ("/data_set/x3\n", "additionalProperties"),
        ("/data_set/x٢", "additionalProperties"),
    ]
    assert keywords(model, {"x1": "one"}) == [("/data_set/x1", "type")]


def test_additional_properties_schema_applies_to_unmatched_names_only():
    model = {
        "type": "object",
        "patternProperties": {"^x\\d$": {"type": "integer"}},
        "additionalProperties": {"type": "string"},
    }

    assert keywords(model, {"x1": 1, "note": "ok", "x١": 5}) == [
        ("/data_set/x١", "type")
    ]


@pytest.mark.parametrize(
    "fmt, value",
    [
        ("date", "٢٠٢١-٠٣-٠١"),
        ("time", "12:00:00-٠٨:٠٠"),
        ("time", "12:00:00.٥"),
        ("time", "12:00:00+25:00"),
        ("time", "12:00:00+08:60"),
        ("date-time", "2021-03-01T00:00:00-٠٨:٠٠"),
        ("date-time", "2021-03-01T00:00:00Z\u00a0"),
        ("date-time", "0000-01-01T00:00:00Z"),
    ],
)
def test_formats_refuse_non_ascii_digits_and_impossible_offsets(fmt, value):
    model = model_of(when={"type": "string", "format": fmt})

    assert keywords(model, {"when": value}) == [("/data_set/when", "format")]


@pytest.mark.parametrize(
    "fmt, value",
    [
        ("time", "12:00:00-08:00"),
        ("time", "23:59:59.5Z"),
        ("date-time", "0001-01-01T00:00:00+01:00"),
        ("date-time", "9999-12-31T23:00:00-02:00"),
    ],
)
def test_formats_accept_valid_values_even_at_the_edges(fmt, value):
    model = model_of(when={"type": "string", "format": fmt})

    assert keywords(model, {"when": value}) == []

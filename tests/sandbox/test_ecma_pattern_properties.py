"""The sandbox reads patterns the ECMA 262 way too, as the real API does."""

from __future__ import annotations

import pytest

from sandbox.schema import check_data_set


def reasons(model, data_set):
    return [(r["pointer"], r["keyword"]) for r in check_data_set(model, data_set)]


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ("a\xa0b", []),
        ("a\u3000b", []),
        ("a\x1cb", [("/data_set/code", "pattern")]),
        ("AabcZ", []),
    ],
)
def test_pattern_spaces_and_identity_escapes_are_ecma_ones(value, problems):
    code = {"type": "string", "pattern": r"^(a\sb|\Aabc\Z)$"}
    model = {"type": "object", "properties": {"code": code}}

    assert reasons(model, {"code": value}) == problems


def test_pattern_properties_name_members_the_ecma_way():
    model = {
        "type": "object",
        "patternProperties": {r"^x\s": {"type": "integer"}},
        "additionalProperties": False,
    }

    assert reasons(model, {"x\u2028": 1, "x\xa0": 2}) == []
    assert reasons(model, {"x\x85": 1}) == [("/data_set/x\x85", "additionalProperties")]
    assert reasons(model, {"x\ufeff": "one"}) == [("/data_set/x\ufeff", "type")]

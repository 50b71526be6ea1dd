"""Draft 4 patterns are ECMA 262 patterns, however Python reads regexes."""

from __future__ import annotations

import pytest

from forms.formats import build_validator


@pytest.mark.parametrize(
    ("pattern", "value", "valid"),
    [
        ("^[0-9]{5}$", "12345", True),
        ("^[0-9]{5}$", "12345\n", False),
        (r"^\d{3}$", "123", True),
        (r"^\d{3}$", "٣٣٣", False),
        (r"^\w+$", "ümlaut", False),
        ("^[$]5$", "$5", True),
        (r"^\$5$", "$5", True),
        (r"^\$5$", "$5\n", False),
        ("^a$|^b", "a\n", False),
        ("^a$|^b", "b\n", True),
    ],
)
def test_a_pattern_matches_what_ecma_262_matches(pattern, value, valid):
    validator = build_validator({"type": "string", "pattern": pattern})

    assert validator.is_valid(value) is valid

"""Reading typed text: what a person could not have typed is not kept."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from forms.values import read_text

CONTROLS = [
    chr(code)
    for code in range(sys.maxunicode + 1)
    if unicodedata.category(chr(code)) == "Cc"
]
# Controls that stand for a gap between words rather than for nothing.
SPACING = {"\t": ("a b", "a\tb"), "\n": ("a b", "a\nb"), "\r": ("a b", "a\nb")}


def test_controls_cover_c0_delete_and_c1():
    assert len(CONTROLS) == 65
    assert {"\x00", "\x1b", "\x7f", "\x80", "\x85", "\x9f"} <= set(CONTROLS)


@pytest.mark.parametrize("control", CONTROLS, ids=lambda char: f"U+{ord(char):04X}")
def test_one_line_text_keeps_no_control_character(control):
    expected = SPACING.get(control, ("ab", "ab"))[0]

    assert read_text(f"a{control}b") == expected


@pytest.mark.parametrize("control", CONTROLS, ids=lambda char: f"U+{ord(char):04X}")
def test_multi_line_text_keeps_only_tab_and_line_feed(control):
    expected = SPACING.get(control, ("ab", "ab"))[1]

    assert read_text(f"a{control}b", multiline=True) == expected


@pytest.mark.parametrize(
    ("typed", "one_line", "multi_line"),
    [
        ("one\u2028two", "one two", "one\ntwo"),
        ("one\u2029two", "one two", "one\ntwo"),
        ("one\r\n\u2029two", "one  two", "one\n\ntwo"),
        ("\u2028x\x85y", "xy", "xy"),
        ("\u2029 Ana Lima \u2028", "Ana Lima", "Ana Lima"),
    ],
)
def test_unicode_line_and_paragraph_separators_are_line_breaks(
    typed, one_line, multi_line
):
    assert read_text(typed) == one_line
    assert read_text(typed, multiline=True) == multi_line

"""Reading typed text: what a person could not have typed, or see, is not kept."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from forms.values import read_text


def characters_in(category):
    return [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == category
    ]


def code_point(char):
    return f"U+{ord(char):04X}"


CONTROLS = characters_in("Cc")
# Controls that stand for a gap between words rather than for nothing:
# tab, and the line breaks of Unicode's line breaking rules (UAX #14).
SPACING = {
    "\t": ("a b", "a\tb"),
    **{char: ("a b", "a\nb") for char in ("\n", "\x0b", "\x0c", "\r", "\x85")},
}
FORMAT_CHARACTERS = characters_in("Cf")
SPACE_SEPARATORS = characters_in("Zs")
# Never meaningful in prose: soft hyphen, zero-width space, word joiner and
# the invisible maths operators, BOM, bidi embeddings, overrides and
# isolates, the deprecated format characters and the annotation marks.
INVISIBLE_IN_PROSE = [
    "\u00ad",
    "\u200b",
    *map(chr, range(0x2060, 0x2065)),
    "\ufeff",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x2070)),
    *map(chr, range(0xFFF9, 0xFFFC)),
    "\U000e0001",
]
MEANINGFUL_IN_PROSE = [c for c in FORMAT_CHARACTERS if c not in INVISIBLE_IN_PROSE]


def test_controls_cover_c0_delete_and_c1():
    assert len(CONTROLS) == 65
    assert {"\x00", "\x1b", "\x7f", "\x80", "\x85", "\x9f"} <= set(CONTROLS)


def test_unicode_tables_hold_the_characters_guests_paste_most():
    assert {"\u200b", "\u200c", "\u200d", "\ufeff", "\u202e"} <= set(FORMAT_CHARACTERS)
    assert {"\u00a0", "\u202f", "\u3000", "\u2009"} <= set(SPACE_SEPARATORS)
    assert {"\u200c", "\u200d", "\u200e", "\u200f"} <= set(MEANINGFUL_IN_PROSE)


@pytest.mark.parametrize("control", CONTROLS, ids=code_point)
def test_one_line_text_keeps_no_control_character(control):
    expected = SPACING.get(control, ("ab", "ab"))[0]

    assert read_text(f"a{control}b") == expected


@pytest.mark.parametrize("control", CONTROLS, ids=code_point)
def test_multi_line_text_keeps_only_tab_and_line_feed(control):
    expected = SPACING.get(control, ("ab", "ab"))[1]

    assert read_text(f"a{control}b", multiline=True) == expected


@pytest.mark.parametrize(
    ("typed", "one_line", "multi_line"),
    [
        ("one\u2028two", "one two", "one\ntwo"),
        ("one\u2029two", "one two", "one\ntwo"),
        ("one\r\n\u2029two", "one  two", "one\n\ntwo"),
        ("\u2028x\x85y", "x y", "x\ny"),
        ("one\x85two\x0bthree\x0cfour", "one two three four", "one\ntwo\nthree\nfour"),
        ("\u2029 Ana Lima \u2028", "Ana Lima", "Ana Lima"),
    ],
)
def test_unicode_line_breaks_nel_vertical_tab_and_form_feed_are_line_breaks(
    typed, one_line, multi_line
):
    assert read_text(typed) == one_line
    assert read_text(typed, multiline=True) == multi_line


@pytest.mark.parametrize("char", FORMAT_CHARACTERS, ids=code_point)
def test_an_answer_with_a_fixed_shape_keeps_no_format_character(char):
    assert read_text(f"a{char}b", constrained=True) == "ab"
    assert read_text(f"{char}a@b.c{char}", constrained=True) == "a@b.c"


@pytest.mark.parametrize("char", INVISIBLE_IN_PROSE, ids=code_point)
def test_free_text_drops_format_characters_no_prose_needs(char):
    assert read_text(f"{char}Ana{char}Lima{char}") == "AnaLima"
    assert read_text(f"{char}one\n{char}two", multiline=True) == "one\ntwo"


@pytest.mark.parametrize("char", MEANINGFUL_IN_PROSE, ids=code_point)
def test_free_text_keeps_the_other_format_characters(char):
    assert read_text(f"a{char}b") == f"a{char}b"
    assert read_text(f"a{char}b", multiline=True) == f"a{char}b"


@pytest.mark.parametrize(
    "typed",
    [
        "\U0001f469\u200d\U0001f373 cooks",  # woman cook: an emoji ZWJ sequence
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with ZWNJ
        "\u05e9\u05dc\u05d5\u05dd\u200f (42)",  # Hebrew, RLM before a number
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    ],
    ids=["emoji-zwj", "persian-zwnj", "hebrew-rlm", "flag-tags"],
)
def test_free_text_in_scripts_and_emoji_that_need_joiners_is_kept_whole(typed):
    assert read_text(typed) == typed


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("\ufeffAna Lima", "Ana Lima"),
        ("\u202eAna Lima", "Ana Lima"),
        ("\u202bAna\u202c \u2067Lima\u2069", "Ana Lima"),
        ("co\u00adop\u200beration", "cooperation"),
    ],
)
def test_free_text_loses_a_leading_bom_and_bidi_overrides(typed, read):
    assert read_text(typed) == read


@pytest.mark.parametrize("space", SPACE_SEPARATORS, ids=code_point)
def test_every_space_separator_is_read_as_a_plain_space(space):
    assert read_text(f"{space}AB1{space}2CD{space}") == "AB1 2CD"
    assert read_text(f"AB1{space}2CD", constrained=True) == "AB1 2CD"
    assert read_text(f"AB1{space}2CD", multiline=True) == "AB1 2CD"

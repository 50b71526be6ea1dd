"""The room an answers post gets: what the page's controls let through."""

from __future__ import annotations

import pytest

from forms.schema import outline_model
from forms.sizes import largest_answers


def room_for(text: dict) -> int:
    model = {"type": "object", "properties": {"story": text}}
    return largest_answers(outline_model(model, "sizes test"))


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ({"type": "string", "maxLength": 1000}, 2000),
        ({"type": "string"}, 4000),
    ],
)
def test_a_text_gets_nine_bytes_for_each_unit_its_control_lets_through(text, units):
    # "日" is one UTF-16 unit and three UTF-8 bytes, each written %XX.
    assert room_for(text) >= len("f-story=" + "%E6%97%A5" * units)


def test_a_text_of_emoji_at_its_cap_fits_its_room():
    # "😀" is two units and four UTF-8 bytes: 12 bytes for one character.
    assert room_for({"type": "string", "maxLength": 1000}) >= 12 * 1000


@pytest.mark.parametrize("kind", ["integer", "number"])
def test_a_number_input_lets_through_no_more_than_its_room(kind, render, post):
    model = {"type": "object", "properties": {"story": {"type": kind}}}
    _, form = post(model, [])

    control = render(form).find(id="f-story")

    units = int(control["maxlength"])
    assert units == 64
    assert room_for({"type": kind}) >= len("f-story=" + "%E6%97%A5" * units)

"""How many bytes a post of one campaign's answers can take.

A guest may write as much as the form allows: up to 10,000 characters in
a text area, in any script, in every row of a list. Posted urlencoded,
one character can take 12 bytes (four UTF-8 bytes, each written ``%XX``),
so a fixed cap on the body would refuse answers the form itself accepts
and lose them with a 413 page. Each campaign instead gets the room of the
largest post its page lets through, worked out once from its outline:
a text control lets through twice its cap (``forms.fields.input_cap``),
so that a too-long answer is read and explained, not refused unread.
"""

from __future__ import annotations

from forms.fields import input_cap, row_limit
from forms.schema import Node
from forms.values import NUMBER_CAP

# The most bytes one character of an answer takes once urlencoded.
BYTES_PER_CHARACTER = 12
# A text control's maxlength counts UTF-16 units. One unit takes at most
# 9 bytes urlencoded (a three-byte character); a four-byte one is two.
BYTES_PER_UNIT = 9
# Separators, a row index and the "f-" prefix around each posted name.
NAME_SLACK = 16
# Whatever a model's maxLength says, no campaign's posts exceed this.
CEILING = 16 * 1024 * 1024


def largest_answers(root: Node) -> int:
    """Give the bytes the answers of the largest sound post can take.

    The post's other fields (the state token, the honeypot, a list
    button) are not counted: the configured MAX_CONTENT_LENGTH is their
    room, and the app adds this to it.
    """
    return min(_bytes_of(root, ""), CEILING)


def _bytes_of(node: Node, name: str) -> int:
    name = f"{name}-{node.segment}" if node.segment else name
    if node.kind == "group":
        return sum(_bytes_of(child, name) for child in node.children)

    if node.kind == "rows" and node.item is not None:
        # One row more than the limit: a page may post a blank spare row.
        return (row_limit(node) + 1) * _bytes_of(node.item, f"{name}-000")

    if node.kind == "text":
        return _pair(name, 0) + BYTES_PER_UNIT * input_cap(node)

    return sum(_pair(name, value) for value in _longest_values(node))


def _longest_values(node: Node) -> list[int]:
    """Give the character count of each value the question can post."""
    if node.kind in ("integer", "number"):
        return [NUMBER_CAP]

    tokens = [len(choice.token) for choice in node.choices] or [8]
    if node.kind == "checklist":
        return tokens

    return [max(tokens)]


def _pair(name: str, characters: int) -> int:
    return len(name) + NAME_SLACK + BYTES_PER_CHARACTER * characters

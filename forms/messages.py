"""What a guest reads when an answer needs fixing.

Every message is one polite sentence saying what to enter, chosen by the
kind of question and the rule that failed, never the library's wording.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from forms.schema import Node

ANSWER_REQUIRED = "Enter an answer to this question."
CHOOSE_ONE = "Choose one of the options."
NOT_A_CHOICE = "Choose from the options shown; that is not a valid choice."
CHOOSE_SOME = "Choose at least one option."
TICK_BOX = "Tick this box to continue."
ADD_ENTRY = "Add at least one entry."
# For a comma that is not a thousands separator ("1,5", "12,34,567"): a
# guest may have meant a decimal comma or a grouping, so the message shows
# both ways to write what they meant instead of guessing one.
UNCLEAR_COMMA = (
    "Use a point for decimals, like 4.5, and commas only between thousands, like 1,500."
)
REPEATED = "Remove the entries that are repeated."
UNKNOWN = "Check this answer; it is not one the form can accept."
FORMAT_EXAMPLES = {
    "date": "Enter a date like 2021-03-31.",
    "date-time": "Enter a date and time like 2021-03-31 15:00.",
    "time": "Enter a time like 15:30.",
    "email": "Enter an email address like name@example.com.",
    "uri": "Enter a web address like https://example.com.",
}
# Shown beside a date or time typed into a plain text input, where the
# browser's picker no longer says what shape the answer takes.
FORMAT_HINTS = {
    "date": "Year, month and day, like 2021-03-31.",
    "date-time": "Date and time, like 2021-03-31 15:00.",
    "time": "Hours and minutes, like 15:30.",
}
PATTERN_FALLBACK = "Enter the answer in the format asked for."


def skipped_time(moment) -> str:
    """Say a local time falls where the clocks go forward, so never happens."""
    clock = f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"
    return (
        f"There is no {clock} on {moment:%-d %B %Y} here: the clocks go "
        "forward that night. Enter a time that exists."
    )


def too_long(limit: int) -> str:
    """Say the answer is longer than ``limit`` characters."""
    return f"Enter no more than {limit:,} characters."


def message_for(node: Node, keyword: str, error: Any = None) -> str:
    """Pick the guest message for a rule (a Draft 4 keyword) a node broke."""
    if keyword == "required":
        return required_message(node)
    if node.kind == "integer" and keyword in NUMBER_RULES:
        return range_message(node, "a whole number")
    if node.kind == "number" and keyword in NUMBER_RULES:
        return range_message(node, "a number")
    if keyword in ("enum", "oneOf", "anyOf"):
        if node.kind == "boolean":
            return TICK_BOX
        if node.kind == "checklist":
            return NOT_A_CHOICE
        return CHOOSE_ONE
    if keyword == "format":
        return FORMAT_EXAMPLES.get(node.format, UNKNOWN)
    if keyword in ("minLength", "maxLength"):
        return length_message(node)
    if keyword == "pattern":
        return node.pattern_message or PATTERN_FALLBACK
    if keyword in ("minItems", "maxItems"):
        return count_message(node)
    if keyword == "uniqueItems":
        return REPEATED
    if keyword == "type":
        return type_message(node)

    return UNKNOWN


NUMBER_RULES = ("type", "minimum", "maximum", "multipleOf")


def required_message(node: Node) -> str:
    """Say what to do about a question left unanswered."""
    if node.kind == "boolean":
        return TICK_BOX
    if node.kind == "choice":
        return CHOOSE_ONE
    if node.kind == "checklist":
        return CHOOSE_SOME
    if node.kind == "rows":
        return ADD_ENTRY
    if node.kind in ("integer", "number"):
        return range_message(
            node, "a whole number" if node.kind == "integer" else "a number"
        )
    if node.format in FORMAT_EXAMPLES:
        return FORMAT_EXAMPLES[node.format]

    return ANSWER_REQUIRED


def type_message(node: Node) -> str:
    """Say what kind of answer the question takes."""
    if node.kind in ("integer", "number"):
        return range_message(
            node, "a whole number" if node.kind == "integer" else "a number"
        )
    if node.kind in ("choice", "boolean", "checklist"):
        return required_message(node)
    if node.format in FORMAT_EXAMPLES:
        return FORMAT_EXAMPLES[node.format]

    return UNKNOWN


def range_message(node: Node, noun: str) -> str:
    """Say which numbers are accepted, e.g. 'Enter a whole number from 1 to 5.'."""
    low, low_open, high, high_open = bounds(node)
    if low is not None and high is not None:
        if not (low_open or high_open):
            text = f"Enter {noun} from {low} to {high}"
        else:
            first = f"more than {low}" if low_open else f"of at least {low}"
            second = f"less than {high}" if high_open else f"at most {high}"
            text = f"Enter {noun} {first} and {second}"
    elif low is not None:
        text = (
            f"Enter {noun} more than {low}"
            if low_open
            else (f"Enter {noun} of {low} or more")
        )
    elif high is not None:
        text = (
            f"Enter {noun} less than {high}"
            if high_open
            else (f"Enter {noun} of {high} or less")
        )
    else:
        text = f"Enter {noun}"

    step = node.schema.get("multipleOf")
    if step is not None and not (node.kind == "integer" and step == 1):
        text += f" in steps of {_number(step)}"

    return text + "."


def bounds(node: Node) -> tuple[str | None, bool, str | None, bool]:
    """Give the lowest and highest answers, and whether each is excluded.

    Draft 4's exclusive bounds are booleans beside minimum and maximum; for
    whole numbers they become the next whole number in, so guests read an
    inclusive range.
    """
    schema = node.schema
    if node.kind == "integer":
        low, high = inclusive_minimum(schema), inclusive_maximum(schema)
        return (
            None if low is None else _number(low),
            False,
            None if high is None else _number(high),
            False,
        )

    low, high = schema.get("minimum"), schema.get("maximum")
    return (
        None if low is None else _number(low),
        bool(schema.get("exclusiveMinimum")),
        None if high is None else _number(high),
        bool(schema.get("exclusiveMaximum")),
    )


def inclusive_minimum(schema: dict[str, Any]) -> int | float | None:
    """Give the smallest whole number a schema allows, if it has a minimum."""
    low = schema.get("minimum")
    if low is None:
        return None

    whole = int(Decimal(str(low)).to_integral_value(rounding="ROUND_CEILING"))
    if schema.get("exclusiveMinimum") and whole == low:
        whole += 1

    return whole


def inclusive_maximum(schema: dict[str, Any]) -> int | float | None:
    """Give the largest whole number a schema allows, if it has a maximum."""
    high = schema.get("maximum")
    if high is None:
        return None

    whole = int(Decimal(str(high)).to_integral_value(rounding="ROUND_FLOOR"))
    if schema.get("exclusiveMaximum") and whole == high:
        whole -= 1

    return whole


def length_message(node: Node) -> str:
    """Say how many characters are accepted."""
    low = node.schema.get("minLength")
    high = node.schema.get("maxLength")
    if low and high:
        return f"Enter from {low:,} to {high:,} characters."
    if low:
        return f"Enter at least {low:,} characters."
    if high:
        return too_long(high)

    return UNKNOWN


def count_message(node: Node) -> str:
    """Say how many options or entries are accepted."""
    low = node.schema.get("minItems")
    high = node.schema.get("maxItems")
    noun = "option" if node.kind == "checklist" else "entry"
    plural = "options" if node.kind == "checklist" else "entries"
    verb = "Choose" if node.kind == "checklist" else "Give"
    if low and high:
        return f"{verb} from {low} to {high} {plural}."
    if low:
        return f"{verb} at least {low} {noun if low == 1 else plural}."
    if high is not None:
        return f"{verb} no more than {high} {noun if high == 1 else plural}."

    return UNKNOWN


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)

    return (
        f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)
    )

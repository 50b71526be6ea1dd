"""Format checks we own, so a guest's answer is judged the same everywhere.

jsonschema only checks some formats when optional packages are installed,
which would make "2021-02-30" valid on one machine and not on another. The
checkers here use the standard library only and follow RFC 3339 (dates and
times) and RFC 3986 (URIs) closely enough for what guests type.

Draft 4's ``pattern`` is an ECMA 262 regular expression, and the upstream
API judges answers by ECMA's reading: ``forms.patterns`` translates it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators

from forms.patterns import matches_ecma

DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", re.ASCII)
DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})$",
    re.ASCII,
)
# RFC 5321 caps the whole address at 254 and the local part at 64
# characters; inside those we accept what people actually have, including
# internationalised domains, and insist on a dot in the domain.
EMAIL = re.compile(r"^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
WEB_URI = re.compile(r"^https?://[^/?#\s]+", re.IGNORECASE)

SUPPORTED_FORMATS = ("date", "date-time", "time", "email", "uri")


def is_date(value: object) -> bool:
    """Tell whether a string is a real calendar day written YYYY-MM-DD."""
    if not isinstance(value, str):
        return True

    match = DATE.match(value)
    if not match:
        return False

    try:
        date(*(int(part) for part in match.groups()))
    except ValueError:
        return False

    return True


def is_time(value: object) -> bool:
    """Tell whether a string is a time of day, HH:MM:SS.

    Draft 4 defines no ``time`` format; we accept RFC 3339 partial-time and
    full-time with an offset, seconds included, which the strictest checker
    upstream could ask for. A browser's HH:MM is completed when it is read.
    """
    if not isinstance(value, str):
        return True

    match = TIME.match(value)
    if not match:
        return False

    hour, minute, second = match.group(1), match.group(2), match.group(3)
    return (
        int(hour) < 24
        and int(minute) < 60
        and int(second) < 60
        and (_is_offset(match.group(5)))
    )


def is_date_time(value: object) -> bool:
    """Tell whether a string is an RFC 3339 date-time with an offset."""
    if not isinstance(value, str):
        return True

    match = DATE_TIME.match(value)
    if not match:
        return False

    day, clock, offset = match.groups()
    return is_date(day) and is_time(clock) and _is_offset(offset)


def is_email(value: object) -> bool:
    """Tell whether a string looks like a deliverable email address."""
    if not isinstance(value, str):
        return True

    return len(value) <= 254 and EMAIL.match(value) is not None


def is_uri(value: object) -> bool:
    """Tell whether a string is an absolute URI; web ones need a host."""
    if not isinstance(value, str):
        return True

    if not URI.match(value):
        return False

    if value.lower().startswith(("http:", "https:")):
        return WEB_URI.match(value) is not None

    return True


def build_format_checker() -> FormatChecker:
    """Make a checker that knows exactly our formats and nothing optional."""
    checker = FormatChecker(formats=())
    checker.checks("date")(is_date)
    checker.checks("time")(is_time)
    checker.checks("date-time")(is_date_time)
    checker.checks("email")(is_email)
    checker.checks("uri")(is_uri)

    return checker


def ecma_pattern(validator, pattern: str, instance: Any, schema: dict):
    """Check ``pattern`` as ECMA 262 reads it, which Draft 4 prescribes.

    Python's re lets \\d match Arabic-Indic and other digits, lets ``$``
    match before a final line feed and knows constructs ECMA has not; the
    upstream's validator and the browser go by ECMA.
    """
    if isinstance(instance, str) and not matches_ecma(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


GuestformValidator = validators.extend(Draft4Validator, {"pattern": ecma_pattern})


def build_validator(schema: dict) -> Draft4Validator:
    """Make the Draft 4 validator that has the final word on a data set."""
    return GuestformValidator(schema, format_checker=build_format_checker())


def parse_date_time(value: str) -> datetime | None:
    """Read an RFC 3339 date-time into an aware datetime, or None."""
    if not is_date_time(value):
        return None

    text = value.upper().replace(" ", "T").replace("Z", "+00:00")
    return datetime.fromisoformat(text)


def _is_offset(offset: str | None) -> bool:
    if offset is None or offset in "Zz":
        return True

    hours, minutes = offset[1:].split(":")
    return int(hours) < 24 and int(minutes) < 60

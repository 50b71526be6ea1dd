"""Checking a data_set against its campaign's data model (JSON Schema Draft 4).

jsonschema only checks the formats whose optional packages happen to be
installed, and Draft 4's own checker knows no "date". A sandbox that
passed "2021-02-30" because a package was missing would hide form bugs,
so every format used in campaign files is checked here with the stdlib.

Draft 4 reads ``pattern`` and ``patternProperties`` as ECMA 262 regular
expressions. Python's differ (``$`` matches before a final newline, ``\\d``
takes any script's digits), so the regexes go through the app's own
ECMA translation, ``forms.patterns.matches_ecma``. The format checkers
stay the sandbox's own, so the two sides check each other.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from forms.campaign import json_pointer
from forms.formats import ecma_pattern
from forms.patterns import matches_ecma
from sandbox.timestamps import TimestampError, read_local_timestamp, read_offset

# RFC 3339 digits are ASCII only; without re.ASCII \d takes any script's.
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
TIME_PATTERN = re.compile(
    r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@(?:[^@\s.]+\.)+[^@\s.]+")
HOSTNAME_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

format_checker = FormatChecker(formats=())


@format_checker.checks("date")
def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True

    if not DATE_PATTERN.fullmatch(value):
        return False

    try:
        date.fromisoformat(value)
    except ValueError:
        return False

    return True


@format_checker.checks("time")
def is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True

    match = TIME_PATTERN.fullmatch(value)
    if not match:
        return False

    try:
        time.fromisoformat(value[:8])
        if match["offset"]:
            read_offset(match["offset"])
    except ValueError:
        return False

    return True


@format_checker.checks("date-time")
def is_date_time(value: object) -> bool:
    """Tell whether a string is an RFC 3339 date-time.

    A data_set keeps the text as sent, so a time that would leave the
    years 1 to 9999 only once moved to UTC is still a valid one here.
    """
    if not isinstance(value, str):
        return True

    try:
        read_local_timestamp(value)
    except TimestampError:
        return False

    return "t" in value.lower()


@format_checker.checks("email")
def is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True

    return EMAIL_PATTERN.fullmatch(value) is not None and len(value) <= 254


@format_checker.checks("hostname")
def is_hostname(value: object) -> bool:
    if not isinstance(value, str):
        return True

    labels = value.rstrip(".").split(".")
    return len(value) <= 253 and all(HOSTNAME_LABEL.fullmatch(x) for x in labels)


@format_checker.checks("ipv4")
def is_ipv4(value: object) -> bool:
    if not isinstance(value, str):
        return True

    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False

    return True


@format_checker.checks("ipv6")
def is_ipv6(value: object) -> bool:
    if not isinstance(value, str):
        return True

    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False

    return True


@format_checker.checks("uri")
def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True

    parts = urlsplit(value)
    has_scheme = re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme or "")
    return bool(has_scheme) and not any(c.isspace() for c in value)


def check_ecma_pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict
) -> Iterator[ValidationError]:
    """Check ``patternProperties`` with names matched the ECMA 262 way."""
    if not validator.is_type(instance, "object"):
        return

    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if matches_ecma(pattern, name):
                yield from validator.descend(
                    value, subschema, path=name, schema_path=pattern
                )


def check_ecma_additional_properties(
    validator: Any, allowed: Any, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    """Check ``additionalProperties``, knowing names by ECMA 262 patterns."""
    if not validator.is_type(instance, "object"):
        return

    extras = _unexpected(instance, schema)
    if validator.is_type(allowed, "object"):
        for name in extras:
            yield from validator.descend(instance[name], allowed, path=name)
    elif allowed is False and extras:
        names = ", ".join(repr(name) for name in extras)
        yield ValidationError(f"Additional properties are not allowed ({names}).")


SandboxValidator = validators.extend(
    Draft4Validator,
    {
        "pattern": ecma_pattern,
        "patternProperties": check_ecma_pattern_properties,
        "additionalProperties": check_ecma_additional_properties,
    },
)


def check_data_set(model: dict[str, Any], data_set: Any) -> list[dict[str, str]]:
    """List every way a data_set breaks the data model; empty means valid.

    Each reason names a JSON pointer into the PATCH body, the schema keyword
    and a message. A missing or unexpected property is pointed at by its
    own name, so a form can put the message next to the right field.
    """
    validator = SandboxValidator(model, format_checker=format_checker)
    reasons = []
    for error in validator.iter_errors(data_set):
        reasons.extend(_describe(error))

    return sorted(reasons, key=lambda r: (r["pointer"], r["keyword"], r["message"]))


def _describe(error: ValidationError) -> list[dict[str, str]]:
    path = ["data_set", *error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [
            name
            for name in error.validator_value
            if name not in error.instance and error.message.startswith(repr(name))
        ]
        return [
            _reason([*path, name], "required", "This field is required.")
            for name in missing[:1]
        ]

    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return [
            _reason([*path, name], "additionalProperties", "This field is not allowed.")
            for name in _unexpected(error.instance, error.schema)
        ]

    return [_reason(path, str(error.validator), error.message)]


def _unexpected(instance: dict, schema: dict) -> list[str]:
    known = set(schema.get("properties", {}))
    patterns = schema.get("patternProperties", {})
    return sorted(
        name
        for name in instance
        if name not in known and not any(matches_ecma(p, name) for p in patterns)
    )


def _reason(path: list, keyword: str, message: str) -> dict[str, str]:
    return {"pointer": json_pointer(path), "keyword": keyword, "message": message}

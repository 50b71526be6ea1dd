"""RFC 3339 timestamps as the contract stores them: in UTC, to the second."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# RFC 3339 section 5.6, widened the ways the contract's own example is:
# a space may stand for "T" and the offset may be "-08" or "-0800". Its
# DIGIT is ASCII only (RFC 5234), hence re.ASCII: without it \d would
# also take Arabic-Indic and other digits, which int() then reads. Its
# time-secfrac is "." 1*DIGIT, so a fraction may have any number of digits.
TIMESTAMP_PATTERN = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt ]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)",
    re.ASCII,
)
OFFSET_PATTERN = re.compile(r"[+-](?P<hours>\d{2}):?(?P<minutes>\d{2})?", re.ASCII)
# str.strip() would also drop Unicode spaces and separators; only the
# ASCII whitespace a client might leave around the value is forgiven.
ASCII_WHITESPACE = " \t\n\r\f\v"
# Year 0 is a leap year in the proleptic Gregorian calendar, as 2000 is,
# so 2000 can stand in for it when checking that a day exists.
LEAP_STAND_IN = 2000
OUT_OF_RANGE = (
    "The timestamp falls outside 0001-01-01T00:00:00Z to "
    "9999-12-31T23:59:59Z, the range the API stores."
)


class TimestampError(ValueError):
    """A value is not an RFC 3339 timestamp with an offset."""


def parse_timestamp(value: str) -> datetime:
    """Read an RFC 3339 timestamp into an aware datetime in UTC.

    Raises TimestampError when the text is not a timestamp, names an
    impossible date or time, has no offset (a local time without an
    offset cannot be placed in UTC), or falls outside the years 1 to
    9999 once placed in UTC.
    """
    local = read_local_timestamp(value)
    try:
        return local.astimezone(timezone.utc)
    except OverflowError as exc:
        raise TimestampError(OUT_OF_RANGE) from exc


def read_local_timestamp(value: str) -> datetime:
    """Read an RFC 3339 timestamp as written, with its own offset.

    Raises TimestampError as parse_timestamp does, except that a time
    which would leave the years 1 to 9999 only in UTC is accepted.
    """
    match = TIMESTAMP_PATTERN.fullmatch(value.strip(ASCII_WHITESPACE))
    if match is None:
        raise TimestampError(
            "Use an RFC 3339 timestamp with an offset, for example "
            "2021-03-01T08:00:00Z or 2021-03-01 00:00:00-08."
        )

    offset = read_offset(match["offset"])
    parts = [int(match[name]) for name in ("month", "day", "hour", "minute")]
    second = int(match["second"])
    microsecond = int((match["fraction"] or "0")[:6].ljust(6, "0"))
    year = int(match["year"])
    try:
        local = datetime(
            year or LEAP_STAND_IN, *parts, second, microsecond, tzinfo=offset
        )
    except ValueError as exc:
        raise TimestampError(
            "The timestamp names a date or time that does not exist."
        ) from exc

    if year == 0:
        raise TimestampError(OUT_OF_RANGE)

    return local


def read_offset(text: str) -> timezone:
    """Read a UTC offset (Z, ±HH, ±HHMM or ±HH:MM) into a timezone.

    Raises TimestampError when the text is no offset or out of range.
    """
    if text in ("Z", "z"):
        return timezone.utc

    match = OFFSET_PATTERN.fullmatch(text)
    if match is None:
        raise TimestampError("Write the offset as Z, +HH:MM or -HH:MM.")

    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 23 or minutes > 59:
        raise TimestampError("The timestamp's offset is out of range.")

    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_utc(moment: datetime) -> str:
    """Write an aware datetime the way the API returns it.

    Fractions of a second are dropped: every example in the contract is
    to the whole second.
    """
    utc = moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"

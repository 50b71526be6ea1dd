"""RFC 3339 timestamps as the contract stores them: in UTC, to the second."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# RFC 3339 section 5.6, widened the ways the contract's own example is:
# a space may stand for "T" and the offset may be "-08" or "-0800".
TIMESTAMP_PATTERN = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)"
)


class TimestampError(ValueError):
    """A value is not an RFC 3339 timestamp with an offset."""


def parse_timestamp(value: str) -> datetime:
    """Read an RFC 3339 timestamp into an aware datetime in UTC.

    Raises TimestampError when the text is not a timestamp, names an
    impossible date or time, or has no offset (a local time without an
    offset cannot be placed in UTC).
    """
    match = TIMESTAMP_PATTERN.fullmatch(value.strip())
    if match is None:
        raise TimestampError(
            "Use an RFC 3339 timestamp with an offset, for example "
            "2021-03-01T08:00:00Z or 2021-03-01 00:00:00-08."
        )

    offset = _read_offset(match["offset"])
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    try:
        local = datetime.fromisoformat(
            f"{match['date']}T{match['hour']}:{match['minute']}:"
            f"{match['second']}.{fraction}"
        )
        return local.replace(tzinfo=offset).astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise TimestampError(
            "The timestamp names a date or time that does not exist."
        ) from exc


def format_utc(moment: datetime) -> str:
    """Write an aware datetime the way the API returns it.

    Fractions of a second are dropped: every example in the contract is
    to the whole second.
    """
    utc = moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"


def _read_offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc

    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise TimestampError("The timestamp's offset is out of range.")

    return timezone(sign * timedelta(hours=hours, minutes=minutes))

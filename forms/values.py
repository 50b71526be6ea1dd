"""Reading what guests type into JSON values, and writing values back.

Python's own parsers are too generous for people's input: ``int()``
accepts "1_0" and Arabic-Indic digits, ``float()`` accepts "1e400" and
"nan". These readers accept ASCII digits only, in the shapes a person
would type, and raise ``AnswerError`` with the guest's message otherwise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from forms import messages
from forms.formats import parse_date_time

TEXT_CAP = 2_000
LONG_TEXT_CAP = 10_000
# The most characters a number's input takes: more than any sensible number
# with its digit groups, and few enough that the answers post always has
# room for what the input lets through (forms.sizes).
NUMBER_CAP = 64

WHOLE = re.compile(r"^[+-]?[0-9]+(?:\.0*)?$", re.ASCII)
DECIMAL = re.compile(
    r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$", re.ASCII
)
# Every control character (Unicode's Cc: C0, DEL and C1) but tab and line
# feed, which read_text places itself.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# CRLF from forms, a lone CR, and the other breaks Unicode's line breaking
# rules (UAX #14) make mandatory: vertical tab, form feed, NEL, and the
# line and paragraph separators that word processors and phones paste.
LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Thousands grouped with commas, as our own messages print them ("from 0
# to 10,000"): a first group of one to three digits not starting with 0,
# then groups of exactly three, then any decimals after a point. Any other
# comma ("1,5", "1,50", "0,500", "12,34,567") could mean a decimal comma or
# a slip, so it is refused rather than guessed.
DIGIT_GROUPS = re.compile(
    r"^[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?$", re.ASCII
)
LOCAL_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII
)
# A date and time typed with an offset but, like a datetime-local value,
# without seconds; RFC 3339 needs them, so ":00" is put in.
OFFSET_WITHOUT_SECONDS = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)
# Whole numbers past 2**53 lose digits in most JSON parsers, and numbers
# with hundreds of digits are not answers anyone types.
DIGITS_CAP = 15

# Format characters (Cf) that never mean anything in prose: the soft
# hyphen, zero-width space, word joiner and the invisible maths operators
# beside it, byte order marks, the bidi embeddings, overrides and isolates
# (which can make stored text display reversed), the characters Unicode
# deprecated (U+206A-U+206F, the language tag) and the annotation
# characters it keeps out of interchange (U+FFF9-U+FFFB). ZWJ and ZWNJ
# stay, since emoji sequences and Persian and Indic spelling need them, as
# do LRM, RLM and the Arabic letter mark, which place neutral characters
# in mixed-direction text.
INVISIBLE_IN_PROSE = (
    "\u00ad\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\ufff9\ufffa\ufffb\U000e0001"
)


# Unicode places its format characters and space separators in the Basic
# and Supplementary Multilingual and Ideographic planes, and its tags in
# plane 14; the other planes hold letters, unassigned and private-use code
# points only. Reading these four takes a quarter of the time of all
# seventeen, at every start of a process.
PLANES_WITH_INVISIBLES = (0, 1, 2, 14)


def characters_by_category(*categories: str) -> dict[str, str]:
    """List the characters of some Unicode general categories, as Python knows them."""
    found: dict[str, list[str]] = {category: [] for category in categories}
    for plane in PLANES_WITH_INVISIBLES:
        for code in range(plane * 0x10000, (plane + 1) * 0x10000):
            char = chr(code)
            kept = found.get(unicodedata.category(char))
            if kept is not None:
                kept.append(char)

    return {category: "".join(chars) for category, chars in found.items()}


_INVISIBLES = characters_by_category("Cf", "Zs")
FORMAT_CHARACTERS = _INVISIBLES["Cf"]
# No-break, thin, ideographic and the other space separators (Zs) look like
# a space to the guest typing them, so they are read as one.
SPACES = {ord(char): " " for char in _INVISIBLES["Zs"]}
PROSE_TABLE = {**SPACES, **dict.fromkeys(map(ord, INVISIBLE_IN_PROSE))}
CONSTRAINED_TABLE = {**SPACES, **dict.fromkeys(map(ord, FORMAT_CHARACTERS))}


class AnswerError(ValueError):
    """A guest's answer cannot be read; the argument is the guest message."""


def read_text(raw: str, multiline: bool = False, constrained: bool = False) -> str:
    """Tidy typed text: trim the ends, one kind of space and of line break.

    :param multiline: the text comes from a textarea and keeps its breaks.
    :param constrained: the answer must fit a format, a pattern or a
        number's shape, so every format character (Cf) goes: one pasted
        invisibly inside an email would otherwise be stored in an address
        that looks right and is not, or fail a pattern for no visible
        reason. Free text only loses those that never mean anything in
        prose (``INVISIBLE_IN_PROSE``).

    Browsers send textarea line breaks as CRLF (HTML's form encoding), and
    a single-line input cannot hold a break at all, so one there (a line
    or paragraph separator, NEL, vertical tab or form feed included) was
    pasted, not typed, and is folded into a space, as is a tab. Other
    control characters, C0 and C1 (NUL, ESC and the like), cannot be typed
    either; they are dropped rather than stored on a guest's profile.
    """
    text = LINE_BREAKS.sub("\n", raw)
    text = CONTROL_CHARACTERS.sub("", text)
    text = text.translate(CONSTRAINED_TABLE if constrained else PROSE_TABLE)
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")

    return text.strip()


def ungroup_digits(text: str) -> str:
    """Drop the commas of thousands grouped the standard way: "1,500" is 1500.

    Any other text, including other uses of a comma, is given back as it is.
    """
    return text.replace(",", "") if DIGIT_GROUPS.match(text) else text


def read_whole_number(text: str) -> int:
    """Read "7", " 7 ", "+7", "7.0" as 7 and "1,500" as 1500; refuse the rest.

    Raises AnswerError with an empty message; the caller words it, since
    only the caller knows the range to mention.
    """
    text = ungroup_digits(text)
    if not WHOLE.match(text):
        raise AnswerError("")

    digits = text.split(".")[0]
    if len(digits.lstrip("+-")) > DIGITS_CAP:
        raise AnswerError("")

    return int(digits)


def read_number(text: str) -> int | float:
    """Read a decimal number written with a point; whole ones become int.

    Thousands grouped with commas ("12,345.67") are read as they are
    printed. Raises AnswerError("comma") for any other comma, which could
    be a decimal comma or a slip in the grouping, else an empty message for
    the caller to word.
    """
    text = ungroup_digits(text)
    if "," in text:
        raise AnswerError("comma")
    if not DECIMAL.match(text) or len(text) > 40:
        raise AnswerError("")

    try:
        exact = Decimal(text)
    except InvalidOperation as exc:
        raise AnswerError("") from exc

    value = float(exact)
    if not math.isfinite(value):
        raise AnswerError("")
    # Whole or not is judged on the number that is sent, after rounding:
    # "9999.999999999999999" is sent as 10000, not 10000.0.
    if value.is_integer() and abs(value) < 10**DIGITS_CAP:
        return int(value)

    return value


def show_number(value: float) -> str:
    """Write a number so that reading it back gives the same number."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**DIGITS_CAP:
        return str(int(value))

    return repr(value) if isinstance(value, float) else str(value)


def zone_named(name: str) -> tzinfo:
    """Find a time zone by IANA name; UTC needs no tz database."""
    if name in ("", "UTC", "Etc/UTC"):
        return UTC

    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def read_local_date_time(text: str, zone: tzinfo) -> str:
    """Turn a browser's local date and time into RFC 3339 with an offset.

    A datetime-local input sends no offset; we read it in the campaign's
    time zone (``ui.timezone``, UTC when unset). A value that already has
    an offset, typed where the browser has no picker, keeps its instant.
    """
    if LOCAL_DATE_TIME.match(text):
        try:
            local = datetime.fromisoformat(text.replace("t", "T").replace(" ", "T"))
        except ValueError as exc:
            raise AnswerError("") from exc
        moment = local.replace(tzinfo=zone)
        if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
            raise AnswerError(messages.skipped_time(local))
    else:
        found = OFFSET_WITHOUT_SECONDS.match(text)
        if found:
            text = f"{found[1]}:00{found[2]}"
        moment = parse_date_time(text)
        if moment is None:
            raise AnswerError("")
        moment = moment.astimezone(zone)

    return write_date_time(moment)


def write_date_time(moment: datetime) -> str:
    """Write an aware datetime as RFC 3339, with Z for UTC."""
    text = moment.isoformat(
        timespec="seconds" if not moment.microsecond else "microseconds"
    )
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def show_local_date_time(value: str, zone: tzinfo) -> str:
    """Write a stored date-time as a datetime-local value in the campaign zone."""
    moment = parse_date_time(value)
    if moment is None:
        return ""

    local = moment.astimezone(zone).replace(tzinfo=None)
    if local.second or local.microsecond:
        return local.isoformat()

    return local.isoformat(timespec="minutes")

"""The lookup step: the three facts a guest knows about their booking."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from wtforms import Form, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from forms.values import read_text

BOOKING_ID = re.compile(r"[0-9]+")
# The API's booking ids are 64-bit signed integers.
LARGEST_BOOKING_ID = 2**63 - 1
BOOKING_ID_DIGITS = len(str(LARGEST_BOOKING_ID))
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# A year-first date with one-digit months or days, or with a time after it,
# as booking systems' merge fields write it into email links.
YEAR_FIRST = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ].*)?$")

# Apostrophes people paste from phones, word processors and other keyboard
# layouts. The API promises to drop "apostrophes" from names it compares;
# only the ASCII one is certain to be among them, so these become it.
APOSTROPHES = frozenset(
    "\u2019\u2018\u201b\u02bc\u02bb\u02bd\u02b9\u0060\u00b4\u2032\u2035\uff07"
)
# Minus signs and hyphen look-alikes outside Unicode's dash category (Pd),
# which the API's "hyphens" may not cover either: these become "-".
MINUS_SIGNS = frozenset("\u2212\u2043\u02d7\u207b\u208b\u2796")
# What the API drops from a name once the look-alikes are ASCII.
SEARCH_IGNORES = frozenset("'- ")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def read_booking_number(value: str | None) -> str | None:
    """Write a typed booking number in ASCII digits, as the API takes it.

    Phones with Arabic, Persian, Devanagari or full-width keyboards type
    their own digits; "١٢٣٤" is the booking 1234 all the same. Anything
    that is not a decimal digit is left for the validator to explain.
    """
    if not isinstance(value, str):
        return value

    text = value.strip()
    if text.isascii():
        return text

    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text
    )


def booking_number_searched(text: str) -> str:
    """Give the number a search would be made for, or the text as it is.

    "#01234", " 1234 " and "١٢٣٤" all search for 1234. Text that is no
    booking number is given back tidied, for the validator to refuse.
    """
    digits = read_booking_number(text).lstrip("#")
    if not BOOKING_ID.fullmatch(digits):
        return digits

    return digits.lstrip("0") or "0"


def _booking_id(form: Form, field: StringField) -> None:
    digits = (field.data or "").lstrip("#")
    if not BOOKING_ID.fullmatch(digits):
        raise ValidationError(
            "Enter the booking number from your confirmation email, digits only."
        )

    # Leading zeros are not part of the number, and the length of what is
    # left is checked before it is turned into an integer: Python refuses
    # to read more than 4,300 digits, and no booking has more than 19.
    number = digits.lstrip("0") or "0"
    if len(number) > BOOKING_ID_DIGITS or int(number) > LARGEST_BOOKING_ID:
        raise ValidationError(
            "That number is larger than any booking number. "
            "Check it against your confirmation email."
        )

    field.data = number


def read_visit_date(value: str | None) -> str | None:
    """Write a year-first date the way a date input holds it: 2021-03-31.

    "2021-3-31" and "2021-03-31T15:00" from a link name the same day; a date
    input would show them blank. Anything else is left as typed, for the
    validator to explain.
    """
    if not isinstance(value, str):
        return value

    text = value.strip()
    found = YEAR_FIRST.match(text)
    if found is None:
        return text

    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def is_visit_date(text: str) -> bool:
    """Tell whether text is a real day written YYYY-MM-DD, as the API takes it."""
    if not ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False

    return True


def _experience_date(form: Form, field: StringField) -> None:
    if not is_visit_date(field.data or ""):
        raise ValidationError("Enter the date of your visit, like 2021-03-31.")


def tidy_last_name(value: str | None) -> str | None:
    """Rewrite a typed last name in the characters the API's search drops.

    The API compares names without apostrophes, hyphens and spaces, but a
    name pasted from a phone or a document carries curly apostrophes, en
    dashes, minus signs, no-break spaces and invisible characters (soft
    hyphens, zero-width joiners: Unicode's format category, Cf) that it
    may not know. Sending the ASCII ones instead lets "Newton\u2010John"
    find the booking that "Newton-John" finds.
    """
    if not isinstance(value, str):
        return value

    # A name must match character for character, like an email: every
    # invisible character goes, as forms.values reads such answers.
    text = read_text(value, constrained=True)

    return "".join(_ascii_look_alike(char) for char in text)


def _ascii_look_alike(char: str) -> str:
    if unicodedata.category(char) == "Pd" or char in MINUS_SIGNS:
        return "-"
    if char in APOSTROPHES:
        return "'"

    return char


def search_key(name: str) -> str:
    """Give the part of a last name the API compares, as its contract says.

    Accents, case, apostrophes, hyphens and spaces are removed, so
    "D'Angelo" gives "dangelo" and "Newton-John" gives "newtonjohn".
    """
    decomposed = tidy_last_name(unicodedata.normalize("NFKD", name))
    kept = (
        char
        for char in decomposed
        if not unicodedata.combining(char) and char not in SEARCH_IGNORES
    )

    return "".join(kept).casefold()


def _has_letters(form: Form, field: StringField) -> None:
    # The API refuses a name with nothing left once it has dropped the
    # characters it ignores: judge the name as it will, next to the field.
    if not any(char.isalpha() for char in search_key(field.data or "")):
        raise ValidationError("Enter the last name on the booking, in letters.")


class LookupForm(Form):
    """Booking number, last name and visit date, as printed on the booking."""

    booking_id = StringField(
        "Booking number",
        filters=[read_booking_number],
        validators=[
            DataRequired("Enter the booking number from your confirmation email."),
            _booking_id,
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    last_name = StringField(
        "Last name",
        filters=[tidy_last_name],
        validators=[
            DataRequired("Enter the last name on the booking."),
            Length(max=100, message="Enter a last name of 100 characters or fewer."),
            _has_letters,
        ],
        render_kw={"autocomplete": "family-name"},
    )
    experience_date = StringField(
        "Date of your visit",
        filters=[read_visit_date],
        validators=[
            DataRequired("Enter the date of your visit."),
            _experience_date,
        ],
        render_kw={"type": "date"},
    )

    def date_input_type(self) -> str:
        """Show a date the picker cannot hold in a text input, so it stays seen.

        A date input shows "31/03/2021" from a link as blank, and the guest
        would only read that the date is missing.
        """
        text = self.experience_date.data or ""

        return "date" if not text or is_visit_date(text) else "text"

    def date_hint(self) -> str:
        """Say how to write the date only where it is typed as plain text.

        A date picker shows and takes a date in the order of the guest's
        own settings (31/03/2021 or 03/31/2021); a year-first example
        beside it led a guest to type 2021 into the month.
        """
        if self.date_input_type() == "date":
            return "As on your booking confirmation."

        return "Year, month and day, like 2021-03-31."

"""The lookup step: the three facts a guest knows about their booking."""

from __future__ import annotations

import re
from datetime import date

from wtforms import Form, StringField
from wtforms.validators import DataRequired, Length, ValidationError

BOOKING_ID = re.compile(r"^[0-9]{1,12}$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _booking_id(form: Form, field: StringField) -> None:
    digits = (field.data or "").lstrip("#")
    if not BOOKING_ID.match(digits):
        raise ValidationError(
            "Enter the booking number from your confirmation email, digits only."
        )

    field.data = digits


def _experience_date(form: Form, field: StringField) -> None:
    text = field.data or ""
    try:
        if not ISO_DATE.match(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            "Enter the date of your visit, like 2021-03-31."
        ) from None


def _has_letters(form: Form, field: StringField) -> None:
    # The API strips punctuation and spaces before it compares names, and
    # refuses a name that is nothing else: say so here, next to the field.
    if not any(char.isalnum() for char in field.data or ""):
        raise ValidationError("Enter the last name on the booking, in letters.")


class LookupForm(Form):
    """Booking number, last name and visit date, as printed on the booking."""

    booking_id = StringField(
        "Booking number",
        filters=[_strip],
        validators=[
            DataRequired("Enter the booking number from your confirmation email."),
            _booking_id,
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    last_name = StringField(
        "Last name",
        filters=[_strip],
        validators=[
            DataRequired("Enter the last name on the booking."),
            Length(max=100, message="Enter a last name of 100 characters or fewer."),
            _has_letters,
        ],
        render_kw={"autocomplete": "family-name"},
    )
    experience_date = StringField(
        "Date of your visit",
        filters=[_strip],
        validators=[
            DataRequired("Enter the date of your visit, like 2021-03-31."),
            _experience_date,
        ],
        render_kw={"type": "date"},
    )

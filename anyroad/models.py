"""Customer profiles as read from the API's JSON:API resource objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anyroad.decoding import decode_text


@dataclass(frozen=True)
class Booking:
    """The booking a profile belongs to; guest fields are None when malformed.

    Guest names and email are left out of ``repr`` so that logging a
    profile by mistake does not write personal data.
    """

    id: int
    first_name: str | None = field(repr=False)
    last_name: str | None = field(repr=False)
    email: str | None = field(repr=False)
    number_guests_booked: int
    tickets: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Experience:
    """What was booked and when; ``date`` is None when unreadable."""

    name: str
    date: date | None
    time: str


@dataclass(frozen=True)
class Profile:
    """A customer profile: the booking, the experience and the answers so far."""

    id: str
    data_set: dict[str, Any] | None = field(repr=False)
    captured_at: str | None
    referrer_medium: str | None
    booking: Booking
    experience: Experience

    @classmethod
    def from_resource(cls, resource: Any) -> Profile:
        """Read a ``customer_profile`` resource object.

        Raises ValueError when the shape is not the documented one; a
        malformed guest name is not a shape problem and gives None.
        """
        if not isinstance(resource, dict):
            raise ValueError("A customer profile resource must be an object.")

        attributes = _object(resource.get("attributes"), "attributes")
        booking = _object(attributes.get("booking"), "booking")
        experience = _object(attributes.get("experience"), "experience")
        profile_id = resource.get("id", attributes.get("id"))
        if not isinstance(profile_id, str) or not profile_id:
            raise ValueError("A customer profile has no id.")

        data_set = attributes.get("data_set")
        return cls(
            id=profile_id,
            data_set=data_set if isinstance(data_set, dict) else None,
            captured_at=_optional_text(attributes.get("captured_at")),
            referrer_medium=_optional_text(attributes.get("referrer_medium")),
            booking=Booking(
                id=_whole_number(_booking_number(booking), "booking id"),
                first_name=decode_text(booking.get("guest_first_name")),
                last_name=decode_text(booking.get("guest_last_name")),
                email=decode_text(booking.get("guest_email")),
                number_guests_booked=_whole_number(
                    booking.get("number_guests_booked", 0), "number_guests_booked"
                ),
                tickets=_tickets(booking.get("tickets")),
            ),
            experience=Experience(
                name=_optional_text(experience.get("name")) or "",
                date=_date(experience.get("date")),
                time=_optional_text(experience.get("time")) or "",
            ),
        )


def _booking_number(booking: dict[str, Any]) -> Any:
    # The contract's attribute list calls it booking_id, its example id.
    return booking["id"] if "id" in booking else booking.get("booking_id")


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"The profile's {name} must be an object.")

    return value


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value

    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)

    raise ValueError(f"The profile's {name} is not a whole number.")


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None

    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else None
    except ValueError:
        return None


def _tickets(value: Any) -> dict[str, Any]:
    # The contract calls tickets a string but shows an object; accept both.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}

    return value if isinstance(value, dict) else {}

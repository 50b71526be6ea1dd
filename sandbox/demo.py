"""Demo data: the contract's own example booking and a dozen more guests.

The names are chosen to exercise the contract's name rules (accents,
both kinds of apostrophe, hyphens, spaces), and a second account exists
only to prove that one account's key cannot see another's profiles.
Everything a test or a partner needs to refer to is exported here.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping

from werkzeug.security import generate_password_hash

from forms.campaign import Campaign
from sandbox import store

DEMO_ACCOUNT_ID = 1
DEMO_USER_ID = "123"
DEMO_EMAIL = "jane.doe@example.com"
DEMO_PASSWORD = "SuperSecretPa$word"
DEMO_API_KEY = "example-key-1234"

OTHER_ACCOUNT_ID = 2
OTHER_USER_ID = "456"
OTHER_EMAIL = "sam.rivera@example.org"
OTHER_PASSWORD = "AnotherPa$sword5678"
OTHER_API_KEY = "example-key-5678"

DOC_BOOKING_ID = 1234
DOC_PROFILE_ID = "56c934fa-03c2-46f4-b7f9-6d44bafdd5a2"
TASTING_BOOKING_ID = 2001
UNSERVED_BOOKING_ID = 3001
OTHER_BOOKING_ID = 9001

# Profile ids other than the contract's are derived from the booking id,
# so they are stable across reseeds and can be imported by tests.
PROFILE_NAMESPACE = uuid.UUID("0b6c2f4e-5d7a-4e38-9a41-6f1d2c3b4a50")

# Cheap on purpose: the sandbox hashes passwords only so that none sits in
# the file in clear, and every test seeds a fresh database.
PASSWORD_METHOD = "pbkdf2:sha256:1000"

USERS = (
    (
        DEMO_ACCOUNT_ID,
        "Example Tours",
        DEMO_USER_ID,
        "Jane",
        "Doe",
        DEMO_EMAIL,
        DEMO_PASSWORD,
        DEMO_API_KEY,
    ),
    (
        OTHER_ACCOUNT_ID,
        "Other Tours",
        OTHER_USER_ID,
        "Sam",
        "Rivera",
        OTHER_EMAIL,
        OTHER_PASSWORD,
        OTHER_API_KEY,
    ),
)

# (account, experience name, date, time) -> bookings:
# (booking id, first name, last name, email, tickets)
SCHEDULE = {
    (DEMO_ACCOUNT_ID, "Monster Mash", "2021-03-31", "15:00"): (
        (DOC_BOOKING_ID, "Bob", "Loblaw", "bob@lawblog.com", {"adult": 1, "child": 1}),
        (1235, "Carmen", "D'Angelo", "carmen.dangelo@example.com", {"adult": 1}),
        (1236, "Siobhán", "O’Brien", "siobhan@example.ie", {"adult": 2, "child": 1}),
    ),
    (DEMO_ACCOUNT_ID, "Monster Mash", "2021-04-01", "11:00"): (
        (1237, "Olivia", "Newton-John", "olivia.nj@example.com", {"adult": 2}),
        (1238, "Vera", "Van Morrison", "vera.vm@example.com", {"adult": 1}),
        (1239, "Blue", "Beyoncé", "blue@example.com", {"adult": 1, "child": 2}),
        (1240, "Lucille", "Loblaw", "lucille@example.com", {"adult": 1}),
    ),
    (DEMO_ACCOUNT_ID, "Single Malt Tasting", "2021-04-10", "18:30"): (
        (TASTING_BOOKING_ID, "Zoë", "Müller", "zoe.mueller@example.de", {"adult": 2}),
        (2002, "José", "Núñez", "jose.nunez@example.es", {"adult": 1}),
    ),
    (DEMO_ACCOUNT_ID, "Single Malt Tasting", "2021-04-11", "18:30"): (
        (2003, "Declan", "O'Brien", "declan@example.ie", {"adult": 3}),
        (2004, "Ana", "Lima", "ana.lima@example.com.br", {"adult": 1}),
    ),
    (DEMO_ACCOUNT_ID, "Distillery Walk", "2021-04-12", "10:00"): (
        (UNSERVED_BOOKING_ID, "Hana", "Nakamura", "hana@example.jp", {"adult": 2}),
    ),
    (OTHER_ACCOUNT_ID, "Monster Mash", "2021-03-31", "15:00"): (
        (OTHER_BOOKING_ID, "Gob", "Loblaw", "gob@example.com", {"adult": 1}),
    ),
}


def profile_id_for(booking_id: int) -> str:
    """Give the demo profile id of a demo booking."""
    if booking_id == DOC_BOOKING_ID:
        return DOC_PROFILE_ID

    return str(uuid.uuid5(PROFILE_NAMESPACE, str(booking_id)))


PROFILE_IDS = {
    booking[0]: profile_id_for(booking[0])
    for bookings in SCHEDULE.values()
    for booking in bookings
}
TASTING_PROFILE_ID = PROFILE_IDS[TASTING_BOOKING_ID]
UNSERVED_PROFILE_ID = PROFILE_IDS[UNSERVED_BOOKING_ID]
OTHER_PROFILE_ID = PROFILE_IDS[OTHER_BOOKING_ID]


def seed_demo(
    connection: sqlite3.Connection, campaigns: Mapping[str, Campaign]
) -> None:
    """Write the demo accounts, users, experiences and bookings.

    Call it inside a transaction. Each experience joins the campaign whose
    file lists its name; one that no file lists keeps no campaign. Raises
    ValueError when two campaign files claim the same experience, since a
    booking has exactly one profile.
    """
    for account_id, account, user_id, first, last, email, password, key in USERS:
        store.add_account(connection, account_id, account)
        store.add_user(
            connection,
            store.User(
                id=user_id,
                account_id=account_id,
                first_name=first,
                last_name=last,
                email=email,
                password_hash=generate_password_hash(password, PASSWORD_METHOD),
                api_key=key,
            ),
        )

    for (account_id, name, day, hour), bookings in SCHEDULE.items():
        slug = campaign_for(name, campaigns)
        experience_id = store.add_experience(
            connection, account_id, name, (day, hour), slug
        )
        for booking_id, first, last, email, tickets in bookings:
            guest = {
                "first_name": first,
                "last_name": last,
                "email": email,
                "number_guests_booked": sum(tickets.values()),
                "tickets": tickets,
            }
            store.add_booking(
                connection,
                booking_id,
                experience_id,
                guest,
                profile_id_for(booking_id),
            )


def campaign_for(experience: str, campaigns: Mapping[str, Campaign]) -> str | None:
    """Name the slug of the campaign whose file lists an experience."""
    slugs = [
        slug for slug, c in sorted(campaigns.items()) if experience in c.experiences
    ]
    if len(slugs) > 1:
        raise ValueError(
            f"Campaigns {slugs} all list the experience {experience!r}; list it "
            "in one campaign file only."
        )

    return slugs[0] if slugs else None

"""Synthetic bookings: as many made-up guests as a load test needs.

The demo data holds about a dozen bookings, enough to click through but not
to prove that a thousand guests each get their own answers stored once. The
guests made here are a pure function of their booking number, so a load
generator in another process can rebuild the same list without reading the
sandbox's database.

    python -m sandbox.synthetic --db /tmp/load.sqlite3 --count 1000
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from forms.campaign import Campaign
from sandbox import demo, store

FIRST_BOOKING_ID = 500_000
EXPERIENCE = "Monster Mash"
EXPERIENCE_DATE = "2030-06-15"
EXPERIENCE_TIME = "10:00"

# Syllables for surnames that read like names and differ per booking, so a
# search that matched on the wrong surname would find nothing.
SYLLABLES = (
    "bar",
    "den",
    "fal",
    "gor",
    "hal",
    "kin",
    "lor",
    "mer",
    "nov",
    "pel",
    "quin",
    "ros",
    "sel",
    "tam",
    "vor",
    "wen",
)


@dataclass(frozen=True)
class SyntheticGuest:
    """One made-up booking, with what its guest types and whose profile it is."""

    booking_id: int
    first_name: str
    last_name: str
    email: str
    experience_date: str
    profile_id: str


def synthetic_guests(
    count: int, first_booking_id: int = FIRST_BOOKING_ID
) -> list[SyntheticGuest]:
    """List ``count`` guests with consecutive booking numbers.

    :raises ValueError: when ``count`` is below 1.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}.")

    return [
        _guest(booking_id)
        for booking_id in range(first_booking_id, first_booking_id + count)
    ]


def seed_synthetic(
    connection: sqlite3.Connection,
    campaigns: Mapping[str, Campaign],
    guests: list[SyntheticGuest],
) -> None:
    """Add one experience and a booking with an empty profile per guest.

    The experience belongs to the demo account and joins the campaign that
    lists it, as the demo's own experiences do. Everything is written in one
    transaction, so a clash leaves the database as it was.

    :raises ValueError: when a booking number is already taken.
    """
    taken = _taken_booking_ids(connection, [guest.booking_id for guest in guests])
    if taken:
        raise ValueError(
            f"Booking numbers {taken[0]}..{taken[-1]} already exist in the "
            "sandbox; choose another --first-id or a fresh --db."
        )

    slug = demo.campaign_for(EXPERIENCE, campaigns)
    with store.transaction(connection):
        experience_id = store.add_experience(
            connection,
            demo.DEMO_ACCOUNT_ID,
            EXPERIENCE,
            (EXPERIENCE_DATE, EXPERIENCE_TIME),
            slug,
        )
        for guest in guests:
            store.add_booking(
                connection,
                guest.booking_id,
                experience_id,
                {
                    "first_name": guest.first_name,
                    "last_name": guest.last_name,
                    "email": guest.email,
                    "number_guests_booked": 1,
                    "tickets": {"adult": 1},
                },
                guest.profile_id,
            )


def _guest(booking_id: int) -> SyntheticGuest:
    surname = _surname(booking_id)

    return SyntheticGuest(
        booking_id=booking_id,
        first_name="Guest",
        last_name=surname,
        email=f"guest.{booking_id}@example.test",
        experience_date=EXPERIENCE_DATE,
        profile_id=demo.profile_id_for(booking_id),
    )


def _surname(booking_id: int) -> str:
    parts = []
    number = booking_id
    for _ in range(3):
        number, index = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[index])

    return "".join(parts).capitalize() + "-" + str(booking_id)


def _taken_booking_ids(connection: sqlite3.Connection, ids: list[int]) -> list[int]:
    low, high = min(ids), max(ids)
    rows = connection.execute(
        "SELECT id FROM bookings WHERE id BETWEEN ? AND ? ORDER BY id", (low, high)
    ).fetchall()

    return [row[0] for row in rows]


def main(argv: list[str] | None = None) -> int:
    """Seed the demo data, if missing, then the synthetic bookings."""
    from sandbox.app import create_sandbox_app

    parser = argparse.ArgumentParser(
        prog="python -m sandbox.synthetic",
        description="Add made-up bookings to a sandbox database, for load tests.",
    )
    parser.add_argument("--db", required=True, help="the sandbox's SQLite file")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first-id", type=int, default=FIRST_BOOKING_ID)
    parser.add_argument("--campaigns", help="folder of campaign JSON files")
    args = parser.parse_args(argv)

    config = {"SANDBOX_DATABASE": args.db, "SANDBOX_SEED": True}
    if args.campaigns:
        config["CAMPAIGNS_DIR"] = args.campaigns
    state = create_sandbox_app(config).extensions["sandbox"]

    connection = store.connect(state.database)
    try:
        guests = synthetic_guests(args.count, args.first_id)
        seed_synthetic(connection, state.campaigns, guests)
    except ValueError as exc:
        parser.error(str(exc))
    finally:
        connection.close()

    print(
        f"Added {len(guests)} bookings from {guests[0].booking_id} on "
        f"{EXPERIENCE_DATE} to {args.db}."
    )

    return 0


if __name__ == "__main__":
    sys.exit(main())

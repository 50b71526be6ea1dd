"""The sandbox's SQLite database: accounts, users, experiences, bookings, profiles.

One connection per request, in autocommit mode with explicit
``BEGIN IMMEDIATE`` around writes, so several server threads (or
gunicorn workers) sharing one file never interleave a read-modify-write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.names import normalise_last_name

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    api_key TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS experiences (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    date TEXT NOT NULL,
    time TEXT NOT NULL,
    campaign_slug TEXT
);
CREATE TABLE IF NOT EXISTS bookings (
    id INTEGER PRIMARY KEY,
    experience_id INTEGER NOT NULL REFERENCES experiences(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    last_name_key TEXT NOT NULL,
    email TEXT NOT NULL,
    number_guests_booked INTEGER NOT NULL,
    tickets TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY,
    booking_id INTEGER NOT NULL UNIQUE REFERENCES bookings(id),
    data_set TEXT,
    captured_at TEXT,
    referrer_medium TEXT
);
CREATE INDEX IF NOT EXISTS bookings_by_last_name ON bookings(last_name_key);
"""

PROFILE_QUERY = """
SELECT p.id, p.data_set, p.captured_at, p.referrer_medium,
       b.id AS booking_id, b.first_name, b.last_name, b.email,
       b.number_guests_booked, b.tickets,
       e.name AS experience_name, e.date AS experience_date,
       e.time AS experience_time, e.campaign_slug, e.account_id
FROM profiles p
JOIN bookings b ON b.id = p.booking_id
JOIN experiences e ON e.id = b.experience_id
"""


@dataclass(frozen=True)
class User:
    """An account login; its key opens the account's profiles."""

    id: str
    account_id: int
    first_name: str
    last_name: str
    email: str
    password_hash: str
    api_key: str | None


@dataclass(frozen=True)
class ProfileRecord:
    """A customer profile joined with its booking and experience."""

    id: str
    account_id: int
    campaign_slug: str | None
    data_set: Any
    captured_at: str | None
    referrer_medium: str | None
    booking_id: int
    first_name: str
    last_name: str
    email: str
    number_guests_booked: int
    tickets: dict[str, int]
    experience_name: str
    experience_date: str
    experience_time: str


def connect(path: str) -> sqlite3.Connection:
    """Open the database file, ready for this module's queries."""
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers work beside a writer; NORMAL syncs at checkpoints
    # only, which is durable enough for demo data and keeps tests quick.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction, rolled back if it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise

    connection.execute("COMMIT")


def create_schema(connection: sqlite3.Connection) -> None:
    """Create the tables that do not exist yet."""
    connection.executescript(SCHEMA)


def drop_schema(connection: sqlite3.Connection) -> None:
    """Remove every table, for a reseed from scratch."""
    with transaction(connection):
        for table in ("profiles", "bookings", "experiences", "users", "accounts"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")


def is_empty(connection: sqlite3.Connection) -> bool:
    """Tell whether no account exists yet."""
    row = connection.execute("SELECT COUNT(*) FROM accounts").fetchone()
    return row[0] == 0


def find_user_by_key(connection: sqlite3.Connection, api_key: str) -> User | None:
    """Find the user an API key belongs to."""
    row = connection.execute(
        "SELECT * FROM users WHERE api_key = ?", (api_key,)
    ).fetchone()
    return User(**dict(row)) if row else None


def find_user_by_email(connection: sqlite3.Connection, email: str) -> User | None:
    """Find a user by login email, ignoring case."""
    row = connection.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
    return User(**dict(row)) if row else None


def find_profile(
    connection: sqlite3.Connection, account_id: int, profile_id: str
) -> ProfileRecord | None:
    """Find one of an account's profiles by its UUID."""
    row = connection.execute(
        PROFILE_QUERY + " WHERE p.id = ? AND e.account_id = ?",
        (profile_id, account_id),
    ).fetchone()
    return _profile(row) if row else None


def search_profiles(
    connection: sqlite3.Connection,
    account_id: int,
    booking_id: int | None = None,
    last_name: str | None = None,
    experience_date: str | None = None,
) -> list[ProfileRecord]:
    """Find an account's profiles matching every criterion given."""
    clauses, values = ["e.account_id = ?"], [account_id]
    if booking_id is not None:
        clauses.append("b.id = ?")
        values.append(booking_id)
    if last_name is not None:
        clauses.append("b.last_name_key = ?")
        values.append(normalise_last_name(last_name))
    if experience_date is not None:
        clauses.append("e.date = ?")
        values.append(experience_date)

    rows = connection.execute(
        PROFILE_QUERY + " WHERE " + " AND ".join(clauses) + " ORDER BY b.id",
        values,
    ).fetchall()
    return [_profile(row) for row in rows]


def update_profile(
    connection: sqlite3.Connection, profile_id: str, changes: dict[str, Any]
) -> None:
    """Store new values for some of a profile's writable attributes."""
    columns = {"data_set", "captured_at", "referrer_medium"}
    unknown = set(changes) - columns
    if unknown:
        raise ValueError(f"Cannot store {sorted(unknown)}; only {sorted(columns)}.")

    if not changes:
        return

    values = {
        name: json.dumps(value) if name == "data_set" and value is not None else value
        for name, value in changes.items()
    }
    assignments = ", ".join(f"{name} = :{name}" for name in sorted(values))
    connection.execute(
        f"UPDATE profiles SET {assignments} WHERE id = :profile_id",
        {**values, "profile_id": profile_id},
    )


def add_account(connection: sqlite3.Connection, account_id: int, name: str) -> None:
    """Insert an account."""
    connection.execute(
        "INSERT INTO accounts (id, name) VALUES (?, ?)", (account_id, name)
    )


def add_user(connection: sqlite3.Connection, user: User) -> None:
    """Insert a user."""
    connection.execute(
        "INSERT INTO users VALUES (:id, :account_id, :first_name, :last_name, "
        ":email, :password_hash, :api_key)",
        asdict(user),
    )


def add_experience(
    connection: sqlite3.Connection,
    account_id: int,
    name: str,
    when: tuple[str, str],
    campaign_slug: str | None,
) -> int:
    """Insert an experience on a date ("YYYY-MM-DD") and time ("HH:MM")."""
    cursor = connection.execute(
        "INSERT INTO experiences (account_id, name, date, time, campaign_slug) "
        "VALUES (?, ?, ?, ?, ?)",
        (account_id, name, when[0], when[1], campaign_slug),
    )
    return int(cursor.lastrowid)


def add_booking(
    connection: sqlite3.Connection,
    booking_id: int,
    experience_id: int,
    guest: dict[str, Any],
    profile_id: str,
) -> None:
    """Insert a booking and its customer profile, still unanswered."""
    connection.execute(
        "INSERT INTO bookings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            booking_id,
            experience_id,
            guest["first_name"],
            guest["last_name"],
            normalise_last_name(guest["last_name"]),
            guest["email"],
            guest["number_guests_booked"],
            json.dumps(guest["tickets"]),
        ),
    )
    connection.execute(
        "INSERT INTO profiles (id, booking_id) VALUES (?, ?)",
        (profile_id, booking_id),
    )


def _profile(row: sqlite3.Row) -> ProfileRecord:
    data_set = row["data_set"]
    return ProfileRecord(
        id=row["id"],
        account_id=row["account_id"],
        campaign_slug=row["campaign_slug"],
        data_set=json.loads(data_set) if data_set is not None else None,
        captured_at=row["captured_at"],
        referrer_medium=row["referrer_medium"],
        booking_id=row["booking_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        number_guests_booked=row["number_guests_booked"],
        tickets=json.loads(row["tickets"]),
        experience_name=row["experience_name"],
        experience_date=row["experience_date"],
        experience_time=row["experience_time"],
    )

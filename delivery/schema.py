"""The outbox table, shared by the web app and the delivery worker.

Core, not the ORM: every write here is a single conditional statement
whose row count or returned rows decide who owns a row, and that reads
more plainly as SQL than as session state.
"""

from __future__ import annotations

import time

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
# Not sent because a newer submission for the same profile was sent or is
# waiting: a PATCH replaces the whole data set, so the older answers would
# only overwrite the newer ones.
SUPERSEDED = "superseded"
STATES = (PENDING, DELIVERED, FAILED, SUPERSEDED)

# Any fixed number; it names the advisory lock held while creating tables.
SCHEMA_LOCK_KEY = 5_040_117
SQLITE_SCHEMA_ATTEMPTS = 5

metadata = MetaData()

# Times are naive UTC on both backends: SQLite has no time zones and mixing
# aware and naive values in comparisons is the bug this avoids.
submissions = Table(
    "outbox_submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of the form instance's key, so a replayed token is useless
    # to whoever reads the table.
    Column("idempotency_digest", String(64), nullable=False, unique=True),
    Column("campaign", String(64), nullable=False),
    Column("profile_id", String(64), nullable=False),
    Column("state", String(16), nullable=False, default=PENDING),
    # The encoded PATCH body sealed with Fernet; NULL once delivered.
    Column("body", LargeBinary, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_until", DateTime, nullable=True),
    Column("claim_token", String(32), nullable=True),
    # Exception class and status only; never upstream text that may echo
    # an answer.
    Column("last_error", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("delivered_at", DateTime, nullable=True),
    Column("failed_at", DateTime, nullable=True),
    Index("ix_outbox_submissions_due", "state", "next_attempt_at"),
    # A profile's rows by state: what each send checks (Outbox._turn_of).
    Index("ix_outbox_submissions_profile", "profile_id", "state"),
    # A profile's rows in the order guests made them: the newest one is
    # what the lookup shows as already answered.
    Index("ix_outbox_submissions_profile_order", "profile_id", "id"),
)


def create_schema(engine: Engine) -> None:
    """Create the outbox table and its index when they are missing.

    Several app processes may start at once. ``IF NOT EXISTS`` covers
    SQLite, whose writers queue; on PostgreSQL two concurrent CREATEs can
    still collide, so an advisory lock makes the later ones wait. SQLite
    can still answer "database is locked" without waiting while another
    process turns a new file to WAL (seen with two gunicorn apps starting
    together), so there the whole step is tried again a few times.
    """
    for attempt in range(1, SQLITE_SCHEMA_ATTEMPTS + 1):
        try:
            _create_tables(engine)
            return
        except OperationalError as exc:
            if not _is_sqlite_lock(engine, exc) or attempt == SQLITE_SCHEMA_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)


def _create_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
            )

        for table in metadata.sorted_tables:
            conn.execute(CreateTable(table, if_not_exists=True))
            for index in table.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))


def _is_sqlite_lock(engine: Engine, error: OperationalError) -> bool:
    return engine.dialect.name == "sqlite" and "database is locked" in str(error)

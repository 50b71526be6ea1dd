"""Durable delivery of guest submissions to AnyRoad (issue 5).

The guest's request stores the submission in the outbox and tries the
PATCH at once; whatever the upstream does then, the answer is on disk,
sealed, and a worker (``flask outbox worker``) keeps trying until it is
delivered or an operator has to step in. See docs/delivery.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from delivery.backoff import RetryPolicy
from delivery.cipher import build_cipher
from delivery.commands import outbox_cli
from delivery.engine import IN_MEMORY, make_engine, shown_url, stores_no_file
from delivery.outbox import Outbox, Submission

__all__ = ["Outbox", "Submission", "init_app"]

DEFAULTS = {
    "OUTBOX_RETENTION_DAYS": 7,
    "OUTBOX_FAILED_RETENTION_DAYS": 30,
    "OUTBOX_LEASE_SECONDS": 60,
    "OUTBOX_MAX_ATTEMPTS": 50,
    "OUTBOX_RETRY_BASE_SECONDS": 30,
    "OUTBOX_RETRY_CAP_SECONDS": 3600,
}
# The largest sound value of each: ten years of keeping, a day of lease or
# of waiting between tries, a thousand tries. Larger ones overflow Python's
# dates, or mean an answer is never retried while someone could still act.
LIMITS = {
    "OUTBOX_RETENTION_DAYS": 3650,
    "OUTBOX_FAILED_RETENTION_DAYS": 3650,
    "OUTBOX_LEASE_SECONDS": 86400,
    "OUTBOX_MAX_ATTEMPTS": 1000,
    "OUTBOX_RETRY_BASE_SECONDS": 86400,
    "OUTBOX_RETRY_CAP_SECONDS": 86400,
}


def init_app(app: Flask) -> Outbox:
    """Open the outbox, create its table, and add the ``flask outbox`` commands.

    :raises ValueError: when OUTBOX_KEY, DATABASE_URL or a number is
        unusable, or the store cannot be reached to create its table.
    """
    outbox = open_outbox(app)
    try:
        outbox.create_schema()
        if outbox.engine.dialect.name == "sqlite" and stores_no_file(outbox.engine):
            raise ValueError(IN_MEMORY)
    except SQLAlchemyError as exc:
        where = shown_url(outbox.engine.url)
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ValueError(
            f"The outbox store at DATABASE_URL ({where}) cannot be used: "
            f"{type(exc).__name__}: {cause}. Check that the server runs, the "
            "database exists and the user may create tables."
        ) from None

    app.extensions["outbox"] = outbox
    app.cli.add_command(outbox_cli)

    return outbox


def open_outbox(app: Flask, make_folder: bool = True) -> Outbox:
    """Make the outbox from the app's settings, without touching the store.

    ``make_folder=False`` leaves a SQLite file's folder uncreated: gunicorn's
    master judges the settings, and may run as another user than the
    workers that will write there.

    Reads ``DATABASE_URL`` (default: SQLite in the instance folder),
    ``OUTBOX_KEY`` (one or more Fernet keys, comma-separated, newest first)
    and the ``OUTBOX_*`` numbers in ``DEFAULTS``.

    :raises ValueError: when OUTBOX_KEY, DATABASE_URL or a number is
        unusable.
    """
    url = app.config.get("DATABASE_URL") or "sqlite:///" + os.path.join(
        app.instance_path, "guestform.db"
    )

    def number(name: str) -> int:
        return _read_number(app.config, name)

    policy = RetryPolicy(
        base=number("OUTBOX_RETRY_BASE_SECONDS"),
        cap=number("OUTBOX_RETRY_CAP_SECONDS"),
        max_attempts=number("OUTBOX_MAX_ATTEMPTS"),
    )
    if policy.cap < policy.base:
        raise ValueError(
            f"OUTBOX_RETRY_CAP_SECONDS ({policy.cap}) is below "
            f"OUTBOX_RETRY_BASE_SECONDS ({policy.base}); the cap is the "
            "longest wait between tries, so set it at least as high as the "
            "first wait."
        )

    outbox = Outbox(
        make_engine(url, make_folder=make_folder),
        build_cipher(app.config.get("OUTBOX_KEY") or ""),
        policy=policy,
        lease=timedelta(seconds=number("OUTBOX_LEASE_SECONDS")),
        retention=timedelta(days=number("OUTBOX_RETENTION_DAYS")),
        failed_retention=timedelta(days=number("OUTBOX_FAILED_RETENTION_DAYS")),
    )

    return outbox


def _read_number(config: Any, name: str) -> int:
    raw = config.get(name)
    if raw is None or raw == "":
        return DEFAULTS[name]

    try:
        number = int(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a whole number, not {raw!r}; unset it to use the "
            f"default {DEFAULTS[name]}."
        ) from exc

    if not 1 <= number <= LIMITS[name]:
        raise ValueError(
            f"{name} must be a whole number from 1 to {LIMITS[name]}, not "
            f"{number}; unset it to use the default {DEFAULTS[name]}."
        )

    return number

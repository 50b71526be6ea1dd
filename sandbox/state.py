"""What one sandbox app holds between requests, and its per-request database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask import current_app, g

from forms.campaign import Campaign
from sandbox import store
from sandbox.faults import FaultInjector, Stats


@dataclass
class SandboxState:
    """The campaigns, fault injector and stats of one sandbox app."""

    database: str
    campaigns: dict[str, Campaign]
    faults: FaultInjector
    stats: Stats


def current_state() -> SandboxState:
    """Return the state of the app handling this request."""
    return current_app.extensions["sandbox"]


def get_db() -> sqlite3.Connection:
    """Open this request's database connection on first use."""
    if "sandbox_db" not in g:
        g.sandbox_db = store.connect(current_state().database)

    return g.sandbox_db


def close_db(error: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    connection = g.pop("sandbox_db", None)
    if connection is not None:
        connection.close()

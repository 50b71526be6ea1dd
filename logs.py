"""One line per event, with the ids an operator needs as key=value pairs.

Modules log through ``logging.getLogger(__name__)`` and put ids in
``extra=``; this formatter prints the known keys after the message so a
person on call can grep for a campaign or a profile id. Only the keys listed
here are printed: a stray ``extra`` can never leak a guest's answer.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

FIELDS = (
    "step",
    "campaign",
    "profile_id",
    "submission_id",
    "outcome",
    "status",
    "attempt",
    "duration_ms",
    "source",
)


class KeyValueFormatter(logging.Formatter):
    """Format a record as its message followed by ``key=value`` ids."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [
            f"{name}={getattr(record, name)}"
            for name in FIELDS
            if getattr(record, name, None) is not None
        ]

        return f"{line} {' '.join(pairs)}" if pairs else line


def configure(app: Flask) -> None:
    """Send guestform's logs to stderr in the key=value format, once."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, KeyValueFormatter) for h in root.handlers):
        return

    handler = logging.StreamHandler()
    handler.setFormatter(
        KeyValueFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    app.logger.handlers.clear()
    app.logger.propagate = True

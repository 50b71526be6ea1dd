"""One line per event, with the ids an operator needs as key=value pairs.

Modules log through ``logging.getLogger(__name__)`` and put ids in
``extra=``; this formatter prints the known keys after the message so a
person on call can grep for a campaign or a profile id. Only the keys listed
here are printed: a stray ``extra`` can never leak a guest's answer.
"""

from __future__ import annotations

import logging
import os
import time
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from flask import Flask, before_render_template, g, template_rendered

log = logging.getLogger(__name__)

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
    """Send guestform's logs to stderr in the key=value format, once.

    Page renders are logged from Flask's template signals rather than from
    each view, so every page, error pages included, gets its "render" line
    without a view having to remember it.
    """
    before_render_template.connect(start_render_clock, app)
    template_rendered.connect(log_render, app)

    root = logging.getLogger()
    if any(isinstance(h.formatter, KeyValueFormatter) for h in root.handlers):
        return

    handler = logging.StreamHandler()
    handler.setFormatter(
        KeyValueFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    level = read_level()
    root.addHandler(handler)
    root.setLevel(level)
    # Flask-Limiter's own breach line names the client's address; guestform
    # logs each refusal itself, with the campaign and no address.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.logger.handlers.clear()
    app.logger.propagate = True


def read_level() -> str:
    """Read LOG_LEVEL, or say how to write it."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError(
            f"LOG_LEVEL is {level!r}; set it to DEBUG, INFO, WARNING or ERROR."
        )

    return level


def start_render_clock(sender: Flask, template: Any, context: dict, **_: Any) -> None:
    """Note when a page started rendering, for the duration on its line."""
    if log.isEnabledFor(logging.DEBUG):
        g.render_started = time.perf_counter()


def log_render(sender: Flask, template: Any, context: dict, **_: Any) -> None:
    """Write the "render" line of a page: which page, for whom, how long.

    At DEBUG: at INFO each step already has its line and gunicorn's access
    log has every request, and this line, a tenth of a form page's own
    CPU (docs/benchmark.md, sixth round), told the person on call nothing
    they could act on. Every page renders through here, so nothing is
    worked out while the line would be dropped.
    """
    if not log.isEnabledFor(logging.DEBUG):
        return

    started = g.pop("render_started", None)
    page = page_name(template.name)
    campaign = getattr(g, "campaign", None)
    log.debug(
        "render %s",
        page,
        extra={
            "step": "render",
            "campaign": getattr(campaign, "slug", None),
            "profile_id": getattr(g, "profile_id", None),
            "outcome": page,
            "duration_ms": (
                round((time.perf_counter() - started) * 1000, 1) if started else None
            ),
        },
    )


@lru_cache(maxsize=64)
def page_name(template_name: str | None) -> str:
    """Name a page by its template file: "guest/form.html" is "form"."""
    return PurePosixPath(template_name or "page").stem

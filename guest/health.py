"""The health check that a load balancer or an operator polls."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the outbox store answers, 503 when it does not.

    The upstream is deliberately not checked: while it is down guestform
    still accepts answers and keeps them, so it is healthy.
    """
    try:
        current_app.extensions["outbox"].ping()
    except Exception as exc:  # any failure of the store means unhealthy
        # A load balancer polls every few seconds: one line each time, with
        # the cause, and no traceback to bury the rest of the log.
        log.warning(
            "Health check failed: the outbox store does not answer (%s)",
            type(exc).__name__,
            extra={"step": "healthz", "outcome": "store_down"},
        )
        return jsonify(status="unavailable", outbox="down"), 503

    return jsonify(status="ok", outbox="up")

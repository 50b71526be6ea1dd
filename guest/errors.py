"""Failures turned into plain pages for the guest and a line for the operator.

Views let the client's exceptions rise; this is the one place that decides
what a guest reads and what the person on call sees. No page shows a
traceback, and no log line carries a guest's name, email or answer.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from anyroad.errors import ApiError, Forbidden, InvalidApiKey, UpstreamUnavailable
from guest.limits import describe_wait, seconds_until_retry

log = logging.getLogger(__name__)

TOO_MANY_TRIES = "You have tried to find a booking too many times."
MESSAGES = {
    400: ("We could not read that", "Go back and try again."),
    404: ("Page not found", "Check the link in your email, or ask the venue for it."),
    405: ("We could not read that", "Go back and try again."),
    413: ("That was too much to send", "Shorten your answers and try again."),
    429: ("Too many tries", f"{TOO_MANY_TRIES} Try again later."),
    500: ("Something went wrong", "Please try again in a few minutes."),
}

# Shown inside a venue's frame whose embed tag names no campaign of ours.
NO_SUCH_FORM = (
    "This form is not here",
    "The page around it asks for a form that does not exist. If you look "
    "after that page, check the campaign named in its embed tag.",
)


def render_error(status: int, title: str, message: str):
    """Render the plain error page with the given status."""
    page = render_template(
        "guest/error.html",
        title=title,
        message=message,
        campaign=getattr(g, "campaign", None),
        embedded=getattr(g, "embedded", False),
    )

    return page, status


def handle_upstream_unavailable(error: UpstreamUnavailable):
    """Ask the guest to try again; the upstream is slow or down."""
    log.warning(
        "Upstream unavailable: %s",
        error,
        extra=_ids(status=error.status, outcome="upstream_unavailable"),
    )

    return render_error(
        503,
        "We cannot reach the booking system",
        "This is on our side, not yours. Please try again in a few minutes.",
    )


def handle_refused(error: ApiError):
    """Tell the guest the form is unavailable; the operator must act."""
    log.error(
        "Upstream refused guestform's key or address (%s); check "
        "ANYROAD_API_KEY and the campaign's approved IPs.",
        type(error).__name__,
        extra=_ids(status=error.status, outcome="refused"),
    )

    return render_error(
        503,
        "This form is not available right now",
        "Please try again later, or contact the venue.",
    )


def handle_api_error(error: ApiError):
    """Treat any other upstream answer we did not expect as a failure."""
    log.error(
        "Unexpected upstream answer (%s)",
        type(error).__name__,
        extra=_ids(status=error.status, outcome="upstream_error"),
    )

    return render_error(503, *MESSAGES[500])


def handle_rate_limited(error: RateLimitExceeded):
    """Refuse a lookup over its limit and say when the guest may try again.

    Retry-After and the page's wording come from one number, so a browser
    and a reader get the same wait.
    """
    # Flask-Limiter's own line names the address; this one is the step's
    # line in our format, so a flood of guessing shows up per campaign.
    log.info("Lookup refused: over the rate limit", extra=_ids(outcome="rate_limited"))
    seconds = seconds_until_retry(error)
    title = MESSAGES[429][0]
    message = f"{TOO_MANY_TRIES} Try again in {describe_wait(seconds)}."

    page, status = render_error(429, title, message)
    return page, status, {"Retry-After": str(seconds)}


def handle_http_error(error: HTTPException):
    """Render werkzeug's HTTP errors as guest pages, or as JSON for the API.

    The booking system calls ``/api/...`` and reads JSON, also when it
    used the wrong method or path.
    """
    status = error.code or 500
    if request.path.startswith("/api/"):
        headers = [(k, v) for k, v in error.get_headers() if k != "Content-Type"]
        return jsonify(error=error.description), status, headers

    title, message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    if status == 404 and getattr(g, "embedded", False) and not hasattr(g, "campaign"):
        title, message = NO_SUCH_FORM

    return render_error(status, title, message)


def handle_unexpected(error: Exception):
    """Log a surprise for the operator and show a calm page."""
    log.exception("Unhandled error", extra=_ids(outcome="crash"))

    return render_error(500, *MESSAGES[500])


def _ids(**fields) -> dict:
    campaign = getattr(g, "campaign", None)
    return {
        "campaign": campaign.slug if campaign else None,
        "profile_id": getattr(g, "profile_id", None),
        "step": request.endpoint,
        **fields,
    }


def init_app(app: Flask) -> None:
    """Register the handlers, most specific first."""
    app.register_error_handler(UpstreamUnavailable, handle_upstream_unavailable)
    app.register_error_handler(InvalidApiKey, handle_refused)
    app.register_error_handler(Forbidden, handle_refused)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)

"""Signed deep links that open one profile's form without a lookup.

The booking system asks for one when it sends a confirmation email, through
the CLI or the small authenticated endpoint below. The link carries ids
only (campaign, profile, source), is signed with the app's secret and
expires after ``DEEP_LINK_DAYS``; an expired or altered link lands on the
lookup step, which still works.
"""

from __future__ import annotations

import hmac
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, current_app, jsonify, request, url_for

log = logging.getLogger(__name__)

bp = Blueprint("links", __name__)


def make_deep_link(app: Flask, campaign: str, profile_id: str, source: str) -> str:
    """Return the absolute URL that opens a profile's form directly.

    Needs a request context (a test one will do) to build the path.

    Raises ValueError, with a sentence fit for the caller, when the campaign
    is unknown, the id is not a UUID or the campaign does not accept the
    source.
    """
    known = app.extensions["campaigns"].get(campaign)
    if known is None:
        raise ValueError(
            f"Unknown campaign {campaign!r}; use one of "
            f"{', '.join(sorted(app.extensions['campaigns']))}."
        )

    try:
        profile_id = str(uuid.UUID(profile_id))
    except ValueError as exc:
        raise ValueError(
            f"{profile_id!r} is not a customer profile id; send the profile's "
            "UUID as the API returns it."
        ) from exc

    if source not in known.sources:
        raise ValueError(
            f"Campaign {campaign!r} does not record the source {source!r}; use "
            f"one of {', '.join(known.sources)}."
        )

    token = app.extensions["signer"].sign_deep_link(campaign, profile_id, source)
    path = url_for("guest.open_deep_link", slug=campaign, t=token)
    base = app.config["PUBLIC_URL"].rstrip("/") or development_url()

    return base + path


def development_url() -> str:
    """Give where ``python app.py`` serves when no PUBLIC_URL is set.

    It follows ``PORT`` as the development server does, so a link minted
    in the same shell opens on the running app.
    """
    return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


def link_expiry(app: Flask) -> datetime:
    """Tell when a link minted now stops opening its form (UTC)."""
    days = app.config["DEEP_LINK_DAYS"]

    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def is_booking_system(header: str) -> bool:
    """Check an Authorization header against ``BOOKING_SYSTEM_TOKEN``.

    With no token configured nobody is let in. The comparison takes the
    same time however much of the token matches.
    """
    expected = current_app.config["BOOKING_SYSTEM_TOKEN"]
    scheme, _, supplied = header.partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False

    return hmac.compare_digest(supplied.strip().encode(), expected.encode())


@bp.post("/api/deep-links")
def create_deep_link():
    """Mint a deep link for the booking system (bearer token required)."""
    if not is_booking_system(request.headers.get("Authorization", "")):
        log.warning("Deep link refused: missing or wrong bearer token")
        response = jsonify(error="Send the booking system's token as a Bearer token.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="guestform"'
        return response, 401

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(
            error='Send a JSON object such as {"campaign": "...", "profile_id": "..."}.'
        ), 400

    app = current_app._get_current_object()
    try:
        url = make_deep_link(
            app,
            str(body.get("campaign", "")),
            str(body.get("profile_id", "")),
            str(body.get("source") or "email"),
        )
    except ValueError as exc:
        return jsonify(error=str(exc)), 422

    expires = link_expiry(app).strftime("%Y-%m-%dT%H:%M:%SZ")

    days = app.config["DEEP_LINK_DAYS"]

    return jsonify(url=url, expires_at=expires, expires_in_days=days), 201


def init_app(app: Flask) -> None:
    """Register the endpoint; it answers 401 until a token is configured."""
    app.register_blueprint(bp)

"""Signed deep links that open one profile's form without a lookup.

The booking system asks for one when it sends a confirmation email, through
the CLI or the small authenticated endpoint below. The link carries ids
only, is signed with the app's secret and expires after ``DEEP_LINK_DAYS``.
"""

from __future__ import annotations

import hmac
import uuid

from flask import Blueprint, Flask, current_app, jsonify, request, url_for

bp = Blueprint("links", __name__)


def make_deep_link(app: Flask, campaign: str, profile_id: str, source: str) -> str:
    """Return the absolute URL that opens a profile's form directly.

    Raises ValueError when the campaign is unknown or the id is not a UUID.
    """
    if campaign not in app.extensions["campaigns"]:
        raise ValueError(f"Unknown campaign {campaign!r}.")

    try:
        uuid.UUID(profile_id)
    except ValueError as exc:
        raise ValueError(f"{profile_id!r} is not a customer profile id.") from exc

    token = app.extensions["signer"].sign_deep_link(campaign, profile_id, source)
    path = url_for("guest.open_deep_link", slug=campaign, token=token)
    base = app.config["PUBLIC_URL"].rstrip("/") or "http://127.0.0.1:5000"

    return base + path


@bp.post("/api/deep-links")
def create_deep_link():
    """Mint a deep link for the booking system (bearer token required)."""
    expected = current_app.config["BOOKING_SYSTEM_TOKEN"]
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not expected or not hmac.compare_digest(supplied.encode(), expected.encode()):
        return jsonify(error="Invalid token."), 401

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Send a JSON object."), 400

    try:
        url = make_deep_link(
            current_app._get_current_object(),
            str(body.get("campaign", "")),
            str(body.get("profile_id", "")),
            str(body.get("source") or "email"),
        )
    except ValueError as exc:
        return jsonify(error=str(exc)), 422

    days = current_app.config["DEEP_LINK_DAYS"]
    return jsonify(url=url, expires_in_days=days), 201


def init_app(app: Flask) -> None:
    """Register the endpoint; it answers 401 until a token is configured."""
    app.register_blueprint(bp)

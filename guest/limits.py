"""Rate limits on the lookup step, so nobody can fish for bookings.

Two limits apply to each lookup post: one per client address, one per
booking number whatever the address, so a botnet cannot walk the surnames
of one booking either. The counters live in memory by default and in Redis
when ``RATELIMIT_STORAGE_URI`` names one (several processes or machines).
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=False)


def per_ip_limit() -> str:
    """Return the configured per-address lookup limit."""
    return current_app.config["LOOKUP_LIMIT_PER_IP"]


def per_booking_limit() -> str:
    """Return the configured per-booking lookup limit."""
    return current_app.config["LOOKUP_LIMIT_PER_BOOKING"]


def booking_key() -> str:
    """Key the per-booking counter by a digest, not the booking number.

    The number is reduced to the form the search receives: "#01234" and
    "1234" find the same booking, so they must count against one limit, or
    leading zeros would multiply the tries a guesser gets.
    """
    raw = request.form.get("booking_id", "").strip().lstrip("#")[:20]
    if raw.isascii() and raw.isdigit():
        raw = raw.lstrip("0") or "0"
    digest = hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:20]

    return f"booking:{digest}"

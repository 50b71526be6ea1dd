"""Response headers that a careful service sends on every page.

Pages of a campaign may be framed only by the origins its file lists
(``frame_ancestors``); every other page refuses to be framed at all.
Scripts and styles come only from our own origin, so a strict CSP holds.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def allow_framing_by(origins: list[str] | tuple[str, ...]) -> None:
    """Let this response be framed by the given origins (and our own)."""
    g.frame_ancestors = ("'self'", *origins)


def add_security_headers(response: Response) -> Response:
    """Set CSP, framing, sniffing, referrer and transport headers."""
    ancestors = getattr(g, "frame_ancestors", None)
    if ancestors:
        frame = "frame-ancestors " + " ".join(ancestors)
    else:
        frame = "frame-ancestors 'none'"
        response.headers.setdefault("X-Frame-Options", "DENY")

    response.headers.setdefault("Content-Security-Policy", f"{BASE_POLICY}; {frame}")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Email links carry the booking details in the query: never pass the
    # address on to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
    )
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )

    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")

    return response


def parent_origins() -> dict:
    """Give templates the origins that may frame the page, for postMessage."""
    ancestors = getattr(g, "frame_ancestors", ())

    return {"parent_origins": [a for a in ancestors if a != "'self'"]}


def init_app(app: Flask) -> None:
    """Install the headers on every response."""
    app.after_request(add_security_headers)
    app.context_processor(parent_origins)


def frame_origins_of(campaign) -> tuple[str, ...]:
    """Return the origins a campaign allows to frame its pages."""
    return tuple(campaign.ui.get("frame_ancestors", ())) or tuple(
        current_app.config.get("DEFAULT_FRAME_ANCESTORS", ())
    )

"""Response headers that a careful service sends on every page.

Pages of a campaign may be framed only by the origins its file lists
(``ui.frame_ancestors``); every other page (the index, errors outside a
campaign, the API) refuses to be framed at all, except the "no such form"
page that an embed tag with a mistyped campaign asks for. Scripts and styles come only
from our own origin, so a strict CSP holds; the one exception is an image
host named by a campaign's logo.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from forms.campaign import CampaignError

SCRIPT_AND_STYLE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
# A CSP host source as a venue would write it: a scheme, a host that may
# start with "*.", and an optional port or "*". Anything looser ("*",
# "https:") would let every site frame the form, and a ";" would smuggle a
# directive into the header, so start-up refuses both.
FRAME_ANCESTOR = re.compile(
    r"^https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\*|[0-9]{1,5}))?$", re.IGNORECASE
)
# The embed script is fetched by venue pages on other sites; a venue that
# isolates its page (COEP) only loads it when we say so.
CROSS_SITE_PATHS = ("/embed.js",)
PRIVATE_TYPES = {"text/html", "application/json"}
# A venue page that isolates itself (COEP: require-corp) shows a frame only
# when the framed page agrees to be embedded across origins and isolates
# itself too. "credentialless" keeps a campaign's https logo loading
# without a CORP header of its own.
FRAMED_PAGE = (
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Cross-Origin-Embedder-Policy", "credentialless"),
)
EVERY_PAGE = (
    ("X-Content-Type-Options", "nosniff"),
    # Email links carry the booking details in the query: never pass the
    # address on to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


# Any page at all, for an answer that holds nothing a frame could abuse.
ANY_ORIGIN = ("*",)


def allow_framing_by(origins: Iterable[str]) -> None:
    """Let this response be framed by the given origins (and our own)."""
    g.frame_ancestors = ("'self'", *origins)


def frame_origins_of(campaign) -> tuple[str, ...]:
    """Return the origins a campaign allows to frame its pages."""
    return tuple(campaign.ui.get("frame_ancestors", ())) or tuple(
        current_app.config.get("DEFAULT_FRAME_ANCESTORS", ())
    )


def logo_of(campaign) -> str | None:
    """Return the campaign's logo address when it is one we will show.

    Only our own paths, ``https:`` images and inline ``data:image/`` ones
    pass: an ``http:`` logo would be mixed content on the live site, and any
    other scheme has no business in an ``<img>``.
    """
    theme = campaign.ui.get("theme") if campaign else None
    logo = theme.get("logo") if isinstance(theme, dict) else None
    if not isinstance(logo, str):
        return None

    if logo.startswith(("https://", "data:image/")):
        return logo
    if logo.startswith("/") and not logo.startswith("//"):
        return logo

    return None


def content_security_policy() -> str:
    """Build the CSP of this response from the campaign in play, if any."""
    logo = logo_of(getattr(g, "campaign", None))

    return policy_for(logo, getattr(g, "frame_ancestors", None))


@lru_cache(maxsize=256)
def policy_for(logo: str | None, ancestors: tuple[str, ...] | None) -> str:
    """Write the CSP for a logo address and the origins that may frame the page.

    Both are fixed per campaign, so each campaign's policy is written once.
    """
    images = ["'self'", "data:"]
    if logo and logo.startswith("https://"):
        parts = urlsplit(logo)
        images.append(f"{parts.scheme}://{parts.netloc}")
    framing = " ".join(ancestors or ("'none'",))

    return f"{SCRIPT_AND_STYLE}; img-src {' '.join(images)}; frame-ancestors {framing}"


def add_security_headers(response: Response) -> Response:
    """Set CSP, framing, sniffing, referrer and transport headers.

    A header the view set itself is kept.
    """
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    wanted = [("Content-Security-Policy", content_security_policy())]
    if not getattr(g, "frame_ancestors", None):
        # For browsers too old to read frame-ancestors.
        wanted.append(("X-Frame-Options", "DENY"))
    else:
        wanted.extend(FRAMED_PAGE)

    wanted.extend(EVERY_PAGE)
    if request.path in CROSS_SITE_PATHS:
        wanted.append(("Cross-Origin-Resource-Policy", "cross-origin"))
    if request.is_secure:
        wanted.append(
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        )
    # Pages hold a guest's booking and tokens; API answers hold signed links.
    if response.mimetype in PRIVATE_TYPES:
        wanted.append(("Cache-Control", "no-store"))

    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)

    return response


def page_context() -> dict:
    """Give templates what the page chrome needs from the campaign.

    ``parent_origins`` are the origins that may frame the page, which
    guest.js needs to address its messages to the embedding page.
    """
    ancestors = getattr(g, "frame_ancestors", ())
    campaign = getattr(g, "campaign", None)
    theme = campaign.ui.get("theme") if campaign else None

    return {
        "parent_origins": [a for a in ancestors if a != "'self'"],
        "logo_url": logo_of(campaign),
        "logo_alt": theme.get("logo_alt", "") if isinstance(theme, dict) else "",
    }


def check_frame_ancestors(campaigns: dict) -> None:
    """Refuse to start when a campaign's frame_ancestors is not a list of origins.

    Raises CampaignError naming the file and the entry at fault.
    """
    for campaign in campaigns.values():
        origins = campaign.ui.get("frame_ancestors", [])
        if not isinstance(origins, list):
            raise CampaignError(
                f"{campaign.path}: /ui/frame_ancestors must be a list of origins "
                'such as ["https://www.venue.example"].'
            )

        for index, origin in enumerate(origins):
            if not isinstance(origin, str) or not FRAME_ANCESTOR.match(origin):
                raise CampaignError(
                    f"{campaign.path}: /ui/frame_ancestors/{index} is {origin!r}; "
                    "write an origin such as https://www.venue.example, "
                    "https://*.venue.example or http://localhost:*."
                )


def init_app(app: Flask) -> None:
    """Add the headers to every response and the chrome to every page."""
    app.after_request(add_security_headers)
    app.context_processor(page_context)

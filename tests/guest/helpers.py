"""What the guest tests share: the demo booking and what the sandbox holds."""

from __future__ import annotations

import re

from anyroad.client import ProfileClient
from sandbox import demo

# The demo booking as a guest types it: booking id, last name, date.
DOC = ("1234", "Loblaw", "2021-03-31")


def stored_profile(sandbox, profile_id=demo.DOC_PROFILE_ID):
    return ProfileClient(sandbox.base_url, demo.DEMO_API_KEY).get(profile_id)


def patches_received(sandbox, profile_id=demo.DOC_PROFILE_ID) -> int:
    return sandbox.stats()["patches"].get(profile_id, {}).get("received", 0)


def text_of(soup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" ", strip=True))

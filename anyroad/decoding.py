"""Base64 text fields as the API sends them (guest names and email).

Upstream encoders vary: standard or URL-safe alphabet, padding or none,
line breaks every 60 or 76 characters. All of those decode. Anything that
does not decode to clean UTF-8 text gives None, so the page shows no name
rather than a wrong one (case C8).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

BASE64_PATTERN = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
URL_SAFE_TO_STANDARD = str.maketrans("-_", "+/")


def decode_text(value: object) -> str | None:
    """Decode a Base64 field to text, or return None if it is malformed.

    Never raises: a missing field, a non-string, junk characters, a
    truncated value, bytes that are not UTF-8, or text with control
    characters all give None.
    """
    if not isinstance(value, str):
        return None

    compact = "".join(value.split())
    if not compact or not BASE64_PATTERN.fullmatch(compact):
        return None

    unpadded = compact.rstrip("=").translate(URL_SAFE_TO_STANDARD)
    if len(unpadded) % 4 == 1:
        return None

    padded = unpadded + "=" * (-len(unpadded) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None

    if not text or any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        return None

    return text

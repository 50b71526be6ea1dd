"""A campaign's colours, served as CSS custom properties.

Colours come from the campaign file's ``ui.theme``; only exact hex colours
are accepted, checked at start-up, so a campaign file can never inject CSS.
"""

from __future__ import annotations

import re

from forms.campaign import Campaign, CampaignError

HEX_COLOUR = re.compile(r"\A#(?:[0-9a-fA-F]{3}){1,2}\Z")
PROPERTIES = {
    "accent": "--accent",
    "accent_text": "--accent-text",
    "text": "--text",
    "background": "--background",
}
TEXT_KEYS = ("logo", "logo_alt")


def check_themes(campaigns: dict[str, Campaign]) -> None:
    """Refuse to start when a campaign's theme is not what we can show.

    Raises CampaignError naming the file and the JSON pointer at fault.
    """
    for campaign in campaigns.values():
        theme = campaign.ui.get("theme", {})
        if not isinstance(theme, dict):
            raise CampaignError(
                f"{campaign.path}: /ui/theme must be an object such as "
                '{"accent": "#1d5c63"}.'
            )

        unknown = set(theme) - set(PROPERTIES) - set(TEXT_KEYS)
        if unknown:
            raise CampaignError(
                f"{campaign.path}: /ui/theme/{sorted(unknown)[0]} is not a "
                f"theme setting; use {sorted([*PROPERTIES, *TEXT_KEYS])}."
            )

        for key in PROPERTIES:
            value = theme.get(key)
            if value is not None and not (
                isinstance(value, str) and HEX_COLOUR.match(value)
            ):
                raise CampaignError(
                    f"{campaign.path}: /ui/theme/{key} is {value!r}; write a "
                    "hex colour such as #1d5c63."
                )


def render_theme(theme: dict) -> str:
    """Write the theme's colours as CSS custom properties on :root."""
    lines = [
        f"  {prop}: {theme[key]};"
        for key, prop in PROPERTIES.items()
        if isinstance(theme.get(key), str) and HEX_COLOUR.match(theme[key])
    ]

    return ":root {\n" + "\n".join(lines) + "\n}\n"

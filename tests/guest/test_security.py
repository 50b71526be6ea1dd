"""Security headers: who may frame which page, and what every page carries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import create_app
from config import ROOT
from forms.campaign import CampaignError
from guest.security import FRAME_ANCESTOR
from guest.theme import render_theme
from tests.conftest import page

DEMO_ANCESTORS = "frame-ancestors 'self' http://127.0.0.1:* http://localhost:*"


def directives(response) -> dict[str, str]:
    """Split a Content-Security-Policy header into its directives."""
    policy = response.headers["Content-Security-Policy"]
    pairs = (part.strip().split(" ", 1) for part in policy.split(";"))

    return {name: value for name, value in pairs}


def campaigns_with_ui(tmp_path: Path, **ui) -> str:
    """Copy the demo campaigns, changing monster-mash's ``ui`` hints."""
    folder = tmp_path / "campaigns"
    shutil.copytree(ROOT / "campaigns", folder)
    path = folder / "monster-mash.json"
    campaign = json.loads(path.read_text(encoding="utf-8"))
    campaign["ui"].update(ui)
    path.write_text(json.dumps(campaign), encoding="utf-8")

    return str(folder)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/"),
        ("get", "/no-such-page"),
        ("get", "/f/no-such-campaign"),
        ("post", "/api/deep-links"),
    ],
)
def test_pages_outside_a_campaign_refuse_every_frame(client, method, path):
    response = getattr(client, method)(path)

    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Cross-Origin-Embedder-Policy" not in response.headers


def test_an_embed_naming_no_campaign_gets_a_page_any_frame_may_show(client):
    response = client.get("/f/no-such-campaign?embed=1&source=iframe")

    shown = page(response)
    assert response.status_code == 404
    assert directives(response)["frame-ancestors"] == "'self' *"
    assert "X-Frame-Options" not in response.headers
    assert shown.h1.text == "This form is not here"
    assert (
        "check the campaign named in its embed tag" in shown.select_one("main p").text
    )
    assert shown.select("form, a[href*='/f/']") == []


@pytest.mark.parametrize(
    "path",
    [
        "/f/monster-mash",
        "/f/monster-mash?embed=1",
        "/f/monster-mash/thanks?embed=1",
        "/f/monster-mash/link?t=not-a-token",
    ],
)
def test_campaign_pages_may_be_framed_by_the_listed_origins_only(client, path):
    response = client.get(path)

    assert f"frame-ancestors {directives(response)['frame-ancestors']}" == (
        DEMO_ANCESTORS
    )
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Cross-Origin-Embedder-Policy"] == "credentialless"


def test_upstream_failure_inside_a_campaign_can_still_be_shown_in_its_frame(
    guest, sandbox
):
    sandbox.set_faults({"search": {"error_rate": 1, "error_status": 503}})

    response = guest.find_booking("1234", "Loblaw", "2021-03-31", query="?embed=1")

    assert response.status_code == 503
    assert "'none'" not in directives(response)["frame-ancestors"]
    assert "is-embedded" in guest.last_page.body["class"]


@pytest.mark.parametrize("path", ["/", "/f/monster-mash", "/embed.js"])
def test_every_response_refuses_sniffing_and_referrers(client, path):
    response = client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_scripts_and_styles_come_only_from_our_origin(client):
    policy = directives(client.get("/f/monster-mash"))

    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_pages_are_never_cached_because_they_hold_tokens(client):
    response = client.get("/f/monster-mash")

    assert response.headers["Cache-Control"] == "no-store"


def test_form_step_stays_in_the_browser_only_so_back_can_show_it(guest):
    response = guest.find_booking("1234", "Loblaw", "2021-03-31")

    assert response.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    "base_url, has_hsts",
    [("https://forms.example", True), ("http://forms.example", False)],
)
def test_hsts_is_sent_only_over_https(client, base_url, has_hsts):
    response = client.get("/f/monster-mash", base_url=base_url)

    assert ("Strict-Transport-Security" in response.headers) is has_hsts


def test_embed_script_may_be_loaded_by_isolated_venue_pages(client):
    response = client.get("/embed.js")

    assert response.mimetype == "text/javascript"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "origin",
    [
        "https://www.venue.example",
        "https://*.venue.example",
        "https://venue.example:8443",
        "http://localhost:*",
    ],
)
def test_origins_a_venue_would_write_are_accepted(origin):
    assert FRAME_ANCESTOR.match(origin)


@pytest.mark.parametrize(
    "origins",
    [
        ["*"],
        ["https:"],
        ["https://venue.example/path"],
        ["https://venue.example; script-src *"],
        ["https://venue.example 'unsafe-inline'"],
        ["javascript:alert(1)"],
        [42],
        "https://venue.example",
    ],
)
def test_campaign_with_a_loose_or_malformed_frame_list_stops_start_up(
    settings, tmp_path, origins
):
    settings["CAMPAIGNS_DIR"] = campaigns_with_ui(tmp_path, frame_ancestors=origins)

    with pytest.raises(CampaignError, match="frame_ancestors"):
        create_app(settings)


def test_theme_stylesheet_serves_the_campaign_colours(settings, tmp_path):
    theme = {"accent": "#6a2c70", "text": "#111"}
    settings["CAMPAIGNS_DIR"] = campaigns_with_ui(tmp_path, theme=theme)

    response = create_app(settings).test_client().get("/f/monster-mash/theme.css")

    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert "--accent: #6a2c70;" in css and "--text: #111;" in css
    assert css.count("{") == css.count("}") == 1


@pytest.mark.parametrize(
    "theme, pointer",
    [
        ({"background": "#fafafa\n"}, "/ui/theme/background"),
        ({"accent_text": "#fff; } body { display: none"}, "/ui/theme/accent_text"),
        ({"accent": "red"}, "/ui/theme/accent"),
        ({"accent": 12}, "/ui/theme/accent"),
        ({"acent": "#123456"}, "/ui/theme/acent"),
        ("#123456", "/ui/theme"),
    ],
)
def test_theme_that_is_not_hex_colours_stops_start_up(
    settings, tmp_path, theme, pointer
):
    settings["CAMPAIGNS_DIR"] = campaigns_with_ui(tmp_path, theme=theme)

    with pytest.raises(CampaignError, match=pointer):
        create_app(settings)


def test_render_theme_drops_anything_but_hex_colours():
    css = render_theme({"accent": "#abc", "text": "#fff; } x {", "background": 3})

    assert css == ":root {\n  --accent: #abc;\n}\n"


@pytest.mark.parametrize(
    "logo, shown",
    [
        ("https://cdn.venue.example/logo.png", True),
        ("/static/logo.png", True),
        ("data:image/png;base64,iVBORw0KGgo=", True),
        ("http://cdn.venue.example/logo.png", False),
        ("//cdn.venue.example/logo.png", False),
        ("javascript:alert(1)", False),
    ],
)
def test_only_safe_logo_addresses_are_shown(settings, tmp_path, logo, shown):
    settings["CAMPAIGNS_DIR"] = campaigns_with_ui(
        tmp_path, theme={"logo": logo, "logo_alt": "Monster Mash Cellars"}
    )

    soup = page(create_app(settings).test_client().get("/f/monster-mash"))

    image = soup.select_one("header img.logo")
    assert (image is not None) is shown
    if shown:
        assert image["src"] == logo
        assert image["alt"] == "Monster Mash Cellars"


def test_logo_host_is_the_only_other_image_source(settings, tmp_path):
    settings["CAMPAIGNS_DIR"] = campaigns_with_ui(
        tmp_path, theme={"logo": "https://cdn.venue.example/a/logo.svg"}
    )
    client = create_app(settings).test_client()

    campaign_policy = directives(client.get("/f/monster-mash"))
    other_policy = directives(client.get("/f/tasting-follow-up"))

    assert campaign_policy["img-src"] == "'self' data: https://cdn.venue.example"
    assert other_policy["img-src"] == "'self' data:"


def test_logo_without_alt_text_is_decoration_beside_the_venue_name(client):
    soup = page(client.get("/f/tasting-follow-up"))

    assert soup.select_one("header img.logo")["alt"] == ""
    assert soup.select_one("header .site-name").text == "Glen Demo Distillery"

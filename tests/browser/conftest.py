"""Headless Chromium (Debian's package) driven by Playwright.

The browser tests skip, with the reason printed, on a machine without
``/usr/bin/chromium`` or without axe-core in ``node_modules`` (run
``npm ci``); under ``CI=true`` either one missing fails instead.

Pages are checked at the two widths the issue names, and each check writes
a screenshot of the viewport to ``instance/screenshots/``. With
``UPDATE_SCREENSHOTS=1`` they go to ``docs/screenshots/`` instead, the
pictures the README shows: a plain test run leaves the checkout as it was.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from string import Template

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from config import ROOT
from tests.conftest import IN_CI, build_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else ROOT / "instance" / "screenshots"
)
VENUE_PAGE = Path(__file__).with_name("venue.html")
WIDTHS = {1280: 800, 360: 740}
# chrome://settings/cookies "Block third-party cookies", as a guest would
# set it. Chromium 156 ignores --test-third-party-cookie-phaseout and the
# 3PCD feature flags when a profile says otherwise, so the profile says it.
BLOCK_THIRD_PARTY_COOKIES = {
    "profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}
}


class LiveServer:
    """Serve a WSGI app on loopback in a thread for the browser to open.

    ``public_host`` names the host the browser uses: "localhost" reaches the
    same socket as 127.0.0.1 but is another site, which is what a venue's
    page and guestform are to each other.
    """

    def __init__(self, wsgi_app, public_host: str = "127.0.0.1") -> None:
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://{public_host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve_guestform(settings, public_host: str = "127.0.0.1") -> LiveServer:
    application = build_app(settings)
    server = LiveServer(application, public_host)
    application.config["PUBLIC_URL"] = server.url
    server.app = application

    return server


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}; install Debian's chromium."
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)

    return CHROMIUM


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.exists():
        reason = f"axe-core not found at {AXE}; run npm ci."
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)

    return AXE


# Package scope, not session: Playwright's sync API allows one instance per
# thread at a time, and other folders (tests/forms) start their own.
@pytest.fixture(scope="package")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def live_app(settings):
    server = serve_guestform(settings)
    yield server
    server.stop()


@pytest.fixture
def form_site(settings):
    """guestform on http://localhost:PORT, another site than the venue's."""
    server = serve_guestform(settings, public_host="localhost")
    yield server
    server.stop()


@pytest.fixture
def venue_site(form_site):
    """A venue's page on http://127.0.0.1:PORT embedding the form by script.

    It records every ``guestform:submitted`` event that reaches its
    document in ``window.submittedEvents``.
    """
    html = Template(VENUE_PAGE.read_text(encoding="utf-8")).substitute(
        form_url=form_site.url
    )

    def venue(environ, start_response):
        return Response(html, mimetype="text/html")(environ, start_response)

    server = LiveServer(venue)
    yield server
    server.stop()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": WIDTHS[1280]})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def checked_page(browser, axe_path):
    """A page on which axe-core can be injected.

    Our CSP allows scripts from our own origin only, which is right for
    guests and would block the injected axe-core; this context alone
    bypasses the policy.
    """
    context = browser.new_context(
        viewport={"width": 1280, "height": WIDTHS[1280]}, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def cookieless_browser(playwright_instance, chromium_path, tmp_path):
    """A Chromium whose profile blocks third-party cookies."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(
        json.dumps(BLOCK_THIRD_PARTY_COOKIES)
    )
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_path,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": WIDTHS[1280]},
    )
    yield context
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page and return its violations, briefly."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))

    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )


def horizontal_overflow(page) -> int:
    """Tell by how many pixels the page is wider than the viewport."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth"
        " - document.documentElement.clientWidth"
    )


def check_at_both_widths(page, name: str, axe: bool = True) -> None:
    """Check a page at 1280 and 360 px wide and keep a screenshot of each.

    At each width axe-core must find no violations and the page must not
    scroll sideways.
    """
    original = page.viewport_size
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        if axe:
            assert axe_violations(page) == [], f"axe-core on {name} at {width} px"
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at {width} px"
        screenshot(page, f"{name}-{width}")

    page.set_viewport_size(original)


def screenshot(page, name: str) -> None:
    """Write the viewport to NAME.png in SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")


def wait_until(condition, timeout: float = 5.0, message: str = ""):
    """Poll a condition across frames, which wait_for_function cannot."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(0.05)

"""Fixtures shared by the app's tests: a sandbox, the app, a guest."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from cryptography.fernet import Fernet

from app import create_app
from guest.limits import limiter
from sandbox import demo
from sandbox.server import start_sandbox

IN_CI = os.environ.get("CI", "").lower() == "true"


CAMPAIGNS = Path(__file__).resolve().parents[1] / "campaigns"


def start_seeded_sandbox(folder: Path, campaigns: Path | None = None):
    """Start a sandbox seeded with the demo data, its database in ``folder``.

    ``campaigns`` replaces the demo campaign folder (see ``tasting_asking``).
    """
    settings = {"SANDBOX_DATABASE": str(folder / "sandbox.db"), "SANDBOX_SEED": True}
    if campaigns is not None:
        settings["CAMPAIGNS_DIR"] = str(campaigns)

    return start_sandbox(settings)


def tasting_asking(folder: Path, questions: dict, labels: dict) -> Path:
    """Copy the demo campaigns into ``folder``, the tasting one asking more.

    :param questions: data model properties to add, by name.
    :param labels: the label hint of each, by name, or all its hints as a
        dict; they go last on the page.
    """
    campaigns = folder / "campaigns"
    shutil.copytree(CAMPAIGNS, campaigns)
    tasting = campaigns / "tasting-follow-up.json"
    campaign = json.loads(tasting.read_text())
    campaign["data_model"]["properties"].update(questions)
    campaign["ui"]["order"] += list(questions)
    for name, label in labels.items():
        hints = label if isinstance(label, dict) else {"label": label}
        campaign["ui"]["fields"][name] = hints
    tasting.write_text(json.dumps(campaign))

    return campaigns


def app_settings(sandbox, folder: Path, **overrides) -> dict:
    """Settings for an app on ``sandbox``, with its outbox in ``folder``."""
    return {
        "TESTING": True,
        "ANYROAD_API_URL": sandbox.base_url,
        "ANYROAD_API_KEY": demo.DEMO_API_KEY,
        "ANYROAD_READ_TIMEOUT": 2.0,
        "SECRET_KEY": "test-secret",
        "OUTBOX_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{folder / 'outbox.db'}",
        **overrides,
    }


def build_app(settings: dict):
    """Build the app with the factory and clear its rate-limit counters."""
    application = create_app(settings)
    with application.app_context():
        limiter.reset()

    return application


@pytest.fixture
def sandbox(tmp_path):
    """A seeded sandbox serving on loopback, private to one test."""
    running = start_seeded_sandbox(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def settings(tmp_path, sandbox):
    """What the app is built with in tests; a test may change it first."""
    return app_settings(sandbox, tmp_path, RATELIMIT_STORAGE_URI="memory://")


@pytest.fixture
def app(settings):
    return build_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


def page(response) -> BeautifulSoup:
    """Parse a response body as HTML."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def form_fields(soup: BeautifulSoup, form_selector: str = "form") -> dict:
    """Read the values a browser would post from a page's form."""
    form = soup.select_one(form_selector)
    values = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        kind = field.get("type", "text")
        if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            values[field["name"]] = chosen.get("value", chosen.text) if chosen else ""
        elif field.name == "textarea":
            values[field["name"]] = field.text
        else:
            values[field["name"]] = field.get("value", "")

    return values


@dataclass
class Guest:
    """A guest going through the flow with the test client."""

    client: object
    campaign: str = "monster-mash"
    last_page: BeautifulSoup | None = None

    def open_lookup(self, query: str = ""):
        response = self.client.get(f"/f/{self.campaign}{query}")
        self.last_page = page(response)
        return response

    def find_booking(self, booking_id, last_name, experience_date, query=""):
        self.open_lookup(query)
        data = form_fields(self.last_page)
        data.update(
            booking_id=str(booking_id),
            last_name=last_name,
            experience_date=experience_date,
        )
        response = self.client.post(f"/f/{self.campaign}", data=data)
        self.last_page = page(response)
        return response

    def submit(self, answers: dict, keep_prefilled: bool = False, extra=None):
        """Post answers keyed by data model property (``f-`` is added)."""
        data = (
            form_fields(self.last_page)
            if keep_prefilled
            else {
                "__state": self.state_token(),
                "homepage_url": "",
            }
        )
        data.update({f"f-{name}": value for name, value in answers.items()})
        data.update(extra or {})
        response = self.client.post(f"/f/{self.campaign}/answers", data=data)
        if response.status_code != 303:
            self.last_page = page(response)
        return response

    def state_token(self) -> str:
        return self.last_page.select_one("input[name=__state]")["value"]

    def error_for(self, field_id: str) -> str:
        node = self.last_page.select_one(f"#{field_id}--error")
        return re.sub(r"\s+", " ", node.get_text(" ", strip=True)) if node else ""


@pytest.fixture
def guest(client):
    return Guest(client)

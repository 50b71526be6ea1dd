"""Fixtures for the sandbox: a seeded app on a temporary file, its clients."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sandbox import demo
from sandbox.app import REPO_ROOT, create_sandbox_app

API = "/external/api/v1"
KEY_HEADERS = {"X-API-KEY": demo.DEMO_API_KEY}


@pytest.fixture
def settings(tmp_path):
    """What the sandbox is built with; a test may change it first."""
    return {
        "TESTING": True,
        "SANDBOX_DATABASE": str(tmp_path / "sandbox.sqlite3"),
        "CAMPAIGNS_DIR": str(REPO_ROOT / "campaigns"),
        "SANDBOX_SEED": True,
        "SANDBOX_FAULTS": None,
    }


@pytest.fixture
def app(settings):
    return create_sandbox_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def campaigns_dir(tmp_path):
    """A copy of the repo's campaign files that a test may edit."""
    folder = tmp_path / "campaigns"
    shutil.copytree(REPO_ROOT / "campaigns", folder)
    return folder


def set_approved_ips(folder: Path, slug: str, ips: list[str]) -> None:
    """Rewrite one campaign file's approved IPs."""
    path = folder / f"{slug}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["approved_ips"] = ips
    path.write_text(json.dumps(raw), encoding="utf-8")


class Api:
    """Calls the sandbox's API with the demo key unless told otherwise."""

    def __init__(self, client):
        self.client = client

    def get(self, profile_id, headers=KEY_HEADERS, **kwargs):
        return self.client.get(
            f"{API}/customer_profile/{profile_id}", headers=headers, **kwargs
        )

    def patch(self, profile_id, body, headers=KEY_HEADERS, **kwargs):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        return self.client.patch(
            f"{API}/customer_profile/{profile_id}", data=data, headers=headers, **kwargs
        )

    def search(self, body=None, query=None, headers=KEY_HEADERS, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.client.post(
            f"{API}/customer_profile/search",
            query_string=query,
            headers=headers,
            **kwargs,
        )

    def booking_ids(self, response):
        return [
            item["attributes"]["booking"]["id"] for item in response.get_json()["data"]
        ]


@pytest.fixture
def api(client):
    return Api(client)

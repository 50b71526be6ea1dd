"""Fixtures for the client: a seeded sandbox over real HTTP, and a client for it."""

from __future__ import annotations

import pytest

from anyroad.client import ProfileClient
from sandbox import demo
from sandbox.server import start_sandbox
from tests.sandbox.conftest import campaigns_dir  # noqa: F401  (shared fixture)

# Short enough to keep the suite quick, long enough for a loaded CI machine.
READ_TIMEOUT = 0.5


@pytest.fixture
def sandbox_config(tmp_path):
    """What the sandbox is started with; a test may change it first."""
    return {"SANDBOX_DATABASE": str(tmp_path / "sandbox.sqlite3"), "SANDBOX_SEED": True}


@pytest.fixture
def sandbox(sandbox_config):
    running = start_sandbox(sandbox_config)
    yield running
    running.stop()


@pytest.fixture
def client(sandbox):
    return ProfileClient(
        sandbox.base_url,
        demo.DEMO_API_KEY,
        connect_timeout=1.0,
        read_timeout=READ_TIMEOUT,
    )

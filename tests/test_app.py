"""Start-up: configuration, campaign files and the embedded sandbox."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import config
from app import create_app
from forms.campaign import CampaignError
from tests.conftest import Guest

CAMPAIGNS = Path(__file__).resolve().parent.parent / "campaigns"


def write_campaign(folder: Path, slug: str, data_model: dict, **extra) -> Path:
    path = folder / f"{slug}.json"
    path.write_text(json.dumps({"name": slug, "data_model": data_model, **extra}))
    return path


@pytest.mark.parametrize(
    "data_model, pointer, keyword",
    [
        (
            {"type": "object", "properties": {"age": {"type": "integr"}}},
            "/data_model/properties/age/type",
            "anyOf",
        ),
        (
            {"type": "object", "properties": {"age": {"minimum": "five"}}},
            "/data_model/properties/age/minimum",
            "type",
        ),
        (
            {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
            "/data_model/patternProperties",
            "patternProperties",
        ),
    ],
)
def test_bad_campaign_stops_start_up_naming_file_pointer_and_keyword(
    settings, tmp_path, data_model, pointer, keyword
):
    path = write_campaign(tmp_path, "broken", data_model)
    settings["CAMPAIGNS_DIR"] = str(tmp_path)

    with pytest.raises(CampaignError) as caught:
        create_app(settings)

    message = str(caught.value)
    assert str(path) in message
    assert pointer in message
    assert keyword in message


def test_hint_for_unknown_field_stops_start_up(settings, tmp_path):
    write_campaign(
        tmp_path,
        "hinted",
        {"type": "object", "properties": {"age": {"type": "integer"}}},
        ui={"fields": {"agee": {"label": "Age"}}},
    )
    settings["CAMPAIGNS_DIR"] = str(tmp_path)

    with pytest.raises(CampaignError, match="agee"):
        create_app(settings)


def test_empty_campaign_folder_stops_start_up(settings, tmp_path):
    settings["CAMPAIGNS_DIR"] = str(tmp_path)

    with pytest.raises(CampaignError, match="No campaign files"):
        create_app(settings)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "OUTBOX_KEY"])
def test_gunicorn_refuses_to_start_without_secret(settings, monkeypatch, missing):
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())
    settings.pop("TESTING")
    settings[missing] = ""

    with pytest.raises(config.ConfigError, match=f"{missing} is not set"):
        create_app(settings)


def test_development_generates_secrets_once_and_keeps_them(settings, tmp_path):
    settings.update(SECRET_KEY="", OUTBOX_KEY="", INSTANCE_PATH=str(tmp_path / "i"))

    first = create_app(dict(settings))
    second = create_app(dict(settings))

    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] != ""
    assert first.config["OUTBOX_KEY"] == second.config["OUTBOX_KEY"] != ""
    assert (tmp_path / "i" / "secret_key").stat().st_mode & 0o077 == 0


def test_upstream_url_without_key_stops_start_up(settings):
    settings["ANYROAD_API_KEY"] = ""

    with pytest.raises(config.ConfigError, match="ANYROAD_API_KEY"):
        create_app(settings)


def test_bad_number_in_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("ANYROAD_READ_TIMEOUT", "ten")

    with pytest.raises(config.ConfigError, match="ANYROAD_READ_TIMEOUT"):
        config.read_settings()


def test_without_upstream_the_app_uses_the_seeded_embedded_sandbox(settings, tmp_path):
    settings.update(
        ANYROAD_API_URL="",
        ANYROAD_API_KEY="",
        SANDBOX_DATABASE=str(tmp_path / "embedded.db"),
    )
    app = create_app(settings)
    try:
        guest = Guest(app.test_client())
        guest.find_booking("1234", "Loblaw", "2021-03-31")

        assert app.config["UPSTREAM_URL"].startswith("http://127.0.0.1:")
        assert guest.last_page.select_one("input[name=__state]") is not None
    finally:
        app.extensions["sandbox"].stop()


def test_campaigns_dir_is_read_from_the_environment(monkeypatch, settings, tmp_path):
    shutil.copy(CAMPAIGNS / "monster-mash.json", tmp_path / "only-one.json")
    monkeypatch.setenv("CAMPAIGNS_DIR", str(tmp_path))
    settings.pop("CAMPAIGNS_DIR", None)

    app = create_app(settings)

    assert list(app.extensions["campaigns"]) == ["only-one"]

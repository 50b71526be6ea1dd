"""Start-up: configuration, campaign files and the embedded sandbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import flask
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from flask.cli import FlaskGroup
from flask.sessions import NullSession

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


def test_a_key_pasted_with_a_line_break_stops_start_up(settings):
    settings["ANYROAD_API_KEY"] = "example-key-1234\n"

    with pytest.raises(config.ConfigError, match="ANYROAD_API_KEY.*copy it again"):
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


def test_flask_command_runs_with_a_broken_campaign_left_out(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("CAMPAIGNS_DIR", str(tmp_path))
    shutil.copy(CAMPAIGNS / "monster-mash.json", tmp_path / "monster-mash.json")
    write_campaign(
        tmp_path, "broken", {"type": "object", "properties": {"a": {"type": "x"}}}
    )
    settings["CAMPAIGNS_DIR"] = str(tmp_path)
    built = []

    def build():
        built.append(create_app(settings))
        return built[-1]

    cli = FlaskGroup(create_app=build, add_default_commands=False)
    result = CliRunner().invoke(cli, ["check-campaigns"])

    assert list(built[0].extensions["campaigns"]) == ["monster-mash"]
    assert result.exit_code == 1
    assert "broken.json: /data_model/properties/a/type" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("ANYROAD_READ_TIMEOUT", 0, "ANYROAD_READ_TIMEOUT is 0"),
        ("ANYROAD_CONNECT_TIMEOUT", float("inf"), "ANYROAD_CONNECT_TIMEOUT is inf"),
        (
            "ANYROAD_READ_TIMEOUT",
            40,
            "ANYROAD_CONNECT_TIMEOUT + ANYROAD_READ_TIMEOUT is 43.05 s; keep them "
            "under 28 s",
        ),
        ("PAGE_TOKEN_MAX_AGE", -5, "PAGE_TOKEN_MAX_AGE is -5"),
        ("DEEP_LINK_DAYS", 0, "DEEP_LINK_DAYS is 0; set it to at least 1 day."),
        (
            "DEEP_LINK_DAYS",
            3_000_000,
            "DEEP_LINK_DAYS is 3000000; set it to at most 3650 days (ten years)",
        ),
        (
            "ANYROAD_CONNECT_TIMEOUT",
            1e-300,
            "ANYROAD_CONNECT_TIMEOUT is 1e-300; set it to a number of seconds "
            "from 0.1 to 300 (a shorter wait fails every call",
        ),
        ("MAX_CONTENT_LENGTH", -5, "MAX_CONTENT_LENGTH is -5"),
        ("MAX_CONTENT_LENGTH", 1024, "MAX_CONTENT_LENGTH is 1024"),
        ("OUTBOX_RETENTION_DAYS", 1, "OUTBOX_RETENTION_DAYS is 1"),
        ("OUTBOX_LEASE_SECONDS", 5, "OUTBOX_LEASE_SECONDS is 5"),
        ("LOOKUP_LIMIT_PER_IP", "garbage", "LOOKUP_LIMIT_PER_IP is 'garbage'"),
        ("LOOKUP_LIMIT_PER_BOOKING", "ten", "LOOKUP_LIMIT_PER_BOOKING is 'ten'"),
        ("RATELIMIT_STORAGE_URI", "foo://bar", "RATELIMIT_STORAGE_URI cannot be used"),
    ],
)
def test_unusable_setting_stops_start_up_naming_it(settings, name, value, expected):
    settings[name] = value

    with pytest.raises(config.ConfigError, match=re.escape(expected)):
        create_app(settings)


def test_unreadable_flag_names_the_variable(monkeypatch):
    monkeypatch.setenv("TRUST_PROXY", "ture")

    with pytest.raises(config.ConfigError, match="TRUST_PROXY is 'ture'"):
        config.read_settings()


def test_gunicorn_without_upstream_url_refuses_to_serve_demo_data(
    settings, monkeypatch
):
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())
    settings.pop("TESTING")
    settings.update(ANYROAD_API_URL="", SECRET_KEY="s" * 32)

    with pytest.raises(config.ConfigError, match="'embedded'"):
        create_app(settings)


def test_gunicorn_refuses_a_short_secret_key(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())
    settings.pop("TESTING")
    settings["SECRET_KEY"] = "abc"

    with pytest.raises(config.ConfigError, match="SECRET_KEY is too short"):
        create_app(settings)


@pytest.mark.parametrize(
    "public_url",
    [
        "forms.example.com",
        "ftp://forms.example.com",
        "https://",
        "https://x:port",
        "https://forms.example.com/?a=1",
    ],
)
def test_a_public_url_guests_could_not_open_stops_start_up(settings, public_url):
    with pytest.raises(config.ConfigError) as caught:
        create_app({**settings, "PUBLIC_URL": public_url})

    assert str(caught.value).startswith(f"PUBLIC_URL is {public_url!r}; set it")


@pytest.mark.parametrize(
    "public_url", ["https://forms.example.com", "http://127.0.0.1:8080/guests"]
)
def test_a_web_address_is_a_usable_public_url(settings, public_url):
    app = create_app({**settings, "PUBLIC_URL": public_url})

    assert app.config["PUBLIC_URL"] == public_url


def test_gunicorn_minting_links_for_emails_needs_a_public_url(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())
    settings.pop("TESTING")
    settings.update(SECRET_KEY="s" * 32, BOOKING_SYSTEM_TOKEN="t" * 32, PUBLIC_URL="")

    with pytest.raises(config.ConfigError, match="PUBLIC_URL is not set"):
        create_app(settings)


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({"CAMPAIGNS_DIR": "broken"}, "broken.json: /data_model/properties/a/type"),
        (
            {"CAMPAIGNS_DIR": "twins"},
            "The embedded sandbox cannot seed its demo data: Campaigns ['first', "
            "'second'] all list the experience 'Monster Mash'",
        ),
        ({"PAGE_TOKEN_MAX_AGE": "3"}, "PAGE_TOKEN_MAX_AGE is 3; set it to at least"),
        (
            {"PORT": "abc"},
            "PORT is 'abc'; set it to a port number from 1 to 65535, or 0",
        ),
        (
            {"DATABASE_URL": "nonsense"},
            "DATABASE_URL cannot be read as a database address",
        ),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL is 'LOUD'; set it to DEBUG, INFO"),
        ({"PORT": "99999"}, "PORT is '99999'; set it to a port number from 1"),
        ({"SANDBOX_PORT": "-1"}, "SANDBOX_PORT is '-1'; set it to a port number"),
        ({"DATABASE_URL": "nonsense://"}, "DATABASE_URL names 'nonsense'"),
        (
            {"DATABASE_URL": "postgresql://db:notaport/outbox"},
            "DATABASE_URL cannot be read as a database address",
        ),
        (
            {"DATABASE_URL": "sqlite:///"},
            "DATABASE_URL names an in-memory SQLite database",
        ),
        (
            {"DATABASE_URL": "sqlite:////proc/no/outbox.db"},
            "DATABASE_URL names a SQLite file in a folder that cannot be made",
        ),
        (
            {"OUTBOX_RETENTION_DAYS": "9999999999"},
            "OUTBOX_RETENTION_DAYS must be a whole number from 1 to 3650, not "
            "9999999999",
        ),
        (
            {"OUTBOX_LEASE_SECONDS": "99999999999999999"},
            "OUTBOX_LEASE_SECONDS must be a whole number from 1 to 86400",
        ),
        (
            {"INSTANCE_PATH": "/proc/no-such-folder"},
            "The instance folder /proc/no-such-folder cannot hold the development keys",
        ),
        (
            {"SANDBOX_DATABASE": "/proc/no/sandbox.db"},
            "The embedded sandbox cannot keep its data in /proc/no/sandbox.db",
        ),
    ],
)
def test_the_dev_server_that_cannot_start_says_why_in_one_line(
    tmp_path, environment, expected
):
    broken = tmp_path / "broken"
    broken.mkdir()
    write_campaign(
        broken, "broken", {"type": "object", "properties": {"a": {"type": "x"}}}
    )
    twins = tmp_path / "twins"
    twins.mkdir()
    for slug in ("first", "second"):
        write_campaign(twins, slug, {"type": "object"}, experiences=["Monster Mash"])
    folders = {"broken": str(broken), "twins": str(twins)}
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PORT": "0",
        "SANDBOX_DATABASE": str(tmp_path / "sandbox.db"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        **{k: folders.get(v, v) for k, v in environment.items()},
    }

    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=CAMPAIGNS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("guestform cannot start: ")
    assert expected in last


def test_the_app_keeps_no_cookie_session(settings):
    app = create_app(settings)

    with app.test_request_context("/f/monster-mash"):
        assert isinstance(flask.session, NullSession)
        with pytest.raises(RuntimeError):
            flask.session["profile"] = "anything"

    response = app.test_client().get("/f/monster-mash", headers={"Cookie": "session=x"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def bare_environment(tmp_path, **settings) -> dict[str, str]:
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SANDBOX_DATABASE": str(tmp_path / "sandbox.db"),
        **settings,
    }


def run_gunicorn(tmp_path, *options: str, **settings: str):
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", *options]
        + ["app:create_app()"],
        cwd=CAMPAIGNS.parent,
        env=bare_environment(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusals_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "guestform cannot start" in line]


def test_gunicorn_that_cannot_start_says_why_once_before_any_worker_boots(tmp_path):
    done = run_gunicorn(tmp_path, "--workers", "2", ANYROAD_API_URL="embedded")

    assert done.returncode == 4
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stderr
    assert refusals_in(done.stderr) == [
        "guestform cannot start: SECRET_KEY is not set. Under gunicorn it is "
        "required: set SECRET_KEY in the environment (make one with: python -c "
        '"import secrets; print(secrets.token_urlsafe(32))").'
    ]


def test_gunicorn_master_names_a_broken_campaign_before_booting(tmp_path):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    (campaigns / "broken.json").write_text('{"slug": "broken", "data_model": 3}')

    done = run_gunicorn(
        tmp_path,
        "--workers",
        "2",
        ANYROAD_API_URL="embedded",
        SECRET_KEY="s" * 32,
        OUTBOX_KEY=Fernet.generate_key().decode(),
        CAMPAIGNS_DIR=str(campaigns),
    )

    assert done.returncode == 4
    assert "Booting worker" not in done.stderr
    [refusal] = refusals_in(done.stderr)
    assert "broken.json" in refusal


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL names an in-memory SQLite"),
        ({"ANYROAD_API_KEY": "k\x01"}, "ANYROAD_API_KEY cannot be used"),
        ({"OUTBOX_MAX_ATTEMPTS": "5000"}, "OUTBOX_MAX_ATTEMPTS must be a whole"),
        ({"OUTBOX_KEY": "{key},garbage"}, "Key 2 of OUTBOX_KEY is not a Fernet"),
        ({"RATELIMIT_STORAGE_URI": "bogus://x"}, "RATELIMIT_STORAGE_URI cannot"),
        (
            {"RATELIMIT_STORAGE_URI": "mongodb://127.0.0.1:9"},
            "RATELIMIT_STORAGE_URI cannot be used ('mongodb' is not one of memory,",
        ),
        ({"RATELIMIT_STORAGE_URI": "async+redis://h"}, "RATELIMIT_STORAGE_URI"),
        (
            {"ANYROAD_API_URL": "embedded", "SANDBOX_PORT": "5099"},
            "SANDBOX_PORT is 5099, but each of the 2 gunicorn workers runs",
        ),
        ({"SANDBOX_PORT": "-1"}, "SANDBOX_PORT is -1; set it to a port number"),
    ],
)
def test_gunicorn_master_refuses_what_the_workers_would(tmp_path, settings, expected):
    key = Fernet.generate_key().decode()
    base = {
        "ANYROAD_API_URL": "http://127.0.0.1:9/v1",
        "ANYROAD_API_KEY": "key",
        "SECRET_KEY": "s" * 32,
        "OUTBOX_KEY": key,
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    chosen = {name: value.format(key=key) for name, value in settings.items()}

    done = run_gunicorn(tmp_path, "--workers", "2", **{**base, **chosen})

    assert done.returncode == 4
    assert "Booting worker" not in done.stderr
    [refusal] = refusals_in(done.stderr)
    assert expected in refusal


def test_a_worker_that_cannot_start_says_why_in_one_line(tmp_path):
    # With another settings file than ours, the check falls to the worker.
    settings_file = tmp_path / "plain.conf.py"
    settings_file.write_text("")
    done = run_gunicorn(
        tmp_path,
        *("--config", str(settings_file), "--workers", "1"),
        ANYROAD_API_URL="embedded",
    )

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "Booting worker" in done.stderr
    assert [line[:40] for line in refusals_in(done.stderr)] == [
        "guestform cannot start: SECRET_KEY is no"
    ]


def outbox_status(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``flask outbox status`` from the checkout, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "outbox", "status"],
        cwd=CAMPAIGNS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_flask_command_that_cannot_start_says_why_in_one_line(tmp_path):
    env = bare_environment(tmp_path, PAGE_TOKEN_MAX_AGE="3")

    done = outbox_status(env)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: PAGE_TOKEN_MAX_AGE is 3; set it to at least 60 seconds."
    )


@pytest.mark.parametrize("folder", ["missing", "a-file.json"])
def test_outbox_commands_run_while_the_campaign_folder_is_wrong(tmp_path, folder):
    (tmp_path / "a-file.json").write_text("{}")
    env = bare_environment(
        tmp_path,
        CAMPAIGNS_DIR=str(tmp_path / folder),
        INSTANCE_PATH=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'outbox.db'}",
    )

    done = outbox_status(env)

    what = "does not exist" if folder == "missing" else "is not a folder"
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (
        "No campaign can be served until this is mended: Campaign folder "
        f"{tmp_path / folder} {what}; set CAMPAIGNS_DIR" in done.stderr
    )
    assert "pending" in done.stdout


def test_outbox_commands_hide_a_password_passed_in_the_query(tmp_path):
    env = bare_environment(
        tmp_path,
        INSTANCE_PATH=str(tmp_path / "instance"),
        DATABASE_URL="postgresql://guest:secret1@127.0.0.1:9/outbox"
        "?password=secret2&connect_timeout=1",
    )

    done = outbox_status(env)

    assert "secret1" not in done.stderr + done.stdout
    assert "secret2" not in done.stderr + done.stdout
    assert "postgresql+psycopg://guest:***@127.0.0.1:9/outbox?" in done.stderr
    assert "password=***" in done.stderr


def test_the_upstream_address_is_shown_without_credentials(settings):
    settings.update(
        ANYROAD_API_URL="https://user:secret@api.example.test/external/api/v1",
        ANYROAD_API_KEY="key",
    )

    app = create_app(settings)

    assert app.config["UPSTREAM_URL"] == "https://api.example.test/external/api/v1"


def test_the_start_up_check_creates_no_folder_for_the_outbox(settings, tmp_path):
    from app import check_startup

    folder = tmp_path / "not-yet"
    settings["DATABASE_URL"] = f"sqlite:///{folder / 'outbox.db'}"

    check_startup(settings, workers=2)

    # gunicorn's master may run as root; the workers make it as themselves.
    assert not folder.exists()


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pa/ss@api.test/v1", "https://api.test/v1"),
        ("https://user:p#w@api.test/v1", "https://api.test/v1"),
        ("https://user:p@ss@api.test/v1", "https://api.test/v1"),
        ("https://api.test/v1?team=a@b.test", "https://api.test/v1?team=a@b.test"),
        ("https://api.test/v1/team@venue", "https://api.test/v1/team@venue"),
        ("https://api.test:443/v1/a@b", "https://api.test:443/v1/a@b"),
        (
            "http://127.0.0.1:5001/external/api/v1",
            "http://127.0.0.1:5001/external/api/v1",
        ),
    ],
)
def test_credentials_in_the_upstream_address_are_never_shown(url, shown):
    from app import without_credentials

    assert without_credentials(url) == shown


def test_a_refused_upstream_address_is_named_without_its_password(settings):
    settings.update(
        ANYROAD_API_URL="htps://user:S3cret@api.test/v1", ANYROAD_API_KEY="k"
    )

    with pytest.raises(config.ConfigError) as refused:
        create_app(settings)

    assert "S3cret" not in str(refused.value)
    assert "'htps://api.test/v1' must start with http:// or https://" in str(
        refused.value
    )

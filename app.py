"""The guestform application factory, and the development server.

``python app.py`` serves the app on ``PORT`` (default 5000) against the
embedded sandbox, seeded with demo campaigns and bookings, and prints the
link to the demo form. gunicorn runs ``create_app()`` through the Procfile.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.errors import AppImportError
from limits.errors import ConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

import config
import delivery
import logs
from anyroad.client import ProfileClient
from forms.campaign import CampaignError, campaign_files, load_campaign
from forms.generator import build_form
from guest import errors, health, limits, links, security, views
from guest.security import check_frame_ancestors
from guest.theme import check_themes
from guest.tokens import NoCookieSession, TokenSigner

log = logging.getLogger(__name__)


class StartupRefused(AppImportError, config.ConfigError):
    """Why the app cannot start, as gunicorn says it: one line, then stop.

    gunicorn prints any other error as a traceback in every worker it
    boots, dozens of lines that bury the setting to change.
    """


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Build the guest app from the environment and the given settings.

    Campaign files are read and turned into form classes here, once, so a
    campaign that cannot become a form stops start-up instead of failing a
    guest later.
    """
    try:
        return build_app(settings)
    except (CampaignError, config.ConfigError) as exc:
        if config.is_under_gunicorn():
            raise StartupRefused(f"guestform cannot start: {exc}") from None
        raise


def check_startup(settings: dict[str, Any] | None = None, workers: int = 1) -> None:
    """Make the checks ``create_app`` makes, without starting anything.

    gunicorn.conf.py runs this in gunicorn's master before it boots a
    worker. When every worker refuses at once, gunicorn can trip over the
    second refusal while stopping and print a traceback of its own; a
    master that refuses first boots no worker at all. What needs a running
    part (whether the outbox store answers, whether Redis does) is still
    found by the workers.
    """
    app = bare_app(settings)
    check_settings_of(app)
    load_campaign_forms(app)
    check_upstream_settings(app)
    if app.config["ANYROAD_API_URL"] in ("", "embedded"):
        check_sandbox_settings(app, workers)
    else:
        make_client(app, app.config["ANYROAD_API_URL"], app.config["ANYROAD_API_KEY"])
    open_outbox(app, make_folder=False).engine.dispose()
    check_limit_storage(app)


def build_app(settings: dict[str, Any] | None) -> Flask:
    """Build the app; ``create_app`` says why when it cannot."""
    app = bare_app(settings)
    app.session_interface = NoCookieSession()
    try:
        logs.configure(app)
    except ValueError as exc:
        raise config.ConfigError(str(exc)) from None
    check_settings_of(app)

    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    load_campaign_forms(app)
    connect_upstream(app)
    try:
        delivery.init_app(app)
    except ValueError as exc:
        # Its message names the setting (DATABASE_URL, OUTBOX_KEY, ...).
        raise config.ConfigError(str(exc)) from None
    check_limit_storage(app)
    try:
        limits.init_app(app)
    except ConfigurationError as exc:
        raise refused_limit_storage(exc) from None
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    links.init_app(app)
    app.register_blueprint(health.bp)
    register_development_tools(app)

    return app


def open_outbox(app: Flask, make_folder: bool) -> delivery.Outbox:
    """Make the outbox from the settings, or say which one is wrong."""
    try:
        return delivery.open_outbox(app, make_folder)
    except ValueError as exc:
        raise config.ConfigError(str(exc)) from None


# The storages guestform installs a client for (requirements.txt: redis).
LIMIT_STORAGES = frozenset(
    {"memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster"}
)


def check_limit_storage(app: Flask) -> None:
    """Refuse a RATELIMIT_STORAGE_URI that names no storage we can use."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    scheme = uri.partition("://")[0]
    if "://" not in uri or scheme not in LIMIT_STORAGES:
        raise refused_limit_storage(
            f"{scheme!r} is not one of {', '.join(sorted(LIMIT_STORAGES))}"
        )


def refused_limit_storage(reason: object) -> config.ConfigError:
    return config.ConfigError(
        f"RATELIMIT_STORAGE_URI cannot be used ({reason}); write it like "
        "redis://127.0.0.1:6379/0, or unset it to count in memory."
    )


def bare_app(settings: dict[str, Any] | None) -> Flask:
    """Make a Flask app holding the settings and nothing else yet."""
    settings = config.read_settings(settings)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"] or None)
    app.config.update(settings)

    return app


def check_settings_of(app: Flask) -> None:
    """Refuse settings that cannot work, and fill in the development keys."""
    try:
        logs.read_level()
    except ValueError as exc:
        raise config.ConfigError(str(exc)) from None
    config.check_settings(app.config)
    try:
        config.ensure_secrets(app.config, app.instance_path)
    except OSError as exc:
        raise config.ConfigError(
            f"The instance folder {app.instance_path} cannot hold the "
            f"development keys ({exc.strerror}); set INSTANCE_PATH to a folder "
            "guestform may write, or set SECRET_KEY and OUTBOX_KEY."
        ) from None
    config.require_public_url(app.config)


def load_campaign_forms(app: Flask) -> None:
    """Read every campaign file and build its form class, or stop.

    Under a ``flask`` command a broken campaign is logged and left out
    instead, so that ``flask check-campaigns`` and the outbox commands still
    run while an operator mends the file.
    """
    campaigns, forms = {}, {}
    try:
        paths = campaign_files(app.config["CAMPAIGNS_DIR"])
    except CampaignError as exc:
        if not is_flask_command():
            raise

        log.error("No campaign can be served until this is mended: %s", exc)
        paths = []
    for path in paths:
        try:
            campaign = load_campaign(path)
            check_themes({campaign.slug: campaign})
            check_frame_ancestors({campaign.slug: campaign})
            forms[campaign.slug] = build_form(campaign)
        except CampaignError as exc:
            if not is_flask_command():
                raise

            log.error("Campaign left out until it is mended: %s", exc)
            continue

        campaigns[campaign.slug] = campaign

    if not campaigns and not is_flask_command():
        raise CampaignError(
            f"No campaign files found in {app.config['CAMPAIGNS_DIR']}; add "
            "at least one <slug>.json or point CAMPAIGNS_DIR elsewhere."
        )

    app.extensions["campaigns"] = campaigns
    app.extensions["forms"] = forms


def is_flask_command() -> bool:
    """Tell whether the app is being built for a ``flask`` CLI command."""
    return click.get_current_context(silent=True) is not None


def connect_upstream(app: Flask) -> None:
    """Point the client at AnyRoad, or at the embedded sandbox.

    With no ``ANYROAD_API_URL`` (or ``embedded``) the sandbox runs in this
    process on loopback, seeded with the demo data, and the app uses its
    demo key. Under gunicorn that must be asked for by name, so that a
    production deploy missing its URL does not quietly serve demo data.
    """
    check_upstream_settings(app)
    base_url = app.config["ANYROAD_API_URL"]
    api_key = app.config["ANYROAD_API_KEY"]
    if base_url in ("", "embedded"):
        from sandbox import demo
        from sandbox.server import start_sandbox

        database = sandbox_database(app)
        check_sandbox_settings(app, workers=1)
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise config.ConfigError(
                f"The embedded sandbox cannot keep its data in {database} "
                f"({exc.strerror}); set SANDBOX_DATABASE, or INSTANCE_PATH, to "
                "a place guestform may write."
            ) from None
        try:
            running = start_sandbox(
                {
                    "SANDBOX_DATABASE": database,
                    "CAMPAIGNS_DIR": app.config["CAMPAIGNS_DIR"],
                    "SANDBOX_CAMPAIGNS": app.extensions["campaigns"],
                    "SANDBOX_SEED": True,
                    "SANDBOX_FAULTS": app.config["SANDBOX_FAULTS"],
                },
                port=app.config["SANDBOX_PORT"],
            )
        except ValueError as exc:
            # The demo seed gives each profile one campaign; its message
            # names the campaigns and what they share.
            raise config.ConfigError(
                f"The embedded sandbox cannot seed its demo data: {exc}"
            ) from None
        app.extensions["sandbox"] = running
        base_url = running.base_url
        api_key = api_key or demo.DEMO_API_KEY
        log.info("Using the embedded sandbox at %s", base_url)

    # For people to read (the start-up banner, the worker's first line).
    app.config["UPSTREAM_URL"] = without_credentials(base_url)
    app.extensions["profile_client"] = make_client(app, base_url, api_key)
    app.extensions["signer"] = TokenSigner(
        app.config["SECRET_KEY"],
        max_age=app.config["PAGE_TOKEN_MAX_AGE"],
        renew_within=app.config["PAGE_TOKEN_RENEW_WITHIN"],
    )


def without_credentials(url: str) -> str:
    """Drop a user name and password written into a URL, to print it.

    Read loosely, so that a password holding "@", "/", "?" or "#"
    unescaped is dropped whole too, while an "@" in the path or the query
    of an address without credentials stays.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url

    ends = [rest.find(mark) for mark in "/?#" if mark in rest]
    authority = rest[: min(ends, default=len(rest))]
    if "@" in authority:
        return f"{scheme}://{rest[authority.rfind('@') + 1 :]}"

    # "user:pa/ss@host": the password's "/" ended the authority early. A
    # ":" there followed by anything but a port's digits is a password's.
    _, colon, after = authority.partition(":")
    at = rest.find("@", len(authority))
    if colon and not after.isdigit() and at != -1:
        return f"{scheme}://{rest[at + 1 :]}"

    return url


def make_client(app: Flask, base_url: str, api_key: str) -> ProfileClient:
    """Make the API client, or say that its URL or key cannot be used."""
    try:
        return ProfileClient(
            base_url,
            api_key,
            connect_timeout=app.config["ANYROAD_CONNECT_TIMEOUT"],
            read_timeout=app.config["ANYROAD_READ_TIMEOUT"],
        )
    except ValueError as exc:
        reason = str(exc).replace(base_url, without_credentials(base_url))
        raise config.ConfigError(
            f"ANYROAD_API_URL or ANYROAD_API_KEY cannot be used: {reason}"
        ) from None


def sandbox_database(app: Flask) -> str:
    """Where the embedded sandbox keeps its data."""
    return app.config["SANDBOX_DATABASE"] or os.path.join(
        app.instance_path, "sandbox.db"
    )


def check_sandbox_settings(app: Flask, workers: int) -> None:
    """Refuse an embedded sandbox that could not start in every worker."""
    database = sandbox_database(app)
    if Path(database).is_dir():
        raise config.ConfigError(
            f"SANDBOX_DATABASE is {database}, a folder; name a file in it, "
            "such as sandbox.db."
        )
    if app.config["SANDBOX_PORT"] and workers > 1:
        raise config.ConfigError(
            f"SANDBOX_PORT is {app.config['SANDBOX_PORT']}, but each of the "
            f"{workers} gunicorn workers runs an embedded sandbox of its own "
            "and only one can listen there; unset SANDBOX_PORT (any free "
            "port), or run one worker."
        )


def check_upstream_settings(app: Flask) -> None:
    """Refuse an upstream that is missing its URL or its key."""
    base_url = app.config["ANYROAD_API_URL"]
    if not base_url and config.is_under_gunicorn() and not app.config.get("TESTING"):
        raise config.ConfigError(
            "ANYROAD_API_URL is not set. Under gunicorn it is required: set it "
            "to https://app.anyroad.com/external/api/v1, or to 'embedded' to "
            "serve the demo sandbox on purpose."
        )

    if base_url not in ("", "embedded") and not app.config["ANYROAD_API_KEY"]:
        raise config.ConfigError(
            "ANYROAD_API_URL is set but ANYROAD_API_KEY is not: set "
            "ANYROAD_API_KEY to the key from GET users/key, or unset "
            "ANYROAD_API_URL to use the embedded sandbox."
        )


def register_development_tools(app: Flask) -> None:
    """Add the CLI commands, and the gallery page outside production."""
    from forms.cli import check_campaigns_command
    from guest.cli import deep_link_command

    app.cli.add_command(check_campaigns_command)
    app.cli.add_command(deep_link_command)

    if not config.is_under_gunicorn():
        from forms.gallery import bp as gallery_bp

        app.register_blueprint(gallery_bp)


def main() -> None:
    """Serve the app for development and print the demo link.

    Whatever stops it from starting (a campaign, a setting, a port already
    taken) is said in one line naming what to change, not a traceback.
    """
    from guest.devserver import serve

    try:
        port = port_setting("PORT", 5000)
        sandbox_port = port_setting("SANDBOX_PORT", port + 1 if port else 0)
        app = create_app({"SANDBOX_PORT": sandbox_port})
    except (CampaignError, config.ConfigError) as exc:
        raise SystemExit(f"guestform cannot start: {exc}") from None
    except SystemExit:
        # werkzeug has printed why the embedded sandbox could not listen
        # and exits; this says which setting to change.
        raise SystemExit(
            f"guestform cannot start: the embedded sandbox cannot listen on "
            f"port {sandbox_port}; set SANDBOX_PORT to a free port."
        ) from None

    serve(app, port=port)


def port_setting(name: str, default: int) -> int:
    """Read a port number from the environment; 0 asks for any free port."""
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default

    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise config.ConfigError(
            f"{name} is {raw!r}; set it to a port number from 1 to 65535, "
            "or 0 for any free port."
        )

    return port


if __name__ == "__main__":
    main()

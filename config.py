"""Settings: defaults, then the environment, then what the caller passes.

Everything the app reads from the environment is named here, so the README's
configuration table and this module can be checked against each other.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from cryptography.fernet import Fernet
from limits import parse_many

from delivery import DEFAULTS as OUTBOX_DEFAULTS

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent

DEFAULTS: dict[str, Any] = {
    "ANYROAD_API_URL": "",
    "ANYROAD_API_KEY": "",
    "ANYROAD_CONNECT_TIMEOUT": 3.05,
    "ANYROAD_READ_TIMEOUT": 10.0,
    "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
    "SECRET_KEY": "",
    "OUTBOX_KEY": "",
    "DATABASE_URL": "",
    # The outbox's numbers are delivery's own defaults, which also serve an
    # app that calls delivery.init_app without these settings.
    **OUTBOX_DEFAULTS,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Keeps guestform's counters apart when one Redis serves several apps.
    "RATELIMIT_KEY_PREFIX": "guestform",
    # While Redis is unreachable, count in each process's memory instead of
    # failing every lookup with a 500; Flask-Limiter goes back to Redis when
    # it answers again.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "LOOKUP_LIMIT_PER_IP": "20 per minute;200 per hour",
    "LOOKUP_LIMIT_PER_BOOKING": "10 per hour",
    "PAGE_TOKEN_MAX_AGE": 2 * 3600,
    "PAGE_TOKEN_RENEW_WITHIN": 7 * 24 * 3600,
    "DEEP_LINK_DAYS": 30,
    "BOOKING_SYSTEM_TOKEN": "",
    "PUBLIC_URL": "",
    "TRUST_PROXY": False,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_PARTS": 400,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "INSTANCE_PATH": "",
    "SANDBOX_DATABASE": "",
    "SANDBOX_PORT": 0,
    "SANDBOX_FAULTS": None,
    # The flow sets no cookie; should one appear, it must survive an iframe
    # on a venue's site, and SameSite=None is only honoured with Secure.
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_SAMESITE": "None",
}

NUMBERS = {
    "ANYROAD_CONNECT_TIMEOUT": float,
    "ANYROAD_READ_TIMEOUT": float,
    "OUTBOX_RETENTION_DAYS": int,
    "OUTBOX_FAILED_RETENTION_DAYS": int,
    "OUTBOX_LEASE_SECONDS": int,
    "OUTBOX_MAX_ATTEMPTS": int,
    "OUTBOX_RETRY_BASE_SECONDS": int,
    "OUTBOX_RETRY_CAP_SECONDS": int,
    "PAGE_TOKEN_MAX_AGE": int,
    "PAGE_TOKEN_RENEW_WITHIN": int,
    "DEEP_LINK_DAYS": int,
    "SANDBOX_PORT": int,
    "MAX_CONTENT_LENGTH": int,
    "MAX_FORM_PARTS": int,
    "MAX_FORM_MEMORY_SIZE": int,
}

FLAGS = {
    "TRUST_PROXY",
    "SESSION_COOKIE_SECURE",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
}


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(click.ClickException):
    """A setting is missing or unusable; the message says what to set.

    A click error, so that a ``flask`` command (the outbox worker, above
    all) says it in one line, "Error: ...", instead of a traceback.
    """


def read_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the environment and the caller's overrides."""
    settings = dict(DEFAULTS)
    for name in DEFAULTS:
        if name in os.environ:
            settings[name] = _parse(name, os.environ[name])

    settings.update(overrides or {})

    return settings


# gunicorn's default worker timeout (the Procfile keeps it), and the most
# the two upstream timeouts may add up to beneath it, leaving the app time
# to answer the guest itself.
GUNICORN_TIMEOUT = 30
UPSTREAM_WAIT_LIMIT = 28
DEEP_LINK_DAYS_LIMIT = 3650


def check_settings(settings: dict[str, Any]) -> None:
    """Refuse values that would start an app that cannot serve a guest.

    Each problem is reported as a sentence naming the variable and what to
    set instead, before anything is started.
    """
    for name in ("ANYROAD_CONNECT_TIMEOUT", "ANYROAD_READ_TIMEOUT"):
        value = settings[name]
        if not (isinstance(value, (int, float)) and 0.1 <= value < 300):
            raise ConfigError(
                f"{name} is {value!r}; set it to a number of seconds from 0.1 "
                "to 300 (a shorter wait fails every call; it must stay below "
                "gunicorn's worker timeout)."
            )

    timeouts = settings["ANYROAD_CONNECT_TIMEOUT"] + settings["ANYROAD_READ_TIMEOUT"]
    if timeouts >= UPSTREAM_WAIT_LIMIT:
        raise ConfigError(
            f"ANYROAD_CONNECT_TIMEOUT + ANYROAD_READ_TIMEOUT is {timeouts:g} s; "
            f"keep them under {UPSTREAM_WAIT_LIMIT} s together. gunicorn stops a "
            f"worker after {GUNICORN_TIMEOUT} s, and a guest waiting on a slower "
            "upstream would get its bare error page instead of ours."
        )

    port = settings["SANDBOX_PORT"]
    if not (isinstance(port, int) and 0 <= port <= 65535):
        raise ConfigError(
            f"SANDBOX_PORT is {port!r}; set it to a port number from 1 to "
            "65535, or 0 for any free port."
        )

    _require_at_least(settings, "PAGE_TOKEN_MAX_AGE", 60, "seconds")
    _require_at_least(
        settings, "PAGE_TOKEN_RENEW_WITHIN", settings["PAGE_TOKEN_MAX_AGE"], "seconds"
    )
    _require_at_least(settings, "DEEP_LINK_DAYS", 1, "days")
    if settings["DEEP_LINK_DAYS"] > DEEP_LINK_DAYS_LIMIT:
        raise ConfigError(
            f"DEEP_LINK_DAYS is {settings['DEEP_LINK_DAYS']!r}; set it to at "
            f"most {DEEP_LINK_DAYS_LIMIT} days (ten years): a link lives as "
            "long as the booking it opens, and its expiry date must be a date."
        )
    _require_at_least(
        settings,
        "MAX_CONTENT_LENGTH",
        16 * 1024,
        "bytes (the room for a page's own fields: the signed tokens and the lookup)",
    )
    _require_at_least(
        settings,
        "OUTBOX_RETENTION_DAYS",
        math.ceil(settings["PAGE_TOKEN_RENEW_WITHIN"] / 86400),
        "days (a delivered answer must be remembered for as long as its page "
        "can be posted again, or a replay would be sent twice)",
    )
    _require_at_least(
        settings,
        "OUTBOX_LEASE_SECONDS",
        math.ceil(timeouts) + 1,
        "seconds (longer than a whole PATCH may take, or two processes could "
        "send one answer)",
    )

    for name in ("LOOKUP_LIMIT_PER_IP", "LOOKUP_LIMIT_PER_BOOKING"):
        try:
            parse_many(settings[name])
        except ValueError as exc:
            raise ConfigError(
                f"{name} is {settings[name]!r}, which is not a rate limit; write "
                'it like "20 per minute;200 per hour".'
            ) from exc


def _require_at_least(settings: dict, name: str, least: float, unit: str) -> None:
    value = settings[name]
    if not (isinstance(value, (int, float)) and value >= least):
        if least == 1:
            # "1 days": the unit is written plural, before any explanation.
            unit = unit.replace("days", "day", 1).replace("seconds", "second", 1)
        raise ConfigError(f"{name} is {value!r}; set it to at least {least} {unit}.")


def is_under_gunicorn() -> bool:
    """Tell whether this process is a gunicorn worker.

    gunicorn imports its arbiter before it loads the app, so the module's
    presence is a reliable sign without asking the operator for a flag.
    """
    return "gunicorn.arbiter" in sys.modules


def ensure_secrets(settings: dict[str, Any], instance_path: str) -> None:
    """Fill SECRET_KEY and OUTBOX_KEY, or stop when production lacks them.

    In development a missing key is generated once and kept in the instance
    folder, so that the app, its worker and a restart all agree on it.
    """
    production = is_under_gunicorn() and not settings.get("TESTING")
    for name, make in (("SECRET_KEY", _new_secret), ("OUTBOX_KEY", _new_fernet)):
        if settings.get(name):
            continue

        if production:
            raise ConfigError(
                f"{name} is not set. Under gunicorn it is required: set {name} "
                f"in the environment ({_hint(name)})."
            )

        settings[name] = _kept_secret(Path(instance_path), name, make)

    if production and len(settings["SECRET_KEY"]) < 32:
        raise ConfigError(
            "SECRET_KEY is too short to sign guests' links safely: use at "
            f"least 32 characters ({_hint('SECRET_KEY')})."
        )

    try:
        Fernet(settings["OUTBOX_KEY"].split(",")[0].encode())
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            "OUTBOX_KEY is not a Fernet key: it must be 32 url-safe Base64 "
            f"bytes ({_hint('OUTBOX_KEY')})."
        ) from exc


def require_public_url(settings: dict[str, Any]) -> None:
    """Stop an app whose deep links would not open for a guest.

    PUBLIC_URL, when set, must be an absolute http(s) address: links are
    written from it into emails.

    With BOOKING_SYSTEM_TOKEN set the booking system asks for links to put
    in guests' emails; without PUBLIC_URL they would name this machine's
    development address.
    """
    public = settings.get("PUBLIC_URL") or ""
    if public and not _is_web_address(public):
        raise ConfigError(
            f"PUBLIC_URL is {public!r}; set it to the http or https address "
            "guests use, such as https://forms.example.com, with no query."
        )

    production = is_under_gunicorn() and not settings.get("TESTING")
    if production and settings.get("BOOKING_SYSTEM_TOKEN") and not public:
        raise ConfigError(
            "PUBLIC_URL is not set, and BOOKING_SYSTEM_TOKEN lets the booking "
            "system ask for links to email to guests: set PUBLIC_URL to the "
            "address guests use, such as https://forms.example.com."
        )


def _is_web_address(url: str) -> bool:
    """Tell whether a URL is an absolute http(s) address with no query."""
    parts = urlsplit(url)
    try:
        # Reading the port checks it: a port that is not a number raises.
        has_host = bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False

    return (
        parts.scheme in ("http", "https")
        and has_host
        and not parts.query
        and not parts.fragment
    )


def _kept_secret(folder: Path, name: str, make) -> str:
    path = folder / name.lower()
    if path.exists():
        return path.read_text().strip()

    folder.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    log.warning(
        "%s is not set; generated one for development and kept it in %s. "
        "Set %s in the environment before serving real guests.",
        name,
        path,
        name,
    )

    return value


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_fernet() -> str:
    return Fernet.generate_key().decode()


def _hint(name: str) -> str:
    if name == "OUTBOX_KEY":
        return (
            'make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        )

    return 'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _parse(name: str, raw: str) -> Any:
    if name in FLAGS:
        word = raw.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ConfigError(
                f"{name} is {raw!r}; set it to true or false (or 1 or 0)."
            )

        return word in TRUE_WORDS

    if name in NUMBERS:
        try:
            return NUMBERS[name](raw)
        except ValueError as exc:
            raise ConfigError(
                f"{name} must be a number, not {raw!r}; unset it to use the "
                f"default {DEFAULTS[name]}."
            ) from exc

    return raw

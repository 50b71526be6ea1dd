"""The sandbox's application factory, database preparation and seed command.

The sandbox runs three ways: alone (``python -m sandbox``), in a thread
beside the app or a test (``sandbox.server.start_sandbox``), or under the
flask CLI. All three build the app here, so configuration is read in one
place and the database is ready before the first request.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, Response, jsonify
from flask.cli import with_appcontext
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from forms.campaign import load_campaigns
from sandbox import api, control, demo, store
from sandbox.faults import FaultInjector, Stats, read_plan
from sandbox.problems import ConnectionDropper
from sandbox.state import SandboxState, close_db, current_state

logger = logging.getLogger(__name__)

API_PREFIX = "/external/api/v1"
REPO_ROOT = Path(__file__).resolve().parent.parent
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")
HTTP_MESSAGES = {
    400: "Bad request.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
}


def create_sandbox_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a sandbox app.

    Defaults come from the environment (``SANDBOX_DATABASE``,
    ``CAMPAIGNS_DIR``, ``SANDBOX_SEED``, ``SANDBOX_FAULTS``); ``config``
    overrides them, and may pass ``SANDBOX_CAMPAIGNS``, campaigns already
    read from those files (the embedded sandbox shares the app's, so a file
    the app left out is left out here too). Raises ValueError for an
    unusable value, naming it.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        SANDBOX_DATABASE=os.environ.get(
            "SANDBOX_DATABASE", os.path.join(app.instance_path, "sandbox.sqlite3")
        ),
        CAMPAIGNS_DIR=os.environ.get("CAMPAIGNS_DIR", str(REPO_ROOT / "campaigns")),
        SANDBOX_SEED=read_flag("SANDBOX_SEED", os.environ.get("SANDBOX_SEED", "1")),
        SANDBOX_FAULTS=os.environ.get("SANDBOX_FAULTS"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if config:
        app.config.update(config)

    campaigns = app.config.get("SANDBOX_CAMPAIGNS")
    if campaigns is None:
        campaigns = load_campaigns(app.config["CAMPAIGNS_DIR"])

    state = SandboxState(
        database=str(app.config["SANDBOX_DATABASE"]),
        campaigns=campaigns,
        faults=FaultInjector(read_plan(app.config["SANDBOX_FAULTS"])),
        stats=Stats(),
    )
    app.extensions["sandbox"] = state
    prepare_database(state, seed=read_flag("SANDBOX_SEED", app.config["SANDBOX_SEED"]))

    app.url_map.converters["profile_id"] = api.ProfileIdConverter
    app.register_blueprint(api.bp, url_prefix=API_PREFIX)
    app.register_blueprint(control.bp, url_prefix="/_sandbox")
    app.register_error_handler(HTTPException, answer_http_error)
    app.register_error_handler(Exception, answer_unexpected_error)
    app.after_request(empty_no_content)
    app.after_request(sort_allowed_methods)
    app.teardown_appcontext(close_db)
    app.cli.add_command(seed_command)
    app.wsgi_app = ConnectionDropper(app.wsgi_app)  # type: ignore[method-assign]

    return app


def prepare_database(state: SandboxState, seed: bool) -> None:
    """Create the tables, and load the demo data into an empty database.

    The emptiness check and the seeding share one write transaction, so two
    processes starting on one file cannot both seed it.
    """
    folder = os.path.dirname(os.path.abspath(state.database))
    os.makedirs(folder, exist_ok=True)

    connection = store.connect(state.database)
    try:
        store.create_schema(connection)
        if seed:
            seed_if_empty(connection, state)
    finally:
        connection.close()


def seed_if_empty(connection: Any, state: SandboxState) -> bool:
    """Load the demo data unless some account exists; tell whether it did."""
    with store.transaction(connection):
        if not store.is_empty(connection):
            return False

        demo.seed_demo(connection, state.campaigns)

    logger.info("Sandbox database seeded with demo data.")
    return True


def read_flag(name: str, value: Any) -> bool:
    """Read a yes/no setting given as a bool or as text such as "1" or "off"."""
    if isinstance(value, bool):
        return value

    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False

    raise ValueError(f"{name}={value!r} is not a yes/no value; set it to 1 or 0.")


def answer_http_error(error: HTTPException) -> Response:
    """Answer routing and protocol errors in the API's error style."""
    status = error.code or 500
    response = jsonify({"error": HTTP_MESSAGES.get(status, f"{error.name}.")})
    response.status_code = status
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))

    return response


def empty_no_content(response: Response) -> Response:
    """Strip a 204 answer of any body and Content-Type.

    RFC 9110 section 15.3.5: a 204 has no content, so a media type would
    describe nothing; Flask would otherwise label it text/html.
    """
    if response.status_code == 204:
        response.set_data(b"")
        del response.headers["Content-Type"]
        del response.headers["Content-Length"]

    return response


def sort_allowed_methods(response: Response) -> Response:
    """List the methods of an ``Allow`` header in one fixed order.

    Flask answers OPTIONS with the methods in set order, which changes
    from one process to the next; a 405 lists them sorted, so both do.
    """
    allowed = response.headers.get("Allow")
    if allowed:
        methods = sorted(method.strip() for method in allowed.split(","))
        response.headers["Allow"] = ", ".join(methods)

    return response


def answer_unexpected_error(error: Exception) -> Response:
    """Log a bug and answer 500 in the API's error style."""
    if isinstance(error, HTTPException):
        return answer_http_error(error)

    logger.exception("Unexpected error in the sandbox.")
    response = jsonify({"error": "Internal server error."})
    response.status_code = 500
    return response


def seed_database(state: SandboxState, reset: bool = False) -> bool:
    """Seed the database, first dropping every table if asked; tell if it did."""
    connection = store.connect(state.database)
    try:
        if reset:
            store.drop_schema(connection)
            store.create_schema(connection)
        return seed_if_empty(connection, state)
    finally:
        connection.close()


@click.command("seed")
@click.option("--reset", is_flag=True, help="Drop every table and seed again.")
@with_appcontext
def seed_command(reset: bool) -> None:
    """Load the demo data into the sandbox database."""
    state = current_state()
    if seed_database(state, reset):
        click.echo(f"Seeded {state.database} with the demo data.")
    else:
        click.echo(f"{state.database} already holds data; use --reset to replace it.")

"""The development server that ``python app.py`` runs.

werkzeug's own request log prints the whole request line, and email links
carry a guest's last name in the query; this server logs the path only.
It also runs the outbox worker in a thread, so that answers kept while
the API was down are sent without a second command, as the Procfile's
``worker:`` does in production.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from delivery.commands import current_client

log = logging.getLogger(__name__)


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log the method, the path without its query, and the status."""

    def log_request(self, code="-", size="-") -> None:
        # A request line too broken to parse leaves no path to log.
        path = getattr(self, "path", None)
        if path is None:
            log.warning("Refused a malformed request with status %s", code)
            return

        log.info("%s %s %s", self.command, path.split("?", 1)[0], code)

    def log_error(self, format: str, *args: object) -> None:
        # The raw request line may carry a query with a guest's last name.
        code = args[0] if args and isinstance(args[0], int) else "-"
        log.warning("Refused a malformed request with status %s", code)


def make_dev_server(app: Flask, port: int, host: str = "127.0.0.1") -> BaseWSGIServer:
    """Build the threaded server that logs paths only; port 0 picks one."""
    return make_server(
        host, port, app, threaded=True, request_handler=PathOnlyRequestHandler
    )


def start_outbox_worker(app: Flask, poll: float = 1.0) -> threading.Event:
    """Deliver waiting submissions in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def work() -> None:
        with app.app_context():
            app.extensions["outbox"].run_worker(current_client, stop=stop, poll=poll)

    threading.Thread(target=work, name="outbox-worker", daemon=True).start()

    return stop


# The shipped campaigns' lines, with the demo booking where the embedded
# sandbox holds it; the README's walkthrough follows the first.
DEMO_FORMS = {
    "monster-mash": (
        "Demo form (the API documentation's booking)",
        "?booking_id=1234&last_name=Loblaw&experience_date=2021-03-31&source=email",
    ),
    "tasting-follow-up": ("Tasting form", ""),
}


def form_lines(app: Flask, base: str) -> list[str]:
    """Name the address of each campaign's form this app serves.

    The demo booking's link is offered only with the embedded sandbox,
    which holds it, and only for a campaign that is loaded: a folder of
    other campaigns must not be greeted with links that answer 404.
    """
    embedded = "sandbox" in app.extensions
    lines = []
    for slug in sorted(app.extensions["campaigns"]):
        label, query = DEMO_FORMS.get(slug, ("Form", ""))
        if not embedded:
            label, query = "Form", ""
        lines.append(f"{label}: {base}/f/{slug}{query}")

    return lines


def serve(app: Flask, port: int, host: str = "127.0.0.1") -> None:
    """Print the forms' links, start the outbox worker, then serve until stopped."""
    server = make_dev_server(app, port, host)
    base = f"http://{host}:{server.port}"
    print(f"guestform is running on {base}/")
    for line in form_lines(app, base):
        print(line)
    where = "Embedded sandbox API" if "sandbox" in app.extensions else "Upstream API"
    print(f"{where}: {app.config['UPSTREAM_URL']}")
    print("Outbox worker: in this process, retrying answers the API did not take")

    stop = start_outbox_worker(app)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()

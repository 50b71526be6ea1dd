"""The development server that ``python app.py`` runs.

werkzeug's own request log prints the whole request line, and email links
carry a guest's last name in the query; this server logs the path only.
"""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

log = logging.getLogger(__name__)


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log the method, the path without its query, and the status."""

    def log_request(self, code="-", size="-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)

    def log_error(self, format: str, *args: object) -> None:
        # The raw request line may carry a query with a guest's last name.
        code = args[0] if args and isinstance(args[0], int) else "-"
        log.warning("Refused a malformed request with status %s", code)


def serve(app: Flask, port: int, host: str = "127.0.0.1") -> None:
    """Print the demo link, then serve until interrupted."""
    base = f"http://{host}:{port}"
    demo = (
        f"{base}/f/monster-mash?booking_id=1234&last_name=Loblaw"
        "&experience_date=2021-03-31&source=email"
    )
    print(f"guestform is running on {base}/")
    print(f"Demo form (the API documentation's booking): {demo}")
    print(f"Tasting form: {base}/f/tasting-follow-up")
    where = "Embedded sandbox API" if "sandbox" in app.extensions else "Upstream API"
    print(f"{where}: {app.config['UPSTREAM_URL']}")

    run_simple(
        host,
        port,
        app,
        threaded=True,
        request_handler=PathOnlyRequestHandler,
    )

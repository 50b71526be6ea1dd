"""What gunicorn runs in the benchmark.

``guest_app()`` is ``app.create_app()`` as the Procfile runs it, with the
stack's floor (``bench.floor``) mounted beside it under ``/_floor``;
``pages_app()`` adds the comparison routes of ``bench.pages``. Both count
per-campaign work (``bench.probes``) and answer ``/_bench/counters``.
The counters are installed when this module is imported, before either
factory builds a form.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench import floor, pages, probes

probes.install()

from app import create_app


def guest_app() -> Flask:
    """Build the guest app, counted, with the floor beside it."""
    app = create_app()
    probes.init_app(app)
    relay = floor.floor_app(
        app.config["ANYROAD_API_URL"], app.config["ANYROAD_API_KEY"]
    )
    # Requests under /_floor never reach guestform's hooks; the rest pass
    # through one prefix check.
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {floor.PREFIX: relay})

    return app


def pages_app() -> Flask:
    """Build the guest app with the three form-page routes, counted."""
    app = create_app()
    pages.init_app(app)
    probes.init_app(app)

    return app

"""What gunicorn runs in the benchmark.

``guest_app()`` is ``app.create_app()`` as the Procfile runs it;
``pages_app()`` adds the comparison routes of ``bench.pages``. Both count
per-campaign work (``bench.probes``) and answer ``/_bench/counters``.
The counters are installed when this module is imported, before either
factory builds a form.
"""

from __future__ import annotations

from flask import Flask

from bench import pages, probes

probes.install()

from app import create_app


def guest_app() -> Flask:
    """Build the guest app, counted."""
    app = create_app()
    probes.init_app(app)

    return app


def pages_app() -> Flask:
    """Build the guest app with the three form-page routes, counted."""
    app = create_app()
    pages.init_app(app)
    probes.init_app(app)

    return app

"""The stack's floor: what relaying one upstream call costs with no guestform.

The added latency of a lookup or a submit is the full request minus the
same upstream call made directly. Part of that difference belongs to the
stack, not to guestform: a second HTTP hop into gunicorn, Flask's request
handling and a ``requests`` call from inside the worker. This app pays
exactly that part and nothing else, so the table can show how much of the
added time guestform itself is responsible for.

It is a bare Flask app with no hooks, extensions or templates. Each route
forwards the posted bytes to the sandbox with a ``requests`` session and
answers with the upstream's bytes. The session reads the environment's
proxy and CA settings once, as guestform's client does, so neither side
pays for reading them per call. ``bench.wsgi.guest_app`` mounts it under
``/_floor`` in the guest app's own gunicorn workers, so both run in the
same processes on the same warm interpreter.
"""

from __future__ import annotations

import requests
from flask import Flask, Response, request

from anyroad.client import environment_settings

PREFIX = "/_floor"
UPSTREAM_TIMEOUT = 10


def floor_app(api_url: str, api_key: str) -> Flask:
    """Build the relay for the sandbox at ``api_url``."""
    app = Flask("floor")
    session = requests.Session()
    session.trust_env = False
    settings = environment_settings(api_url)

    def relay(method: str, path: str) -> Response:
        upstream = session.request(
            method,
            f"{api_url}{path}",
            data=request.get_data(),
            headers={"X-API-KEY": api_key, "Content-Type": "application/json"},
            timeout=UPSTREAM_TIMEOUT,
            **settings,
        )

        return Response(
            upstream.content,
            status=upstream.status_code,
            content_type=upstream.headers.get("Content-Type"),
        )

    @app.post("/customer_profile/search")
    def search() -> Response:
        return relay("POST", "/customer_profile/search")

    @app.patch("/customer_profile/<profile_id>")
    def patch(profile_id: str) -> Response:
        return relay("PATCH", f"/customer_profile/{profile_id}")

    return app

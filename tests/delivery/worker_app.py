"""A bare app for running ``flask outbox worker`` in a subprocess.

The fault tests kill this process mid-delivery, so it must be a real
process, built only from what the test passes in the environment.
"""

import os

from flask import Flask

import delivery
from anyroad.client import ProfileClient


def create_app():
    app = Flask(__name__, instance_path=os.environ["WORKER_INSTANCE_PATH"])
    app.config.update(
        DATABASE_URL=os.environ["DATABASE_URL"],
        OUTBOX_KEY=os.environ["OUTBOX_KEY"],
        OUTBOX_LEASE_SECONDS=os.environ.get("OUTBOX_LEASE_SECONDS", "60"),
    )
    delivery.init_app(app)
    app.extensions["profile_client"] = ProfileClient(
        os.environ["ANYROAD_API_URL"],
        os.environ["ANYROAD_API_KEY"],
        connect_timeout=1.0,
        read_timeout=10.0,
    )
    return app

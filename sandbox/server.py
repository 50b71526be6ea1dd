"""Serving the sandbox on loopback from a background thread.

The app's embedded default upstream and the client's tests both need a
real HTTP server (timeouts and dropped connections do not exist under a
test client), started and stopped from Python in milliseconds.
"""

from __future__ import annotations

import ipaddress
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.app import API_PREFIX, create_sandbox_app
from sandbox.faults import read_plan
from sandbox.state import SandboxState

logger = logging.getLogger(__name__)

# How often the serving loop looks for a stop request; it bounds how long
# stop() takes, which every test using a server pays once.
POLL_INTERVAL = 0.02


class QuietRequestHandler(WSGIRequestHandler):
    """Log requests without their query string, which can hold a surname."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = getattr(self, "path", "").split("?", 1)[0]
        command = getattr(self, "command", "-")
        self.log("info", '"%s %s" %s %s', command, path, code, size)

    def log_error(self, format: str, *args: object) -> None:
        # http.server quotes the raw request line in "Bad request syntax"
        # errors, which after a dropped connection can be a search body
        # with a guest's surname in it: log the kind of error only.
        code = args[0] if args and isinstance(args[0], int) else "-"
        self.log("error", "Refused a malformed request with status %s", code)


@dataclass
class RunningSandbox:
    """A sandbox serving on loopback until ``stop()``."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    scratch: str | None = None
    stopped: bool = field(default=False, init=False)

    @property
    def root_url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``http://127.0.0.1:PORT/external/api/v1``."""
        return self.root_url + API_PREFIX

    @property
    def state(self) -> SandboxState:
        return self.app.extensions["sandbox"]

    def set_faults(self, faults: dict[str, Any] | None) -> None:
        """Replace the fault plan; ``None`` or ``{}`` clears it."""
        self.state.faults.configure(read_plan(faults))

    def stats(self) -> dict[str, Any]:
        """Return what the API received and stored so far."""
        return self.state.stats.as_dict()

    def stop(self) -> None:
        """Wake delayed requests, stop serving and remove any scratch database."""
        if self.stopped:
            return

        self.stopped = True
        self.state.faults.release()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_sandbox(
    config: dict[str, Any] | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    """Serve a new sandbox app from a daemon thread and return at once.

    Without ``SANDBOX_DATABASE`` in ``config`` the database is a scratch
    file removed by ``stop()``. Port 0 picks a free port. Raises ValueError
    for a host that is not a loopback address: the control endpoints and
    faults are not meant for a network.
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"start_sandbox serves on loopback only, not on {host!r}.")

    settings = dict(config or {})
    scratch = None
    if not settings.get("SANDBOX_DATABASE"):
        scratch = tempfile.mkdtemp(prefix="sandbox-")
        settings["SANDBOX_DATABASE"] = str(Path(scratch) / "sandbox.sqlite3")

    app = create_sandbox_app(settings)
    server = make_server(
        host, port, app, threaded=True, request_handler=QuietRequestHandler
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_INTERVAL},
        name="sandbox-server",
        daemon=True,
    )
    thread.start()
    logger.info("Sandbox serving.", extra={"port": server.port})

    return RunningSandbox(app=app, server=server, thread=thread, scratch=scratch)

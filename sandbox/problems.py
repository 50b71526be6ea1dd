"""Error answers in the contract's style: ``{"error": "..."}`` and a status.

Views raise ``Problem`` wherever they find one; a single handler turns it
into the response, so every error body has the same shape.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

from flask import Response, jsonify, request

INVALID_KEY = "Invalid API key."
FORBIDDEN = "Forbidden."
PROFILE_NOT_FOUND = "Customer profile not found."

# Set in the WSGI environ by a view that wants its connection dropped.
DROP_KEY = "sandbox.drop_connection"


class Problem(Exception):
    """An error answer: status, sentence, and for rejected data the reasons."""

    def __init__(
        self, status: int, message: str, reasons: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reasons = reasons


class ConnectionDropped(ConnectionAbortedError):
    """The sandbox hung up without answering, as a fault asked it to.

    It is a ConnectionError so werkzeug's server treats it as a vanished
    client and stays quiet; under Flask's test client it reaches the test.
    """


def render_problem(problem: Problem) -> Response:
    """Turn a Problem into its JSON answer."""
    body: dict[str, Any] = {"error": problem.message}
    if problem.reasons is not None:
        body["reasons"] = problem.reasons

    response = jsonify(body)
    response.status_code = problem.status
    return response


def drop_connection() -> Response:
    """Ask for this request's connection to be closed with no answer."""
    request.environ[DROP_KEY] = True
    return Response(status=500)


class ConnectionDropper:
    """WSGI middleware that hangs up on requests marked by drop_connection.

    Flask has finished the request (and committed any PATCH) when the mark
    is read, which is what "applied, then the connection dropped" needs.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        answer = self.wsgi_app(environ, start_response)
        if not environ.get(DROP_KEY):
            return answer

        if hasattr(answer, "close"):
            answer.close()

        connection = environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        raise ConnectionDropped("The sandbox hung up on purpose.")

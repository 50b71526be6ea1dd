"""The client's exceptions: one family, each carrying the HTTP status.

Messages name the operation and the status only. Upstream error texts and
rejection reasons are kept on attributes, never in ``str(error)``, so
logging an error can never write a guest's data or the API key.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """The Customer Profile API could not do what was asked.

    ``status`` is the HTTP status, or None when no answer arrived.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidApiKey(ApiError):
    """The API key (or, for a key request, the email and password) was refused."""


class Forbidden(ApiError):
    """The caller's IP address is not approved for the profile's campaign."""


class ProfileNotFound(ApiError):
    """No such customer profile for this API key's account."""


class DataRejected(ApiError):
    """The upstream refused the values sent.

    ``reasons`` is the list the upstream gave, each usually a dict with a
    JSON ``pointer`` into the body, a ``keyword`` and a ``message``.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        reasons: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, status)
        self.reasons = reasons or []


class UpstreamUnavailable(ApiError):
    """No usable answer: timeout, connection failure, 5xx or an unreadable body.

    Whether the upstream acted on the request is unknown, except when
    ``sent`` is False: no connection was made, so it never saw it.
    """

    def __init__(
        self, message: str, status: int | None = None, sent: bool = True
    ) -> None:
        super().__init__(message, status)
        self.sent = sent

"""What a failed delivery means: wait and retry, or wait for an operator.

Timeouts, dropped connections and 5xx answers pass by themselves, so the
row is retried with backoff. A refused key, a forbidden IP, an unknown
profile or rejected data will be refused again until someone fixes the
cause; resending blindly would only hammer the upstream, so the row is
kept as failed for the operator, with a reason free of personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anyroad.errors import (
    ApiError,
    DataRejected,
    Forbidden,
    InvalidApiKey,
    ProfileNotFound,
    UpstreamUnavailable,
)

PERMANENT_ERRORS = (InvalidApiKey, Forbidden, ProfileNotFound, DataRejected)

# Statuses of a bare ApiError that mean "later", not "never".
TRANSIENT_STATUSES = frozenset({408, 425, 429})

REASON_LENGTH = 200  # the width of the last_error column


class UnusableBody(Exception):
    """The stored body cannot be sent; only an operator can help."""


def is_transient(error: Exception) -> bool:
    """Tell whether a failed send may succeed later without anyone's help."""
    if isinstance(error, (UnusableBody, *PERMANENT_ERRORS)):
        return False

    if isinstance(error, UpstreamUnavailable):
        return True

    if isinstance(error, ApiError):
        status = getattr(error, "status", None)
        return status is None or status >= 500 or status in TRANSIENT_STATUSES

    # A bug or a surprise from the transport: keep the row and let the
    # backoff and the attempt limit bring it to an operator.
    return True


def may_still_apply(error: Exception) -> bool:
    """Tell whether the upstream may yet apply a PATCH that failed this way.

    With no answer at all (a timeout, a dropped connection) or a 500, 502
    or 504, the request may be in the upstream's hands still, and land
    after a newer one. A 503 or a 429 says it was not taken, and so does a
    connection refused before anything was sent. Anything unexpected
    counts as unknown.
    """
    if isinstance(error, UpstreamUnavailable):
        if not error.sent:
            return False  # refused before a byte went out
        return error.status is None or error.status in (500, 502, 504)

    return not isinstance(error, ApiError)


def describe_error(error: Exception) -> str:
    """Name a failure for the operator without any upstream text.

    Upstream messages may quote a guest's answer, so only the exception
    class, the status and, for a rejection, where in the body it failed
    are kept.
    """
    if isinstance(error, UnusableBody):
        return str(error)

    reason = type(error).__name__
    status = getattr(error, "status", None)
    if status:
        reason += f" (HTTP {status})"
    elif isinstance(error, UpstreamUnavailable):
        reason += " (no connection)" if not error.sent else " (no answer)"

    if isinstance(error, DataRejected) and error.reasons:
        reason += " at " + ", ".join(_locate(item) for item in error.reasons)

    return reason[:REASON_LENGTH]


def _locate(reason: Any) -> str:
    # Pointers and keywords come from the campaign's schema, not from the
    # guest; the message beside them may quote the answer, so it is left out.
    if not isinstance(reason, Mapping):
        return "?"

    pointer = str(reason.get("pointer") or "/")
    keyword = reason.get("keyword")

    return f"{pointer} ({keyword})" if keyword else pointer

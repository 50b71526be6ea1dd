"""HTTP access to the Customer Profile API.

One ``requests.Session`` per process, created on first use. gunicorn
forks workers after importing the app; a session (and its pooled
sockets) made before the fork would be shared by every worker, so the
session is keyed by ``os.getpid()`` and a forked child makes its own
(case C10). Nothing here retries: a PATCH whose answer was lost may have
been applied, and only the caller can decide to resend it, byte for byte.

The two timeouts together bound the whole call, not each wait for the
next bytes as ``requests`` does: an upstream or a proxy that sends a few
bytes every few seconds could otherwise hold a worker past gunicorn's
timeout, or a PATCH past its outbox lease (``anyroad.deadlines``).

The proxy and CA bundle settings of the environment (HTTPS_PROXY,
NO_PROXY, REQUESTS_CA_BUNDLE...) are read once per process and origin,
not on every request as ``requests`` does by default: that scan of the
whole environment cost a guest about a fifth of a millisecond per call.
A change to them needs a restart, as every other setting does.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import uuid
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from urllib3.util.retry import Retry

from anyroad.deadlines import WatchedAdapter, deadline_for_call
from anyroad.errors import (
    ApiError,
    DataRejected,
    Forbidden,
    InvalidApiKey,
    ProfileNotFound,
    UpstreamUnavailable,
)
from anyroad.models import Profile

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 3.05
DEFAULT_READ_TIMEOUT = 10.0
USER_AGENT = "guestform-anyroad-client/1"

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def get_session() -> requests.Session:
    """Return this process's session, making it on first use after a fork."""
    global _session, _session_pid

    pid = os.getpid()
    with _session_lock:
        if _session is None or _session_pid != pid:
            # The parent's session is dropped, not closed: closing it here
            # would act on sockets the parent still owns.
            _session = _new_session()
            _session_pid = pid

        return _session


def _forget_session() -> None:
    # Runs in a forked child: the parent's lock may have been held by a
    # thread that does not exist here, and its session must not be reused.
    global _session, _session_pid, _session_lock

    _session, _session_pid = None, None
    _session_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_session)


def _new_session() -> requests.Session:
    session = requests.Session()
    # The environment is applied per origin by _send instead. This also
    # keeps a ~/.netrc entry from adding credentials to an API call.
    session.trust_env = False
    adapter = WatchedAdapter(max_retries=Retry(total=0, read=False, redirect=False))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def encode_body(body: dict[str, Any]) -> bytes:
    """Serialise a request body the same way every time.

    Sorted keys, compact separators and UTF-8, so a resend of one
    submission is byte-identical. Aware datetimes become RFC 3339 in UTC
    and dates become YYYY-MM-DD. Raises TypeError for values JSON cannot
    hold (including naive datetimes) and ValueError for NaN or infinity.
    """
    text = json.dumps(
        body,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_encode_value,
    )
    return text.encode("utf-8")


def _encode_value(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("A datetime sent to the API must carry a time zone.")
        utc = value.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
        return utc.isoformat() + "Z"

    if isinstance(value, date):
        return value.isoformat()

    raise TypeError(f"A {type(value).__name__} cannot be sent as JSON.")


def fetch_api_key(
    base_url: str, email: str, password: str, timeout: float = DEFAULT_READ_TIMEOUT
) -> str:
    """Exchange an account's email and password for its API key.

    Raises InvalidApiKey when the credentials are refused and
    UpstreamUnavailable when no usable answer arrives.
    """
    url = base_url.rstrip("/") + "/users/key"
    # requests encodes str credentials as Latin-1, which cannot carry a
    # "€" and spells "ä" differently from the UTF-8 the API reads.
    credentials = (email.encode("utf-8"), password.encode("utf-8"))
    response = _send("key", "GET", url, auth=credentials, timeout=(timeout, timeout))
    _raise_for_status("key", response)

    key = _attributes("key", response).get("key")
    if not isinstance(key, str) or not key:
        raise UpstreamUnavailable("The key answer held no key.", response.status_code)

    return key


class ProfileClient:
    """Reads and updates customer profiles with one account's API key.

    Cheap to create; every instance in a process shares that process's
    session. Every method raises an ``anyroad.errors.ApiError`` subclass.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"The API base URL {base_url!r} must start with http:// or https://."
            )

        if not api_key.isascii() or not api_key.isprintable():
            raise ValueError(
                "The API key holds a character an HTTP header cannot carry, "
                "such as a line break pasted with it; copy it again."
            )

        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = (connect_timeout, read_timeout)

    def __repr__(self) -> str:
        return f"ProfileClient({self.base_url!r})"

    def user(self) -> dict[str, Any]:
        """Describe the key's user: id, first_name, last_name and email."""
        response = self._request("user", "GET", "/users/profile")
        _raise_for_status("user", response)

        attributes = _attributes("user", response)
        return {"id": _data("user", response).get("id"), **attributes}

    def search(
        self,
        booking_id: int | None = None,
        last_name: str | None = None,
        experience_date: date | str | None = None,
    ) -> list[Profile]:
        """Find profiles matching every criterion given; [] when none match.

        Raises ValueError when no criterion is given.
        """
        if isinstance(experience_date, datetime):
            experience_date = experience_date.date()  # the API takes a day
        criteria = {
            "booking_id": booking_id,
            "last_name": last_name,
            "experience_date": experience_date,
        }
        criteria = {name: v for name, v in criteria.items() if v not in (None, "")}
        if not criteria:
            raise ValueError("Search needs a booking_id, last_name or experience_date.")

        response = self._request(
            "search", "POST", "/customer_profile/search", encode_body(criteria)
        )
        if response.status_code == 204:
            return []

        _raise_for_status("search", response)
        resources = _data("search", response)
        if not isinstance(resources, list):
            raise UpstreamUnavailable("The search answer was not a list.", 200)

        return [_profile("search", resource) for resource in resources]

    def get(self, profile_id: str) -> Profile:
        """Fetch one profile by its UUID."""
        response = self._request("get", "GET", self._profile_path(profile_id))
        _raise_for_status("get", response)

        return _profile("get", _data("get", response))

    def patch(self, profile_id: str, body: dict[str, Any]) -> Profile:
        """Update a profile's attributes (data_set, referrer_medium, captured_at)."""
        return self.patch_raw(profile_id, encode_body(body))

    def patch_raw(self, profile_id: str, body: bytes) -> Profile:
        """Send an already encoded PATCH body unchanged; resends use this."""
        response = self._request("patch", "PATCH", self._profile_path(profile_id), body)
        _raise_for_status("patch", response)

        return _profile("patch", _data("patch", response))

    def _profile_path(self, profile_id: str) -> str:
        # Only a UUID goes into the path, so no id can steer the request
        # to another endpoint.
        try:
            canonical = str(uuid.UUID(str(profile_id)))
        except ValueError:
            raise ProfileNotFound("The profile id is not a UUID.", None) from None

        return "/customer_profile/" + quote(canonical)

    def _request(
        self, operation: str, method: str, path: str, body: bytes | None = None
    ) -> requests.Response:
        headers = {"X-API-KEY": self._api_key}
        if body is not None:
            headers["Content-Type"] = "application/json"

        return _send(
            operation,
            method,
            self.base_url + path,
            data=body,
            headers=headers,
            timeout=self.timeout,
        )


@functools.cache
def environment_settings(origin: str) -> dict[str, Any]:
    """Give the proxies and the CA bundle the environment sets for an origin.

    These are what ``requests`` would read from the environment on every
    call, read once: ``NO_PROXY`` is applied to the origin, and a CA
    bundle named by ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` replaces
    the default one.
    """
    reader = requests.Session()
    try:
        settings = reader.merge_environment_settings(origin, {}, None, True, None)
    finally:
        reader.close()

    return {"proxies": settings["proxies"], "verify": settings["verify"]}


# Failures are logged here at debug only. Each raises an error whose message
# says the same, and the caller that catches it (the guest app's error pages,
# the outbox) writes the operator's line with the campaign and submission;
# a warning here too would be a second line without them.


def _send(
    operation: str,
    method: str,
    url: str,
    timeout: tuple[float, float],
    **kwargs: Any,
) -> requests.Response:
    parts = urlsplit(url)
    # What a caller passes wins over what the environment says.
    options = {**environment_settings(f"{parts.scheme}://{parts.netloc}"), **kwargs}
    with deadline_for_call(sum(timeout)) as deadline:
        try:
            response = get_session().request(
                method, url, allow_redirects=False, timeout=timeout, **options
            )
            if deadline.passed:
                # http.client takes a cut in the headers or the trailers
                # for their end, so a cut-off answer can look complete.
                raise requests.Timeout("The answer was cut off at its deadline.")
            return response
        except requests.RequestException as exc:
            if deadline.passed or isinstance(exc, requests.Timeout):
                logger.debug("AnyRoad %s timed out.", operation)
                # A connection that never opened carried no request, even
                # if the deadline passed while it was being tried.
                raise UpstreamUnavailable(
                    f"The {operation} request timed out.",
                    sent=not isinstance(exc, requests.ConnectTimeout),
                ) from exc

            logger.debug("AnyRoad %s failed: %s.", operation, type(exc).__name__)
            if never_connected(exc):
                raise UpstreamUnavailable(
                    f"The {operation} request could not connect.", sent=False
                ) from exc
            raise UpstreamUnavailable(
                f"The {operation} request got no answer ({type(exc).__name__})."
            ) from exc
        except ValueError as exc:
            # requests reads a redirect's Location even when it does not
            # follow it; an unreadable one is a broken answer.
            logger.debug("AnyRoad %s answered unreadably.", operation)
            raise UpstreamUnavailable(
                f"The {operation} request got an unreadable answer."
            ) from exc


def never_connected(error: requests.RequestException) -> bool:
    """Tell whether a failed call never reached the upstream at all.

    A refused or unresolvable connection sent nothing; after a timeout
    or a drop the upstream may have acted on the request.
    """
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", None)

    return isinstance(error, requests.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _raise_for_status(operation: str, response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return

    logger.debug("AnyRoad %s answered %s.", operation, status)
    message = f"The {operation} request was answered with status {status}."
    if status == 401:
        raise InvalidApiKey(message, status)
    if status == 403:
        raise Forbidden(message, status)
    if status == 404:
        raise ProfileNotFound(message, status)
    if status == 422 or (status == 400 and operation == "patch"):
        raise DataRejected(message, status, _reasons(response))
    if status == 429 or status >= 500:
        raise UpstreamUnavailable(message, status)

    raise ApiError(message, status)


def _reasons(response: requests.Response) -> list[dict[str, Any]]:
    try:
        reasons = response.json().get("reasons")
    except (ValueError, AttributeError):
        return []

    return reasons if isinstance(reasons, list) else []


def _data(operation: str, response: requests.Response) -> Any:
    try:
        payload = response.json()
    except ValueError as exc:
        logger.debug("AnyRoad %s answer was not JSON.", operation)
        raise UpstreamUnavailable(
            f"The {operation} answer was not JSON.", response.status_code
        ) from exc

    if not isinstance(payload, dict) or "data" not in payload:
        raise UpstreamUnavailable(
            f"The {operation} answer had no data.", response.status_code
        )

    return payload["data"]


def _attributes(operation: str, response: requests.Response) -> dict[str, Any]:
    data = _data(operation, response)
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise UpstreamUnavailable(
            f"The {operation} answer had no attributes.", response.status_code
        )

    return attributes


def _profile(operation: str, resource: Any) -> Profile:
    try:
        return Profile.from_resource(resource)
    except ValueError as exc:
        logger.debug("AnyRoad %s answer was not a customer profile.", operation)
        raise UpstreamUnavailable(
            f"The {operation} answer was not a customer profile.", 200
        ) from exc

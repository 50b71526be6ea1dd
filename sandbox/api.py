"""The Customer Profile API endpoints, under ``/external/api/v1``.

Checks run in one order everywhere: the key (401), the profile within the
key's account (404), the caller's IP against the profile's campaign
(403), then the request body and query string (400) and the values
they carry (422).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.routing import BaseConverter
from werkzeug.security import check_password_hash

from forms.campaign import Campaign
from sandbox import store
from sandbox.faults import DROP, GARBAGE, NORMAL
from sandbox.names import normalise_last_name
from sandbox.parameters import (
    gather_copies,
    pick_agreed,
    read_body,
    read_json_object,
    read_json_text,
    refuse_differing_copies,
    refuse_query_that_is_not_text,
)
from sandbox.problems import (
    FORBIDDEN,
    INVALID_KEY,
    PROFILE_NOT_FOUND,
    Problem,
    drop_connection,
    render_problem,
)
from sandbox.schema import check_data_set
from sandbox.state import current_state, get_db
from sandbox.timestamps import (
    ASCII_WHITESPACE,
    TimestampError,
    format_utc,
    parse_timestamp,
)

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Leading zeros, then at most the 19 digits a signed 64-bit integer has;
# the bound keeps int() and SQLite from being handed an unreadable value.
BOOKING_ID_PATTERN = re.compile(r"0*[0-9]{1,19}")
# SQLite's INTEGER is a signed 64-bit integer: a larger id cannot name a
# booking, and binding one to a query raises OverflowError.
MAX_BOOKING_ID = 2**63 - 1
BAD_BOOKING_ID = (
    f"booking_id must be a whole number from 0 to {MAX_BOOKING_ID}, "
    "the largest a signed 64-bit integer holds."
)
WRITABLE = ("captured_at", "data_set", "referrer_medium")
PROFILE_ID_PARAMETER = "customer_profile_id"
CRITERIA = ("booking_id", "last_name", "experience_date")
MAX_MEDIUM_LENGTH = 255
KIND_BY_ENDPOINT = {
    "api.issue_key": "user",
    "api.show_user": "user",
    "api.search_profiles": "search",
    "api.show_profile": "get",
    "api.update_profile": "patch",
}
INJECTED_ERRORS = {
    401: INVALID_KEY,
    403: FORBIDDEN,
    429: "Too many requests.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}
GARBAGE_PAGE = "<html><body><h1>Please wait</h1></body></html>"
NO_CAMPAIGN = "This customer profile belongs to no campaign, so it cannot be changed."


class ProfileIdConverter(BaseConverter):
    """Match a profile id in a path: any one segment except "search".

    Were "search" a possible profile id, the profile routes would also
    match ``customer_profile/search``: GET would read it as a profile
    (404), and OPTIONS and every 405 would list the profile's methods
    beside POST. Ids that are not UUIDs still reach the views, which
    answer "Customer profile not found." as documented.
    """

    regex = r"(?!search\Z)[^/]+"


class Refused(Exception):
    """A PATCH value was not accepted; the reasons say why."""

    def __init__(self, reasons: list[dict[str, str]]) -> None:
        super().__init__("A value was not accepted.")
        self.reasons = reasons


@bp.before_request
def inject_faults() -> Response | None:
    """Record the request, then misbehave if the fault plan says so.

    OPTIONS is answered by routing alone, from the methods a path takes:
    it is none of the endpoint kinds, so it is neither counted nor faulted.
    """
    kind = KIND_BY_ENDPOINT.get(request.endpoint or "")
    if kind is None or request.method == "OPTIONS":
        return None

    state = current_state()
    state.stats.count_request(kind)
    if kind == "patch":
        state.stats.receive_patch(request.view_args["profile_id"].lower(), read_body())

    state.faults.wait(kind)
    outcome = state.faults.choose(kind)
    if outcome == NORMAL:
        return None

    state.stats.count_fault(outcome)
    if outcome == DROP:
        return drop_connection()

    if outcome == GARBAGE:
        return Response(GARBAGE_PAGE, status=200, mimetype="text/html")

    status = state.faults.plan.for_kind(kind).error_status
    return render_problem(Problem(status, INJECTED_ERRORS[status]))


@bp.get("/users/key")
def issue_key() -> Response:
    """Give the API key of the user named by HTTP Basic credentials."""
    credentials = request.authorization
    refused = Problem(401, "Invalid email or password.")
    if credentials is None or credentials.type != "basic":
        raise refused

    user = store.find_user_by_email(get_db(), credentials.username or "")
    password = credentials.password or ""
    if user is None or not user.api_key:
        raise refused

    if not check_password_hash(user.password_hash, password):
        raise refused

    return jsonify(
        {"data": {"type": "users", "id": user.id, "attributes": {"key": user.api_key}}}
    )


@bp.get("/users/profile")
def show_user() -> Response:
    """Describe the user whose key made the request."""
    user = authenticate()
    attributes = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }
    return jsonify({"data": {"type": "users", "id": user.id, "attributes": attributes}})


@bp.get("/customer_profile/<profile_id:profile_id>")
def show_profile(profile_id: str) -> Response:
    """Show one customer profile of the key's account."""
    user = authenticate()
    profile = find_visible_profile(user, profile_id)
    refuse_query_that_is_not_text()
    refuse_unknown_query(profile.id, allowed=(PROFILE_ID_PARAMETER,))

    return jsonify({"data": render_profile(profile)})


@bp.patch("/customer_profile/<profile_id:profile_id>")
def update_profile(profile_id: str) -> Response:
    """Store the attributes sent; leave those not sent as they were."""
    user = authenticate()
    profile = find_visible_profile(user, profile_id)
    campaign = current_state().campaigns.get(profile.campaign_slug or "")

    changes = read_changes(campaign, profile.id)
    connection = get_db()
    with store.transaction(connection):
        store.update_profile(connection, profile.id, changes)
    current_state().stats.apply_patch(profile.id)
    logger.info("Profile updated.", extra={"profile_id": profile.id})

    updated = store.find_profile(connection, user.account_id, profile.id)
    response = jsonify({"data": render_profile(updated)})
    if current_state().faults.should_drop_after_apply():
        current_state().stats.count_fault("apply_then_drop")
        return drop_connection()

    return response


@bp.post("/customer_profile/search")
def search_profiles() -> Response:
    """Find the key's profiles matching every criterion given.

    Only profiles whose campaign approves the caller's IP are listed. When
    every match is hidden that way the answer is 403, so a caller at the
    wrong address learns why it sees nothing; no match at all is 204.
    """
    user = authenticate()
    criteria = read_criteria()

    found = store.search_profiles(get_db(), user.account_id, **criteria)
    if not found:
        return Response(status=204)

    visible = [p for p in found if is_caller_approved(p)]
    if not visible:
        raise Problem(403, FORBIDDEN)

    return jsonify({"data": [render_profile(p) for p in visible]})


@bp.errorhandler(Problem)
def answer_problem(problem: Problem) -> Response:
    """Render a Problem raised by a view."""
    return render_problem(problem)


def authenticate() -> store.User:
    """Find the user whose X-API-KEY made the request, or refuse with 401."""
    key = request.headers.get("X-API-KEY", "").strip()
    user = store.find_user_by_key(get_db(), key) if key else None
    if user is None:
        raise Problem(401, INVALID_KEY)

    return user


def find_visible_profile(user: store.User, profile_id: str) -> store.ProfileRecord:
    """Find a profile the caller may see: 404 if not theirs, 403 if IP refused."""
    if not UUID_PATTERN.fullmatch(profile_id):
        raise Problem(404, PROFILE_NOT_FOUND)

    profile = store.find_profile(get_db(), user.account_id, profile_id.lower())
    if profile is None:
        raise Problem(404, PROFILE_NOT_FOUND)

    if not is_caller_approved(profile):
        raise Problem(403, FORBIDDEN)

    return profile


def is_caller_approved(profile: store.ProfileRecord) -> bool:
    """Tell whether the caller's IP is among the campaign's approved IPs.

    A profile whose experience no campaign serves has no IP rule. A
    campaign slug whose file has gone approves nobody.
    """
    if profile.campaign_slug is None:
        return True

    campaign = current_state().campaigns.get(profile.campaign_slug)
    if campaign is None:
        logger.warning(
            "A profile's campaign file is missing.",
            extra={"campaign": profile.campaign_slug},
        )
        return False

    return is_address_approved(request.remote_addr or "", campaign)


def is_address_approved(address: str, campaign: Campaign) -> bool:
    """Tell whether an address falls in an approved IP or CIDR range."""
    try:
        caller = ipaddress.ip_address(address)
    except ValueError:
        return False

    if isinstance(caller, ipaddress.IPv6Address) and caller.ipv4_mapped:
        caller = caller.ipv4_mapped

    for entry in campaign.approved_ips:
        try:
            if caller in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            logger.warning("An approved IP entry is not an address or range.")

    return False


def read_changes(campaign: Campaign | None, profile_id: str) -> dict[str, Any]:
    """Check a PATCH's attributes and return them in storage form.

    The attributes may come in the JSON body, in the query string (the
    contract lists them as query parameters, data_set as JSON text), or
    both. Copies of one attribute must agree once read; the request is
    refused with 400 before any value is judged (422) otherwise.

    A profile that no campaign serves has no data model, so it cannot be
    changed (422). Its request is still read first, because the
    documented order puts every 400 before any 422.
    """
    refuse_query_that_is_not_text()
    body = read_patch_body()
    refuse_unwritable(body)
    refuse_unknown_query(profile_id, allowed=(*WRITABLE, PROFILE_ID_PARAMETER))
    copies = gather_attribute_copies(body)

    readers: dict[str, Callable[[Any], Any]] = {
        "captured_at": _read_captured_at,
        "data_set": lambda value: _read_data_set(campaign, value),
        "referrer_medium": _read_referrer_medium,
    }
    changes, reasons = {}, []
    for name, values in sorted(copies.items()):
        read, refused = _read_copies(readers[name], values)
        reasons.extend(refused)
        if not refused:
            changes[name] = pick_agreed(name, read)

    if campaign is None:
        raise Problem(422, NO_CAMPAIGN, [])

    if reasons:
        raise Problem(
            422, "Some values were not accepted; see reasons.", _tidy(reasons)
        )

    return changes


def gather_attribute_copies(body: dict[str, Any]) -> dict[str, list[Any]]:
    """List each attribute's copies, reading a data_set sent as query text."""
    copies = gather_copies(body)
    copies.pop(PROFILE_ID_PARAMETER, None)
    for index, text in enumerate(request.args.getlist("data_set")):
        data_set = read_json_text(text, "The data_set query parameter")
        refuse_differing_copies(data_set, ("data_set",))
        copies["data_set"][index] = data_set

    return copies


def read_patch_body() -> dict[str, Any]:
    """Read the PATCH body, which may be left out when the query carries all.

    A PATCH whose query string holds parameters and whose body is empty
    counts as ``{}``, whatever its Content-Type; without either, the
    body is read as before and an empty one is refused.
    """
    if request.args and not read_body():
        return {}

    return read_json_object()


def refuse_unwritable(body: dict[str, Any]) -> None:
    """Refuse with 400 a body naming attributes that cannot be changed."""
    unknown = sorted(set(body) - set(WRITABLE))
    if not unknown:
        return

    raise Problem(
        400,
        "The body names attributes that cannot be changed.",
        [
            _reason(
                f"/{name}", "additionalProperties", "This attribute cannot be changed."
            )
            for name in unknown
        ],
    )


def refuse_unknown_query(profile_id: str, allowed: tuple[str, ...]) -> None:
    """Refuse with 400 a query naming anything but the ``allowed`` parameters.

    The contract lists ``customer_profile_id`` as a query parameter of
    both GET and PATCH, so it is allowed, but only when it names the
    profile in the path. A parameter the endpoint does not know is refused
    rather than ignored, so a typo never passes as a request honoured.
    """
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise Problem(
            400, f"Unknown query parameters {unknown}; use any of {list(allowed)}."
        )

    named = request.args.getlist(PROFILE_ID_PARAMETER)
    if any(value.strip(ASCII_WHITESPACE).lower() != profile_id for value in named):
        raise Problem(
            400, f"{PROFILE_ID_PARAMETER} is given twice with different values."
        )


def read_criteria() -> dict[str, Any]:
    """Read search criteria from the query string and any JSON body.

    A null or empty copy counts as not given. Copies of one criterion are
    compared once read, so ``01234`` agrees with 1234 and "loblaw" with
    "Loblaw", while two different booking ids are refused.
    """
    refuse_query_that_is_not_text()
    copies = gather_copies(read_json_object() if read_body() else {})
    unknown = sorted(set(copies) - set(CRITERIA))
    if unknown:
        raise Problem(
            400, f"Unknown search criteria {unknown}; use any of {list(CRITERIA)}."
        )

    given = {
        name: [value for value in values if value is not None and value != ""]
        for name, values in copies.items()
    }
    criteria = {
        "booking_id": pick_agreed(
            "booking_id", [_read_booking_id(v) for v in given.get("booking_id", [])]
        ),
        "last_name": pick_agreed(
            "last_name",
            [_read_last_name(v) for v in given.get("last_name", [])],
            key=normalise_last_name,
        ),
        "experience_date": pick_agreed(
            "experience_date", [_read_date(v) for v in given.get("experience_date", [])]
        ),
    }
    if all(value is None for value in criteria.values()):
        raise Problem(
            400, "Give at least one of booking_id, last_name or experience_date."
        )

    return criteria


def render_profile(profile: store.ProfileRecord) -> dict[str, Any]:
    """Write a profile as the contract's JSON:API resource object."""
    booking = {
        "guest_email": _encode(profile.email),
        "guest_first_name": _encode(profile.first_name),
        "guest_last_name": _encode(profile.last_name),
        "id": profile.booking_id,
        "number_guests_booked": profile.number_guests_booked,
        "tickets": profile.tickets,
    }
    experience = {
        "date": profile.experience_date,
        "name": profile.experience_name,
        "time": profile.experience_time,
    }
    attributes = {
        "booking": booking,
        "captured_at": profile.captured_at,
        "data_set": profile.data_set,
        "experience": experience,
        "id": profile.id,
        "referrer_medium": profile.referrer_medium,
    }
    return {"attributes": attributes, "id": profile.id, "type": "customer_profile"}


def _read_copies(
    read: Callable[[Any], Any], values: list[Any]
) -> tuple[list[Any], list[dict[str, str]]]:
    accepted, reasons = [], []
    for value in values:
        try:
            accepted.append(read(value))
        except Refused as exc:
            reasons.extend(exc.reasons)

    return accepted, reasons


def _read_captured_at(value: Any) -> str | None:
    if value is None:
        return None

    try:
        if not isinstance(value, str):
            raise TimestampError("Send captured_at as a string.")
        return format_utc(parse_timestamp(value))
    except TimestampError as exc:
        raise Refused([_reason("/captured_at", "format", str(exc))]) from exc


def _read_data_set(campaign: Campaign | None, value: Any) -> Any:
    # With no campaign there is no model to judge by; the value is read
    # as sent only so that two copies of it can still be compared.
    if campaign is None:
        return value

    reasons = check_data_set(campaign.data_model, value)
    if reasons:
        raise Refused(reasons)

    return value


def _read_referrer_medium(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and len(value) <= MAX_MEDIUM_LENGTH):
        return value

    raise Refused(
        [
            _reason(
                "/referrer_medium",
                "type",
                f"Use a string of at most {MAX_MEDIUM_LENGTH} characters.",
            )
        ]
    )


def _read_booking_id(value: Any) -> int:
    if isinstance(value, str):
        digits = value.strip(ASCII_WHITESPACE)
        value = int(digits) if BOOKING_ID_PATTERN.fullmatch(digits) else None

    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= MAX_BOOKING_ID:
            return value

    raise Problem(400, BAD_BOOKING_ID)


def _read_last_name(value: Any) -> str:
    if not isinstance(value, str):
        raise Problem(400, "last_name must be a string.")

    if not normalise_last_name(value):
        raise Problem(400, "last_name must contain more than spaces and hyphens.")

    return value


def _read_date(value: Any) -> str:
    if isinstance(value, str) and DATE_PATTERN.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass

    raise Problem(400, "experience_date must be a date in YYYY-MM-DD form.")


def _encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _reason(pointer: str, keyword: str, message: str) -> dict[str, str]:
    return {"pointer": pointer, "keyword": keyword, "message": message}


def _tidy(reasons: list[dict[str, str]]) -> list[dict[str, str]]:
    """Sort reasons by pointer, dropping those repeated by a second copy."""
    unique = {(r["pointer"], r["keyword"], r["message"]) for r in reasons}
    return [_reason(*parts) for parts in sorted(unique)]

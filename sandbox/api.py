"""The Customer Profile API endpoints, under ``/external/api/v1``.

Checks run in one order everywhere: the key (401), the profile within the
key's account (404), the caller's IP against the profile's campaign
(403), then the request body (400) and its values (422).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import re
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.security import check_password_hash

from forms.campaign import Campaign
from sandbox import store
from sandbox.faults import DROP, GARBAGE, NORMAL
from sandbox.names import normalise_last_name
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
from sandbox.timestamps import TimestampError, format_utc, parse_timestamp

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
WRITABLE = ("captured_at", "data_set", "referrer_medium")
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


@bp.before_request
def inject_faults() -> Response | None:
    """Record the request, then misbehave if the fault plan says so."""
    kind = KIND_BY_ENDPOINT.get(request.endpoint or "")
    if kind is None:
        return None

    state = current_state()
    state.stats.count_request(kind)
    if kind == "patch":
        state.stats.receive_patch(
            request.view_args["profile_id"].lower(), request.get_data()
        )

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


@bp.get("/customer_profile/<profile_id>")
def show_profile(profile_id: str) -> Response:
    """Show one customer profile of the key's account."""
    user = authenticate()
    profile = find_visible_profile(user, profile_id)

    return jsonify({"data": render_profile(profile)})


@bp.patch("/customer_profile/<profile_id>")
def update_profile(profile_id: str) -> Response:
    """Store the attributes sent; leave those not sent as they were."""
    user = authenticate()
    profile = find_visible_profile(user, profile_id)
    campaign = current_state().campaigns.get(profile.campaign_slug or "")
    if campaign is None:
        raise Problem(
            422,
            "This customer profile belongs to no campaign, so it cannot be changed.",
            [],
        )

    changes = read_changes(campaign)
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


def read_json_object() -> dict[str, Any]:
    """Parse the body as a JSON object, or refuse with 400."""
    if not request.is_json:
        raise Problem(400, "Send a JSON body with Content-Type: application/json.")

    try:
        body = json.loads(request.get_data(), parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "The body is not valid JSON.") from None

    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.")

    return body


def read_changes(campaign: Campaign) -> dict[str, Any]:
    """Check a PATCH body and return the attributes to store, in storage form."""
    body = read_json_object()
    unknown = sorted(set(body) - set(WRITABLE))
    if unknown:
        raise Problem(
            400,
            "The body names attributes that cannot be changed.",
            [
                _reason(
                    f"/{name}",
                    "additionalProperties",
                    "This attribute cannot be changed.",
                )
                for name in unknown
            ],
        )

    reasons = []
    changes = dict(body)
    if "data_set" in body:
        reasons.extend(check_data_set(campaign.data_model, body["data_set"]))

    if body.get("captured_at") is not None:
        try:
            changes["captured_at"] = format_utc(_read_captured_at(body["captured_at"]))
        except TimestampError as exc:
            reasons.append(_reason("/captured_at", "format", str(exc)))

    medium = body.get("referrer_medium")
    if medium is not None and (
        not isinstance(medium, str) or len(medium) > MAX_MEDIUM_LENGTH
    ):
        reasons.append(
            _reason(
                "/referrer_medium",
                "type",
                f"Use a string of at most {MAX_MEDIUM_LENGTH} characters.",
            )
        )

    if reasons:
        raise Problem(422, "Some values were not accepted; see reasons.", reasons)

    return changes


def read_criteria() -> dict[str, Any]:
    """Read search criteria from the query string and any JSON body."""
    criteria: dict[str, Any] = dict(request.args.items())
    if request.get_data():
        for name, value in read_json_object().items():
            if name in criteria and str(criteria[name]) != str(value):
                raise Problem(400, f"{name} is given twice with different values.")
            criteria[name] = value

    unknown = sorted(set(criteria) - set(CRITERIA))
    if unknown:
        raise Problem(
            400, f"Unknown search criteria {unknown}; use any of {list(CRITERIA)}."
        )

    chosen = {name: v for name, v in criteria.items() if v is not None and v != ""}
    if not chosen:
        raise Problem(
            400, "Give at least one of booking_id, last_name or experience_date."
        )

    return {
        "booking_id": _read_booking_id(chosen.get("booking_id")),
        "last_name": _read_last_name(chosen.get("last_name")),
        "experience_date": _read_date(chosen.get("experience_date")),
    }


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


def _read_captured_at(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TimestampError("Send captured_at as a string.")

    return parse_timestamp(value)


def _read_booking_id(value: Any) -> int | None:
    if value is None:
        return None

    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value

    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())

    raise Problem(400, "booking_id must be a whole number.")


def _read_last_name(value: Any) -> str | None:
    if value is None:
        return None

    if not isinstance(value, str):
        raise Problem(400, "last_name must be a string.")

    if not normalise_last_name(value):
        raise Problem(400, "last_name must contain more than spaces and hyphens.")

    return value


def _read_date(value: Any) -> str | None:
    if value is None:
        return None

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


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON.")

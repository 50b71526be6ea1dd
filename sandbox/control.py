"""Loopback-only control of the sandbox: fault plans and received-request stats.

Under ``/_sandbox``, outside the API's prefix, so no client of the real
API could call it by mistake. Faults never apply here.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Response, abort, jsonify, request

from sandbox.faults import read_plan
from sandbox.problems import Problem, render_problem
from sandbox.state import current_state

bp = Blueprint("control", __name__)


@bp.before_request
def require_loopback() -> None:
    """Hide the control endpoints from any caller not on this machine."""
    try:
        is_local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        is_local = False

    if not is_local:
        abort(404)


@bp.get("/faults")
def show_faults() -> Response:
    """Show the fault plan in force."""
    return jsonify(current_state().faults.plan.as_dict())


@bp.post("/faults")
def replace_faults() -> Response:
    """Replace the fault plan with the JSON body; ``{}`` clears every fault."""
    body = request.get_json(silent=True)
    try:
        plan = read_plan(body if body is not None else "not json")
    except ValueError as exc:
        return render_problem(Problem(400, str(exc)))

    current_state().faults.configure(plan)
    return jsonify(plan.as_dict())


@bp.get("/stats")
def show_stats() -> Response:
    """Show what the API received and stored since the last reset."""
    return jsonify(current_state().stats.as_dict())


@bp.delete("/stats")
def reset_stats() -> Response:
    """Forget every count and body recorded so far."""
    current_state().stats.reset()
    return Response(status=204)

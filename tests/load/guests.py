"""The load generator: many guests at once, each finding a booking and answering.

Runs as its own process so that the app under test and the guests never
share an interpreter lock. Each guest does what a browser does: open the
lookup page, post the booking details, post the answers. It prints one
JSON summary on stdout.

    python -m tests.load.guests --url http://127.0.0.1:8000 --count 1000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from bs4 import BeautifulSoup

from sandbox.synthetic import FIRST_BOOKING_ID, SyntheticGuest, synthetic_guests

CAMPAIGN = "monster-mash"
STEPS = ("open", "lookup", "submit")


def answers_for(booking_id: int) -> dict[str, str]:
    """Give the answers one guest types, distinct per booking.

    Non-ASCII text on purpose: a mangled encoding anywhere on the way shows
    up as a wrong answer in the check.
    """
    return {
        "flavor_profile": f"smoke and plum #{booking_id}",
        "custom_attribute": f"Grüße from guest {booking_id} ✓",
    }


@dataclass
class GuestResult:
    """What happened to one guest."""

    booking_id: int
    outcome: str = "unfinished"
    seconds: dict[str, float] = field(default_factory=dict)


def visit(base_url: str, guest: SyntheticGuest, deadline: float) -> GuestResult:
    """Take one guest through lookup and answers; never raise."""
    result = GuestResult(guest.booking_id)
    session = requests.Session()
    form_url = f"{base_url}/f/{CAMPAIGN}"
    try:
        page = timed(result, "open", deadline, session.get, form_url, timeout=10)
        token = hidden_value(page.text, "__lookup")
        if page.status_code != 200 or not token:
            result.outcome = f"open_{page.status_code}"
            return result

        details = {
            "__lookup": token,
            "homepage_url": "",
            "booking_id": str(guest.booking_id),
            "last_name": guest.last_name,
            "experience_date": guest.experience_date,
        }
        page = timed(
            result,
            "lookup",
            deadline,
            session.post,
            form_url,
            data=details,
            timeout=15,
        )
        state = hidden_value(page.text, "__state")
        if page.status_code != 200 or not state:
            result.outcome = f"lookup_{page.status_code}"
            return result

        answers = answers_for(guest.booking_id)
        fields = {f"f-{name}": value for name, value in answers.items()}
        sent = timed(
            result,
            "submit",
            deadline,
            session.post,
            f"{form_url}/answers",
            data={"__state": state, "homepage_url": "", **fields},
            allow_redirects=False,
            timeout=15,
        )
        thanked = sent.status_code == 303
        result.outcome = "thanked" if thanked else f"submit_{sent.status_code}"
    except requests.RequestException as exc:
        result.outcome = f"error_{type(exc).__name__}"
    except TimeoutError:
        result.outcome = "out_of_time"
    finally:
        session.close()

    return result


def hidden_value(html: str, name: str) -> str | None:
    """Read a hidden token from a page, as a browser would post it."""
    field = BeautifulSoup(html, "html.parser").select_one(f"input[name={name}]")

    return field.get("value") if field else None


def timed(result: GuestResult, step: str, deadline: float, call, *args, **kwargs):
    """Make one request, noting how long it took; refuse once time is up."""
    if time.monotonic() > deadline:
        raise TimeoutError(step)

    started = time.monotonic()
    response = call(*args, **kwargs)
    result.seconds[step] = time.monotonic() - started

    return response


def run_guests(
    base_url: str, guests: list[SyntheticGuest], threads: int, time_limit: float
) -> dict:
    """Send every guest through the flow from a pool of threads; summarise."""
    deadline = time.monotonic() + time_limit
    started = time.monotonic()
    with ThreadPoolExecutor(threads, thread_name_prefix="guest") as pool:
        results = list(pool.map(lambda one: visit(base_url, one, deadline), guests))
    elapsed = time.monotonic() - started

    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1

    return {
        "guests": len(guests),
        "seconds": round(elapsed, 2),
        "outcomes": outcomes,
        "unfinished": [r.booking_id for r in results if r.outcome != "thanked"][:50],
        "latency_ms": {step: percentiles(results, step) for step in STEPS},
    }


def percentiles(results: list[GuestResult], step: str) -> dict[str, float]:
    """Give the median, 95th percentile and worst time of one step."""
    times = sorted(r.seconds[step] * 1000 for r in results if step in r.seconds)
    if len(times) < 2:
        return {}

    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(statistics.quantiles(times, n=20)[-1], 1),
        "max": round(times[-1], 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the guests named on the command line and print the summary."""
    parser = argparse.ArgumentParser(prog="python -m tests.load.guests")
    parser.add_argument("--url", required=True, help="the app, on loopback")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--first-id", type=int, default=FIRST_BOOKING_ID)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        parser.error("--url must be on loopback; this tool stays on the machine.")

    guests = synthetic_guests(args.count, args.first_id)
    summary = run_guests(args.url.rstrip("/"), guests, args.threads, args.time_limit)
    json.dump(summary, sys.stdout)
    print()

    return 0


if __name__ == "__main__":
    sys.exit(main())

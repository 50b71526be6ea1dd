"""The measurements: throughput under load, added latency, per-request work.

Throughput comes from a load generator in its own process (wrk when it is
installed, else ``bench/load.py``), pinned to the last CPU. Latency is
measured one request at a time from this process with ``requests``. Three
requests take turns, so that any drift of the machine touches all alike:
the guest-app request, the same upstream call made directly, and that
call relayed by the stack's floor (``bench.floor``) in the app's workers.
Which of the three goes first changes every round.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests

from anyroad.client import encode_body
from bench import floor
from sandbox import demo

BENCH = Path(__file__).resolve().parent
LOOKUP_SLUG = "tasting-follow-up"
LOOKUP = {
    "booking_id": str(demo.TASTING_BOOKING_ID),
    "last_name": "Müller",
    "experience_date": "2021-04-10",
}
# The same answers twice: as a guest posts them, and as the data set the
# app sends upstream for them.
POSTED_ANSWERS = {
    "f-rating": "4",
    "f-favourite_dram": "islay-16",
    "f-tasting_notes": "Peat, then honey.",
    "f-would_recommend": "true",
    "f-bottles_bought": "1",
    "f-spend": "42.50",
    "f-next_visit": "2021-06-01",
    "f-friend_email": "friend@example.com",
    "f-postcode": "AB1 2CD",
}
DATA_SET = {
    "rating": 4,
    "favourite_dram": "islay-16",
    "tasting_notes": "Peat, then honey.",
    "would_recommend": True,
    "bottles_bought": 1,
    "spend": 42.5,
    "next_visit": "2021-06-01",
    "friend_email": "friend@example.com",
    "postcode": "AB1 2CD",
}
# Seconds each /_bench/counters answer keeps its worker busy (read_counters).
COUNTERS_HOLD = 0.05
HIDDEN_VALUE = re.compile(r'name="(__lookup|__state)" value="([^"]+)"')
PER_CAMPAIGN_WORK = (
    "campaign_file_read",
    "schema_outline",
    "validator_built",
    "form_class_built",
    "build_form",
    "template_compiled",
)


class MeasureError(RuntimeError):
    """A measurement got answers it cannot use; the message says which."""


@dataclass
class LoadGenerator:
    """Runs one closed-loop load in a separate process and reads its rate."""

    connections: int
    prefer_wrk: bool = True
    cpu: int | None = None

    def __post_init__(self) -> None:
        self.wrk = shutil.which("wrk") if self.prefer_wrk else None
        self.taskset = shutil.which("taskset")
        if self.cpu is None and hasattr(os, "sched_getaffinity"):
            self.cpu = max(os.sched_getaffinity(0))

    @property
    def name(self) -> str:
        tool = "wrk -t1" if self.wrk else "bench/load.py"
        pinned = f", pinned to CPU {self.cpu}" if self.cpu is not None else ""
        return f"{tool}, {self.connections} connections{pinned}"

    def run(
        self, url: str, seconds: int, body: str = "", folder: Path | None = None
    ) -> dict:
        """Load ``url`` (POST when a body is given) and give rps and errors."""
        if self.wrk:
            return self._run_wrk(url, seconds, body, folder)

        command = [
            sys.executable,
            str(BENCH / "load.py"),
            url,
            "--duration",
            str(seconds),
            "--connections",
            str(self.connections),
        ]
        if body:
            command += ["--method", "POST", "--body", body]
        if self.cpu is not None:
            command += ["--cpu", str(self.cpu)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)

        return json.loads(done.stdout)

    def _run_wrk(self, url: str, seconds: int, body: str, folder: Path | None) -> dict:
        command = [self.wrk, "-t1", f"-c{self.connections}", f"-d{max(1, seconds)}s"]
        if body:
            script = (folder or Path("/tmp")) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(body)}\n"
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            )
            command += ["-s", str(script)]
        if self.taskset and self.cpu is not None:
            command = [self.taskset, "-c", str(self.cpu), *command]
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True
        )

        return parse_wrk(done.stdout)


def parse_wrk(output: str) -> dict:
    """Read requests, errors and the rate from wrk's summary."""

    def number(pattern: str) -> float:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else 0.0

    completed = int(number(r"(\d+) requests in"))
    seconds = number(r"requests in ([\d.]+)s")
    rejected = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    socket_errors = sum(
        int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    rate = number(r"Requests/sec:\s+([\d.]+)")
    good = completed - rejected

    return {
        "requests": completed,
        "errors": rejected + socket_errors,
        "rejected": rejected,
        "socket_errors": socket_errors,
        "seconds": seconds,
        "rps": rate * good / completed if completed else 0.0,
    }


def cpu_seconds(pids: list[int]) -> float:
    """Add up the CPU time (user and system) the given processes have used."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])

    return ticks / os.sysconf("SC_CLK_TCK")


def throughput_rounds(
    load: LoadGenerator,
    targets: dict[str, tuple[str, str, list[int]]],
    rounds: int,
    seconds: int,
    folder: Path,
) -> dict[str, dict[str, Any]]:
    """Load each target in turn, ``rounds`` times; keep every round's rate.

    ``targets`` maps a name to (url, POST body or "", the server's worker
    pids). Besides the rate, each round notes the workers' CPU time per
    request, which other load on the machine disturbs far less. The order
    rotates each round, so no target always runs first or last.
    """
    names = list(targets)
    results: dict[str, dict[str, Any]] = {
        name: {"rps": [], "cpu_ms": [], "errors": 0} for name in names
    }
    for index in range(rounds):
        for name in in_turn(names, index):
            url, body, pids = targets[name]
            cpu_before = cpu_seconds(pids)
            outcome = load.run(url, seconds, body, folder)
            cpu_used = cpu_seconds(pids) - cpu_before
            result = results[name]
            result["rps"].append(outcome["rps"])
            result["cpu_ms"].append(1000 * cpu_used / max(outcome["requests"], 1))
            result["errors"] += outcome["errors"]

    for result in results.values():
        result["median_rps"] = statistics.median(result["rps"])
        result["median_cpu_ms"] = statistics.median(result["cpu_ms"])

    return results


def in_turn(names: list[str], index: int) -> list[str]:
    """Give the names in round ``index``'s order: each round starts one later."""
    shift = index % len(names)
    return names[shift:] + names[:shift]


def percentile(samples: list[float], share: float) -> float:
    """Give the nearest-rank percentile of the samples (share in 0..1)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))

    return ordered[min(rank, len(ordered)) - 1]


def timed(send: Callable[[], requests.Response], expect: int) -> float:
    """Send one request; give its milliseconds, or stop on a wrong status."""
    started = time.perf_counter()
    response = send()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        raise MeasureError(
            f"{response.request.method} {response.url} answered "
            f"{response.status_code}, not {expect}: {response.text[:300]!r}"
        )

    return elapsed


class GuestSession:
    """Drives the real guest flow of the demo tasting booking."""

    def __init__(self, app_url: str, api_url: str) -> None:
        self.app_url = app_url
        self.api_url = api_url
        self.floor_url = app_url + floor.PREFIX
        self.http = requests.Session()
        self.upstream = requests.Session()
        page = self.http.get(f"{app_url}/f/{LOOKUP_SLUG}", timeout=10)
        self.lookup_token = hidden_value(page.text, "__lookup")

    def lookup_body(self) -> dict[str, str]:
        return {**LOOKUP, "__lookup": self.lookup_token, "homepage_url": ""}

    def post_lookup(self) -> requests.Response:
        return self.http.post(
            f"{self.app_url}/f/{LOOKUP_SLUG}", data=self.lookup_body(), timeout=10
        )

    def search_upstream(self, base: str | None = None) -> requests.Response:
        """Send the lookup's search to the sandbox, or to ``base`` (the floor)."""
        criteria = {
            "booking_id": int(LOOKUP["booking_id"]),
            "last_name": LOOKUP["last_name"],
            "experience_date": LOOKUP["experience_date"],
        }
        return self.call_upstream("POST", "/customer_profile/search", criteria, base)

    def search_by_floor(self) -> requests.Response:
        return self.search_upstream(self.floor_url)

    def fresh_state(self) -> str:
        """Find the booking (untimed) and give the new form's state token."""
        page = self.post_lookup()
        if page.status_code != 200:
            raise MeasureError(f"The lookup answered {page.status_code}.")

        return hidden_value(page.text, "__state")

    def post_answers(self, state: str) -> requests.Response:
        body = {**POSTED_ANSWERS, "__state": state, "homepage_url": ""}
        return self.http.post(
            f"{self.app_url}/f/{LOOKUP_SLUG}/answers",
            data=body,
            allow_redirects=False,
            timeout=10,
        )

    def patch_upstream(self, base: str | None = None) -> requests.Response:
        """Send the submit's PATCH to the sandbox, or to ``base`` (the floor)."""
        body = {
            "data_set": DATA_SET,
            "referrer_medium": "web",
            "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        path = f"/customer_profile/{demo.TASTING_PROFILE_ID}"
        return self.call_upstream("PATCH", path, body, base)

    def patch_by_floor(self) -> requests.Response:
        return self.patch_upstream(self.floor_url)

    def call_upstream(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        base: str | None = None,
    ) -> requests.Response:
        """Send the request the app would send upstream, with the demo key."""
        return self.upstream.request(
            method,
            f"{base or self.api_url}{path}",
            data=encode_body(body),
            headers={
                "X-API-KEY": demo.DEMO_API_KEY,
                "Content-Type": "application/json",
            },
            timeout=10,
        )


def hidden_value(html: str, name: str) -> str:
    """Pull a hidden field's value out of a page, or stop saying it is missing."""
    for found_name, value in HIDDEN_VALUE.findall(html):
        if found_name == name:
            return value

    raise MeasureError(f"The page has no {name} field; did the step fail?")


def added_latency(
    full: list[float], direct: list[float], relayed: list[float]
) -> dict[str, float]:
    """Summarise the three distributions and what each adds at p50 and p99.

    *added*, what the app adds to the upstream call, is the difference of
    two percentiles, as the targets are written. The split of that time is
    paired by round instead: *floor_added*, the stack's share, is a
    percentile of each round's floor minus its direct call, and *own*,
    guestform's share, of each round's app request minus its floor. The
    difference of two p99s belongs to no request, since the slowest
    rounds of two kinds are rarely the same; a paired difference does.
    """
    summary: dict[str, float] = {"samples": len(full)}
    stack = [bare - call for bare, call in zip(relayed, direct, strict=True)]
    own = [app - bare for app, bare in zip(full, relayed, strict=True)]
    for cut, share in (("p50", 0.50), ("p99", 0.99)):
        summary[f"full_{cut}"] = percentile(full, share)
        summary[f"direct_{cut}"] = percentile(direct, share)
        summary[f"floor_{cut}"] = percentile(relayed, share)
        summary[f"added_{cut}"] = summary[f"full_{cut}"] - summary[f"direct_{cut}"]
        summary[f"floor_added_{cut}"] = percentile(stack, share)
        summary[f"own_{cut}"] = percentile(own, share)

    return summary


def take_turns(
    senders: dict[str, tuple[Callable[[], requests.Response], int]],
    rounds: int,
    before_round: Callable[[], None] = lambda: None,
) -> dict[str, list[float]]:
    """Time each sender once a round, starting with a different one each time.

    ``senders`` maps a name to (a call sending one request, the status it
    must answer). With a fixed order the first request of a round would
    always meet the connections and caches the previous round left; the
    rotation spreads that over all of them. ``before_round`` runs untimed.
    """
    names = list(senders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        before_round()
        for name in in_turn(names, index):
            send, expect = senders[name]
            times[name].append(timed(send, expect))

    return times


def lookup_latency(session: GuestSession, samples: int) -> dict[str, float]:
    """Time lookups through the app against the same search made directly."""
    relayed, direct = session.search_by_floor(), session.search_upstream()
    if (relayed.status_code, relayed.content) != (200, direct.content):
        raise MeasureError(
            f"The floor's search answered {relayed.status_code} with other "
            "bytes than the sandbox; it would not measure the same call."
        )

    senders = {
        "full": (session.post_lookup, 200),
        "direct": (session.search_upstream, 200),
        "floor": (session.search_by_floor, 200),
    }
    take_turns(senders, 6)
    times = take_turns(senders, samples)

    return added_latency(times["full"], times["direct"], times["floor"])


def submit_latency(session: GuestSession, samples: int) -> dict[str, float]:
    """Time answer posts through the app against the same PATCH made directly.

    Each post needs a form instance of its own (the outbox would treat a
    second post of one instance as a replay), so an untimed lookup comes
    before each round.
    """
    state = ""

    def find_booking() -> None:
        nonlocal state
        state = session.fresh_state()

    senders = {
        "full": (lambda: session.post_answers(state), 303),
        "direct": (session.patch_upstream, 200),
        "floor": (session.patch_by_floor, 200),
    }
    take_turns(senders, 3, find_booking)
    times = take_turns(senders, samples, find_booking)

    return added_latency(times["full"], times["direct"], times["floor"])


def read_counters(app_url: str, workers: int) -> dict[int, dict[str, Any]]:
    """Collect ``/_bench/counters`` from every worker of one app.

    Sync workers share one listening socket, and an idle one tends to win
    every accept, so asking one at a time may never reach the others. Each
    round asks ``workers`` times at once, and each answer holds its worker
    a moment: a busy worker cannot accept, so the others must.
    """
    found: dict[int, dict[str, Any]] = {}
    url = f"{app_url}/_bench/counters?hold={COUNTERS_HOLD}"
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(20):
            for report in pool.map(
                lambda _: requests.get(url, timeout=5).json(), range(workers)
            ):
                found[report["pid"]] = report
            if len(found) >= workers:
                break
    if len(found) < workers:
        raise MeasureError(
            f"Only {len(found)} of {workers} workers answered at {app_url}."
        )

    return found


def per_request_work(
    before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """Compare two counter readings of the same workers.

    Gives how often each piece of per-campaign work ran while the load was
    served (it should be zero), how many forms were made meanwhile, what
    each worker did at start-up, and whether every form class kept its
    identity.
    """
    if set(before) != set(after):
        raise MeasureError(
            "A worker was replaced during the run; the counts do not compare."
        )

    during = {name: 0 for name in PER_CAMPAIGN_WORK}
    forms_made = 0
    same_classes = True
    for pid, first in before.items():
        last = after[pid]
        for name in PER_CAMPAIGN_WORK:
            during[name] += last["counts"].get(name, 0) - first["counts"].get(name, 0)
        forms_made += last["counts"].get("make_form", 0) - first["counts"].get(
            "make_form", 0
        )
        same_classes = same_classes and first["form_classes"] == last["form_classes"]

    start_up = next(iter(before.values()))["counts"]

    return {
        "during_load": during,
        "forms_made": forms_made,
        "same_form_classes": same_classes,
        "build_form_at_start": start_up.get("build_form", 0),
        "campaigns": len(next(iter(before.values()))["form_classes"]),
    }


class _Outline(HTMLParser):
    """Collects a page's elements and text, leaving out the state token."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        token = tag == "input" and ("name", "__state") in attrs
        kept = sorted((k, v) for k, v in attrs if not (token and k == "value"))
        self.items.append((tag, tuple(kept)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(("#text", data.strip()))


def outline(html: str) -> list[tuple]:
    """Give a page's elements (attributes sorted) and texts, token left out."""
    parser = _Outline()
    parser.feed(html)

    return parser.items


def compare_pages(pages_url: str) -> dict[str, Any]:
    """Check that the three page routes show the same controls and text."""
    bodies = {
        name: requests.get(f"{pages_url}/bench/{name}", timeout=10)
        for name in ("generated", "handwritten", "static")
    }
    for name, response in bodies.items():
        if response.status_code != 200:
            raise MeasureError(f"/bench/{name} answered {response.status_code}.")

    generated = outline(bodies["generated"].text)
    handwritten = outline(bodies["handwritten"].text)
    differences = sum(a != b for a, b in zip(generated, handwritten))
    differences += abs(len(generated) - len(handwritten))
    controls = sum(1 for tag, _ in generated if tag in ("input", "select", "textarea"))

    return {
        "bytes": {name: len(r.content) for name, r in bodies.items()},
        "elements": len(generated),
        "controls": controls,
        "differences": differences,
    }

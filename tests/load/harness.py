"""The load test that stops by itself: many guests, a flaky upstream, one check.

It starts, each in its own process and all on loopback: the sandbox seeded
with synthetic bookings and told to fail a share of PATCHes, the app under
gunicorn, the outbox worker, and the load generator. When the guests are
done it waits for the outbox to drain, then checks that every profile holds
its guest's answers and that no profile was sent two different bodies.
Every process is stopped at the end, whatever happened, and the whole run
is bounded by ``--timeout``.

    scripts/loadtest                      # 1,000 guests, 4 gunicorn workers
    scripts/loadtest --guests 200 --fast-retries
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import and_, func, or_, select, update

from delivery.engine import make_engine
from delivery.schema import PENDING, submissions
from sandbox import demo, store
from sandbox.app import create_sandbox_app
from sandbox.synthetic import FIRST_BOOKING_ID, seed_synthetic, synthetic_guests
from tests.load import processes
from tests.load.guests import answers_for


@dataclass
class LoadPlan:
    """What to run: how many guests, how the upstream fails, how long at most."""

    guests: int = 1000
    gunicorn_workers: int = 4
    threads: int = 32
    error_rate: float = 0.2
    apply_then_drop_rate: float = 0.05
    fault_seed: int = 7
    database_url: str = ""
    keep_faults: bool = False
    fast_retries: bool = False
    timeout: float = 900.0
    first_booking_id: int = FIRST_BOOKING_ID

    def fault_plan(self) -> dict:
        """The sandbox fault plan: 503s and apply-then-drop on PATCH only."""
        return {
            "seed": self.fault_seed,
            "patch": {
                "error_rate": self.error_rate,
                "error_status": 503,
                "apply_then_drop_rate": self.apply_then_drop_rate,
            },
        }


@dataclass
class LoadResult:
    """What the run found; ``passed`` is the verdict."""

    guests: int
    thanked: int = 0
    stored_right: int = 0
    wrong: list[int] = field(default_factory=list)
    two_bodies: list[str] = field(default_factory=list)
    applied_twice: int = 0
    patches_received: int = 0
    faults: dict = field(default_factory=dict)
    outbox: dict = field(default_factory=dict)
    guest_summary: dict = field(default_factory=dict)
    seconds_guests: float = 0.0
    seconds_drain: float = 0.0
    seconds_total: float = 0.0
    timed_out: bool = False

    @property
    def passed(self) -> bool:
        return (
            not self.timed_out
            and self.thanked == self.guests
            and self.stored_right == self.guests
            and not self.wrong
            and not self.two_bodies
        )


def run_load(plan: LoadPlan, workdir: Path) -> LoadResult:
    """Run the whole load test in ``workdir`` and return what it found."""
    started = time.monotonic()
    deadline = started + plan.timeout
    result = LoadResult(guests=plan.guests)
    sandbox_db = workdir / "sandbox.sqlite3"
    database_url = plan.database_url or f"sqlite:///{workdir / 'outbox.db'}"
    seed_sandbox(sandbox_db, plan)

    sandbox_port, app_port = processes.free_port(), processes.free_port()
    sandbox_root = f"http://127.0.0.1:{sandbox_port}"
    env = app_environment(sandbox_root, database_url)
    running = []
    try:
        sandbox = processes.start_sandbox(
            sandbox_db, sandbox_port, workdir / "sandbox.log"
        )
        running.append(sandbox)
        processes.wait_for(f"{sandbox_root}/_sandbox/stats", sandbox)
        set_faults(sandbox_root, plan.fault_plan())

        init_outbox(env, workdir)
        app = processes.start_gunicorn(
            env, app_port, plan.gunicorn_workers, workdir / "gunicorn.log"
        )
        running.append(app)
        processes.wait_for(f"http://127.0.0.1:{app_port}/healthz", app, timeout=30)
        running.append(processes.start_outbox_worker(env, workdir / "worker.log"))

        guests_started = time.monotonic()
        result.guest_summary = run_guest_process(
            f"http://127.0.0.1:{app_port}", plan, deadline - time.monotonic(), workdir
        )
        result.thanked = result.guest_summary.get("outcomes", {}).get("thanked", 0)
        result.seconds_guests = round(time.monotonic() - guests_started, 2)

        if not plan.keep_faults:
            set_faults(sandbox_root, {})

        drain_started = time.monotonic()
        result.timed_out = not wait_for_drain(database_url, plan, deadline)
        result.seconds_drain = round(time.monotonic() - drain_started, 2)

        check_profiles(result, sandbox_db, plan)
        check_upstream(result, sandbox_root, plan)
        result.outbox = outbox_counts(database_url)
    finally:
        for process in reversed(running):
            processes.stop(process)

    result.seconds_total = round(time.monotonic() - started, 2)

    return result


def seed_sandbox(database: Path, plan: LoadPlan) -> None:
    """Seed the demo data and one synthetic booking per guest."""
    state = create_sandbox_app(
        {"SANDBOX_DATABASE": str(database), "SANDBOX_SEED": True}
    ).extensions["sandbox"]
    connection = store.connect(state.database)
    try:
        guests = synthetic_guests(plan.guests, plan.first_booking_id)
        seed_synthetic(connection, state.campaigns, guests)
    finally:
        connection.close()


def app_environment(sandbox_root: str, database_url: str) -> dict[str, str]:
    """Configure the app as production would be, pointed at the sandbox.

    The per-address lookup limit is raised because every guest comes from
    127.0.0.1; the per-booking limit keeps its default.
    """
    return {
        "ANYROAD_API_URL": sandbox_root + "/external/api/v1",
        "ANYROAD_API_KEY": demo.DEMO_API_KEY,
        "ANYROAD_CONNECT_TIMEOUT": "2",
        "ANYROAD_READ_TIMEOUT": "10",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "OUTBOX_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "LOOKUP_LIMIT_PER_IP": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_LEVEL": "INFO",
    }


def set_faults(sandbox_root: str, plan: dict) -> None:
    """Replace the sandbox's fault plan over its control endpoint."""
    response = requests.post(f"{sandbox_root}/_sandbox/faults", json=plan, timeout=5)
    response.raise_for_status()


def init_outbox(env: dict, workdir: Path) -> None:
    """Create the outbox table once, before four workers race to."""
    with open(workdir / "init-db.log", "wb") as output:
        subprocess.run(
            [processes.PYTHON, "-m", "flask", "--app", "app", "outbox", "init-db"],
            cwd=processes.ROOT,
            env={**os.environ, "PYTHONPATH": str(processes.ROOT), **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=60,
        )


def run_guest_process(url: str, plan: LoadPlan, time_left: float, workdir: Path):
    """Run the load generator in its own process and read its summary."""
    time_limit = max(time_left - 5, 1)
    command = [
        processes.PYTHON,
        "-m",
        "tests.load.guests",
        "--url",
        url,
        "--count",
        str(plan.guests),
        "--first-id",
        str(plan.first_booking_id),
        "--threads",
        str(plan.threads),
        "--time-limit",
        str(time_limit),
    ]
    with open(workdir / "guests.log", "wb") as errors:
        finished = subprocess.run(
            command,
            cwd=processes.ROOT,
            env={**os.environ, "PYTHONPATH": str(processes.ROOT)},
            stdout=subprocess.PIPE,
            stderr=errors,
            timeout=time_limit + 30,
            check=False,
        )

    try:
        return json.loads(finished.stdout)
    except json.JSONDecodeError:
        return {"outcomes": {}, "error": processes.tail(workdir / "guests.log")}


def wait_for_drain(database_url: str, plan: LoadPlan, deadline: float) -> bool:
    """Wait until no submission is pending; tell whether that happened in time.

    With ``fast_retries`` the backoff's waits are cut short: rows waiting
    for their next attempt, and held by no worker, are made due now, and
    the hold after a send the upstream may still apply is lifted. The
    worker still claims, sends and records each one as it always does; only
    the 15 s to 1 h pauses are skipped, so a short test can see several
    rounds of retries.
    """
    engine = make_engine(database_url)
    try:
        while time.monotonic() < deadline:
            if outbox_counts(database_url, engine).get(PENDING, 0) == 0:
                return True

            if plan.fast_retries:
                make_waiting_rows_due(engine)
            time.sleep(0.5)
    finally:
        engine.dispose()

    return False


def make_waiting_rows_due(engine) -> None:
    """Make every pending row no worker owns due now, and lift its hold."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            update(submissions)
            .where(
                and_(
                    submissions.c.state == PENDING,
                    submissions.c.claim_token.is_(None),
                    or_(
                        submissions.c.next_attempt_at > now,
                        submissions.c.lease_until.is_not(None),
                    ),
                )
            )
            .values(next_attempt_at=now, lease_until=None)
        )


def outbox_counts(database_url: str, engine=None) -> dict[str, int]:
    """Count the outbox's rows per state."""
    own = engine is None
    engine = engine or make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(submissions.c.state, func.count()).group_by(submissions.c.state)
            ).all()
    finally:
        if own:
            engine.dispose()

    return {state: number for state, number in rows}


def check_profiles(result: LoadResult, sandbox_db: Path, plan: LoadPlan) -> None:
    """Read every synthetic profile from the sandbox's database and compare."""
    connection = store.connect(str(sandbox_db))
    try:
        for guest in synthetic_guests(plan.guests, plan.first_booking_id):
            profile = store.find_profile(
                connection, demo.DEMO_ACCOUNT_ID, guest.profile_id
            )
            if profile and profile.data_set == answers_for(guest.booking_id):
                result.stored_right += 1
            else:
                result.wrong.append(guest.booking_id)
    finally:
        connection.close()


def check_upstream(result: LoadResult, sandbox_root: str, plan: LoadPlan) -> None:
    """Read what the sandbox received: never two bodies for one profile."""
    stats = requests.get(f"{sandbox_root}/_sandbox/stats", timeout=10).json()
    patches = stats["patches"]
    result.patches_received = sum(seen["received"] for seen in patches.values())
    result.applied_twice = sum(1 for seen in patches.values() if seen["applied"] > 1)
    result.two_bodies = [
        profile for profile, seen in patches.items() if len(seen["bodies"]) > 1
    ]
    result.faults = stats["faults"]


def report(result: LoadResult) -> str:
    """Describe the run in a few lines for a person."""
    guests = result.guest_summary
    timing = (
        f"seconds: guests {result.seconds_guests}, drain {result.seconds_drain}, "
        f"total {result.seconds_total}"
    )
    lines = [
        (
            f"guests: {result.guests}, thanked: {result.thanked}, "
            f"profiles with the right answers: {result.stored_right}"
        ),
        (
            f"profiles sent two different bodies: {len(result.two_bodies)}; "
            "applied more than once (same body, after apply-then-drop): "
            f"{result.applied_twice}"
        ),
        (
            f"PATCHes received by the sandbox: {result.patches_received}; "
            f"faults injected: {result.faults}"
        ),
        f"outbox at the end: {result.outbox}",
        (
            f"guest outcomes: {guests.get('outcomes')}; "
            f"latency ms: {json.dumps(guests.get('latency_ms'))}"
        ),
        timing + (" (TIMED OUT)" if result.timed_out else ""),
        "PASSED" if result.passed else f"FAILED; wrong bookings: {result.wrong[:20]}",
    ]

    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line; exit 1 when it fails."""
    parser = argparse.ArgumentParser(
        prog="scripts/loadtest",
        description="Guests submit through gunicorn while the sandbox fails "
        "PATCHes; checks every answer arrived, once.",
    )
    defaults = LoadPlan()
    parser.add_argument("--guests", type=int, default=defaults.guests)
    parser.add_argument("--workers", type=int, default=defaults.gunicorn_workers)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--error-rate", type=float, default=defaults.error_rate)
    parser.add_argument(
        "--apply-then-drop-rate", type=float, default=defaults.apply_then_drop_rate
    )
    parser.add_argument("--seed", type=int, default=defaults.fault_seed)
    parser.add_argument(
        "--database-url", default="", help="outbox store (default: SQLite in --dir)"
    )
    parser.add_argument(
        "--keep-faults",
        action="store_true",
        help="keep failing PATCHes while the worker drains the outbox",
    )
    parser.add_argument(
        "--fast-retries",
        action="store_true",
        help="skip the backoff waits (the worker still does every retry)",
    )
    parser.add_argument("--timeout", type=float, default=defaults.timeout)
    parser.add_argument("--dir", help="keep logs and databases here")
    args = parser.parse_args(argv)

    plan = LoadPlan(
        guests=args.guests,
        gunicorn_workers=args.workers,
        threads=args.threads,
        error_rate=args.error_rate,
        apply_then_drop_rate=args.apply_then_drop_rate,
        fault_seed=args.seed,
        database_url=args.database_url,
        keep_faults=args.keep_faults,
        fast_retries=args.fast_retries,
        timeout=args.timeout,
    )
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="guestform-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        parser.error(f"--dir {workdir} is not empty; give a new or empty folder.")
    result = run_load(plan, workdir)
    print(report(result))
    (workdir / "result.json").write_text(json.dumps(asdict(result), indent=2))
    print(f"logs and result.json: {workdir}")

    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())

"""Measure guestform against its own ceiling and print one table (issue 6).

    .venv/bin/python bench/run.py            # full run, about three minutes
    .venv/bin/python bench/run.py --quick    # under a minute
    .venv/bin/python bench/run.py --json results.json

Starts the sandbox and two gunicorn apps (2 sync workers each) on
loopback, loads them from a separate, pinned load generator, and prints
the table described in docs/benchmark.md. Targets are reported, never
asserted: absolute numbers depend on the machine, the ratios are what
count.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make the repository importable, as gunicorn does.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fifty, measure
from bench.stack import WORKERS, Stack, resident_kib

TARGETS = {
    "handwritten_ratio": 0.9,
    "static_ratio": 0.5,
    "added_p50_ms": 2.0,
    "added_p99_ms": 10.0,
}


@dataclass(frozen=True)
class Plan:
    """How long and how often to measure."""

    name: str
    rounds: int
    seconds: int
    lookup_samples: int
    submit_samples: int
    build_repeats: int
    connections: int = 4


PLANS = {
    "full": Plan(
        "full",
        rounds=5,
        seconds=5,
        lookup_samples=1000,
        submit_samples=300,
        build_repeats=20,
    ),
    "quick": Plan(
        "quick",
        rounds=3,
        seconds=2,
        lookup_samples=200,
        submit_samples=60,
        build_repeats=5,
    ),
    # One short round of everything: proves the pieces work (tests/bench).
    "smoke": Plan(
        "smoke",
        rounds=1,
        seconds=1,
        lookup_samples=15,
        submit_samples=5,
        build_repeats=2,
    ),
}


def machine() -> dict[str, Any]:
    """Describe the machine the numbers came from."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def run(plan: Plan, loadgen: str, folder: Path) -> dict[str, Any]:
    """Start everything, measure, stop everything; give the raw results."""
    load = measure.LoadGenerator(plan.connections, prefer_wrk=loadgen != "python")
    if loadgen == "wrk" and not load.wrk:
        raise SystemExit(
            "wrk is not installed; run bench/setup, or use --loadgen python."
        )

    started = time.monotonic()
    with Stack(folder) as stack:
        parity = measure.compare_pages(stack.pages.url)
        guest = measure.GuestSession(stack.guest.url, stack.api_url)
        lookup_body = "&".join(f"{k}={v}" for k, v in _urlencoded(guest.lookup_body()))
        page_workers = stack.pages.worker_pids()
        pages = {
            name: (f"{stack.pages.url}/bench/{name}", "", page_workers)
            for name in ("generated", "handwritten", "static")
        }
        lookup_url = f"{stack.guest.url}/f/{measure.LOOKUP_SLUG}"
        lookup = {"lookup": (lookup_url, lookup_body, stack.guest.worker_pids())}

        # Warm every worker (templates compile on first use), then count.
        for url, body, _ in [*pages.values(), *lookup.values()]:
            load.run(url, 1, body, folder)
        before = {
            "pages": measure.read_counters(stack.pages.url, WORKERS),
            "guest": measure.read_counters(stack.guest.url, WORKERS),
        }

        throughput = measure.throughput_rounds(
            load, pages, plan.rounds, plan.seconds, folder
        )
        throughput.update(
            measure.throughput_rounds(load, lookup, plan.rounds, plan.seconds, folder)
        )
        latency = {
            "lookup": measure.lookup_latency(guest, plan.lookup_samples),
            "submit": measure.submit_latency(guest, plan.submit_samples),
        }

        after = {
            "pages": measure.read_counters(stack.pages.url, WORKERS),
            "guest": measure.read_counters(stack.guest.url, WORKERS),
        }
        memory = {
            name: {pid: resident_kib(pid) for pid in process.worker_pids()}
            for name, process in (("guest", stack.guest), ("pages", stack.pages))
        }

    build = fifty.time_build(folder, plan.build_repeats)

    return {
        "plan": asdict(plan),
        "load_generator": load.name,
        "workers": WORKERS,
        "machine": machine(),
        "parity": parity,
        "throughput": throughput,
        "latency": latency,
        "work": {
            app: measure.per_request_work(before[app], after[app]) for app in before
        },
        "build": build,
        "memory_kib": memory,
        "seconds": time.monotonic() - started,
    }


def _urlencoded(fields: dict[str, str]):
    from urllib.parse import quote_plus

    return [(quote_plus(k), quote_plus(v)) for k, v in fields.items()]


def judge(results: dict[str, Any]) -> list[tuple[str, bool]]:
    """Compare the results with the issue's targets; give (target, met)."""
    rates = results["throughput"]
    generated = rates["generated"]["median_rps"]
    verdicts = [
        (
            "generated >= 0.9 x hand-written",
            generated
            >= TARGETS["handwritten_ratio"] * rates["handwritten"]["median_rps"],
        ),
        (
            "generated >= 0.5 x static",
            generated >= TARGETS["static_ratio"] * rates["static"]["median_rps"],
        ),
    ]
    for step in ("lookup", "submit"):
        latency = results["latency"][step]
        verdicts.append(
            (f"{step} added p50 < 2 ms", latency["added_p50"] < TARGETS["added_p50_ms"])
        )
        verdicts.append(
            (
                f"{step} added p99 < 10 ms",
                latency["added_p99"] < TARGETS["added_p99_ms"],
            )
        )
    clean = all(
        not any(work["during_load"].values()) and work["same_form_classes"]
        for work in results["work"].values()
    )
    verdicts.append(("no per-campaign work per request", clean))

    return verdicts


def format_table(results: dict[str, Any]) -> str:
    """Lay the results out as one Markdown table, with a heading."""
    rates = results["throughput"]
    generated = rates["generated"]["median_rps"]
    verdicts = dict(judge(results))
    met = {True: "met", False: "MISSED"}
    parity = results["parity"]
    rows = []

    def row(
        measure_name: str,
        value: str,
        baseline: str = "",
        ratio: str = "",
        target: str = "",
        verdict: str = "",
    ) -> None:
        rows.append(
            f"| {measure_name} | {value} | {baseline} | {ratio} "
            f"| {target} | {verdict} |"
        )

    def rate(name: str) -> str:
        result = rates[name]
        return (
            f"{result['median_rps']:,.0f} req/s, {result['median_cpu_ms']:.2f} ms CPU"
        )

    row(
        f"Form page, generated (group-booking, {parity['controls']} controls, "
        f"{parity['bytes']['generated']:,} B)",
        rate("generated"),
    )
    for name, label, key in (
        ("handwritten", "hand-written WTForms, same template", "handwritten_ratio"),
        ("static", "static page, same bytes", "static_ratio"),
    ):
        baseline = rates[name]["median_rps"]
        by_cpu = rates[name]["median_cpu_ms"] / rates["generated"]["median_cpu_ms"]
        row(
            f"  vs {label}",
            "",
            rate(name),
            f"{generated / baseline:.2f}x (by CPU {by_cpu:.2f}x)",
            f">= {TARGETS[key]}x",
            met[generated >= TARGETS[key] * baseline],
        )
    row(
        "  markup: generated vs hand-written",
        "identical"
        if parity["differences"] == 0
        else f"{parity['differences']} differences",
        f"{parity['elements']} elements",
    )
    row("Lookup end to end (POST /f/tasting-follow-up)", rate("lookup"))

    for step, upstream in (("lookup", "search"), ("submit", "PATCH")):
        latency = results["latency"][step]
        for cut in ("p50", "p99"):
            limit = TARGETS[f"added_{cut}_ms"]
            row(
                f"{step.title()} added latency {cut} ({latency['samples']} samples)",
                f"{latency[f'full_{cut}']:.2f} ms full",
                f"{latency[f'direct_{cut}']:.2f} ms {upstream} direct",
                f"+{latency[f'added_{cut}']:.2f} ms",
                f"< {limit:g} ms",
                met[verdicts[f"{step} added {cut} < {limit:g} ms"]],
            )
        row(
            f"  stack floor p50 / p99: bare Flask route relaying the {upstream}"
            " (floor minus direct, per round)",
            f"{latency['floor_p50']:.2f} / {latency['floor_p99']:.2f} ms",
            f"{upstream} direct",
            f"{latency['floor_added_p50']:+.2f} / {latency['floor_added_p99']:+.2f} ms",
        )
        row(
            "  guestform's own share p50 / p99 (app minus floor, per round)",
            "",
            "",
            f"{latency['own_p50']:+.2f} / {latency['own_p99']:+.2f} ms",
        )

    build = results["build"]
    row(
        f"Build form class, {build['questions']}-question model",
        f"{build['build_ms']:.2f} ms",
        f"{build['read_ms']:.2f} ms to read the file",
        "",
        "once per campaign",
    )
    for app in ("pages", "guest"):
        work = results["work"][app]
        during = work["during_load"]
        row(
            f"  per-campaign work during {work['forms_made']:,} forms made ({app} app)",
            ", ".join(f"{name} {n}" for name, n in during.items()),
            f"build_form x{work['build_form_at_start']} at start, per worker",
            "same form classes" if work["same_form_classes"] else "CLASSES REBUILT",
            "all 0",
            met[not any(during.values()) and work["same_form_classes"]],
        )

    for app in ("guest", "pages"):
        sizes = [kib for kib in results["memory_kib"][app].values() if kib]
        row(
            f"Worker resident memory after the run ({app} app)",
            f"{max(sizes) / 1024:.1f} MiB" if sizes else "n/a",
            " / ".join(f"{kib / 1024:.1f}" for kib in sizes) + " MiB per worker",
        )

    errors = sum(result["errors"] for result in rates.values())
    info = results["machine"]
    plan = results["plan"]
    heading = [
        (
            f"guestform benchmark ({plan['name']}): {plan['rounds']} rounds x "
            f"{plan['seconds']} s per page, median; gunicorn {results['workers']} "
            f"sync workers per app; load: {results['load_generator']}"
        ),
        (
            f"machine: {info['cpus']} CPUs, {info['cpu_model']}, "
            f"Python {info['python']}, {info['system']}; "
            f"failed requests under load: {errors}; took {results['seconds']:.0f} s"
        ),
        "",
        "| Measure | Result | Baseline | Ratio / added | Target | |",
        "|---|---|---|---|---|---|",
    ]
    summary = [
        "",
        "Targets: " + "; ".join(f"{name}: {met[ok]}" for name, ok in judge(results)),
    ]

    return "\n".join(heading + rows + summary)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the plan, print the table."""
    parser = argparse.ArgumentParser(description="Benchmark guestform (issue 6).")
    parser.add_argument("--quick", action="store_const", dest="plan", const="quick")
    parser.add_argument(
        "--smoke",
        action="store_const",
        dest="plan",
        const="smoke",
        help="one short round of each piece (for tests)",
    )
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto uses wrk when installed",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run folder (logs, databases) and print its path",
    )
    parser.set_defaults(plan="full")
    args = parser.parse_args(argv)
    # A plain SIGTERM would skip the clean-up that stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    folder = Path(tempfile.mkdtemp(prefix="guestform-bench-"))
    try:
        results = run(PLANS[args.plan], args.loadgen, folder)
    finally:
        if args.keep:
            print(f"Run folder: {folder}", file=sys.stderr)
        else:
            _remove(folder)

    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))

    return 0


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

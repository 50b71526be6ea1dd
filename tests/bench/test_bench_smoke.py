"""The benchmark's pieces run end to end (issue 6); timings are not judged.

One short round of ``bench/run.py --smoke`` starts the sandbox and both
gunicorn apps, loads them and measures every row of the table. The test
checks that each row holds a real measurement, that the hand-written form
shows the same controls as the generated one, and that no per-campaign
work ran while requests were served: counts, not speeds, so a busy
machine cannot fail it.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fifty import count_questions, fifty_question_campaign
from bench.measure import parse_wrk, percentile
from forms.campaign import Campaign
from forms.generator import build_form

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Run the smoke plan once with the Python load generator."""
    output = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--smoke",
            "--loadgen",
            "python",
            "--json",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    return done.stdout, json.loads(output.read_text())


def test_table_has_a_row_for_every_measure(smoke):
    table, _ = smoke

    for label in (
        "Form page, generated",
        "vs hand-written WTForms",
        "vs static page",
        "Lookup end to end",
        "Lookup added latency p50",
        "Submit added latency p99",
        "stack floor p50 / p99: bare Flask route relaying the search",
        "stack floor p50 / p99: bare Flask route relaying the PATCH",
        "guestform's own share p50 / p99",
        "Build form class, 50-question model",
        "per-campaign work during",
        "Worker resident memory",
    ):
        assert label in table
    assert table.count("\n|") >= 16


def test_every_page_was_served_without_failures(smoke):
    _, results = smoke

    for name in ("generated", "handwritten", "static", "lookup"):
        rate = results["throughput"][name]
        assert rate["median_rps"] > 0
        assert rate["errors"] == 0


def test_handwritten_form_shows_the_generated_markup(smoke):
    _, results = smoke

    parity = results["parity"]
    assert parity["differences"] == 0
    assert parity["controls"] >= 10
    # Same page; only the signed state token's length varies by a byte or two.
    assert abs(parity["bytes"]["static"] - parity["bytes"]["generated"]) < 16


@pytest.mark.parametrize("step", ["lookup", "submit"])
def test_latency_of_each_step_is_measured_against_the_upstream(smoke, step):
    _, results = smoke

    latency = results["latency"][step]
    assert latency["samples"] > 0
    assert latency["full_p50"] > 0 and latency["direct_p50"] > 0
    assert latency["added_p50"] == pytest.approx(
        latency["full_p50"] - latency["direct_p50"]
    )


@pytest.mark.parametrize("step", ["lookup", "submit"])
def test_added_latency_is_split_into_the_stacks_share_and_ours(smoke, step):
    _, results = smoke

    latency = results["latency"][step]
    for cut in ("p50", "p99"):
        assert latency[f"floor_{cut}"] > 0
        assert latency[f"floor_added_{cut}"] < latency[f"floor_{cut}"]
    # Both shares come from paired rounds, so they need not add up to the
    # added time exactly, but neither can exceed the request it is part of.
    assert latency["own_p50"] < latency["full_p50"]
    assert latency["own_p50"] <= latency["own_p99"]


@pytest.mark.parametrize("app", ["pages", "guest"])
def test_no_form_is_built_while_requests_are_served(smoke, app):
    _, results = smoke

    work = results["work"][app]
    assert work["forms_made"] > 0
    assert work["build_form_at_start"] == work["campaigns"]
    assert work["same_form_classes"]
    assert set(work["during_load"].values()) == {0}


def test_every_worker_reports_its_memory(smoke):
    _, results = smoke

    for app in ("guest", "pages"):
        sizes = list(results["memory_kib"][app].values())
        assert len(sizes) == results["workers"]
        assert all(size > 10_000 for size in sizes)


def test_fifty_question_model_builds_a_fifty_question_form():
    raw = fifty_question_campaign()
    campaign = Campaign(
        slug="fifty", name=raw["name"], data_model=raw["data_model"], ui=raw["ui"]
    )

    assert count_questions(build_form(campaign)) == 50


@pytest.mark.parametrize(
    "samples, share, expected",
    [([5.0], 0.99, 5.0), ([1, 2, 3, 4], 0.5, 2), (list(range(1, 101)), 0.99, 99)],
)
def test_percentile_uses_the_nearest_rank(samples, share, expected):
    assert percentile(samples, share) == expected


def test_wrk_summary_is_read_with_its_errors():
    output = (
        "  1000 requests in 2.00s, 7.00MB read\n"
        "  Socket errors: connect 0, read 3, write 0, timeout 1\n"
        "  Non-2xx or 3xx responses: 10\n"
        "Requests/sec:    500.00\n"
    )

    result = parse_wrk(output)

    assert result["requests"] == 1000
    assert result["errors"] == 14
    assert result["rps"] == pytest.approx(495.0)

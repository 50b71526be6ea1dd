"""The load test, small enough for the normal suite.

200 guests through gunicorn with 4 workers, against a sandbox process that
answers a fifth of PATCHes with 503 and applies then drops some more, for
the whole run: the worker's retries meet the same faults the guests did.
The backoff's pauses are cut short (``fast_retries``) so that several
rounds of retries fit in seconds. scripts/loadtest runs the full 1,000.
"""

from __future__ import annotations

import pytest

from tests.load.harness import LoadPlan, report, run_load

pytestmark = pytest.mark.slow


def test_every_guest_answer_arrives_once_while_the_upstream_fails_patches(tmp_path):
    plan = LoadPlan(
        guests=200,
        gunicorn_workers=4,
        threads=8,
        keep_faults=True,
        fast_retries=True,
        timeout=60,
    )

    result = run_load(plan, tmp_path)

    assert result.passed, report(result)
    assert result.outbox == {"delivered": 200}
    assert result.two_bodies == []
    assert result.faults.get("error", 0) > 0, "the sandbox injected no 503"
    assert result.patches_received > 200

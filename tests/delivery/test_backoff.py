import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delivery.backoff import RetryPolicy

POLICY = RetryPolicy(base=30, factor=2, cap=3600, max_attempts=50)


@pytest.mark.parametrize(
    ("attempt", "least", "most"),
    [
        (1, 15, 30),
        (2, 30, 60),
        (3, 60, 120),
        (7, 960, 1920),
        (8, 1800, 3600),
        (20, 1800, 3600),
    ],
)
def test_delay_doubles_per_attempt_until_the_cap(attempt, least, most):
    assert POLICY.delay(attempt, lambda: 0.0).total_seconds() == least
    assert POLICY.delay(attempt, lambda: 0.999999).total_seconds() == pytest.approx(
        most, rel=1e-5
    )


def test_jitter_spreads_retries_of_the_same_attempt():
    rand = random.Random(7).random

    delays = {POLICY.delay(3, rand).total_seconds() for _ in range(20)}

    assert len(delays) == 20


def test_same_random_seed_gives_the_same_schedule():
    def schedule(seed):
        rand = random.Random(seed).random
        return [POLICY.delay(n, rand) for n in range(1, 12)]

    assert schedule(3) == schedule(3)
    assert schedule(3) != schedule(4)


@given(attempt=st.integers(min_value=1, max_value=10_000), roll=st.floats(0, 1))
def test_delay_stays_within_half_and_all_of_the_capped_ceiling(attempt, roll):
    seconds = POLICY.delay(attempt, lambda: roll).total_seconds()

    ceiling = min(3600, 30 * 2 ** min(attempt - 1, 20))
    assert ceiling / 2 <= seconds <= ceiling


@pytest.mark.parametrize(("attempt", "expected"), [(1, False), (49, False), (50, True)])
def test_policy_gives_up_at_the_last_allowed_attempt(attempt, expected):
    assert POLICY.should_give_up(attempt) is expected

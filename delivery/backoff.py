"""When to try a delivery again after the upstream was unavailable.

The delay doubles with each attempt up to a cap, and a random part spreads
the retries: after an outage, rows queued in the same minute would
otherwise all hit the recovering upstream in the same second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, and a limit on attempts.

    The delay after attempt ``n`` is drawn between half and all of
    ``min(cap, base * factor ** (n - 1))``, so it never collapses to zero
    and never exceeds the cap.
    """

    base: float = 30.0
    factor: float = 2.0
    cap: float = 3600.0
    max_attempts: int = 50

    def delay(self, attempt: int, rand: Callable[[], float]) -> timedelta:
        """Tell how long to wait after the given failed attempt.

        :param attempt: the attempt that just failed, counted from 1.
        :param rand: a source of floats in [0, 1), e.g. ``random.random``;
            tests pass a fixed one.
        """
        exponent = max(attempt - 1, 0)
        ceiling = self.cap
        if exponent < 64:
            ceiling = min(self.cap, self.base * self.factor**exponent)

        return timedelta(seconds=ceiling * (0.5 + 0.5 * rand()))

    def should_give_up(self, attempt: int) -> bool:
        """Tell whether the attempt that just failed was the last allowed."""
        return attempt >= self.max_attempts

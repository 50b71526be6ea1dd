"""Rate limits on the lookup step, so nobody can fish for bookings.

Two limits apply to each lookup post: one per client address, one per
booking number whatever the address, so a botnet cannot walk the surnames
of one booking either. The counters live in memory by default and in Redis
when ``RATELIMIT_STORAGE_URI`` names one (several processes or machines).

A refused guest is told how long the breached limit stays closed, read
from its counter; a fixed "a few minutes" was wrong for an hourly limit.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

from guest.lookup import booking_number_searched

log = logging.getLogger(__name__)

limiter = Limiter(key_func=get_remote_address, headers_enabled=False)
LIMITED = "is_rate_limited"


class SweptMemoryStorage(MemoryStorage):
    """The ``limits`` in-memory counters, freed by one long-lived thread.

    ``MemoryStorage`` frees expired counters from a 10 ms timer thread,
    and on a hit it starts a new one whenever the last has ended. Lookups
    come more than 10 ms apart nearly always, so nearly every lookup paid
    for starting a thread: 0.25 ms at the median and over 0.5 ms one time
    in ten (docs/benchmark.md, sixth round). A counter is judged expired
    when it is read, so freeing it is only about memory: one daemon thread
    per process does that every ``SWEEP_SECONDS``.
    """

    STORAGE_SCHEME = ["guestform-memory"]
    URI = "guestform-memory://"
    SWEEP_SECONDS = 5.0

    def __init__(self, uri: str | None = None, **options: str) -> None:
        super().__init__(uri, **options)
        self._sweeper_pid: int | None = None
        self._sweeper_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        # Replaces the library's private per-hit scheduling (see above).
        # The pid check starts the thread again in a forked worker, which
        # inherits the storage but not its parent's threads.
        if self._sweeper_pid == os.getpid():
            return

        with self._sweeper_lock:
            if self._sweeper_pid != os.getpid():
                self._start_sweeper()
                self._sweeper_pid = os.getpid()

    def _start_sweeper(self) -> None:
        storage = weakref.ref(self)
        interval = self.SWEEP_SECONDS

        def sweep_while_in_use() -> None:
            while True:
                time.sleep(interval)
                alive = storage()
                if alive is None:
                    return
                try:
                    alive._MemoryStorage__expire_events()
                except Exception:
                    # A lookup can drop an expired counter between the
                    # sweep's list of keys and its look at one (KeyError).
                    # The next sweep finishes the work; a dead sweeper
                    # would leave every later counter in memory for good.
                    log.debug("A rate-limit sweep stopped early", exc_info=True)
                del alive

        threading.Thread(
            target=sweep_while_in_use, name="rate-limit-sweeper", daemon=True
        ).start()


def init_app(app: Flask) -> None:
    """Set up the lookup limiter; ``memory://`` counts in swept memory."""
    if app.config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = SweptMemoryStorage.URI

    limiter.init_app(app)


def limit_lookups(view: Callable) -> Callable:
    """Count a view's POSTs against both lookup limits.

    Flask-Limiter checks the innermost of its stacked decorators once, with
    every limit they declare.
    """
    limited = limiter.limit(per_ip_limit, methods=["POST"])(
        limiter.limit(per_booking_limit, key_func=booking_key, methods=["POST"])(view)
    )
    setattr(limited, LIMITED, True)

    return limited


@limiter.request_filter
def has_no_limits() -> bool:
    """Tell whether this request's view carries no limit at all.

    Flask-Limiter looks up the limits of every request before its view
    runs, even for views that have none; guestform sets no default limits,
    so those requests (form pages, answers, health checks) skip it.
    """
    view = current_app.view_functions.get(request.endpoint or "")

    return not getattr(view, LIMITED, False)


def per_ip_limit() -> str:
    """Return the configured per-address lookup limit."""
    return current_app.config["LOOKUP_LIMIT_PER_IP"]


def per_booking_limit() -> str:
    """Return the configured per-booking lookup limit."""
    return current_app.config["LOOKUP_LIMIT_PER_BOOKING"]


def booking_key() -> str:
    """Key the per-booking counter by a digest, not the booking number.

    The key is the number the search is made for: "#01234", "١٢٣٤" and
    "1234" find the same booking, so they count against one limit, or
    leading zeros, spaces and digits of other scripts would multiply the
    tries a guesser gets. Nothing is cut before that: a cut made "0001234"
    count as booking 123, locking its guest out.
    """
    searched = booking_number_searched(request.form.get("booking_id", ""))
    digest = hashlib.sha256(searched.encode("utf-8", "replace")).hexdigest()[:20]

    return f"booking:{digest}"


def seconds_until_retry(error: RateLimitExceeded) -> int:
    """Return how many whole seconds the breached limit stays closed.

    Flask-Limiter records the breached limit of this request with the key
    it was counted under, so its window gives the real reset time. Only
    that limit is read: Flask-Limiter stops at the first breach, so a
    longer limit it never reached may still refuse the next try.
    """
    window = int(error.limit.limit.get_expiry())
    breached = limiter.current_limit
    if breached is None or not breached.breached:
        return window

    try:
        reset_at = breached.window.reset_time
    except Exception:
        # The storage failed between counting and this read; Flask-Limiter
        # swallows the same errors. The whole window never sends a guest
        # back too early.
        log.warning("Could not read the rate-limit window; assuming all of it")
        return window

    return min(window, max(1, math.ceil(reset_at - time.time())))


def describe_wait(seconds: int) -> str:
    """Put a wait into rough words for the guest, rounded up.

    Rounding up means "about 40 minutes" is never shorter than the wait,
    so a guest who trusts it is not refused again.
    """
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"

    hours = math.ceil(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"

"""One deadline for a whole upstream call, kept by a watchdog thread.

``requests`` bounds each wait for bytes, not a call. ``http.client``
reads the status line, the headers, chunk sizes and trailers a line at a
time, waiting again for every byte, and a gzip body can be read for long
without a byte coming out. An upstream, or a proxy in front of it, that
sends a byte every few seconds could hold a call for as long as it liked:
past gunicorn's worker timeout, which killed the worker and showed the
guest a bare error page, or past an outbox lease (case C10).

So each call gets a deadline. The connections of the client's session
report the socket they read an answer from, and when the deadline passes
the watchdog shuts that socket down: whatever read was waiting returns at
once, and ``requests`` raises as for a dropped connection. A call that
ends in time leaves its socket alone, to be kept alive in the pool.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Deadline:
    """When one call must be over, and the sockets it reads from."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.passed = False
        self._ended = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (now, if it has)."""
        with self._lock:
            if not self.passed:
                self._sockets.append(sock)
                return

        _shut_down(sock)

    def expire(self) -> None:
        """Cut the call off, unless it has ended."""
        with self._lock:
            if self._ended:
                return
            self.passed = True
            sockets, self._sockets = self._sockets, []

        for sock in sockets:
            _shut_down(sock)

    def end(self) -> None:
        """The call is over; its sockets may serve the next call."""
        with self._lock:
            self._ended = True
            self._sockets = []


def _shut_down(sock: socket.socket) -> None:
    # Shut down, not closed: the reading thread still owns the descriptor,
    # and a closed number could be given to another socket meanwhile. The
    # plain socket's method, also for TLS: SSLSocket.shutdown drops the
    # TLS state under the reading thread's feet.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its reader


class Watchdog:
    """One thread per process that cuts off calls past their deadline.

    Ended calls stay queued until their time comes and are skipped then,
    so a call in time costs a heap push and, at most, one wake-up.
    """

    def __init__(self) -> None:
        self._queue: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._pid: int | None = None

    def add(self, deadline: Deadline) -> None:
        with self._changed:
            if self._pid != os.getpid():
                self._start()
            earliest = self._queue[0][0] if self._queue else None
            heapq.heappush(self._queue, (deadline.at, next(self._order), deadline))
            if earliest is None or deadline.at < earliest:
                self._changed.notify()

    def _start(self) -> None:
        self._pid = os.getpid()
        threading.Thread(
            target=self._run, name="anyroad-deadlines", daemon=True
        ).start()

    def _run(self) -> None:
        while True:
            with self._changed:
                due = self._take_due()
                if not due:
                    self._changed.wait(self._wait())
                    continue

            for deadline in due:
                deadline.expire()

    def _take_due(self) -> list[Deadline]:
        now = time.monotonic()
        due = []
        while self._queue and self._queue[0][0] <= now:
            due.append(heapq.heappop(self._queue)[2])

        return due

    def _wait(self) -> float | None:
        return self._queue[0][0] - time.monotonic() if self._queue else None


_watchdog = Watchdog()
_current: ContextVar[Deadline | None] = ContextVar("anyroad_deadline", default=None)


def _new_watchdog() -> None:
    # A forked child has none of its parent's threads, and the parent's
    # lock may have been held at the fork: start again from nothing.
    global _watchdog
    _watchdog = Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_watchdog)


@contextmanager
def deadline_for_call(seconds: float) -> Iterator[Deadline]:
    """Give the calls made inside the block ``seconds`` in all."""
    deadline = Deadline(seconds)
    _watchdog.add(deadline)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
        deadline.end()


class _Watched:
    """A urllib3 connection that shows the current call's deadline its socket."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = _current.get()
        if deadline is not None and self.sock is not None:
            deadline.watch(self.sock)

        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


WATCHED_POOLS = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections a deadline can cut off."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager

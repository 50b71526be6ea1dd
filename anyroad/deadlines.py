"""One deadline for a whole upstream call, kept by a watchdog thread.

``requests`` bounds each wait for bytes, not a call. ``http.client``
reads the status line, the headers, chunk sizes and trailers a line at a
time, waiting again for every byte, and a gzip body can be read for long
without a byte coming out. An upstream, or a proxy in front of it, that
sends a byte every few seconds could hold a call for as long as it liked:
past gunicorn's worker timeout, which killed the worker and showed the
guest a bare error page, or past an outbox lease (case C10).

So each call gets a deadline. The connections of the client's session
report their socket when it connects (a proxy's answer to CONNECT is read
then) and when they read an answer, and when the deadline passes the
watchdog shuts that socket down: whatever read was waiting returns at
once, and ``requests`` raises as for a dropped connection. A connection
that goes back to the pool in time is released first, so a call that ends
in time leaves its socket alone, to be kept alive for the next call.
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
    """When one call must be over, and the sockets it reads from.

    It keeps a duplicate of each socket's descriptor, not the socket
    object: TLS takes a connected socket over by detaching it, so the
    object watched from the connect would no longer reach the connection
    while its handshake is read; the duplicate still does.
    """

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.passed = False
        self._ended = False
        self._watched: list[tuple[object, socket.socket]] = []
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket, owner: object = None) -> None:
        """Shut ``sock`` down when the deadline passes (now, if it has).

        ``owner`` is the connection the socket belongs to, so that
        ``release`` can hand it back before the call ends.
        """
        with self._lock:
            try:
                copy = _duplicate(sock)
            except (OSError, ValueError):
                return  # closed already: nothing left to cut off
            if self.passed:
                _shut_down(copy)
                copy.close()
            else:
                self._watched.append((owner, copy))

    def release(self, owner: object) -> bool:
        """Stop watching a connection going back to the pool.

        urllib3 pools a connection as soon as its answer is read, a moment
        before the call ends; another thread may take it then. Shutting it
        down after that would cut that thread's call instead.

        :returns: False when the deadline had passed: the connection was
            cut off and must not serve another call.
        """
        with self._lock:
            kept = []
            for watched_owner, copy in self._watched:
                if watched_owner is owner:
                    copy.close()
                else:
                    kept.append((watched_owner, copy))
            self._watched = kept
            return not self.passed

    def expire(self) -> None:
        """Cut the call off, unless it has ended."""
        with self._lock:
            if self._ended:
                return
            # Shut down under the lock, so that a connection is either
            # released first and left alone, or cut before it is pooled.
            self.passed = True
            for _, copy in self._watched:
                _shut_down(copy)
            self._forget()

    def end(self) -> None:
        """The call is over; its sockets may serve the next call."""
        with self._lock:
            self._ended = True
            self._forget()

    def _forget(self) -> None:
        for _, copy in self._watched:
            copy.close()  # the duplicate only; the connection stays open
        self._watched = []


def _duplicate(sock: Any) -> socket.socket:
    """Give a plain socket on a new descriptor for the same connection.

    ``sock`` may be a socket, an SSLSocket (which refuses to be
    duplicated) or urllib3's SSLTransport (TLS inside a TLS proxy tunnel);
    all of them have the descriptor, and the copy needs no TLS to be shut
    down. The kind of socket is read from the descriptor itself.
    """
    return socket.socket(fileno=os.dup(sock.fileno()))


def _shut_down(copy: socket.socket) -> None:
    # The reading thread still owns its own descriptor: shutting down acts
    # on the connection, whichever descriptor names it, and the copy is
    # plain, so no TLS state is touched under the reader's feet.
    try:
        copy.shutdown(socket.SHUT_RDWR)
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
    """A urllib3 connection that shows the current call's deadline its sockets.

    The socket is shown as soon as it is connected, so that a proxy's
    answer to CONNECT, read before any request is sent, is cut off too;
    and again when an answer is read, for a connection from the pool, or
    one whose socket TLS has since wrapped.
    """

    sock: socket.socket | None
    deadline: Deadline | None = None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self._show(sock)
        return sock

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        if self.sock is not None:
            self._show(self.sock)

        return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    def _show(self, sock: socket.socket) -> None:
        deadline = _current.get()
        if deadline is not None:
            self.deadline = deadline
            deadline.watch(sock, owner=self)


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _ReleasingPool:
    """A pool that takes a connection back from its call's deadline."""

    def _put_conn(self, conn: Any) -> None:
        deadline = getattr(conn, "deadline", None)
        if deadline is not None:
            conn.deadline = None
            if not deadline.release(conn):
                conn.close()  # cut off: the next call connects afresh

        super()._put_conn(conn)  # type: ignore[misc]


class WatchedHTTPPool(_ReleasingPool, HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(_ReleasingPool, HTTPSConnectionPool):
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

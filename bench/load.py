"""A small closed-loop HTTP load generator, for machines without wrk.

Run as its own process (``python bench/load.py URL ...``); it prints one
JSON object: requests completed, errors, status counts and requests per
second. Each of ``--connections`` threads sends a request, reads the
whole answer and starts the next, opening a new connection each time
(gunicorn's sync workers close the connection after every answer anyway).
Threads share one interpreter, so this generator is slower than wrk; the
benchmark says which one it used.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def build_request(url: str, method: str, body: bytes, content_type: str) -> bytes:
    """Write the bytes of one HTTP/1.1 request that closes its connection."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Connection: close",
        "User-Agent: guestform-bench",
    ]
    if body:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]

    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def hammer(
    address: tuple[str, int],
    request: bytes,
    deadline: float,
    statuses: Counter,
    lock: threading.Lock,
) -> None:
    """Send requests one after another until the deadline."""
    mine: Counter = Counter()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(address, timeout=10) as connection:
                connection.sendall(request)
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            head = b"".join(chunks[:1])[:16]
            mine[
                head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "bad"
            ] += 1
        except OSError:
            mine["error"] += 1

    with lock:
        statuses.update(mine)


def run(args: argparse.Namespace) -> dict:
    """Load the URL for the given time; give the counts and the rate."""
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    parts = urlsplit(args.url)
    address = (parts.hostname, parts.port or 80)
    body = args.body.encode("utf-8")
    request = build_request(args.url, args.method, body, args.content_type)
    statuses: Counter = Counter()
    lock = threading.Lock()

    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(
            target=hammer, args=(address, request, deadline, statuses, lock)
        )
        for _ in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    completed = sum(n for status, n in statuses.items() if status != "error")
    good = sum(n for status, n in statuses.items() if status[:1] in ("2", "3"))

    return {
        "requests": completed,
        "errors": statuses["error"] + completed - good,
        "statuses": dict(statuses),
        "seconds": elapsed,
        "rps": good / elapsed if elapsed else 0.0,
    }


def main() -> None:
    """Parse the command line, run the load, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--content-type", default="application/x-www-form-urlencoded")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()

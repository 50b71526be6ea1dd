"""Start and stop what the benchmark measures: the sandbox and two gunicorns.

Everything listens on loopback ports chosen free at start-up, writes its
logs into the run's folder, and is stopped (by its own pid) when the
``Stack`` closes, even after an error.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import requests
from cryptography.fernet import Fernet

from sandbox import demo

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
# The Procfile's access log format: paths without query strings.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
START_TIMEOUT = 30.0


class StackError(RuntimeError):
    """A process of the benchmark did not start; the message says which and why."""


def free_port() -> int:
    """Ask the kernel for a loopback port nobody is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    """One started process, with where it answers and where it logs."""

    name: str
    popen: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_until_ready(self, path: str) -> None:
        """Poll ``path`` until it answers 200, or stop with the log's tail."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                break
            try:
                if requests.get(self.url + path, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)

        tail = self.log.read_text(errors="replace")[-2000:]
        raise StackError(
            f"{self.name} did not answer {path} in time; its log ends:\n{tail}"
        )

    def stop(self) -> None:
        """Ask the process to stop, then insist."""
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def worker_pids(self) -> list[int]:
        """List the children of this process (gunicorn's workers)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []


def resident_kib(pid: int) -> int | None:
    """Read a process's resident memory (VmRSS) in KiB, or None if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None

    return None


@dataclass
class Stack:
    """The sandbox, the guest app and the pages app, running on loopback."""

    folder: Path
    sandbox: Process | None = None
    guest: Process | None = None
    pages: Process | None = None
    _exits: ExitStack = field(default_factory=ExitStack)

    @property
    def api_url(self) -> str:
        return self.sandbox.url + "/external/api/v1"

    def start(self) -> Stack:
        """Start the sandbox, then both apps pointed at it."""
        try:
            self.sandbox = self._spawn(
                "sandbox",
                [
                    sys.executable,
                    "-m",
                    "sandbox",
                    "--port",
                    "{port}",
                    "--db",
                    str(self.folder / "sandbox.sqlite3"),
                ],
                os.environ.copy(),
            )
            self.sandbox.wait_until_ready("/_sandbox/stats")
            environment = self.app_environment()
            self.guest = self._spawn(
                "guest", self._gunicorn("bench.wsgi:guest_app()", "guest"), environment
            )
            self.pages = self._spawn(
                "pages", self._gunicorn("bench.wsgi:pages_app()", "pages"), environment
            )
            self.guest.wait_until_ready("/healthz")
            self.pages.wait_until_ready("/bench/static")
        except BaseException:
            self.close()
            raise

        return self

    def app_environment(self) -> dict[str, str]:
        """Give the apps production-like settings, with lookup limits lifted.

        The per-address and per-booking lookup limits would refuse a load
        test within seconds; the limiter still counts every request.
        """
        environment = os.environ.copy()
        environment.update(
            {
                "ANYROAD_API_URL": self.api_url,
                "ANYROAD_API_KEY": demo.DEMO_API_KEY,
                "SECRET_KEY": os.urandom(24).hex(),
                "OUTBOX_KEY": Fernet.generate_key().decode(),
                "DATABASE_URL": f"sqlite:///{self.folder / 'outbox.sqlite3'}",
                "LOOKUP_LIMIT_PER_IP": "10000000 per minute",
                "LOOKUP_LIMIT_PER_BOOKING": "10000000 per minute",
                "LOG_LEVEL": environment.get("LOG_LEVEL", "INFO"),
                "PYTHONUNBUFFERED": "1",
            }
        )

        return environment

    def _gunicorn(self, target: str, name: str) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn",
            "--workers", str(WORKERS),
            "--worker-class", "sync",
            "--bind", "127.0.0.1:{port}",
            "--access-logformat", ACCESS_LOG_FORMAT,
            "--access-logfile", str(self.folder / f"{name}-access.log"),
            target,
        ]  # fmt: skip

    def _spawn(self, name: str, command: list[str], environment: dict) -> Process:
        port = free_port()
        log = self.folder / f"{name}.log"
        handle = self._exits.enter_context(log.open("wb"))
        popen = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=ROOT,
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        process = Process(name, popen, f"http://127.0.0.1:{port}", log)
        self._exits.callback(process.stop)

        return process

    def close(self) -> None:
        """Stop every process started, newest first."""
        self._exits.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

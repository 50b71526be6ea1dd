"""Start and stop the real processes a load or limits test talks to.

Everything binds to 127.0.0.1, writes its output to a file (a full pipe
would stall a busy server) and is stopped by its own process id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    """Ask the kernel for a loopback port nobody is using right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], log_path: Path, env: dict | None = None):
    """Run a command from the repository root, its output going to a file."""
    log_file = open(log_path, "ab")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_file = log_file
    process.log_path = log_path

    return process


def start_gunicorn(env: dict, port: int, workers: int, log_path: Path):
    """Serve ``app:create_app()`` with gunicorn, as the Procfile does."""
    command = [
        GUNICORN,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "app:create_app()",
    ]

    return start(command, log_path, env)


def start_sandbox(database: Path, port: int, log_path: Path):
    """Serve the sandbox alone on a port, from a database seeded beforehand."""
    command = [PYTHON, "-m", "sandbox", "--port", str(port), "--db", str(database)]

    return start(command, log_path)


def start_outbox_worker(env: dict, log_path: Path, poll: float = 0.5):
    """Run the outbox worker, as the Procfile's ``worker:`` line does."""
    command = [
        PYTHON,
        "-m",
        "flask",
        "--app",
        "app",
        "outbox",
        "worker",
        "--poll",
        str(poll),
    ]

    return start(command, log_path, env)


def wait_for(url: str, process, timeout: float = 20.0) -> None:
    """Wait until ``url`` answers 200, or raise with the process's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)

    raise RuntimeError(
        f"{url} did not answer within {timeout:.0f} s; the last output of "
        f"{process.args[0]} was:\n{tail(process.log_path)}"
    )


def stop(process, timeout: float = 10.0) -> None:
    """Ask a process group to stop with SIGTERM, and kill it if it lingers."""
    if process is None:
        return

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)

    process.log_file.close()


def tail(path: Path, lines: int = 30) -> str:
    """Return the end of a log file, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"

"""Deliberate misbehaviour and the record of what the sandbox received.

Tests of the client and the app need an upstream that is slow, fails,
hangs up, or hangs up after storing a PATCH (case C10), reproducibly.
Each endpoint kind draws from its own seeded random stream, so a test's
outcome does not depend on how many requests of another kind it made.
"""

from __future__ import annotations

import json
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

KINDS = ("user", "search", "get", "patch")
ERROR_STATUSES = (401, 403, 429, 500, 502, 503, 504)
RATE_KEYS = ("drop_rate", "error_rate", "garbage_rate")
KIND_KEYS = {"delay", "error_status", "apply_then_drop_rate", *RATE_KEYS}
# A day outlasts any client timeout; threading's wait cannot take the
# larger values JSON allows (1e300 overflows its clock, and 1e400 is inf).
MAX_DELAY = 86400

NORMAL = "normal"
DROP = "drop"
ERROR = "error"
GARBAGE = "garbage"


@dataclass(frozen=True)
class KindFaults:
    """What goes wrong for one endpoint kind."""

    delay: float = 0.0
    drop_rate: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    garbage_rate: float = 0.0
    apply_then_drop_rate: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FaultPlan:
    """The faults of every kind and the seed of their random streams."""

    seed: int = 0
    kinds: dict[str, KindFaults] = field(default_factory=dict)

    def for_kind(self, kind: str) -> KindFaults:
        return self.kinds.get(kind, KindFaults())

    def as_dict(self) -> dict[str, Any]:
        plan: dict[str, Any] = {"seed": self.seed}
        plan.update({kind: faults.as_dict() for kind, faults in self.kinds.items()})
        return plan


def read_plan(raw: dict[str, Any] | str | None) -> FaultPlan:
    """Check a faults configuration (a dict or its JSON text) and build a plan.

    Raises ValueError with a sentence naming the bad key and what it
    accepts, so a mistyped fault never silently tests nothing.
    """
    if raw is None or raw == "":
        return FaultPlan()

    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"SANDBOX_FAULTS is not valid JSON: {exc}.") from exc

    if not isinstance(raw, dict):
        raise ValueError("The faults configuration must be a JSON object.")

    unknown = set(raw) - {"seed", *KINDS}
    if unknown:
        raise ValueError(
            f"Unknown fault keys {sorted(unknown)}; use 'seed' and any of {KINDS}."
        )

    seed = raw.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("The fault 'seed' must be a whole number.")

    kinds = {kind: _read_kind(kind, raw[kind]) for kind in KINDS if kind in raw}
    return FaultPlan(seed=seed, kinds=kinds)


def _read_kind(kind: str, raw: Any) -> KindFaults:
    if not isinstance(raw, dict):
        raise ValueError(f"The faults for {kind!r} must be a JSON object.")

    unknown = set(raw) - KIND_KEYS
    if unknown:
        raise ValueError(
            f"Unknown keys {sorted(unknown)} in the faults for {kind!r}; use "
            f"{sorted(KIND_KEYS)}."
        )

    for key, value in raw.items():
        if key == "error_status":
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError(f"The fault {kind}.{key} must be a number.")
        if key == "delay" and not 0 <= value <= MAX_DELAY:
            raise ValueError(
                f"The fault {kind}.delay must be from 0 to {MAX_DELAY} seconds."
            )
        if key.endswith("_rate") and not 0 <= value <= 1:
            raise ValueError(f"The fault {kind}.{key} must be between 0 and 1.")

    status = raw.get("error_status", 503)
    if status not in ERROR_STATUSES:
        raise ValueError(
            f"The fault {kind}.error_status must be one of {ERROR_STATUSES}."
        )

    if sum(raw.get(key, 0) for key in RATE_KEYS) > 1:
        raise ValueError(
            f"The drop, error and garbage rates for {kind!r} add up to more than 1."
        )

    if raw.get("apply_then_drop_rate") and kind != "patch":
        raise ValueError("apply_then_drop_rate only applies to 'patch'.")

    return KindFaults(**{key: raw[key] for key in raw})


class FaultInjector:
    """Decides, request by request, whether and how to misbehave."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.configure(plan or FaultPlan())

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def configure(self, plan: FaultPlan) -> None:
        """Replace the plan and restart every random stream from its seed."""
        with self._lock:
            self._plan = plan
            self._streams = {
                kind: random.Random(f"{plan.seed}:{kind}") for kind in KINDS
            }

    def wait(self, kind: str) -> None:
        """Hold the request for the kind's delay, unless the sandbox stops."""
        delay = self._plan.for_kind(kind).delay
        if delay:
            self._released.wait(delay)

    def choose(self, kind: str) -> str:
        """Pick what happens to a request: normal, drop, error or garbage."""
        faults = self._plan.for_kind(kind)
        with self._lock:
            roll = self._streams[kind].random()

        for outcome, rate in (
            (DROP, faults.drop_rate),
            (ERROR, faults.error_rate),
            (GARBAGE, faults.garbage_rate),
        ):
            if roll < rate:
                return outcome
            roll -= rate

        return NORMAL

    def should_drop_after_apply(self) -> bool:
        """Tell whether a PATCH that was just stored loses its answer."""
        rate = self._plan.for_kind("patch").apply_then_drop_rate
        if not rate:
            return False

        with self._lock:
            return self._streams["patch"].random() < rate

    def release(self) -> None:
        """Wake every delayed request at once; used when the server stops."""
        self._released.set()


class Stats:
    """Counts of what the sandbox received and stored, for assertions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: dict[str, int] = defaultdict(int)
            self._faults: dict[str, int] = defaultdict(int)
            self._received: dict[str, int] = defaultdict(int)
            self._applied: dict[str, int] = defaultdict(int)
            self._bodies: dict[str, list[str]] = defaultdict(list)

    def count_request(self, kind: str) -> None:
        with self._lock:
            self._requests[kind] += 1

    def count_fault(self, outcome: str) -> None:
        with self._lock:
            self._faults[outcome] += 1

    def receive_patch(self, profile_id: str, body: bytes) -> None:
        """Note a PATCH body as it arrived, before any check or fault."""
        text = body.decode("utf-8", errors="replace")
        with self._lock:
            self._received[profile_id] += 1
            if text not in self._bodies[profile_id]:
                self._bodies[profile_id].append(text)

    def apply_patch(self, profile_id: str) -> None:
        with self._lock:
            self._applied[profile_id] += 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            profiles = sorted(set(self._received) | set(self._applied))
            return {
                "requests": {kind: self._requests[kind] for kind in KINDS},
                "faults": dict(self._faults),
                "patches": {
                    profile_id: {
                        "received": self._received[profile_id],
                        "applied": self._applied[profile_id],
                        "bodies": list(self._bodies[profile_id]),
                    }
                    for profile_id in profiles
                },
            }

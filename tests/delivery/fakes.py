"""Stand-ins for the clock and the AnyRoad client, shared by the outbox tests."""

import threading
import time
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet

KEY = Fernet.generate_key().decode()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


class FakeClient:
    """Records every PATCH; raises the scripted errors first, in order."""

    def __init__(self, *errors, delay=0.0):
        self.errors = list(errors)
        self.delay = delay
        self.sent = []
        self._lock = threading.Lock()

    def patch_raw(self, profile_id, body):
        if self.delay:
            time.sleep(self.delay)

        with self._lock:
            self.sent.append((profile_id, body))
            error = self.errors.pop(0) if self.errors else None

        if error is not None:
            raise error

        return {"id": profile_id}

    def sent_to(self, profile_id):
        return [body for sent_id, body in self.sent if sent_id == profile_id]

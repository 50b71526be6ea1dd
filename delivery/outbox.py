"""The outbox: every validated submission is stored before it is sent.

A guest's answers must survive an upstream outage, a crashed worker and a
double-clicked submit. So ``accept`` writes the encoded PATCH body, sealed,
under the form instance's idempotency key; ``deliver`` claims the row with a
lease, sends exactly the stored bytes and records the outcome. Because the
body is encoded once, any resend after a lost connection is byte-identical
to the first try, and the upstream never sees two versions of one answer.
The guest's request uses ``accept_and_deliver``, which does both in two
commits: the row is inserted already claimed, then the outcome is recorded.

Ownership of a row is decided by the database, never by the process: a
claim is a conditional UPDATE that only one caller can win (on PostgreSQL
after ``SELECT ... FOR UPDATE SKIP LOCKED``), and a claim that outlives its
lease, because its worker died, can be won again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.sql import ColumnElement

from anyroad.client import encode_body
from anyroad.errors import ApiError
from delivery.backoff import RetryPolicy
from delivery.engine import begin_unsynced
from delivery.failures import (
    UnusableBody,
    describe_error,
    is_transient,
    may_still_apply,
)
from delivery.schema import (
    DELIVERED,
    FAILED,
    PENDING,
    STATES,
    SUPERSEDED,
    create_schema,
    submissions,
)

log = logging.getLogger(__name__)

Outcome = Literal["delivered", "pending", "failed", "superseded"]

CLAIM_RACES = 5

# The statements of the request path are built once and take their values
# as parameters: building them per call with literal values cost about as
# much CPU as the database work itself. An UPDATE without ``values()``
# sets the columns named by the parameters' keys.
_INSERT = submissions.insert()
_FINISH = (
    update(submissions)
    .where(submissions.c.id == bindparam("owned_id"))
    .where(submissions.c.claim_token == bindparam("owned_token"))
)
# The newest submission of a profile; its body is NULL once delivered.
_NEWEST_BODY = (
    select(submissions.c.body)
    .where(submissions.c.profile_id == bindparam("profile_id"))
    .where(submissions.c.campaign == bindparam("campaign"))
    .where(submissions.c.state.in_((PENDING, FAILED, DELIVERED)))
    .order_by(submissions.c.id.desc())
    .limit(1)
)
# Whether a claimed row may be sent now (see Outbox._turn_of): is a newer
# row of its profile waiting or sent, and is another one in flight? Each
# test is an index search that stops at its first match, so the check
# costs the same however many delivered rows the profile has kept; reading
# every row of the profile grew with its history (0.08 ms at 10 rows,
# 0.5 ms at 3,000, SQLite). Seen in the plans at 3,000 rows: SQLite
# answers both from (profile_id, state), bounding the id by its rowid;
# PostgreSQL answers the first from the primary key (id > own id) and the
# second from (profile_id, state).
_NEWER_WAITING_OR_SENT = (
    select(submissions.c.id)
    .where(submissions.c.profile_id == bindparam("profile_id"))
    .where(submissions.c.id > bindparam("own_id"))
    .where(submissions.c.state.in_((PENDING, DELIVERED)))
    .exists()
)
_OTHER_IN_FLIGHT = (
    select(submissions.c.id)
    .where(submissions.c.profile_id == bindparam("profile_id"))
    .where(submissions.c.state == PENDING)
    .where(submissions.c.id != bindparam("own_id"))
    .where(submissions.c.lease_until > bindparam("now"))
    .exists()
)
_PROFILE_TURN = select(
    _NEWER_WAITING_OR_SENT.label("superseded"),
    _OTHER_IN_FLIGHT.label("in_flight"),
)
# An older row of the same profile still waiting or failed. A delivered
# row is kept while one exists: it is what tells that older row, if it is
# ever retried, that newer answers were sent (see Outbox.purge).
_older = submissions.alias("older")
_OLDER_UNSENT = (
    select(_older.c.id)
    .where(_older.c.profile_id == submissions.c.profile_id)
    .where(_older.c.id < submissions.c.id)
    .where(_older.c.state.in_((PENDING, FAILED)))
    .exists()
)
# How long a row waits while an older one of its profile is being sent.
WAIT_TURN = timedelta(seconds=2)


class ProfilePatcher(Protocol):
    """The part of ``anyroad.client.ProfileClient`` the outbox uses."""

    def patch_raw(self, profile_id: str, body: bytes) -> Any: ...


@dataclass(frozen=True)
class Submission:
    """One stored submission, as the operator and the app may see it.

    It carries ids, state and times only: the answers stay sealed in the
    database, so a Submission can be logged or printed safely.
    """

    id: int
    campaign: str
    profile_id: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    has_body: bool
    is_claimed: bool


@dataclass(frozen=True)
class _Claim:
    """A row this process owns until its lease ends."""

    id: int
    campaign: str
    profile_id: str
    sealed_body: bytes | None
    attempt: int
    token: str


def utc_now() -> datetime:
    """Tell the current time in UTC, aware."""
    return datetime.now(timezone.utc)


class Outbox:
    """Store submissions and deliver each to AnyRoad exactly once.

    :param engine: where the outbox table lives (SQLite or PostgreSQL).
    :param cipher: seals bodies at rest; its first key seals, all open.
    :param policy: backoff for retries after the upstream was unavailable.
    :param lease: how long a claim lasts; it must outlast the client's
        whole PATCH timeout, or a slow send could be claimed twice.
    :param retention: how long delivered rows are kept for deduplication.
    :param failed_retention: how long failed rows wait for the operator.
    :param clock: returns aware UTC now; tests pass a fixed one.
    :param rand: returns floats in [0, 1) for the backoff jitter.
    :param encode: turns a body dict into the bytes sent upstream.
    """

    def __init__(
        self,
        engine: Engine,
        cipher: MultiFernet,
        *,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=60),
        retention: timedelta = timedelta(days=7),
        failed_retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = utc_now,
        rand: Callable[[], float] = random.random,
        encode: Callable[[Mapping[str, Any]], bytes] = encode_body,
    ) -> None:
        self.engine = engine
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self.retention = retention
        self.failed_retention = failed_retention
        self._cipher = cipher
        self._clock = clock
        self._rand = rand
        self._encode = encode

    def create_schema(self) -> None:
        """Create the outbox table if it does not exist yet."""
        create_schema(self.engine)

    def ping(self) -> None:
        """Read the outbox table once; raise if the store is unreachable."""
        with self.engine.connect() as conn:
            conn.execute(select(submissions.c.id).limit(1)).all()

    def accept(
        self,
        idempotency_key: str,
        campaign: str,
        profile_id: str,
        body: Mapping[str, Any],
    ) -> tuple[Submission, bool]:
        """Store a validated submission once per form instance.

        :returns: the stored submission and whether this call created it.
            A second call with the same key (a double click, a back and
            resubmit, a replayed post) returns the first row untouched.
        :raises ValueError: when the idempotency key is empty.
        """
        digest = _digest(idempotency_key, "accept")
        existing = self._find_by_digest(digest)
        if existing is not None:
            self._log_duplicate(existing)
            return existing, False

        sealed = self._cipher.encrypt(self._encode(body))
        now = self._now()
        new_id, existing = self._insert(
            digest, campaign, profile_id, sealed, now, attempts=0
        )
        if existing is not None:
            return existing, False

        submission = self._require(new_id)
        log.info(
            "Accepted submission %s",
            new_id,
            extra=_fields("accept", submission, "accepted", attempt=0),
        )

        return submission, True

    def accept_and_deliver(
        self,
        idempotency_key: str,
        campaign: str,
        profile_id: str,
        body: Mapping[str, Any],
        client: ProfilePatcher,
    ) -> tuple[Submission, bool, Outcome]:
        """Store a validated submission and make its first try, for a request.

        This does what ``accept`` then ``deliver`` do, in two commits instead
        of four. The row is inserted already claimed by this call, with a
        lease and a claim token, so no other process can send it while the
        request does; if the request dies after the insert, the lease runs
        out and a worker sends the row like any other abandoned claim. A
        repeated key is recognised by the unique index, not by a read
        first, and nothing is sent for it: the row has been sent, is being
        sent, or waits for the worker's next try.

        :returns: the submission as this call stored it (or the first row,
            for a repeated key), whether this call created it, and the
            outcome of the try (for a repeated key, the row's state).
        :raises ValueError: when the idempotency key is empty.
        :raises sqlalchemy.exc.SQLAlchemyError: when the row could not be
            stored; the answer is not safe then and the guest must not be
            thanked.
        """
        digest = _digest(idempotency_key, "accept_and_deliver")
        sealed = self._cipher.encrypt(self._encode(body))
        now = self._now()
        token = secrets.token_hex(16)
        new_id, existing = self._insert(
            digest,
            campaign,
            profile_id,
            sealed,
            now,
            attempts=1,
            lease_until=now + self.lease,
            claim_token=token,
        )
        if existing is not None:
            return existing, False, existing.state  # type: ignore[return-value]

        submission = Submission(
            id=new_id,
            campaign=campaign,
            profile_id=profile_id,
            state=PENDING,
            attempts=1,
            next_attempt_at=_aware(now),
            last_error=None,
            created_at=_aware(now),
            delivered_at=None,
            failed_at=None,
            has_body=True,
            is_claimed=True,
        )
        log.info(
            "Accepted submission %s",
            new_id,
            extra=_fields("accept", submission, "accepted", attempt=0),
        )

        claim = _Claim(new_id, campaign, profile_id, sealed, 1, token)
        try:
            outcome = self._send(claim, client)
        except SQLAlchemyError:
            log.exception(
                "The outbox store failed while recording submission %s; "
                "the worker will send it once its lease ends",
                new_id,
                extra={"step": "deliver", "submission_id": new_id},
            )
            outcome = PENDING

        return submission, True, outcome

    def _insert(
        self,
        digest: str,
        campaign: str,
        profile_id: str,
        sealed: bytes,
        now: datetime,
        **claim: Any,
    ) -> tuple[int | None, Submission | None]:
        """Insert a pending row, unless its idempotency digest is stored already.

        :param claim: the attempt count, and the lease when the caller
            sends the row at once.
        :returns: the new row's id, or None with the row that holds the
            digest (another request with the same key won the insert).
        """
        row = {
            "idempotency_digest": digest,
            "campaign": campaign,
            "profile_id": profile_id,
            "state": PENDING,
            "body": sealed,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
            **claim,
        }
        try:
            with self.engine.begin() as conn:
                result = conn.execute(_INSERT, row)
        except IntegrityError:
            existing = self._find_by_digest(digest)
            if existing is None:
                raise

            self._log_duplicate(existing)
            return None, existing

        return result.inserted_primary_key[0], None

    def get(self, submission_id: int) -> Submission | None:
        """Read one submission, or None when no row has this id."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(submissions).where(submissions.c.id == submission_id)
            ).first()

        return self._to_submission(row) if row else None

    def deliver(self, submission_id: int, client: ProfilePatcher) -> Outcome:
        """Send one submission now, unless someone else owns or sent it.

        The row is claimed first. When another process holds the claim, or
        the row is already delivered or failed, nothing is sent and the
        current state is returned. Trouble with the upstream or the store
        is recorded or logged, never raised: the guest's request has
        already stored the answer, and the worker will finish the job.

        :raises LookupError: when no submission has this id.
        """
        try:
            claim = None
            for _ in range(CLAIM_RACES):
                claim, raced = self._claim(submissions.c.id == submission_id)
                if claim is not None or not raced:
                    break

            if claim is not None:
                return self._send(claim, client)

            current = self._require(submission_id)
        except SQLAlchemyError:
            log.exception(
                "The outbox store failed while delivering submission %s; "
                "the worker will send it",
                submission_id,
                extra={"step": "deliver", "submission_id": submission_id},
            )
            return PENDING

        return current.state  # type: ignore[return-value]

    def deliver_next(self, client: ProfilePatcher) -> Outcome | None:
        """Claim and send the submission that has waited longest, if any is due.

        :returns: the outcome, or None when nothing is due.
        """
        for _ in range(CLAIM_RACES):
            due = submissions.c.next_attempt_at <= self._now()
            claim, raced = self._claim(due)
            if claim is not None:
                return self._send(claim, client)

            if not raced:
                return None

        return None

    def run_worker(
        self,
        client_factory: Callable[[], ProfilePatcher],
        stop: threading.Event | None = None,
        poll: float = 1.0,
        once: bool = False,
        purge_every: timedelta = timedelta(hours=1),
    ) -> int:
        """Deliver due submissions until stopped, polling when idle.

        The client is made here, in the worker's own process and thread,
        so no HTTP session crosses a fork. A store that is briefly down is
        waited out rather than ending the worker. A long-running worker also
        purges rows past their retention every ``purge_every``, so answers
        are not kept longer than configured even when nobody schedules
        ``flask outbox purge``.

        :param once: deliver what is due now, then return.
        :returns: how many deliveries were attempted.
        """
        stop = stop or threading.Event()
        client = client_factory()
        attempted = 0
        next_purge = self._clock()
        outage = StoreOutage()

        while not stop.is_set():
            if not once and self._clock() >= next_purge:
                self._purge_quietly()
                next_purge = self._clock() + purge_every

            try:
                outcome = self.deliver_next(client)
            except SQLAlchemyError:
                if once:
                    raise

                stop.wait(outage.began_or_went_on(poll))
                continue

            outage.ended()

            if outcome is not None:
                attempted += 1
            elif once:
                break
            else:
                stop.wait(poll)

        return attempted

    def _purge_quietly(self) -> None:
        try:
            self.purge()
        except SQLAlchemyError:
            log.exception("Purging the outbox failed; the worker will try later")

    def unsent_data_set(self, campaign: str, profile_id: str) -> dict | None:
        """Return the newest answers for a profile that are not delivered yet.

        A guest who comes back while the upstream is down, or before the
        worker's next attempt, is shown what they sent rather than the
        older answers the upstream still holds. Only the profile's newest
        submission counts: once a newer one is delivered, the upstream holds
        the newest answers. Any trouble reading the store or the sealed body
        gives None: the lookup must not fail for it.
        """
        try:
            with self.engine.connect() as conn:
                sealed = conn.execute(
                    _NEWEST_BODY, {"profile_id": profile_id, "campaign": campaign}
                ).scalar()
            if sealed is None:
                return None

            body = json.loads(self._cipher.decrypt(sealed))
        except (SQLAlchemyError, InvalidToken, ValueError) as exc:
            # A warning, not a traceback: while the store is down every
            # lookup comes here, and /healthz already says so.
            log.warning(
                "Could not read the unsent answers of a profile (%s); showing "
                "the upstream's",
                type(exc).__name__,
                extra={
                    "step": "lookup",
                    "campaign": campaign,
                    "profile_id": profile_id,
                },
            )
            return None

        data_set = body.get("data_set") if isinstance(body, dict) else None
        return data_set if isinstance(data_set, dict) else None

    def opens_waiting_answers(self, sample: int = 5) -> bool | None:
        """Tell whether this outbox's keys open the answers waiting to be sent.

        Reads the bodies of a few pending rows. None when nothing waits (no
        way to tell); False when not one of them opens, which means the
        process was given another OUTBOX_KEY than the one that sealed them.
        """
        with self.engine.connect() as conn:
            sealed = conn.execute(
                select(submissions.c.body)
                .where(submissions.c.state == PENDING)
                .where(submissions.c.body.is_not(None))
                .limit(sample)
            ).scalars()
            bodies = list(sealed)

        if not bodies:
            return None

        for body in bodies:
            try:
                self._cipher.decrypt(body)
            except InvalidToken:
                continue
            return True

        return False

    def failed(self) -> list[Submission]:
        """List the submissions that wait for an operator, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(submissions)
                .where(submissions.c.state == FAILED)
                .order_by(submissions.c.failed_at, submissions.c.id)
            ).all()

        return [self._to_submission(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Count the submissions in each state."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(submissions.c.state, func.count()).group_by(submissions.c.state)
            ).all()

        counted = dict.fromkeys(STATES, 0)
        counted.update({state: number for state, number in rows})

        return counted

    def retry(self, submission_id: int) -> Submission:
        """Queue a failed submission again, once its cause is fixed.

        The attempt count starts over, so the retry gets the full backoff
        schedule; the worker sends it on its next poll.

        :raises LookupError: when no submission has this id.
        :raises ValueError: when the submission is not failed.
        """
        now = self._now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(submissions)
                .where(submissions.c.id == submission_id)
                .where(submissions.c.state == FAILED)
                .values(
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    failed_at=None,
                    updated_at=now,
                )
            )

        submission = self._require(submission_id)
        if result.rowcount != 1:
            raise ValueError(
                f"Submission {submission_id} is {submission.state}, not failed; "
                "only failed submissions can be retried."
            )

        log.info(
            "Queued failed submission %s again",
            submission_id,
            extra=_fields("retry", submission, "requeued", attempt=0),
        )

        return submission

    def retry_all_failed(self) -> list[Submission]:
        """Queue every failed submission again; return those queued."""
        queued = []
        for submission in self.failed():
            try:
                queued.append(self.retry(submission.id))
            except (LookupError, ValueError):
                continue  # purged or retried by someone else meanwhile

        return queued

    def purge(self, now: datetime | None = None) -> int:
        """Delete delivered, superseded and failed rows past their retention.

        Superseded rows keep the delivered ones' retention. Pending rows
        are never purged: they hold answers not yet sent. A delivered row
        stays while an older row of its profile is pending or failed, so
        that the older answers, retried after the retention, are still
        seen as superseded rather than sent over the newer ones.

        :returns: how many rows were deleted.
        """
        now = _naive_utc(now or self._clock())
        delivered_before = now - self.retention
        failed_before = now - self.failed_retention

        with self.engine.begin() as conn:
            # A delivered row's body is dropped at delivery; this catches any
            # left by an older version or an interrupted finish.
            conn.execute(
                update(submissions)
                .where(submissions.c.state == DELIVERED)
                .where(submissions.c.body.is_not(None))
                .values(body=None)
            )
            abandoned = conn.execute(
                delete(submissions)
                .where(submissions.c.state == FAILED)
                .where(submissions.c.failed_at < failed_before)
                .returning(submissions.c.id, submissions.c.campaign)
            ).all()
            delivered = conn.execute(
                delete(submissions)
                .where(submissions.c.state == DELIVERED)
                .where(submissions.c.delivered_at < delivered_before)
                .where(~_OLDER_UNSENT)
            ).rowcount
            delivered += conn.execute(
                delete(submissions)
                .where(submissions.c.state == SUPERSEDED)
                .where(submissions.c.updated_at < delivered_before)
            ).rowcount

        for submission_id, campaign in abandoned:
            log.warning(
                "Purged failed submission %s unsent after its retention",
                submission_id,
                extra={
                    "step": "purge",
                    "campaign": campaign,
                    "submission_id": submission_id,
                    "outcome": "discarded",
                },
            )

        return delivered + len(abandoned)

    def rotate_key(self) -> int:
        """Seal every stored body again under the first configured key.

        :returns: how many bodies were sealed again.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(submissions.c.id, submissions.c.body).where(
                    submissions.c.body.is_not(None)
                )
            ).all()

        rotated = 0
        for submission_id, sealed in rows:
            with self.engine.begin() as conn:
                # Only if unchanged: a row delivered meanwhile keeps its NULL.
                rotated += conn.execute(
                    update(submissions)
                    .where(submissions.c.id == submission_id)
                    .where(submissions.c.body == sealed)
                    .values(body=self._cipher.rotate(sealed))
                ).rowcount

        return rotated

    def _claim(self, condition: ColumnElement[bool]) -> tuple[_Claim | None, bool]:
        """Take a lease on the first claimable row matching the condition.

        :returns: the claim, or None with whether a candidate was there
            but another process won it (worth another try).
        """
        now = self._now()
        claimable = and_(
            submissions.c.state == PENDING,
            or_(submissions.c.lease_until.is_(None), submissions.c.lease_until <= now),
            condition,
        )
        token = secrets.token_hex(16)

        with self.engine.begin() as conn:
            # SKIP LOCKED lets PostgreSQL workers pass over each other's rows
            # instead of queueing behind them; SQLite ignores the clause and
            # relies on the conditional UPDATE below.
            candidate = conn.execute(
                select(submissions.c.id)
                .where(claimable)
                .order_by(submissions.c.next_attempt_at, submissions.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar()
            if candidate is None:
                return None, False

            row = conn.execute(
                update(submissions)
                .where(submissions.c.id == candidate)
                .where(claimable)
                .values(
                    lease_until=now + self.lease,
                    claim_token=token,
                    attempts=submissions.c.attempts + 1,
                    updated_at=now,
                )
                .returning(
                    submissions.c.id,
                    submissions.c.campaign,
                    submissions.c.profile_id,
                    submissions.c.body,
                    submissions.c.attempts,
                )
            ).first()

        if row is None:
            return None, True

        claim = _Claim(
            row.id, row.campaign, row.profile_id, row.body, row.attempts, token
        )
        return claim, False

    def _send(self, claim: _Claim, client: ProfilePatcher) -> Outcome:
        turn = self._turn_of(claim)
        if turn == SUPERSEDED:
            return self._finish_superseded(claim)
        if turn == PENDING:
            return self._finish_waiting(claim)

        started = time.monotonic()
        error: Exception | None = None
        try:
            body = self._open(claim)
            client.patch_raw(claim.profile_id, body)
        except Exception as exc:  # every send must end in a recorded state
            error = exc

        elapsed_ms = round((time.monotonic() - started) * 1000)
        if error is None:
            return self._finish_delivered(claim, elapsed_ms)

        return self._finish_unsent(claim, error, elapsed_ms)

    def _turn_of(self, claim: _Claim) -> str | None:
        """Tell whether a claimed row may be sent now, in its profile's order.

        A PATCH replaces the profile's whole data set, so the upstream must
        see a profile's submissions in the order guests made them, and an
        older one must never follow a newer one. Retry times are jittered,
        so the order rows fall due in says nothing; the ids do. A newer row
        that waits or was sent makes this one superseded; an older row in
        flight makes this one wait its turn. Both sides write before they
        read here, so of two rows racing, at least one sees the other.

        :returns: ``SUPERSEDED``, ``PENDING`` (wait), or None (send now).
        """
        params = {
            "profile_id": claim.profile_id,
            "own_id": claim.id,
            "now": self._now(),
        }
        with self.engine.connect() as conn:
            superseded, in_flight = conn.execute(_PROFILE_TURN, params).one()

        if superseded:
            return SUPERSEDED
        if in_flight:
            return PENDING

        return None

    def _finish_superseded(self, claim: _Claim) -> Outcome:
        self._finish(claim, state=SUPERSEDED, body=None, last_error=None)
        log.info(
            "Submission %s not sent: a newer submission replaces it",
            claim.id,
            extra=_claim_fields("deliver", claim, SUPERSEDED, None),
        )

        return SUPERSEDED

    def _finish_waiting(self, claim: _Claim) -> Outcome:
        # The claim counted an attempt; waiting one's turn is not one.
        self._finish(
            claim,
            next_attempt_at=self._now() + WAIT_TURN,
            attempts=claim.attempt - 1,
        )
        log.info(
            "Submission %s waits while an older one of its profile is sent",
            claim.id,
            extra=_claim_fields("deliver", claim, "waiting", None),
        )

        return PENDING

    def _open(self, claim: _Claim) -> bytes:
        if claim.sealed_body is None:
            raise UnusableBody("the stored body is missing")

        try:
            return self._cipher.decrypt(claim.sealed_body)
        except InvalidToken as exc:
            raise UnusableBody(
                "the stored body cannot be opened with any OUTBOX_KEY"
            ) from exc

    def _finish_delivered(self, claim: _Claim, elapsed_ms: int) -> Outcome:
        now = self._now()
        # Not synced: a mark lost in a power cut only sends the same body
        # again, and it saves a disk sync on every guest's submit.
        self._finish(
            claim,
            synced=False,
            state=DELIVERED,
            body=None,
            delivered_at=now,
            last_error=None,
        )
        log.info(
            "Delivered submission %s",
            claim.id,
            extra=_claim_fields("deliver", claim, "delivered", elapsed_ms),
        )

        return DELIVERED

    def _finish_unsent(
        self, claim: _Claim, error: Exception, elapsed_ms: int
    ) -> Outcome:
        reason = describe_error(error)
        status = getattr(error, "status", None)
        now = self._now()

        if is_transient(error) and not self.policy.should_give_up(claim.attempt):
            wait = self.policy.delay(claim.attempt, self._rand)
            # After a timeout or a dropped connection the upstream may still
            # apply the PATCH. The row then keeps a lease, owned by nobody,
            # so that for that long it counts as in flight: it is not sent
            # again, and a newer row of its profile waits (see _turn_of).
            held = now + self.lease if may_still_apply(error) else None
            self._finish(
                claim,
                next_attempt_at=now + wait,
                lease_until=held,
                last_error=reason,
            )
            fields = _claim_fields("retry", claim, "pending", elapsed_ms, status)
            next_try = max(wait, self.lease) if held else wait
            if isinstance(error, ApiError):
                log.warning(
                    "Submission %s not delivered (%s); next try in %d s",
                    claim.id,
                    reason,
                    next_try.total_seconds(),
                    extra=fields,
                )
            else:
                log.error(
                    "Submission %s not delivered after an unexpected error; "
                    "next try in %d s",
                    claim.id,
                    next_try.total_seconds(),
                    exc_info=error,
                    extra=fields,
                )
            outcome: Outcome = PENDING
        else:
            if is_transient(error):
                reason = f"gave up after {claim.attempt} attempts: {reason}"

            self._finish(claim, state=FAILED, failed_at=now, last_error=reason)
            log.warning(
                "Submission %s failed and waits for an operator (%s)",
                claim.id,
                reason,
                extra=_claim_fields("fail", claim, "failed", elapsed_ms, status),
            )
            outcome = FAILED

        return outcome

    def _finish(self, claim: _Claim, synced: bool = True, **values: Any) -> None:
        """Record the outcome if this process still owns the row.

        A row this process no longer owns was claimed again after its lease
        ran out; that is logged for the operator, and the outcome is not
        recorded over the new owner's. ``synced=False`` lets the commit
        return before it reaches the disk (see ``begin_unsynced``).
        """
        params = {
            "owned_id": claim.id,
            "owned_token": claim.token,
            "lease_until": None,
            "claim_token": None,
            "updated_at": self._now(),
            **values,
        }
        transaction = self.engine.begin() if synced else begin_unsynced(self.engine)
        with transaction as conn:
            result = conn.execute(_FINISH, params)

        if result.rowcount != 1:
            self._log_lost_lease(claim)

    def _log_lost_lease(self, claim: _Claim) -> None:
        log.warning(
            "Submission %s outlived its lease; another worker owns it now. "
            "Raise OUTBOX_LEASE_SECONDS above the client's timeout.",
            claim.id,
            extra=_claim_fields("deliver", claim, "lease-lost", None),
        )

    def _log_duplicate(self, submission: Submission) -> None:
        log.info(
            "Submission %s was already accepted; not storing it again",
            submission.id,
            extra=_fields("accept", submission, "duplicate", submission.attempts),
        )

    def _find_by_digest(self, digest: str) -> Submission | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(submissions).where(submissions.c.idempotency_digest == digest)
            ).first()

        return self._to_submission(row) if row else None

    def _require(self, submission_id: int) -> Submission:
        submission = self.get(submission_id)
        if submission is None:
            raise LookupError(
                f"No outbox submission has id {submission_id}; list the failed "
                "ones with `flask --app app outbox failed`."
            )

        return submission

    def _to_submission(self, row: Row) -> Submission:
        now = self._now()
        return Submission(
            id=row.id,
            campaign=row.campaign,
            profile_id=row.profile_id,
            state=row.state,
            attempts=row.attempts,
            next_attempt_at=_aware(row.next_attempt_at),
            last_error=row.last_error,
            created_at=_aware(row.created_at),
            delivered_at=_aware(row.delivered_at),
            failed_at=_aware(row.failed_at),
            has_body=row.body is not None,
            is_claimed=row.lease_until is not None and row.lease_until > now,
        )

    def _now(self) -> datetime:
        return _naive_utc(self._clock())


class StoreOutage:
    """Log an outage of the outbox store once, and wait longer as it lasts.

    A worker polling a store that is down would otherwise write a traceback
    every second; one when it starts, one line when it ends, and waits that
    double up to ``STORE_WAIT_CAP`` tell the person on call enough.
    """

    def __init__(self) -> None:
        self.failures = 0
        self.started = 0.0

    def began_or_went_on(self, poll: float) -> float:
        """Note one more failed poll; give how long to wait before the next."""
        if self.failures == 0:
            self.started = time.monotonic()
            log.exception(
                "The outbox store failed; the worker waits and tries again. "
                "Check DATABASE_URL and the database server.",
                extra={"step": "worker", "outcome": "store_down"},
            )
        self.failures += 1

        return min(poll * 2 ** (self.failures - 1), STORE_WAIT_CAP)

    def ended(self) -> None:
        """Note a poll that reached the store; log the end of an outage."""
        if self.failures:
            log.warning(
                "The outbox store answers again after %d s; the worker goes on",
                time.monotonic() - self.started,
                extra={"step": "worker", "outcome": "store_back"},
            )
        self.failures = 0


# The longest a worker waits between polls of a store that is down.
STORE_WAIT_CAP = 30.0


def _digest(idempotency_key: str, caller: str) -> str:
    """Hash a form instance's idempotency key, refusing an empty one."""
    if not idempotency_key:
        raise ValueError(
            f"{caller}() needs the form instance's idempotency key; pass the "
            "submission key from the form state, not an empty string."
        )

    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def _fields(
    step: str, submission: Submission, outcome: str, attempt: int
) -> dict[str, Any]:
    return {
        "step": step,
        "campaign": submission.campaign,
        "profile_id": submission.profile_id,
        "submission_id": submission.id,
        "outcome": outcome,
        "attempt": attempt,
    }


def _claim_fields(
    step: str,
    claim: _Claim,
    outcome: str,
    elapsed_ms: int | None,
    status: int | None = None,
) -> dict[str, Any]:
    return {
        "step": step,
        "campaign": claim.campaign,
        "profile_id": claim.profile_id,
        "submission_id": claim.id,
        "outcome": outcome,
        "attempt": claim.attempt,
        "duration_ms": elapsed_ms,
        "status": status,
    }


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment

    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None

    return moment.replace(tzinfo=timezone.utc)

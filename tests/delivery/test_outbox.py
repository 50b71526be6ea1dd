import logging
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy
from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError

from anyroad.client import encode_body
from anyroad.errors import (
    ApiError,
    DataRejected,
    Forbidden,
    InvalidApiKey,
    ProfileNotFound,
    UpstreamUnavailable,
)
from delivery.schema import submissions
from tests.delivery.fakes import KEY, FakeClient

ANSWER = "Sings sea shanties at breakfast"
PROFILE = "56c934fa-03c2-46f4-b7f9-6d44bafdd5a2"


def body_for(answer=ANSWER, captured_at="2024-05-01T12:00:00Z"):
    return {
        "captured_at": captured_at,
        "data_set": {"hobby": answer, "guests": 2},
        "referrer_medium": "web",
    }


def accept(outbox, key="form-1", profile_id=PROFILE, body=None):
    return outbox.accept(key, "monster-mash", profile_id, body or body_for())


def raw_row(outbox, submission_id):
    with outbox.engine.connect() as conn:
        return conn.execute(
            sqlalchemy.select(submissions).where(submissions.c.id == submission_id)
        ).one()


class TestAccept:
    def test_accept_stores_a_pending_submission(self, outbox):
        submission, created = accept(outbox)

        assert created
        assert submission.state == "pending"
        assert submission.attempts == 0
        assert submission.has_body
        assert (submission.campaign, submission.profile_id) == ("monster-mash", PROFILE)

    def test_second_accept_with_same_key_returns_first_row_unchanged(self, outbox):
        first, _ = accept(outbox)
        again, created = accept(outbox, body=body_for(answer="A changed answer"))

        assert not created
        assert again.id == first.id
        assert outbox.counts()["pending"] == 1

    def test_different_keys_make_different_rows(self, outbox):
        first, _ = accept(outbox, key="form-1")
        second, created = accept(outbox, key="form-2")

        assert created
        assert second.id != first.id

    def test_accept_without_a_key_is_refused(self, outbox):
        with pytest.raises(ValueError, match="idempotency key"):
            accept(outbox, key="")

    def test_concurrent_accepts_with_one_key_store_one_row(self, outbox):
        results = []
        barrier = threading.Barrier(4)

        def submit():
            barrier.wait()
            results.append(accept(outbox, key="double-click"))

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len({submission.id for submission, _ in results}) == 1
        assert [created for _, created in results].count(True) == 1


class TestEncryptionAtRest:
    def test_stored_body_holds_no_plaintext_answer(self, outbox):
        submission, _ = accept(outbox)

        row = raw_row(outbox, submission.id)

        assert ANSWER.encode() not in row.body
        assert b"hobby" not in row.body
        assert Fernet(KEY.encode()).decrypt(row.body) == encode_body(body_for())

    def test_idempotency_key_is_stored_only_as_a_digest(self, outbox):
        submission, _ = accept(outbox, key="secret-form-instance-key")

        row = raw_row(outbox, submission.id)

        assert "secret-form-instance-key" not in str(tuple(row))

    def test_body_sealed_under_an_unknown_key_fails_with_a_reason(
        self, make_outbox, client
    ):
        writer = make_outbox(key=Fernet.generate_key().decode())
        submission, _ = accept(writer)

        outcome = make_outbox().deliver(submission.id, client)

        assert outcome == "failed"
        assert client.sent == []
        assert "OUTBOX_KEY" in writer.get(submission.id).last_error

    def test_rotate_key_reseals_bodies_under_the_new_first_key(
        self, make_outbox, client
    ):
        old_key = KEY
        new_key = Fernet.generate_key().decode()
        submission, _ = accept(make_outbox(key=old_key))

        rotated = make_outbox(key=f"{new_key},{old_key}").rotate_key()

        assert rotated == 1
        assert make_outbox(key=new_key).deliver(submission.id, client) == "delivered"
        assert client.sent == [(PROFILE, encode_body(body_for()))]


class TestDeliver:
    def test_delivery_sends_the_stored_bytes_and_drops_the_body(self, outbox, client):
        submission, _ = accept(outbox)

        outcome = outbox.deliver(submission.id, client)

        assert outcome == "delivered"
        assert client.sent == [(PROFILE, encode_body(body_for()))]
        stored = outbox.get(submission.id)
        assert stored.state == "delivered"
        assert stored.delivered_at is not None
        assert not stored.has_body
        assert raw_row(outbox, submission.id).body is None

    def test_delivered_submission_is_never_sent_again(self, outbox, client):
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)

        assert outbox.deliver(submission.id, client) == "delivered"
        assert outbox.run_worker(lambda: client, once=True) == 0
        assert len(client.sent) == 1

    def test_double_click_after_delivery_sends_once(self, outbox, client):
        first, _ = accept(outbox)
        outbox.deliver(first.id, client)

        again, created = accept(outbox)
        outbox.deliver(again.id, client)

        assert not created
        assert len(client.sent) == 1

    def test_store_failure_during_delivery_leaves_it_to_the_worker(
        self, outbox, client, monkeypatch
    ):
        submission, _ = accept(outbox)

        def broken(condition):
            raise sqlalchemy.exc.OperationalError("UPDATE", {}, Exception("gone"))

        monkeypatch.setattr(outbox, "_claim", broken)

        assert outbox.deliver(submission.id, client) == "pending"
        assert client.sent == []

    def test_deliver_of_an_unknown_id_raises(self, outbox, client):
        with pytest.raises(LookupError, match="No outbox submission has id 999"):
            outbox.deliver(999, client)


class TestRetryAfterUnavailable:
    def test_unavailable_upstream_keeps_submission_pending_with_backoff(
        self, outbox, clock
    ):
        client = FakeClient(UpstreamUnavailable("unavailable", status=503))
        submission, _ = accept(outbox)

        outcome = outbox.deliver(submission.id, client)

        stored = outbox.get(submission.id)
        assert outcome == "pending"
        assert stored.attempts == 1
        assert stored.has_body
        assert stored.last_error == "UpstreamUnavailable (HTTP 503)"
        # base 10 s, jitter fixed at 0.5: 10 * (0.5 + 0.25)
        assert (stored.next_attempt_at - clock()).total_seconds() == 7.5
        assert not stored.is_claimed

    def test_worker_waits_for_the_backoff_then_resends_identical_bytes(
        self, outbox, clock
    ):
        client = FakeClient(UpstreamUnavailable("unavailable", status=503))
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)

        assert outbox.run_worker(lambda: client, once=True) == 0
        clock.advance(8)
        assert outbox.run_worker(lambda: client, once=True) == 1

        assert outbox.get(submission.id).state == "delivered"
        first, second = client.sent_to(PROFILE)
        assert first == second == encode_body(body_for())

    @pytest.mark.parametrize(
        "error",
        [
            UpstreamUnavailable("timed out"),
            UpstreamUnavailable("connection reset"),
            UpstreamUnavailable("bad gateway", status=502),
            UpstreamUnavailable("gateway timeout", status=504),
        ],
    )
    def test_a_send_the_upstream_may_still_apply_is_held_for_a_lease(
        self, outbox, clock, error
    ):
        client = FakeClient(error)
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)

        clock.advance(8)
        during_the_hold = outbox.run_worker(lambda: client, once=True)
        clock.advance(outbox.lease.total_seconds())
        after_it = outbox.run_worker(lambda: client, once=True)

        assert (during_the_hold, after_it) == (0, 1)
        assert outbox.get(submission.id).state == "delivered"

    @pytest.mark.parametrize(
        ("error", "next_try"),
        [
            (UpstreamUnavailable("unavailable", status=503), "next try in 7 s"),
            (UpstreamUnavailable("timed out"), "next try in 60 s"),
            (
                UpstreamUnavailable("could not connect", sent=False),
                "(UpstreamUnavailable (no connection)); next try in 7 s",
            ),
        ],
        ids=["503", "no answer: held for a lease", "refused: never sent"],
    )
    def test_the_retry_log_says_when_the_next_try_really_is(
        self, outbox, caplog, error, next_try
    ):
        caplog.set_level(logging.INFO, logger="delivery")
        submission, _ = accept(outbox)

        outbox.deliver(submission.id, FakeClient(error))

        [retry] = [r for r in caplog.records if r.step == "retry"]
        assert retry.getMessage().endswith(next_try)

    @pytest.mark.parametrize("status", [408, 429, 500, 503])
    def test_bare_api_errors_that_mean_later_are_retried(self, outbox, status):
        client = FakeClient(ApiError("busy", status=status))
        submission, _ = accept(outbox)

        assert outbox.deliver(submission.id, client) == "pending"

    def test_unexpected_exception_keeps_the_submission_for_a_retry(self, outbox):
        client = FakeClient(RuntimeError("a bug in the transport"))
        submission, _ = accept(outbox)

        assert outbox.deliver(submission.id, client) == "pending"
        assert outbox.get(submission.id).last_error == "RuntimeError"

    def test_after_the_last_allowed_attempt_the_submission_fails(
        self, outbox, clock, policy
    ):
        client = FakeClient(*[UpstreamUnavailable("down")] * policy.max_attempts)
        submission, _ = accept(outbox)

        outbox.deliver(submission.id, client)
        for _ in range(policy.max_attempts - 1):
            clock.advance(policy.cap)
            outbox.run_worker(lambda: client, once=True)

        stored = outbox.get(submission.id)
        assert stored.state == "failed"
        assert (
            stored.last_error
            == "gave up after 4 attempts: UpstreamUnavailable (no answer)"
        )
        assert stored.has_body
        assert [s.id for s in outbox.failed()] == [submission.id]


class TestPermanentFailures:
    @pytest.mark.parametrize(
        ("error", "reason"),
        [
            (InvalidApiKey("Invalid API key.", status=401), "InvalidApiKey (HTTP 401)"),
            (Forbidden("Forbidden.", status=403), "Forbidden (HTTP 403)"),
            (ProfileNotFound("nope", status=404), "ProfileNotFound (HTTP 404)"),
            (
                DataRejected(
                    "The patch request was answered with status 422.",
                    status=422,
                    reasons=[
                        {
                            "pointer": "/data_set/hobby",
                            "keyword": "maxLength",
                            "message": f"{ANSWER!r} is too long",
                        },
                        f"{ANSWER} is too long",
                    ],
                ),
                "DataRejected (HTTP 422) at /data_set/hobby (maxLength), ?",
            ),
            (ApiError("conflict", status=409), "ApiError (HTTP 409)"),
        ],
    )
    def test_rejection_is_kept_as_failed_and_never_retried(
        self, outbox, clock, error, reason
    ):
        client = FakeClient(error)
        submission, _ = accept(outbox)

        outcome = outbox.deliver(submission.id, client)
        clock.advance(86400)
        resent = outbox.run_worker(lambda: client, once=True)

        stored = outbox.get(submission.id)
        assert outcome == "failed"
        assert resent == 0
        assert len(client.sent) == 1
        assert stored.last_error == reason
        assert stored.has_body
        assert stored.failed_at is not None

    def test_operator_retry_requeues_a_failed_submission(self, outbox):
        client = FakeClient(InvalidApiKey("Invalid API key.", status=401))
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)

        queued = outbox.retry(submission.id)
        sent = outbox.run_worker(lambda: client, once=True)

        assert queued.state == "pending"
        assert queued.attempts == 0
        assert sent == 1
        assert outbox.get(submission.id).state == "delivered"
        assert len(set(client.sent_to(PROFILE))) == 1

    def test_retry_of_a_submission_that_is_not_failed_is_refused(self, outbox):
        submission, _ = accept(outbox)

        with pytest.raises(ValueError, match="is pending, not failed"):
            outbox.retry(submission.id)

    def test_retry_of_an_unknown_id_is_refused(self, outbox):
        with pytest.raises(LookupError):
            outbox.retry(42)

    def test_retry_all_failed_requeues_only_failed_ones(self, outbox):
        client = FakeClient(Forbidden("no", status=403), Forbidden("no", status=403))
        ids = [
            accept(outbox, key=f"form-{n}", profile_id=f"profile-{n}")[0].id
            for n in range(3)
        ]
        outbox.deliver(ids[0], client)
        outbox.deliver(ids[1], client)

        queued = outbox.retry_all_failed()

        assert sorted(s.id for s in queued) == ids[:2]
        assert outbox.counts() == {
            "pending": 3,
            "delivered": 0,
            "failed": 0,
            "superseded": 0,
        }


class TestClaims:
    def test_row_claimed_by_another_worker_is_not_sent(self, make_outbox, client):
        holder, other = make_outbox(), make_outbox()
        submission, _ = accept(holder)
        claim, _ = holder._claim(submissions.c.id == submission.id)

        outcome = other.deliver(submission.id, client)

        assert claim is not None
        assert outcome == "pending"
        assert client.sent == []
        assert other.get(submission.id).is_claimed

    def test_expired_lease_lets_a_new_worker_resend_identical_bytes(
        self, outbox, clock, client
    ):
        submission, _ = accept(outbox)
        # A worker claimed the row and was killed before it could finish.
        dead, _ = outbox._claim(submissions.c.id == submission.id)
        clock.advance(outbox.lease.total_seconds() + 1)

        sent = outbox.run_worker(lambda: client, once=True)

        assert dead is not None
        assert sent == 1
        assert client.sent == [(PROFILE, encode_body(body_for()))]
        assert outbox.get(submission.id).attempts == 2

    def test_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(
        self, outbox, clock, client
    ):
        submission, _ = accept(outbox)
        slow, _ = outbox._claim(submissions.c.id == submission.id)
        clock.advance(outbox.lease.total_seconds() + 1)
        fresh, _ = outbox._claim(submissions.c.id == submission.id)

        outbox._send(slow, FakeClient(ProfileNotFound("gone", status=404)))

        stored = outbox.get(submission.id)
        assert fresh is not None
        assert stored.state == "pending"
        assert stored.is_claimed

    def test_threads_delivering_the_same_row_send_it_once(self, outbox):
        client = FakeClient(delay=0.05)
        submission, _ = accept(outbox)
        barrier = threading.Barrier(6)
        outcomes = []

        def deliver():
            barrier.wait()
            outcomes.append(outbox.deliver(submission.id, client))

        threads = [threading.Thread(target=deliver) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(client.sent) == 1
        assert "delivered" in outcomes

    def test_concurrent_workers_send_each_row_once(self, make_outbox):
        client = FakeClient(delay=0.002)
        writer = make_outbox()
        profiles = [f"profile-{n}" for n in range(40)]
        for n, profile_id in enumerate(profiles):
            accept(writer, key=f"form-{n}", profile_id=profile_id)
        workers = [make_outbox() for _ in range(4)]
        barrier = threading.Barrier(len(workers) + 1)

        def work(outbox):
            barrier.wait()
            outbox.run_worker(lambda: client, once=True)

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        # The request path delivers too, racing the workers.
        barrier.wait()
        for n in range(0, 40, 3):
            writer.deliver(n + 1, client)
        for thread in threads:
            thread.join()

        assert sorted(profile_id for profile_id, _ in client.sent) == sorted(profiles)
        assert writer.counts()["delivered"] == 40


class TestPurge:
    def test_purge_deletes_rows_past_retention_but_never_pending_ones(
        self, outbox, clock, client
    ):
        delivered, _ = accept(outbox, key="delivered")
        outbox.deliver(delivered.id, client)
        failed, _ = accept(outbox, key="failed")
        outbox.deliver(failed.id, FakeClient(Forbidden("no", status=403)))
        pending, _ = accept(outbox, key="pending")

        clock.advance(8 * 86400)
        after_a_week = outbox.purge()
        clock.advance(30 * 86400)
        after_a_month = outbox.purge()

        assert after_a_week == 1
        assert outbox.get(delivered.id) is None
        assert after_a_month == 1
        assert outbox.get(failed.id) is None
        assert outbox.get(pending.id).state == "pending"

    def test_running_worker_purges_rows_past_retention(self, outbox, clock, client):
        delivered, _ = accept(outbox, key="delivered")
        outbox.deliver(delivered.id, client)
        clock.advance(8 * 86400)
        stop = threading.Event()

        worker = threading.Thread(
            target=outbox.run_worker, args=(lambda: client, stop, 0.01)
        )
        worker.start()
        for _ in range(200):
            if outbox.get(delivered.id) is None:
                break
            time.sleep(0.01)
        stop.set()
        worker.join(timeout=5)

        assert outbox.get(delivered.id) is None

    def test_purge_keeps_recent_rows_for_deduplication(self, outbox, clock, client):
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)
        clock.advance(6 * 86400)

        assert outbox.purge() == 0
        assert accept(outbox)[1] is False


class TestLogs:
    def test_each_step_logs_ids_and_never_the_answer(self, outbox, caplog):
        caplog.set_level(logging.INFO, logger="delivery")
        client = FakeClient(
            UpstreamUnavailable(f"upstream said {ANSWER}", status=503),
            DataRejected(ANSWER, status=422, reasons=[{"message": ANSWER}]),
        )
        submission, _ = accept(outbox)
        outbox.deliver(submission.id, client)
        outbox.deliver(submission.id, client)
        outbox.retry(submission.id)
        outbox.deliver(submission.id, client)

        steps = [(r.step, r.outcome) for r in caplog.records]
        assert steps == [
            ("accept", "accepted"),
            ("retry", "pending"),
            ("fail", "failed"),
            ("retry", "requeued"),
            ("deliver", "delivered"),
        ]
        for record in caplog.records:
            assert record.submission_id == submission.id
            assert record.campaign == "monster-mash"
            assert record.profile_id == PROFILE
            everything = record.getMessage() + repr(vars(record))
            assert ANSWER not in everything
        sends = [r for r in caplog.records if r.step in {"deliver", "fail"}]
        assert all(isinstance(r.duration_ms, int) for r in sends)
        assert [r.attempt for r in sends] == [2, 1]


class TestPing:
    def test_ping_passes_on_a_working_store(self, outbox):
        outbox.ping()


def submit(outbox, client, key="form-1", profile_id=PROFILE, body=None):
    return outbox.accept_and_deliver(
        key, "monster-mash", profile_id, body or body_for(), client
    )


class RequestDied(BaseException):
    """Stands for the request's process dying in the middle of its send."""


class DyingClient:
    """A client whose process dies while the PATCH is on the wire."""

    def patch_raw(self, profile_id, body):
        raise RequestDied


class TestAcceptAndDeliver:
    def test_new_submission_is_stored_sent_and_marked_delivered(
        self, outbox, client, clock
    ):
        submission, created, outcome = submit(outbox, client)

        stored = outbox.get(submission.id)
        assert created
        assert outcome == "delivered"
        assert client.sent == [(PROFILE, encode_body(body_for()))]
        assert (submission.campaign, submission.profile_id) == ("monster-mash", PROFILE)
        assert submission.created_at == clock()
        assert stored.state == "delivered"
        assert stored.attempts == 1
        assert not stored.has_body
        assert not stored.is_claimed

    def test_returned_submission_matches_the_stored_row_before_the_send(
        self, outbox, clock
    ):
        seen = []

        class Peeking:
            def patch_raw(self, profile_id, body):
                seen.append(outbox.get(submission_id()))

        def submission_id():
            with outbox.engine.connect() as conn:
                return conn.execute(sqlalchemy.select(submissions.c.id)).scalar()

        submission, _, _ = submit(outbox, Peeking())

        assert submission == seen[0]
        assert submission.is_claimed and submission.attempts == 1

    def test_repeated_key_returns_the_first_row_and_sends_nothing(self, outbox, client):
        first, _, _ = submit(outbox, client)

        again, created, outcome = submit(
            outbox, client, body=body_for(answer="A changed answer")
        )

        assert not created
        assert again.id == first.id
        assert outcome == "delivered"
        assert client.sent == [(PROFILE, encode_body(body_for()))]

    @pytest.mark.parametrize(
        ("error", "state"),
        [
            (UpstreamUnavailable("down"), "pending"),
            (InvalidApiKey("Invalid API key.", status=401), "failed"),
        ],
    )
    def test_repeated_key_of_an_unsent_row_leaves_it_to_the_worker(
        self, outbox, error, state
    ):
        client = FakeClient(error)
        first, _, _ = submit(outbox, client)

        again, created, outcome = submit(outbox, client)

        assert not created
        assert outcome == again.state == state
        assert len(client.sent) == 1

    def test_key_first_stored_by_accept_is_recognised(self, outbox, client):
        first, _ = accept(outbox)

        again, created, outcome = submit(outbox, client)

        assert (again.id, created, outcome) == (first.id, False, "pending")
        assert client.sent == []

    def test_submission_without_a_key_is_refused(self, outbox, client):
        with pytest.raises(ValueError, match="idempotency key"):
            submit(outbox, client, key="")

        assert sum(outbox.counts().values()) == 0

    def test_concurrent_submits_with_one_key_store_and_send_once(self, make_outbox):
        client = FakeClient(delay=0.02)
        outboxes = [make_outbox() for _ in range(4)]
        barrier = threading.Barrier(len(outboxes))
        results = []

        def double_click(outbox):
            barrier.wait()
            results.append(submit(outbox, client, key="double-click"))

        threads = [threading.Thread(target=double_click, args=(o,)) for o in outboxes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len({submission.id for submission, _, _ in results}) == 1
        assert [created for _, created, _ in results].count(True) == 1
        assert len(client.sent) == 1

    def test_store_failure_on_insert_is_raised_so_the_guest_is_not_thanked(
        self, outbox, client
    ):
        with outbox.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE outbox_submissions")

        with pytest.raises(sqlalchemy.exc.SQLAlchemyError):
            submit(outbox, client)

        assert client.sent == []

    def test_body_waiting_for_a_retry_is_sealed(self, outbox):
        client = FakeClient(UpstreamUnavailable("down"))
        submission, _, _ = submit(outbox, client)

        row = raw_row(outbox, submission.id)

        assert ANSWER.encode() not in row.body
        assert Fernet(KEY.encode()).decrypt(row.body) == encode_body(body_for())


class TestAcceptAndDeliverClaim:
    def test_row_is_claimed_from_its_insert_so_no_worker_sends_it_meanwhile(
        self, make_outbox, clock
    ):
        request, worker = make_outbox(), make_outbox()
        during_send = {}

        class WatchedClient(FakeClient):
            def patch_raw(self, profile_id, body):
                during_send["worker"] = worker.run_worker(lambda: self, once=True)
                during_send["deliver"] = worker.deliver(1, self)
                return super().patch_raw(profile_id, body)

        client = WatchedClient()

        _, _, outcome = submit(request, client)

        assert during_send == {"worker": 0, "deliver": "pending"}
        assert outcome == "delivered"
        assert len(client.sent) == 1

    def test_request_that_dies_after_the_insert_is_sent_by_a_worker_after_the_lease(
        self, make_outbox, clock, client
    ):
        request, worker = make_outbox(), make_outbox()
        with pytest.raises(RequestDied):
            submit(request, DyingClient())

        before_lease_ends = worker.run_worker(lambda: client, once=True)
        clock.advance(worker.lease.total_seconds() + 1)
        after_lease_ends = worker.run_worker(lambda: client, once=True)

        stored = worker.get(1)
        assert before_lease_ends == 0
        assert after_lease_ends == 1
        assert client.sent == [(PROFILE, encode_body(body_for()))]
        assert stored.state == "delivered"
        assert stored.attempts == 2

    def test_send_that_outlives_its_lease_does_not_overwrite_the_new_owner(
        self, make_outbox, clock, caplog
    ):
        caplog.set_level(logging.INFO, logger="delivery")
        worker = make_outbox()

        class SlowClient(FakeClient):
            def patch_raw(self, profile_id, body):
                # The worker takes over while this send is still running.
                clock.advance(worker.lease.total_seconds() + 1)
                self.taken_over = worker._claim(submissions.c.id == 1)[0]
                raise ProfileNotFound("gone", status=404)

        _, _, outcome = submit(make_outbox(), SlowClient())

        stored = worker.get(1)
        assert outcome == "failed"
        assert stored.state == "pending"
        assert stored.is_claimed
        assert "lease-lost" in [r.outcome for r in caplog.records]


class TestAcceptAndDeliverOutcomes:
    def test_unavailable_upstream_keeps_it_pending_with_backoff(self, outbox, clock):
        client = FakeClient(UpstreamUnavailable("unavailable", status=503))

        submission, created, outcome = submit(outbox, client)

        stored = outbox.get(submission.id)
        assert (created, outcome) == (True, "pending")
        assert stored.attempts == 1
        assert stored.has_body
        assert stored.last_error == "UpstreamUnavailable (HTTP 503)"
        # base 10 s, jitter fixed at 0.5: 10 * (0.5 + 0.25)
        assert (stored.next_attempt_at - clock()).total_seconds() == 7.5
        assert not stored.is_claimed

    def test_worker_resends_identical_bytes_after_the_backoff(self, outbox, clock):
        client = FakeClient(UpstreamUnavailable("unavailable", status=503))
        submission, _, _ = submit(outbox, client)

        clock.advance(8)
        sent = outbox.run_worker(lambda: client, once=True)

        first, second = client.sent_to(PROFILE)
        assert sent == 1
        assert first == second == encode_body(body_for())
        assert outbox.get(submission.id).attempts == 2

    @pytest.mark.parametrize(
        ("error", "reason"),
        [
            (InvalidApiKey("Invalid API key.", status=401), "InvalidApiKey (HTTP 401)"),
            (Forbidden("Forbidden.", status=403), "Forbidden (HTTP 403)"),
            (
                DataRejected(ANSWER, status=422, reasons=[{"message": ANSWER}]),
                "DataRejected (HTTP 422) at /",
            ),
        ],
    )
    def test_rejection_is_kept_failed_with_its_reason(
        self, outbox, clock, error, reason
    ):
        client = FakeClient(error)

        submission, _, outcome = submit(outbox, client)
        clock.advance(86400)
        resent = outbox.run_worker(lambda: client, once=True)

        stored = outbox.get(submission.id)
        assert outcome == "failed"
        assert resent == 0
        assert stored.last_error == reason
        assert stored.has_body
        assert stored.failed_at == clock() - timedelta(seconds=86400)

    def test_store_failure_while_recording_leaves_the_row_to_the_worker(
        self, outbox, clock, client, monkeypatch
    ):
        def broken(claim, **values):
            raise sqlalchemy.exc.OperationalError("UPDATE", {}, Exception("gone"))

        monkeypatch.setattr(outbox, "_finish", broken)
        submission, created, outcome = submit(outbox, client)
        monkeypatch.undo()

        clock.advance(outbox.lease.total_seconds() + 1)
        resent = outbox.run_worker(lambda: client, once=True)

        assert (created, outcome) == (True, "pending")
        assert resent == 1
        assert outbox.get(submission.id).state == "delivered"
        assert len(set(client.sent_to(PROFILE))) == 1


def sync_of_each_write(engine):
    """Record, for each write to the outbox, whether its commit waits for the disk.

    The setting is read on the write's own connection just before the
    statement runs, inside the transaction the statement commits with.
    """
    sqlite = engine.dialect.name == "sqlite"
    query = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
    names = {"2": "synced", "on": "synced", "1": "unsynced", "off": "unsynced"}
    seen = []

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        verb = statement.split(None, 1)[0].upper()
        if verb not in ("INSERT", "UPDATE"):
            return
        probe = conn.connection.dbapi_connection.cursor()
        probe.execute(query)
        seen.append((verb, names[str(probe.fetchone()[0])]))
        probe.close()

    return seen


def sync_of_a_new_connection(outbox):
    with outbox.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return conn.exec_driver_sql("PRAGMA synchronous").scalar()
        return conn.exec_driver_sql("SHOW synchronous_commit").scalar()


class TestAcceptAndDeliverSync:
    def test_the_accept_waits_for_the_disk_and_the_delivered_mark_does_not(
        self, outbox, client
    ):
        writes = sync_of_each_write(outbox.engine)

        _, _, outcome = submit(outbox, client)

        assert outcome == "delivered"
        assert writes == [("INSERT", "synced"), ("UPDATE", "unsynced")]

    def test_the_connection_waits_for_the_disk_again_after_the_mark(
        self, outbox, client
    ):
        submit(outbox, client)

        assert sync_of_a_new_connection(outbox) in (2, "on")

    def test_a_submission_left_to_the_worker_is_recorded_synced(self, outbox):
        writes = sync_of_each_write(outbox.engine)

        _, _, outcome = submit(outbox, FakeClient(UpstreamUnavailable("down")))

        assert outcome == "pending"
        assert writes == [("INSERT", "synced"), ("UPDATE", "synced")]

    def test_a_mark_that_fails_is_rolled_back_and_the_connection_restored(
        self, outbox, client
    ):
        def fail_on_update(conn, cursor, statement, *_):
            if statement.startswith("UPDATE"):
                raise OperationalError(statement, {}, Exception("disk gone"))

        events = (outbox.engine, "before_cursor_execute", fail_on_update)
        sqlalchemy.event.listen(*events)
        submission, _, outcome = submit(outbox, client)
        sqlalchemy.event.remove(*events)

        stored = outbox.get(submission.id)
        assert outcome == "pending"
        assert (stored.state, stored.is_claimed) == ("pending", True)
        assert sync_of_a_new_connection(outbox) in (2, "on")


class TestAcceptAndDeliverLogs:
    def test_steps_are_logged_with_ids_and_never_the_answer(self, outbox, caplog):
        caplog.set_level(logging.INFO, logger="delivery")
        client = FakeClient(UpstreamUnavailable(f"upstream said {ANSWER}"))

        submission, _, _ = submit(outbox, client)
        submit(outbox, client)

        steps = [(r.step, r.outcome, r.attempt) for r in caplog.records]
        assert steps == [
            ("accept", "accepted", 0),
            ("retry", "pending", 1),
            ("accept", "duplicate", 1),
        ]
        for record in caplog.records:
            assert record.submission_id == submission.id
            assert record.campaign == "monster-mash"
            assert record.profile_id == PROFILE
            everything = record.getMessage() + repr(vars(record))
            assert ANSWER not in everything
            assert "form-1" not in everything
        assert isinstance(caplog.records[1].duration_ms, int)

    def test_delivery_is_logged_as_accepted_then_delivered(
        self, outbox, client, caplog
    ):
        caplog.set_level(logging.INFO, logger="delivery")

        submit(outbox, client)

        assert [(r.step, r.outcome) for r in caplog.records] == [
            ("accept", "accepted"),
            ("deliver", "delivered"),
        ]


class TestUnsentAnswers:
    def test_newest_unsent_answers_are_returned_until_delivered(
        self, outbox, clock, client
    ):
        first, _ = accept(outbox, key="first", body=body_for("first"))
        clock.advance(60)
        newest, _ = accept(outbox, key="second", body=body_for("second"))

        waiting = outbox.unsent_data_set("monster-mash", PROFILE)
        outbox.deliver(newest.id, client)
        outbox.deliver(first.id, client)

        assert waiting == body_for("second")["data_set"]
        assert outbox.unsent_data_set("monster-mash", PROFILE) is None

    def test_unsent_answers_belong_to_their_campaign_and_profile(self, outbox):
        accept(outbox)

        assert outbox.unsent_data_set("tasting-follow-up", PROFILE) is None
        assert outbox.unsent_data_set("monster-mash", "another-profile") is None

    def test_older_failed_answers_are_not_shown_once_newer_ones_arrived(
        self, outbox, client
    ):
        rejected, _ = accept(outbox, key="first", body=body_for("first"))
        outbox.deliver(rejected.id, FakeClient(DataRejected("no", status=422)))
        submit(outbox, client, key="second", body=body_for("second"))

        assert outbox.get(rejected.id).state == "failed"
        assert outbox.unsent_data_set("monster-mash", PROFILE) is None


class TestProfileOrder:
    """A PATCH replaces the whole data set: the newest answers must win."""

    def test_older_answers_due_after_newer_ones_were_sent_are_not_sent(
        self, outbox, clock, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        outbox.deliver(older.id, FakeClient(UpstreamUnavailable("down", status=503)))
        submit(outbox, client, key="second", body=body_for("second"))
        clock.advance(3600)

        outbox.run_worker(lambda: client, once=True)

        assert client.sent_to(PROFILE) == [encode_body(body_for("second"))]
        assert outbox.get(older.id).state == "superseded"
        assert not outbox.get(older.id).has_body

    def test_older_answers_are_skipped_while_newer_ones_wait(self, outbox, client):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        newer, _ = accept(outbox, key="second", body=body_for("second"))

        outcomes = [outbox.deliver(older.id, client), outbox.deliver(newer.id, client)]

        assert outcomes == ["superseded", "delivered"]
        assert client.sent_to(PROFILE) == [encode_body(body_for("second"))]

    def test_a_failed_submission_retried_after_newer_answers_is_not_sent(
        self, outbox, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        outbox.deliver(older.id, FakeClient(InvalidApiKey("no", status=401)))
        submit(outbox, client, key="second", body=body_for("second"))

        outbox.retry(older.id)
        outbox.run_worker(lambda: client, once=True)

        assert client.sent_to(PROFILE) == [encode_body(body_for("second"))]
        assert outbox.get(older.id).state == "superseded"

    def test_newer_answers_wait_while_older_ones_are_in_flight(
        self, outbox, clock, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        meanwhile = {}

        class GuestSubmitsDuringTheSend(FakeClient):
            def patch_raw(self, profile_id, body):
                if not meanwhile:
                    meanwhile["submit"] = submit(
                        outbox, client, key="second", body=body_for("second")
                    )
                return client.patch_raw(profile_id, body)

        outbox.deliver(older.id, GuestSubmitsDuringTheSend())
        newer, created, outcome = meanwhile["submit"]
        waiting = outbox.get(newer.id)
        clock.advance(3)
        outbox.run_worker(lambda: client, once=True)

        assert (created, outcome) == (True, "pending")
        assert waiting.attempts == 0 and not waiting.is_claimed
        assert client.sent_to(PROFILE) == [
            encode_body(body_for("first")),
            encode_body(body_for("second")),
        ]
        assert outbox.get(newer.id).state == "delivered"

    def test_other_profiles_are_not_held_up(self, outbox, client):
        accept(outbox, key="first")
        outbox._claim(submissions.c.profile_id == PROFILE)

        _, _, outcome = submit(outbox, client, key="other", profile_id="other")

        assert outcome == "delivered"

    def test_superseded_rows_are_purged_with_the_delivered_ones(
        self, outbox, clock, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        submit(outbox, client, key="second", body=body_for("second"))
        outbox.deliver(older.id, client)
        clock.advance(outbox.retention.total_seconds() + 60)

        purged = outbox.purge()

        assert purged == 2
        assert outbox.get(older.id) is None

    def test_newer_answers_wait_out_an_older_send_the_upstream_may_still_apply(
        self, outbox, clock, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        outbox.deliver(older.id, FakeClient(UpstreamUnavailable("timed out")))

        newer, _, outcome = submit(
            outbox, client, key="second", body=body_for("second")
        )
        clock.advance(outbox.lease.total_seconds() + 1)
        outbox.run_worker(lambda: client, once=True)

        assert outcome == "pending"
        assert client.sent_to(PROFILE) == [encode_body(body_for("second"))]
        assert outbox.get(older.id).state == "superseded"
        assert outbox.get(newer.id).state == "delivered"

    def test_a_delivered_row_is_kept_while_an_older_one_waits_for_the_operator(
        self, outbox, clock, client
    ):
        older, _ = accept(outbox, key="first", body=body_for("first"))
        outbox.deliver(older.id, FakeClient(InvalidApiKey("no", status=401)))
        newer, _, _ = submit(outbox, client, key="second", body=body_for("second"))
        clock.advance(outbox.retention.total_seconds() + 60)

        outbox.purge()
        outbox.retry(older.id)
        outbox.run_worker(lambda: client, once=True)

        assert outbox.get(newer.id) is not None
        assert outbox.get(older.id).state == "superseded"
        assert client.sent_to(PROFILE) == [encode_body(body_for("second"))]


class RecordedStop:
    """A stop event that records each wait and ends after ``rounds`` waits."""

    def __init__(self, rounds):
        self.rounds = rounds
        self.waits = []

    def is_set(self):
        return len(self.waits) >= self.rounds

    def wait(self, seconds):
        self.waits.append(seconds)


class TestStoreOutage:
    def test_an_outage_is_logged_once_and_waited_out_longer_each_time(
        self, outbox, client, caplog, monkeypatch
    ):
        caplog.set_level(logging.INFO, logger="delivery")
        answers = iter([OperationalError("x", {}, Exception("down"))] * 6 + [None])

        def deliver_next(_client):
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

        monkeypatch.setattr(outbox, "deliver_next", deliver_next)
        stop = RecordedStop(rounds=7)

        outbox.run_worker(lambda: client, stop=stop, poll=1.0)

        assert stop.waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 1.0]
        outcomes = [getattr(r, "outcome", None) for r in caplog.records]
        assert outcomes.count("store_down") == 1
        assert outcomes.count("store_back") == 1

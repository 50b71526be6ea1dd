import pytest
from cryptography.fernet import Fernet

from anyroad.errors import DataRejected, InvalidApiKey
from tests.delivery.fakes import FakeClient

PROFILE = "56c934fa-03c2-46f4-b7f9-6d44bafdd5a2"
BODY = {"captured_at": "2024-05-01T12:00:00Z", "data_set": {"flavor_profile": "red"}}


@pytest.fixture
def outbox(app):
    return app.extensions["outbox"]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["outbox", *args])

    return invoke


def fail_one(outbox, key, error):
    submission, _ = outbox.accept(key, "monster-mash", PROFILE, BODY)
    outbox.deliver(submission.id, FakeClient(error))
    return submission


def test_init_db_command_creates_the_table(run, outbox):
    result = run("init-db")

    assert result.exit_code == 0
    assert "ready" in result.output


def test_failed_command_lists_ids_and_reasons_without_answers(run, outbox):
    first = fail_one(outbox, "a", InvalidApiKey("Invalid API key.", 401))
    second = fail_one(
        outbox,
        "b",
        DataRejected("rejected", 422, [{"pointer": "/data_set/x", "message": "red"}]),
    )

    result = run("failed")

    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:3]]
    assert [row[0] for row in rows] == [str(first.id), str(second.id)]
    assert rows[0][-1] == "InvalidApiKey (HTTP 401)"
    assert rows[1][-1] == "DataRejected (HTTP 422) at /data_set/x"
    assert "red" not in result.output
    assert "2 failed" in result.output


def test_failed_command_says_when_nothing_failed(run):
    assert run("failed").stdout == "No failed submissions.\n"


def test_retry_command_requeues_one_failed_submission(run, outbox):
    submission = fail_one(outbox, "a", InvalidApiKey("Invalid API key.", 401))

    result = run("retry", str(submission.id))

    assert result.exit_code == 0
    assert outbox.get(submission.id).state == "pending"


def test_retry_all_command_requeues_every_failed_submission(run, outbox):
    for key in ("a", "b"):
        fail_one(outbox, key, InvalidApiKey("Invalid API key.", 401))

    result = run("retry", "--all")

    assert "Queued 2" in result.output
    assert outbox.counts()["failed"] == 0


@pytest.mark.parametrize(
    ("args", "told"),
    [
        ((), "Give a submission id, or --all for every failed one."),
        (("1", "--all"), "Give one submission id or --all, not both."),
    ],
)
def test_retry_command_needs_exactly_one_target(run, args, told):
    result = run("retry", *args)

    assert result.exit_code == 2
    assert told in result.output


def test_retry_command_explains_why_a_pending_row_cannot_be_retried(run, outbox):
    submission, _ = outbox.accept("a", "monster-mash", PROFILE, BODY)

    result = run("retry", str(submission.id))

    assert result.exit_code == 1
    assert "is pending, not failed" in result.output


def test_worker_once_delivers_what_is_due_with_the_apps_client(app, run, outbox):
    client = FakeClient()
    app.extensions["profile_client"] = client
    outbox.accept("a", "monster-mash", PROFILE, BODY)

    result = run("worker", "--once")

    assert result.exit_code == 0
    assert len(client.sent) == 1
    assert outbox.counts()["delivered"] == 1


def test_purge_and_status_commands_report_counts(run, outbox):
    outbox.accept("a", "monster-mash", PROFILE, BODY)

    assert run("purge").stdout == "Purged 0 row(s).\n"
    assert run("status").stdout == (
        "pending\t1\ndelivered\t0\nfailed\t0\nsuperseded\t0\n"
    )


@pytest.mark.parametrize("command", [["status"], ["failed"], ["purge"]])
def test_commands_that_read_the_outbox_name_its_store(run, outbox, command):
    where = outbox.engine.url.render_as_string(hide_password=True)

    result = run(*command)

    assert result.stderr == f"Outbox store: {where}\n"


def test_rotate_key_command_reports_resealed_bodies(run, outbox):
    outbox.accept("a", "monster-mash", PROFILE, BODY)

    assert "Sealed 1 body" in run("rotate-key").output


def test_worker_refuses_to_deliver_to_a_demo_sandbox_of_its_own(app, run, outbox):
    app.extensions["sandbox"] = object()  # what create_app adds without an URL
    app.config["ANYROAD_API_URL"] = ""
    submission, _ = outbox.accept("a", "monster-mash", PROFILE, BODY)

    result = run("worker", "--once")

    assert result.exit_code == 1
    assert "ANYROAD_API_URL is not set" in result.output
    assert outbox.get(submission.id).state == "pending"


def test_worker_refuses_a_key_that_opens_none_of_the_waiting_answers(
    app, run, outbox, make_outbox
):
    sealed_elsewhere = make_outbox(key=Fernet.generate_key().decode())
    submission, _ = sealed_elsewhere.accept("a", "monster-mash", PROFILE, BODY)
    app.extensions["profile_client_factory"] = FakeClient

    result = run("worker", "--once")

    assert result.exit_code == 1
    assert "OUTBOX_KEY cannot open any of the answers waiting" in result.output
    assert outbox.get(submission.id).state == "pending"

"""The ``flask --app app outbox`` commands: the worker, and the operator's tools.

An operator meets the outbox only here: to create the table, run the
worker, see what failed, queue it again once the cause is fixed, and purge
old rows. Output shows ids, states and reasons, never an answer.
"""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from delivery.engine import shown_url
from delivery.outbox import Outbox, ProfilePatcher, Submission

log = logging.getLogger(__name__)

outbox_cli = AppGroup("outbox", help="Store, send and inspect guest submissions.")


def current_outbox() -> Outbox:
    """Return the app's outbox, as ``delivery.init_app`` stored it."""
    return current_app.extensions["outbox"]


def named_outbox() -> Outbox:
    """Return the app's outbox, first naming its store on stderr.

    Run without the production environment, a command reads a local
    SQLite file, and "pending 0" about the wrong outbox would reassure the
    person on call. stdout keeps only the answer.
    """
    outbox = current_outbox()
    where = shown_url(outbox.engine.url)
    click.echo(f"Outbox store: {where}", err=True)

    return outbox


def current_client() -> ProfilePatcher:
    """Return the app's AnyRoad client, made in this process at start-up.

    A ``profile_client_factory`` in ``app.extensions`` wins, for apps that
    build clients differently.
    """
    factory = current_app.extensions.get("profile_client_factory")
    if factory is not None:
        return factory()

    try:
        return current_app.extensions["profile_client"]
    except KeyError as exc:
        raise click.ClickException(
            "The app has no AnyRoad client: the app factory must store one at "
            'app.extensions["profile_client"] before the worker can send.'
        ) from exc


@outbox_cli.command("init-db")
def init_db_command() -> None:
    """Create the outbox table if it is missing."""
    current_outbox().create_schema()
    click.echo("The outbox table is ready.")


@outbox_cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds to wait when nothing is due.",
)
def worker_command(once: bool, poll: float) -> None:
    """Deliver waiting submissions, retrying with backoff, until stopped."""
    outbox = current_outbox()
    refuse_a_demo_upstream()
    refuse_a_key_that_opens_nothing(outbox)
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        # Finish the delivery in hand; its lease would cover a hard kill too,
        # but a clean stop spares the upstream a resend.
        log.info("Worker stopping after signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    log.info(
        "Outbox worker started: store %s, upstream %s",
        shown_url(outbox.engine.url),
        current_app.config.get("UPSTREAM_URL", "?"),
        extra={"step": "worker"},
    )
    attempted = outbox.run_worker(current_client, stop=stop, poll=poll, once=once)
    log.info("Outbox worker stopped after %d delivery attempts", attempted)


def refuse_a_demo_upstream() -> None:
    """Stop a worker that would deliver to a demo sandbox of its own.

    With no ANYROAD_API_URL the app starts an embedded sandbox, which is
    right for ``python app.py`` (its worker thread shares it) but not for a
    worker process started without the web app's environment: it would
    mark real answers delivered while the real upstream never saw them.
    """
    app = current_app
    if "sandbox" in app.extensions and app.config.get("ANYROAD_API_URL") != "embedded":
        raise click.ClickException(
            "ANYROAD_API_URL is not set, so this worker would deliver answers to "
            "a demo sandbox of its own and mark them delivered. Start it with "
            "the web app's environment (ANYROAD_API_URL, ANYROAD_API_KEY, "
            "DATABASE_URL, OUTBOX_KEY), or set ANYROAD_API_URL=embedded to "
            "deliver to the demo sandbox on purpose."
        )


def refuse_a_key_that_opens_nothing(outbox: Outbox) -> None:
    """Stop a worker whose OUTBOX_KEY cannot open the answers waiting.

    Each row it tried would be marked failed for the operator, when all
    that is wrong is the worker's own setting.
    """
    if outbox.opens_waiting_answers() is False:
        raise click.ClickException(
            "OUTBOX_KEY cannot open any of the answers waiting in the outbox. "
            "Give the worker the same OUTBOX_KEY as the web app (during a key "
            "rotation, both keys, comma-separated, the new one first)."
        )


@outbox_cli.command("failed")
def failed_command() -> None:
    """List the submissions that failed and wait for an operator."""
    failed = named_outbox().failed()
    if not failed:
        click.echo("No failed submissions.")
        return

    click.echo("id\tfailed at (UTC)\tcampaign\tprofile id\tattempts\treason")
    for submission in failed:
        click.echo(format_row(submission))

    click.echo(
        f"{len(failed)} failed. Fix the cause, then run "
        "`flask --app app outbox retry ID` or `flask --app app outbox retry --all`."
    )


@outbox_cli.command("retry")
@click.argument("submission_id", type=int, required=False)
@click.option("--all", "retry_all", is_flag=True, help="Queue every failed one.")
def retry_command(submission_id: int | None, retry_all: bool) -> None:
    """Queue a failed submission again (or all of them) for the worker."""
    if submission_id is None and not retry_all:
        raise click.UsageError("Give a submission id, or --all for every failed one.")
    if submission_id is not None and retry_all:
        raise click.UsageError("Give one submission id or --all, not both.")

    outbox = named_outbox()
    if retry_all:
        queued = outbox.retry_all_failed()
        click.echo(f"Queued {len(queued)} failed submission(s) for the worker.")
        return

    try:
        outbox.retry(submission_id)
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc

    click.echo(f"Queued submission {submission_id} for the worker.")


@outbox_cli.command("purge")
def purge_command() -> None:
    """Delete delivered and failed rows past their retention."""
    purged = named_outbox().purge()
    click.echo(f"Purged {purged} row(s).")


@outbox_cli.command("status")
def status_command() -> None:
    """Count the submissions in each state."""
    for state, number in named_outbox().counts().items():
        click.echo(f"{state}\t{number}")


@outbox_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Seal every stored body under the first key of OUTBOX_KEY."""
    rotated = named_outbox().rotate_key()
    click.echo(
        f"Sealed {rotated} body(ies) with the first key; the older keys can "
        "leave OUTBOX_KEY once every app and worker runs with the new list."
    )


def format_row(submission: Submission) -> str:
    """Render a failed submission as one tab-separated line."""
    failed_at = submission.failed_at.strftime("%Y-%m-%d %H:%M:%S")

    return "\t".join(
        (
            str(submission.id),
            failed_at,
            submission.campaign,
            submission.profile_id,
            str(submission.attempts),
            submission.last_error or "",
        )
    )

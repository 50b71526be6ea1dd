"""Operator commands for the guest flow."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from guest.links import link_expiry, make_deep_link


@click.command("deep-link")
@click.argument("campaign")
@click.argument("profile_id")
@click.option(
    "--source",
    default="email",
    show_default=True,
    help="The referrer medium recorded for answers sent through the link.",
)
@with_appcontext
def deep_link_command(campaign: str, profile_id: str, source: str) -> None:
    """Print a signed link that opens PROFILE_ID's form in CAMPAIGN.

    The link goes to standard output alone, so a script can capture it;
    when it expires goes to standard error.
    """
    app = current_app._get_current_object()
    try:
        with app.test_request_context():
            url = make_deep_link(app, campaign, profile_id, source)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc

    click.echo(url)
    if not app.config["PUBLIC_URL"]:
        click.echo(
            "PUBLIC_URL is not set, so the link names the development address; "
            "set PUBLIC_URL before emailing links to guests.",
            err=True,
        )
    expires = link_expiry(app).strftime("%Y-%m-%d %H:%M UTC")
    click.echo(
        f"The link opens the form until {expires} "
        f"(DEEP_LINK_DAYS={app.config['DEEP_LINK_DAYS']}).",
        err=True,
    )

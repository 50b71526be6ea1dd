"""``flask check-campaigns``: find campaign files that cannot be forms.

Start-up stops on the first bad campaign; this command reads them all and
reports the first problem of every file, so a campaign can be checked
before it is deployed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.datastructures import MultiDict

from forms.campaign import CampaignError, campaign_files, load_campaign
from forms.formats import build_validator
from forms.generator import build_form

DEFAULT_FOLDER = "campaigns"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@click.command("check-campaigns")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_campaigns_command(paths: tuple[Path, ...]) -> None:
    """Check campaign files: Draft 4, renderable, hints consistent.

    PATHS are campaign files or folders of them; by default the folder in
    CAMPAIGNS_DIR (or ./campaigns).
    """
    files = files_to_check(paths or (default_folder(),))
    problems = [problem for path in files for problem in check_campaign(path)]

    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.exceptions.Exit(1)

    click.echo(f"{len(files)} campaign file(s) can be shown as forms.")


def default_folder() -> Path:
    """Find the campaign folder the app would read."""
    if has_app_context() and current_app.config.get("CAMPAIGNS_DIR"):
        return Path(current_app.config["CAMPAIGNS_DIR"])

    return Path(os.environ.get("CAMPAIGNS_DIR", DEFAULT_FOLDER))


def files_to_check(paths: tuple[Path, ...]) -> list[Path]:
    """Expand folders into their campaign files; keep files as given."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(campaign_files(path))
        else:
            files.append(path)

    return files


def check_campaign(path: Path) -> list[str]:
    """List what stops one campaign file from becoming a working form."""
    if not path.is_file():
        return [f"{path}: no such campaign file."]

    try:
        campaign = load_campaign(path)
        generated = build_form(campaign)
    except CampaignError as exc:
        return [str(exc)]

    problems = []
    try:
        form = generated.make_form(formdata=MultiDict())
        generated.validate(form)
        render_standalone(form)
    except Exception as exc:  # noqa: BLE001 - any crash here is the finding
        problems.append(f"{path}: the form cannot be shown or sent: {exc!r}")

    example = json.loads(path.read_text(encoding="utf-8")).get("example")
    if example is not None:
        validator = build_validator(campaign.data_model)
        for error in validator.iter_errors(example):
            pointer = "/example/" + "/".join(str(p) for p in error.absolute_path)
            problems.append(
                f"{path}: {pointer.rstrip('/')} does not fit the data model "
                f"(keyword: {error.validator}): {error.message}"
            )

    return problems


def render_standalone(form) -> str:
    """Render a form's questions without an app, as the page macro would."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape()
    )
    template = environment.from_string(
        '{% from "forms/fields.html" import render_fields %}{{ render_fields(form) }}'
    )
    return template.render(form=form)

"""A development page showing every gallery campaign as a guest would see it.

The app registers ``bp`` only outside production. Each campaign can be
posted back to its own page to see the data set it would send, or the
errors a guest would read.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request

from forms.campaign import load_campaigns
from forms.generator import GeneratedForm, build_form

GALLERY_DIR = Path(__file__).resolve().parent.parent / "gallery"

bp = Blueprint("forms_gallery", __name__, url_prefix="/dev")


def gallery_forms() -> dict[str, GeneratedForm]:
    """Build the gallery's forms once per app (they never change at runtime)."""
    cache = current_app.extensions.setdefault("forms_gallery", {})
    if not cache:
        folder = current_app.config.get("GALLERY_DIR", GALLERY_DIR)
        for slug, campaign in load_campaigns(folder).items():
            cache[slug] = build_form(campaign)

    return cache


@bp.get("/gallery")
def show_gallery():
    """Show every gallery campaign, prefilled with its example when asked."""
    filled = request.args.get("filled") == "1"
    entries = []
    for slug, generated in gallery_forms().items():
        example = load_example(generated) if filled else None
        entries.append((slug, generated, generated.make_form(data_set=example)))

    return render_template("forms/gallery.html", entries=entries, filled=filled)


@bp.route("/gallery/<slug>", methods=["GET", "POST"])
def try_campaign(slug: str):
    """Show one gallery campaign; a post shows what it would send.

    A post from a list's "Add another" or "Remove" button (pages without
    scripts) only shows the form again with the row added or removed.
    """
    generated = gallery_forms().get(slug)
    if generated is None:
        abort(404)

    sent = None
    if request.method == "POST":
        form = generated.make_form(formdata=request.form)
        action = generated.pending_action(request.form)
        if action is not None:
            generated.apply_action(form, action)
        else:
            data_set = generated.validate(form)
            sent = None if data_set is None else json.dumps(data_set, indent=2)
    else:
        form = generated.make_form()

    return render_template(
        "forms/gallery.html",
        entries=[(slug, generated, form)],
        sent=sent,
        single=True,
    )


def load_example(generated: GeneratedForm) -> dict | None:
    """Read the sample answers kept beside a gallery campaign's model."""
    path = Path(generated.campaign.path)
    return json.loads(path.read_text(encoding="utf-8")).get("example")

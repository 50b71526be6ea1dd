"""The form page three ways, for the throughput comparison.

The guest app only shows a form after a lookup, which calls the upstream
search. To compare the generated form with its baselines without that
call, this app is the real app (``create_app``, with its hooks, headers
and limiter) plus three routes that render the same page as
``guest.views.find_booking`` does after a successful search:

* ``/bench/generated``: the campaign's generated form (``make_form``);
* ``/bench/handwritten``: ``bench.handwritten.GroupBookingForm``;
* ``/bench/static``: the generated page's bytes, captured at start-up.

All three go through ``guest.views.render_form_page`` and
``templates/guest/form.html``, so they differ only in the form itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g

from bench.handwritten import make_handwritten_form
from forms import campaign as campaigns
from forms import generator
from guest import views
from guest.security import allow_framing_by
from guest.tokens import FormState, new_submission_key

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN_FILE = ROOT / "gallery" / "group-booking.json"
FIRST_NAME = "Ana"

bp = Blueprint("bench_pages", __name__, url_prefix="/bench")


def init_app(app: Flask, campaign_file: Path = CAMPAIGN_FILE) -> None:
    """Build the measured campaign once and capture the static page."""
    # Looked up on the modules, so that bench.probes counts these calls too.
    campaign = campaigns.load_campaign(campaign_file)
    built = generator.build_form(campaign)
    app.extensions["bench_campaign"] = campaign
    app.extensions.setdefault("bench_forms", {})[campaign.slug] = built
    app.register_blueprint(bp)

    with app.test_request_context("/bench/static"):
        page, _, _ = render_page(generated_form())
    app.extensions["bench_static_page"] = page.encode("utf-8")


def generated_form():
    """Make the generated form for one request."""
    campaign = current_app.extensions["bench_campaign"]
    return current_app.extensions["bench_forms"][campaign.slug].make_form()


def render_page(form: Any) -> tuple[str, int, dict[str, str]]:
    """Render the form page as the lookup view does after a search.

    :returns: the page, its status and its headers, as the view returns them.
    """
    campaign = current_app.extensions["bench_campaign"]
    g.campaign = campaign
    g.generated = current_app.extensions["bench_forms"][campaign.slug]
    g.embedded = False
    allow_framing_by(())
    state = FormState(
        campaign=campaign.slug,
        profile_id="00000000-0000-4000-8000-000000000000",
        source="web",
        submission_key=new_submission_key(),
        experience_name="Brewery tour",
        experience_date="2021-04-10",
        experience_time="18:30",
    )

    return views.render_form_page(state, form, first_name=FIRST_NAME)


@bp.get("/generated")
def generated_page():
    """Render the page with the generated form."""
    return render_page(generated_form())


@bp.get("/handwritten")
def handwritten_page():
    """Render the page with the hand-written WTForms form."""
    return render_page(make_handwritten_form())


@bp.get("/static")
def static_page():
    """Answer with the captured bytes of the generated page."""
    return Response(current_app.extensions["bench_static_page"], mimetype="text/html")

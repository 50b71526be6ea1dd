"""The guest flow: find the booking, answer the form, see the thank-you page.

Every step after the lookup carries its state in a signed token inside the
page (see ``guest.tokens``), so the flow works in an iframe with third-party
cookies blocked. A GET never changes anything: mail scanners open links
before guests do.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime, timezone
from urllib.parse import unquote_to_bytes

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from anyroad.errors import ProfileNotFound
from anyroad.models import Profile
from guest.limits import limit_lookups
from guest.lookup import LookupForm
from guest.security import ANY_ORIGIN, allow_framing_by, frame_origins_of
from guest.theme import render_theme
from guest.tokens import FormState, TokenInvalid, TokenTooOld, new_submission_key

log = logging.getLogger(__name__)

bp = Blueprint("guest", __name__)

STATE_FIELD = "__state"
LOOKUP_FIELD = "__lookup"
HONEYPOT_FIELD = "homepage_url"
# Hidden from people and from screen readers; a bot filling in every field
# fills this one too (see is_bot_post). The same on every page, so it is
# written once rather than by a macro per render.
HONEYPOT = Markup(
    '<div class="trap" aria-hidden="true">\n'
    f'  <label for="{HONEYPOT_FIELD}">Leave this empty</label>\n'
    f'  <input type="text" id="{HONEYPOT_FIELD}" name="{HONEYPOT_FIELD}" value="" '
    'tabindex="-1" autocomplete="off">\n'
    "</div>"
)
bp.add_app_template_global(HONEYPOT, "honeypot")

NOT_KEPT = (
    "We could not save your answers just now. They are still here: please "
    "send them again in a minute."
)
FORM_TYPE = "application/x-www-form-urlencoded"
BROKEN_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")

NO_MATCH = (
    "We could not find a booking with those details. Check them against "
    "your confirmation email and try again."
)
NOT_FOR_BOOKING = (
    "We found your booking, but this form is for another experience. "
    "Use the link from the email about your own visit."
)
DEEP_LINK_FAILURES = {
    TokenTooOld: (
        "expired",
        "This link has expired. Find your booking below instead.",
    ),
    TokenInvalid: (
        "invalid",
        "This link is not valid. Find your booking below instead.",
    ),
    # The guest typed nothing, so "check your details" would not help.
    ProfileNotFound: (
        "no_profile",
        "This link no longer opens a booking. Find your booking below instead.",
    ),
}


@bp.url_value_preprocessor
def load_campaign(endpoint: str | None, values: dict | None) -> None:
    """Find the campaign named in the URL, or answer 404."""
    slug = (values or {}).get("slug")
    if slug is None:
        return

    campaign = current_app.extensions["campaigns"].get(slug)
    if campaign is None:
        if request.args.get("embed") == "1":
            # A venue's embed tag names a campaign we do not have. Any page
            # may frame this answer, which holds nothing to click, so the
            # venue's developer reads why instead of "refused to connect".
            g.embedded = True
            allow_framing_by(ANY_ORIGIN)
        raise NotFound()

    g.campaign = campaign
    g.generated = current_app.extensions["forms"][slug]
    # Our pages carry embed=1 in the address, posts included. It is read
    # before the body is judged, so that a post refused as unreadable or
    # too large still answers with a page the venue's frame can show.
    g.embedded = request.args.get("embed") == "1"
    allow_framing_by(frame_origins_of(campaign))
    if endpoint == "guest.submit_answers":
        # MAX_CONTENT_LENGTH is the room for the page's own fields; the
        # answers get the room their longest sound post needs.
        request.max_content_length = (
            current_app.config["MAX_CONTENT_LENGTH"] + g.generated.largest_answers
        )
    refuse_unreadable_post()


def refuse_unreadable_post() -> None:
    """Answer 400 or 415 to a post that our pages could not have sent.

    It runs before anything reads ``request.form``, while the raw body is
    still there to check. werkzeug reads a body it cannot decode as an
    empty form and keeps a broken escape such as "%zz" as literal text, so
    the flow would see something the guest never typed: a lookup "open too
    long", or an answer stored as "%FF". Our pages post UTF-8, urlencoded,
    and nothing else; saying so plainly is the clearer error.
    """
    if request.method != "POST":
        return

    if request.mimetype != FORM_TYPE:
        log_refusal("wrong_content_type")
        raise UnsupportedMediaType()

    body = request.get_data(cache=True)
    if not is_readable_form(body):
        log_refusal("unreadable_body")
        raise BadRequest()


def is_readable_form(body: bytes) -> bool:
    """Tell whether an urlencoded body has sound escapes and decodes as UTF-8."""
    if BROKEN_ESCAPE.search(body):
        return False

    try:
        unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return False

    return True


def log_refusal(outcome: str) -> None:
    """Note a refused post; the body is not logged, it may hold answers."""
    log.info(
        "Refused a post that no guestform page sends",
        extra={
            "step": request.endpoint,
            "campaign": g.campaign.slug,
            "outcome": outcome,
        },
    )


@bp.get("/")
def index():
    """List the campaigns, each with a link to its form."""
    campaigns = current_app.extensions["campaigns"].values()

    return render_template("guest/index.html", campaigns=campaigns)


@bp.get("/embed.js")
def embed_script():
    """Serve the script that venues paste to embed a form."""
    return send_from_directory(
        current_app.static_folder,
        "js/embed.js",
        mimetype="text/javascript",
        max_age=300,
    )


@bp.get("/f/<slug>")
def show_lookup(slug: str):
    """Show the lookup step, filled in from an email link's query."""
    source = default_source()
    prefill = {
        name: request.args.get(name, "")[:100]
        for name in ("booking_id", "last_name", "experience_date")
    }
    form = LookupForm(data=prefill)

    return render_lookup(form, source)


@bp.post("/f/<slug>")
@limit_lookups
def find_booking(slug: str):
    """Search for the booking and show its form, or say it was not found."""
    started = time.perf_counter()
    form = LookupForm(request.form)
    try:
        lookup = current_app.extensions["signer"].read_lookup(
            request.form.get(LOOKUP_FIELD, ""), slug
        )
    except TokenTooOld:
        return render_lookup(
            form,
            default_source(),
            notice="This page was open too long. Please try again.",
        )
    except TokenInvalid:
        return render_lookup(
            form,
            default_source(),
            notice="We could not read that page. Please try again.",
        )

    g.embedded = bool(lookup.get("e"))
    source = lookup.get("s") or "web"
    if is_bot_post():
        return render_lookup(form, source, notice=NO_MATCH)

    if not form.validate():
        return render_lookup(form, source)

    profiles = current_app.extensions["profile_client"].search(
        booking_id=int(form.booking_id.data),
        last_name=form.last_name.data,
        experience_date=form.experience_date.data,
    )
    profile, outcome = choose_profile(profiles)
    log_step("lookup", outcome, started, profile)
    if profile is None:
        notice = NOT_FOR_BOOKING if outcome == "other_experience" else NO_MATCH
        return render_lookup(form, source, notice=notice)

    return show_form_for(profile, source)


@bp.post("/f/<slug>/answers")
def submit_answers(slug: str):
    """Validate the answers, keep them in the outbox, then deliver them."""
    started = time.perf_counter()
    signer = current_app.extensions["signer"]
    try:
        state, expired = signer.read_state(request.form.get(STATE_FIELD, ""), slug)
    except TokenTooOld:
        return render_lookup(
            LookupForm(),
            default_source(),
            notice="This page was open too long. Find your booking again.",
        )
    except TokenInvalid:
        log_step("submit", "bad_token", started)
        return render_lookup(
            LookupForm(),
            default_source(),
            notice="We could not read that page. Find your booking again.",
            status=400,
        )

    g.profile_id = state.profile_id
    g.embedded = state.embedded
    if is_bot_post():
        return redirect_to_thanks(slug, state.source)

    answers = g.generated.make_form(formdata=request.form)
    action = g.generated.pending_action(request.form)
    if action is not None:
        # A list's "Add another" or "Remove" pressed without scripts: the
        # guest is still answering, so show the page again and send nothing.
        changed = g.generated.apply_action(answers, action)
        log_step("submit", "list_changed" if changed else "list_unchanged", started)
        return render_form_page(state, answers)

    if expired:
        log_step("submit", "token_renewed", started)
        return render_form_page(
            state,
            answers,
            notice="This page was open for a while. Check your answers and "
            "send them again.",
        )

    data_set = g.generated.validate(answers)
    if data_set is None:
        log_step("submit", "invalid", started)
        return render_form_page(state, answers)

    try:
        outcome = deliver_answers(state, data_set)
    except SQLAlchemyError:
        # Not kept, so not thanked: the answers go back to the guest, who
        # can send them again, and the operator learns where to look.
        log_step("submit", "store_down", started)
        log.error(
            "Could not keep a submission: the outbox store failed. Check "
            "DATABASE_URL and /healthz.",
            extra={"step": "submit", "campaign": slug, "outcome": "store_down"},
        )
        page, _, headers = render_form_page(state, answers, notice=NOT_KEPT)
        return page, 503, headers

    log_step("submit", outcome, started)

    return redirect_to_thanks(slug, state.source, again=outcome.startswith("replayed_"))


@bp.get("/f/<slug>/thanks")
def thank_you(slug: str):
    """Thank the guest; their answers are safe with us."""
    source = request.args.get("source")

    return render_template(
        "guest/thanks.html",
        campaign=g.campaign,
        embedded=g.embedded,
        source=source if source in g.campaign.sources else None,
        again=request.args.get("again") == "1",
        just_sent=request.args.get("sent") == "1",
    )


@bp.get("/f/<slug>/theme.css")
def theme_stylesheet(slug: str):
    """Serve the campaign's colours as CSS custom properties."""
    css = render_theme(g.campaign.ui.get("theme", {}))

    return current_app.response_class(
        css, mimetype="text/css", headers={"Cache-Control": "max-age=300"}
    )


@bp.get("/f/<slug>/link")
def open_deep_link(slug: str):
    """Open one profile's form from a signed link, without a lookup.

    The token rides in the query string, not the path: access logs are set
    to print paths only, and the token opens a guest's form.
    """
    token = request.args.get("t", "")
    started = time.perf_counter()
    days = current_app.config["DEEP_LINK_DAYS"]
    fallback_source = default_source()
    try:
        payload = current_app.extensions["signer"].read_deep_link(
            token, slug, max_age=days * 86400
        )
        g.profile_id = payload["p"]
        profile = current_app.extensions["profile_client"].get(payload["p"])
    except (TokenTooOld, TokenInvalid, ProfileNotFound) as exc:
        outcome, notice = DEEP_LINK_FAILURES[type(exc)]
        log_step("deep_link", outcome, started)
        return render_lookup(LookupForm(), fallback_source, notice=notice)

    profile, outcome = choose_profile([profile])
    log_step("deep_link", outcome, started, profile)
    if profile is None:
        return render_lookup(LookupForm(), fallback_source, notice=NOT_FOR_BOOKING)

    source = g.campaign.source_for(payload.get("s") or fallback_source)

    return show_form_for(profile, source)


def choose_profile(profiles: list[Profile]) -> tuple[Profile | None, str]:
    """Pick the profile this campaign serves from the search results."""
    if not profiles:
        return None, "no_match"

    for profile in profiles:
        if g.campaign.serves(profile.experience.name):
            return profile, "found"

    return None, "other_experience"


def default_source() -> str:
    """Pick the source to record when no token says it.

    The URL's ``source`` when the campaign allows it (an email link, an
    embed tag's ``data-source``); otherwise an embedded form records
    "iframe", and any other the campaign's default.
    """
    requested = request.args.get("source")
    if requested not in g.campaign.sources:
        requested = "iframe" if g.embedded else None

    return g.campaign.source_for(requested)


def page_query(source: str) -> dict[str, str | None]:
    """Give the query a page's form posts to: whether it is embedded, its source.

    The signed token in the post says both, but a post refused before the
    token is read (over a rate limit, too large, a token too old) still
    gets an embedded error page with the way back to the same source.
    """
    return {"embed": "1" if g.embedded else None, "source": source}


def show_form_for(profile: Profile, source: str):
    """Start a form instance for a found profile and show it, prefilled.

    Answers still waiting in the outbox are newer than what the upstream
    holds, so they are the ones shown.
    """
    state = state_for(profile, source)
    unsent = current_app.extensions["outbox"].unsent_data_set(
        g.campaign.slug, profile.id
    )
    answers = g.generated.make_form(data_set=unsent or profile.data_set)
    notice = (
        "Your last answers have not reached the venue yet; they are shown here, "
        "so you can check them or change them."
        if unsent
        else ""
    )

    return render_form_page(
        state, answers, first_name=profile.booking.first_name, notice=notice
    )


def state_for(profile: Profile, source: str) -> FormState:
    """Start a new form instance for a profile."""
    g.profile_id = profile.id
    experience = profile.experience

    return FormState(
        campaign=g.campaign.slug,
        profile_id=profile.id,
        source=source,
        submission_key=new_submission_key(),
        experience_name=experience.name or "",
        experience_date=experience.date.isoformat() if experience.date else "",
        experience_time=experience.time or "",
        embedded=g.embedded,
    )


def deliver_answers(state: FormState, data_set: dict) -> str:
    """Keep the answers in the outbox, then try to deliver them at once.

    The body, with its capture time, is fixed here: a retry later sends the
    very same bytes, so the upstream never sees two versions of one answer.
    """
    body = {
        "data_set": data_set,
        "referrer_medium": state.source,
        "captured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    outbox = current_app.extensions["outbox"]
    _, created, outcome = outbox.accept_and_deliver(
        state.submission_key,
        state.campaign,
        state.profile_id,
        body,
        current_app.extensions["profile_client"],
    )

    return outcome if created else f"replayed_{outcome}"


def is_bot_post() -> bool:
    """Tell whether the hidden honeypot field was filled in."""
    if not request.form.get(HONEYPOT_FIELD):
        return False

    log.info(
        "Dropped a post that filled the honeypot field",
        extra={
            "step": request.endpoint,
            "campaign": g.campaign.slug,
            "outcome": "honeypot",
        },
    )

    return True


def render_lookup(form: LookupForm, source: str, notice: str = "", status=200):
    """Render the lookup step with a fresh lookup token."""
    token = current_app.extensions["signer"].sign_lookup(
        g.campaign.slug, source, g.embedded
    )
    page = render_template(
        "guest/lookup.html",
        campaign=g.campaign,
        form=form,
        lookup_token=token,
        notice=notice,
        embedded=g.embedded,
        page_query=page_query(source),
        has_errors=bool(form.errors),
    )

    return page, status


def render_form_page(state: FormState, answers, first_name=None, notice=""):
    """Render the generated form under a freshly signed state token."""
    token = current_app.extensions["signer"].sign_state(state)
    experience_day = (
        date.fromisoformat(state.experience_date) if state.experience_date else None
    )

    page = render_template(
        "guest/form.html",
        campaign=g.campaign,
        form=answers,
        state_token=token,
        first_name=first_name,
        experience_name=state.experience_name,
        experience_day=experience_day,
        experience_time=state.experience_time,
        notice=notice,
        embedded=state.embedded,
        page_query=page_query(state.source),
        has_errors=bool(getattr(answers, "error_summary", None)),
    )

    # The form step answers a POST. With no-store, the browser's Back button
    # from the thank-you page can only offer to resend the lookup; kept in
    # the browser's own cache (never a shared one), Back shows the form.
    return page, 200, {"Cache-Control": "private, no-cache"}


def redirect_to_thanks(slug: str, source: str, again: bool = False):
    """Send the browser to the thank-you page (post, redirect, get).

    ``source`` rides along so that "Change your answers" records the same
    form source again. ``again`` marks a page posted a second time: the
    first answers were kept, and the guest is told how to change them.
    """
    embed = "1" if g.embedded else None
    # "sent" marks the one showing that follows a post that kept answers:
    # only that one tells the venue's page (guest.js drops the mark from
    # the address, so a reload does not tell it twice).
    url = url_for(
        ".thank_you",
        slug=slug,
        embed=embed,
        source=source,
        again="1" if again else None,
        sent=None if again else "1",
    )

    return redirect(url, code=303)


def log_step(step: str, outcome: str, started: float, profile=None) -> None:
    """Write the one log line of a step: ids, outcome and duration."""
    if not log.isEnabledFor(logging.INFO):
        return

    log.info(
        "%s %s",
        step,
        outcome,
        extra={
            "step": step,
            "campaign": g.campaign.slug,
            "profile_id": profile.id if profile else getattr(g, "profile_id", None),
            "outcome": outcome,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
